//! WooCommerce authentication over HTTPS (`--tls`), against the real
//! `skusync-emulator` binary: query-string keys first, then Basic; an
//! unknown key is anonymous, a wrong secret is an error; OAuth still works
//! (signed for the `https` URL); the read-only scope holds; a host that
//! strips `Authorization` breaks Basic but not query-string keys.

mod auth_support;

use auth_support::*;
use serde_json::json;

fn tls() -> Emulator {
    let emu = Emulator::start(Options {
        tls: true,
        ..Options::default()
    });
    assert!(
        emu.url.starts_with("https://"),
        "ready line url: {}",
        emu.url
    );
    emu
}

async fn get_basic(emu: &Emulator, key: &str, secret: &str) -> (u16, serde_json::Value) {
    answer(
        emu.client()
            .get(emu.url_for(PRODUCTS, &pairs(&[("per_page", "1")])))
            .header("Authorization", basic(key, secret)),
    )
    .await
}

async fn get_query_keys(emu: &Emulator, key: &str, secret: &str) -> (u16, serde_json::Value) {
    let query = pairs(&[
        ("per_page", "1"),
        ("consumer_key", key),
        ("consumer_secret", secret),
    ]);
    answer(emu.client().get(emu.url_for(PRODUCTS, &query))).await
}

#[tokio::test]
async fn basic_and_query_string_keys() {
    let emu = tls();
    for (status, body) in [
        get_basic(&emu, RW_KEY, RW_SECRET).await,
        get_query_keys(&emu, RW_KEY, RW_SECRET).await,
    ] {
        assert_eq!(status, 200, "{body}");
        assert_eq!(body.as_array().map(Vec::len), Some(1), "per_page=1: {body}");
    }
}

#[tokio::test]
async fn unknown_key_is_anonymous_and_wrong_secret_is_an_error() {
    let emu = tls();
    for unknown_key in [
        get_basic(&emu, "ck_unknown", RW_SECRET).await,
        get_query_keys(&emu, "ck_unknown", RW_SECRET).await,
    ] {
        assert_error(&unknown_key, 401, CANNOT_VIEW, CANNOT_LIST);
    }
    for wrong_secret in [
        get_basic(&emu, RW_KEY, "cs_wrong").await,
        get_query_keys(&emu, RW_KEY, "cs_wrong").await,
    ] {
        assert_error(&wrong_secret, 401, AUTH_ERROR, BAD_SECRET);
    }
    // No credentials at all.
    let anonymous = answer(emu.client().get(emu.url_for(PRODUCTS, &[]))).await;
    assert_error(&anonymous, 401, CANNOT_VIEW, CANNOT_LIST);
}

#[tokio::test]
async fn query_string_keys_win_over_basic() {
    // WooCommerce reads `$_GET` first: a wrong query secret fails even with
    // a valid Basic header.
    let emu = tls();
    let query = pairs(&[("consumer_key", RW_KEY), ("consumer_secret", "cs_wrong")]);
    let request = emu
        .client()
        .get(emu.url_for(PRODUCTS, &query))
        .header("Authorization", basic(RW_KEY, RW_SECRET));
    assert_error(&answer(request).await, 401, AUTH_ERROR, BAD_SECRET);
}

#[tokio::test]
async fn oauth_also_works_over_https() {
    let emu = tls();
    let oauth = || OAuth::new(RW_KEY, RW_SECRET, Alg::Sha256);
    let url = emu.signed_url(&oauth(), "GET", PRODUCTS, &[]);
    let (status, body) = answer(emu.client().get(url)).await;
    assert_eq!(status, 200, "{body}");
    // Signed for http:// while served over https: the base URI differs.
    let http_base = emu.base_uri(PRODUCTS).replacen("https://", "http://", 1);
    let signed = oauth().signed_query("GET", &http_base, &[]);
    let answered = answer(emu.client().get(emu.url_for(PRODUCTS, &signed))).await;
    assert_error(&answered, 401, AUTH_ERROR, BAD_SIGNATURE);
}

#[tokio::test]
async fn read_only_key_cannot_write_over_basic() {
    let emu = tls();
    let client = emu.client();
    let one = format!("{PRODUCTS}/{PRODUCT_ID}");
    let batch = format!("{PRODUCTS}/batch");
    for (method, path) in [
        (reqwest::Method::PUT, one.as_str()),
        (reqwest::Method::POST, batch.as_str()),
        (reqwest::Method::POST, "/wp-json/wc/v3/no-such-route"),
    ] {
        let request = client
            .request(method.clone(), emu.url_for(path, &[]))
            .header("Authorization", basic(READ_KEY, READ_SECRET))
            .json(&json!({"update": [{"id": PRODUCT_ID, "stock_quantity": 0}]}));
        assert_error(&answer(request).await, 401, AUTH_ERROR, NO_WRITE);
    }
    // It may read.
    assert_eq!(get_basic(&emu, READ_KEY, READ_SECRET).await.0, 200);
    // The read-write key writes.
    let (status, body) = answer(
        client
            .put(emu.url_for(&one, &[]))
            .header("Authorization", basic(RW_KEY, RW_SECRET))
            .json(&json!({"stock_quantity": 3})),
    )
    .await;
    assert_eq!(
        (status, &body["stock_quantity"]),
        (200, &json!(3)),
        "{body}"
    );
}

#[tokio::test]
async fn unknown_route_with_valid_basic_is_rest_no_route() {
    let emu = tls();
    let request = emu
        .client()
        .get(emu.url_for("/wp-json/wc/v3/nope", &[]))
        .header("Authorization", basic(RW_KEY, RW_SECRET));
    assert_error(&answer(request).await, 404, "rest_no_route", NO_ROUTE);
}

#[tokio::test]
async fn stripped_authorization_header_breaks_basic_not_query_keys() {
    let emu = Emulator::start(Options {
        tls: true,
        faults: Some("strip_auth".to_owned()),
    });
    assert_error(
        &get_basic(&emu, RW_KEY, RW_SECRET).await,
        401,
        CANNOT_VIEW,
        CANNOT_LIST,
    );
    let (status, body) = get_query_keys(&emu, RW_KEY, RW_SECRET).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn the_certificate_is_only_trusted_when_added() {
    let emu = tls();
    // A client with the default roots refuses the self-signed certificate.
    let default_client = reqwest::Client::new();
    assert!(
        default_client
            .get(emu.url_for(PRODUCTS, &[]))
            .send()
            .await
            .is_err()
    );
    let pem = std::fs::read_to_string(emu.ca_cert.as_ref().expect("a CA path")).expect("readable");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
}
