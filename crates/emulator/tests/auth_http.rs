//! WooCommerce authentication over plain HTTP, against the real
//! `skusync-emulator` binary: only one-legged OAuth 1.0a counts (query,
//! header or form body; HMAC-SHA1 or HMAC-SHA256); Basic and query-string
//! keys are ignored; each OAuth failure has WooCommerce's code and message;
//! a key's read/write scope is checked before routing.

mod auth_support;

use auth_support::*;
use serde_json::json;

#[test]
fn signer_matches_rfc5849_examples() {
    // RFC 5849 §3.4.1.1: the base string of its example request.
    let params = pairs(&[
        ("b5", "=%3D"),
        ("a3", "a"),
        ("c@", ""),
        ("a2", "r b"),
        ("oauth_consumer_key", "9djdj82h48djs9d2"),
        ("oauth_token", "kkk9d7dh3k39sjv7"),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", "137131201"),
        ("oauth_nonce", "7d8f3e4a"),
        ("c2", ""),
        ("a3", "2 q"),
    ]);
    assert_eq!(
        base_string("POST", "http://example.com/request", &params),
        "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q\
         %26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_\
         key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_m\
         ethod%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk\
         9d7dh3k39sjv7"
    );
    // RFC 5849 §1.2's photo request as OAuth Core 1.0 Appendix A.5 signs it.
    let params = pairs(&[
        ("file", "vacation.jpg"),
        ("size", "original"),
        ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
        ("oauth_token", "nnch734d00sl2jdk"),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", "1191242096"),
        ("oauth_nonce", "kllo9940pd9333jh"),
        ("oauth_version", "1.0"),
    ]);
    let base = base_string("GET", "http://photos.example.net/photos", &params);
    assert_eq!(
        sign(&base, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00", Alg::Sha1),
        "tR3+Ty81lMeYAr/Fid0kMTYa/WM="
    );
}

async fn get_signed(
    emu: &Emulator,
    oauth: &OAuth<'_>,
    query: &[(String, String)],
) -> (u16, serde_json::Value) {
    let base = format!("{}{PRODUCTS}", emu.url);
    let signed = oauth.signed_query("GET", &base, query);
    let response = emu
        .client()
        .get(emu.url_for(PRODUCTS, &signed))
        .send()
        .await
        .expect("the request is answered");
    status_json(response).await
}

#[tokio::test]
async fn oauth_in_query_and_header_with_sha1_and_sha256() {
    let emu = Emulator::start(Options::default());
    let client = emu.client();
    let base = format!("{}{PRODUCTS}", emu.url);
    // Values that need encoding: spaces, '+', '~', ',', ':' and a non-ASCII letter.
    let query = pairs(&[
        ("per_page", "5"),
        ("orderby", "id"),
        ("sku", "AUTH-MUG,AUTH TEE+x~y,ż"),
        ("modified_after", "2000-01-01T00:00:00"),
    ]);
    for alg in [Alg::Sha1, Alg::Sha256] {
        let (status, body) = get_signed(&emu, &OAuth::new(RW_KEY, RW_SECRET, alg), &query).await;
        assert_eq!(status, 200, "{alg:?} in the query: {body}");
        let skus: Vec<_> = body
            .as_array()
            .expect("a list")
            .iter()
            .map(|p| p["sku"].clone())
            .collect();
        assert_eq!(skus, [json!("AUTH-MUG")], "{alg:?}");

        let header = OAuth::new(RW_KEY, RW_SECRET, alg).header("GET", &base, &query);
        let response = client
            .get(emu.url_for(PRODUCTS, &query))
            .header("Authorization", header)
            .send()
            .await
            .expect("answered");
        let (status, body) = status_json(response).await;
        assert_eq!(status, 200, "{alg:?} in the header: {body}");
    }
}

#[tokio::test]
async fn oauth_signed_write_with_json_body() {
    // A JSON body is not signed: only the query's oauth params are.
    let emu = Emulator::start(Options::default());
    let path = format!("{PRODUCTS}/{PRODUCT_ID}");
    let base = format!("{}{path}", emu.url);
    let signed = OAuth::new(RW_KEY, RW_SECRET, Alg::Sha256).signed_query("PUT", &base, &[]);
    let response = emu
        .client()
        .put(emu.url_for(&path, &signed))
        .json(&json!({"stock_quantity": 7}))
        .send()
        .await
        .expect("answered");
    let (status, body) = status_json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["stock_quantity"], json!(7));
}

#[tokio::test]
async fn oauth_failures_have_woocommerce_codes_and_messages() {
    let emu = Emulator::start(Options::default());
    let none = Vec::new();

    let wrong_secret = OAuth::new(RW_KEY, "cs_not_the_secret", Alg::Sha1);
    assert_error(
        &get_signed(&emu, &wrong_secret, &none).await,
        401,
        AUTH_ERROR,
        "Invalid signature - provided signature does not match.",
    );

    let unknown = OAuth::new("ck_unknown", RW_SECRET, Alg::Sha1);
    assert_error(
        &get_signed(&emu, &unknown, &none).await,
        401,
        AUTH_ERROR,
        "Consumer key is invalid.",
    );

    let mut bad_method = OAuth::new(RW_KEY, RW_SECRET, Alg::Sha1);
    bad_method.method_name = Some("PLAINTEXT");
    assert_error(
        &get_signed(&emu, &bad_method, &none).await,
        401,
        AUTH_ERROR,
        "Invalid signature - signature method is invalid.",
    );

    let mut old = OAuth::new(RW_KEY, RW_SECRET, Alg::Sha1);
    old.timestamp = now() - 3600;
    assert_error(
        &get_signed(&emu, &old, &none).await,
        401,
        AUTH_ERROR,
        "Invalid timestamp.",
    );
    let mut future = OAuth::new(RW_KEY, RW_SECRET, Alg::Sha256);
    future.timestamp = now() + 3600;
    assert_error(
        &get_signed(&emu, &future, &none).await,
        401,
        AUTH_ERROR,
        "Invalid timestamp.",
    );

    // The signature is checked before the timestamp.
    let mut old_and_wrong = OAuth::new(RW_KEY, "cs_wrong", Alg::Sha1);
    old_and_wrong.timestamp = now() - 3600;
    assert_error(
        &get_signed(&emu, &old_and_wrong, &none).await,
        401,
        AUTH_ERROR,
        "Invalid signature - provided signature does not match.",
    );

    // Signed for another URL (https instead of http): no match.
    let https_base = format!("{}{PRODUCTS}", emu.url.replacen("http://", "https://", 1));
    let signed = OAuth::new(RW_KEY, RW_SECRET, Alg::Sha1).signed_query("GET", &https_base, &none);
    let response = emu
        .client()
        .get(emu.url_for(PRODUCTS, &signed))
        .send()
        .await
        .expect("answered");
    assert_error(
        &status_json(response).await,
        401,
        AUTH_ERROR,
        "Invalid signature - provided signature does not match.",
    );
}

#[tokio::test]
async fn a_replayed_nonce_is_refused() {
    let emu = Emulator::start(Options::default());
    let base = format!("{}{PRODUCTS}", emu.url);
    let signed = OAuth::new(RW_KEY, RW_SECRET, Alg::Sha1).signed_query("GET", &base, &[]);
    let url = emu.url_for(PRODUCTS, &signed);
    let client = emu.client();
    let first = status_json(client.get(&url).send().await.expect("answered")).await;
    assert_eq!(first.0, 200, "{}", first.1);
    let replay = status_json(client.get(&url).send().await.expect("answered")).await;
    assert_error(
        &replay,
        401,
        AUTH_ERROR,
        "Invalid nonce - nonce has already been used.",
    );
}

#[tokio::test]
async fn missing_oauth_parameters() {
    let emu = Emulator::start(Options::default());
    let client = emu.client();
    let oauth = OAuth::new(RW_KEY, RW_SECRET, Alg::Sha1);
    let base = format!("{}{PRODUCTS}", emu.url);
    let mut signed = oauth.signed_query("GET", &base, &[]);
    signed.retain(|(k, _)| k != "oauth_nonce");
    let response = client
        .get(emu.url_for(PRODUCTS, &signed))
        .send()
        .await
        .expect("answered");
    assert_error(
        &status_json(response).await,
        401,
        "woocommerce_rest_authentication_missing_parameter",
        "Missing OAuth parameter oauth_nonce",
    );

    let only_key = pairs(&[("oauth_consumer_key", RW_KEY), ("oauth_signature", "x")]);
    let response = client
        .get(emu.url_for(PRODUCTS, &only_key))
        .send()
        .await
        .expect("answered");
    assert_error(
        &status_json(response).await,
        401,
        "woocommerce_rest_authentication_missing_parameter",
        "Missing OAuth parameters oauth_timestamp, oauth_nonce, oauth_signature_method",
    );
}

#[tokio::test]
async fn basic_and_query_keys_are_ignored_over_http() {
    // As error-basic-auth-over-http.json: anonymous, so the list endpoint's
    // own check answers.
    let emu = Emulator::start(Options::default());
    let client = emu.client();
    let query = pairs(&[("per_page", "1")]);
    let response = client
        .get(emu.url_for(PRODUCTS, &query))
        .header("Authorization", basic(RW_KEY, RW_SECRET))
        .send()
        .await
        .expect("answered");
    let got = status_json(response).await;
    assert_error(&got, 401, CANNOT_VIEW, CANNOT_LIST);

    let keys = pairs(&[
        ("per_page", "1"),
        ("consumer_key", RW_KEY),
        ("consumer_secret", RW_SECRET),
    ]);
    let response = client
        .get(emu.url_for(PRODUCTS, &keys))
        .send()
        .await
        .expect("answered");
    assert_error(&status_json(response).await, 401, CANNOT_VIEW, CANNOT_LIST);

    // Nothing at all: the same anonymous answer.
    let response = client
        .get(emu.url_for(PRODUCTS, &query))
        .send()
        .await
        .expect("answered");
    assert_error(&status_json(response).await, 401, CANNOT_VIEW, CANNOT_LIST);
}

#[tokio::test]
async fn scope_is_checked_before_routing() {
    let emu = Emulator::start(Options::default());
    let client = emu.client();

    // Read-only key: PUT one product, POST a batch, POST to a route that
    // does not exist — all 401 "no write permissions".
    let batch_path = format!("{PRODUCTS}/batch");
    let one_path = format!("{PRODUCTS}/{PRODUCT_ID}");
    let cases = [
        ("PUT", one_path.as_str(), json!({"stock_quantity": 1})),
        (
            "POST",
            batch_path.as_str(),
            json!({"update": [{"id": PRODUCT_ID, "stock_quantity": 1}]}),
        ),
        ("POST", "/wp-json/wc/v3/no-such-route", json!({})),
        ("DELETE", one_path.as_str(), json!({})),
    ];
    for (method, path, body) in cases {
        let base = format!("{}{path}", emu.url);
        let signed = OAuth::new(READ_KEY, READ_SECRET, Alg::Sha1).signed_query(method, &base, &[]);
        let method_v = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let response = client
            .request(method_v, emu.url_for(path, &signed))
            .json(&body)
            .send()
            .await
            .expect("answered");
        assert_error(&status_json(response).await, 401, AUTH_ERROR, NO_WRITE);
    }
    // The product was not changed.
    let path = format!("{PRODUCTS}/{PRODUCT_ID}");
    let base = format!("{}{path}", emu.url);
    let signed = OAuth::new(READ_KEY, READ_SECRET, Alg::Sha1).signed_query("GET", &base, &[]);
    let (status, body) = status_json(
        client
            .get(emu.url_for(&path, &signed))
            .send()
            .await
            .expect("answered"),
    )
    .await;
    assert_eq!(
        (status, &body["stock_quantity"]),
        (200, &json!(5)),
        "{body}"
    );

    // Write-only key reading: "no read permissions", also before routing.
    for path in [PRODUCTS, "/wp-json/wc/v3/no-such-route"] {
        let base = format!("{}{path}", emu.url);
        let signed =
            OAuth::new(WRITE_KEY, WRITE_SECRET, Alg::Sha256).signed_query("GET", &base, &[]);
        let response = client
            .get(emu.url_for(path, &signed))
            .send()
            .await
            .expect("answered");
        assert_error(&status_json(response).await, 401, AUTH_ERROR, NO_READ);
    }

    // A write-only key may write.
    let base = format!("{}{path}", emu.url);
    let signed = OAuth::new(WRITE_KEY, WRITE_SECRET, Alg::Sha256).signed_query("PUT", &base, &[]);
    let response = client
        .put(emu.url_for(&path, &signed))
        .json(&json!({"stock_quantity": 9}))
        .send()
        .await
        .expect("answered");
    let (status, body) = status_json(response).await;
    assert_eq!(
        (status, &body["stock_quantity"]),
        (200, &json!(9)),
        "{body}"
    );
}

#[tokio::test]
async fn unknown_route_with_valid_auth_is_rest_no_route() {
    let emu = Emulator::start(Options::default());
    let path = "/wp-json/wc/v3/nope";
    let base = format!("{}{path}", emu.url);
    let signed = OAuth::new(RW_KEY, RW_SECRET, Alg::Sha1).signed_query("GET", &base, &[]);
    let response = emu
        .client()
        .get(emu.url_for(path, &signed))
        .send()
        .await
        .expect("answered");
    assert_error(
        &status_json(response).await,
        404,
        "rest_no_route",
        "No route was found matching the URL and request method.",
    );
}

#[tokio::test]
async fn oauth_params_in_a_form_body_are_read() {
    // `$_POST` joins the signed params: a read-only key's form-signed POST
    // authenticates (then fails the write scope); a wrong signature fails
    // authentication first.
    let emu = Emulator::start(Options::default());
    let path = format!("{PRODUCTS}/batch");
    let base = format!("{}{path}", emu.url);
    let form = pairs(&[("note", "a b+c")]);
    for (secret, message) in [
        (READ_SECRET, NO_WRITE),
        (
            "cs_wrong",
            "Invalid signature - provided signature does not match.",
        ),
    ] {
        let mut body = form.clone();
        body.extend(OAuth::new(READ_KEY, secret, Alg::Sha1).signed("POST", &base, &form));
        let response = emu
            .client()
            .post(emu.url_for(&path, &[]))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(encode_pairs(&body))
            .send()
            .await
            .expect("answered");
        assert_error(&status_json(response).await, 401, AUTH_ERROR, message);
    }
}

#[tokio::test]
async fn stripped_authorization_header_makes_header_oauth_anonymous() {
    // A host that strips `Authorization`: header OAuth is lost (anonymous),
    // query OAuth still works.
    let emu = Emulator::start(Options {
        faults: Some("strip_auth".to_owned()),
        ..Options::default()
    });
    let client = emu.client();
    let base = format!("{}{PRODUCTS}", emu.url);
    let header = OAuth::new(RW_KEY, RW_SECRET, Alg::Sha1).header("GET", &base, &[]);
    let response = client
        .get(emu.url_for(PRODUCTS, &[]))
        .header("Authorization", header)
        .send()
        .await
        .expect("answered");
    assert_error(&status_json(response).await, 401, CANNOT_VIEW, CANNOT_LIST);

    let (status, body) = get_signed(&emu, &OAuth::new(RW_KEY, RW_SECRET, Alg::Sha1), &[]).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn woocommerce_signs_php_arrays_with_indexes_and_sorts_by_raw_name() {
    // What a client must match on a real store (and what an RFC-only
    // signer gets wrong): PHP turns `include[]=a&include[]=b` into
    // `include[0]`, `include[1]`, and WooCommerce sorts by the raw name,
    // so `c2` comes before `c@` (RFC 5849 puts `c%40` first).
    let emu = Emulator::start(Options::default());
    let client = emu.client();
    let base = format!("{}{PRODUCTS}", emu.url);
    let sent = pairs(&[
        ("include[]", "101"),
        ("include[]", "102"),
        ("orderby", "id"),
        ("order", "asc"),
    ]);
    let as_php_sees_it = pairs(&[
        ("include[0]", "101"),
        ("include[1]", "102"),
        ("orderby", "id"),
        ("order", "asc"),
    ]);

    let mut all = sent.clone();
    all.extend(OAuth::new(RW_KEY, RW_SECRET, Alg::Sha1).signed("GET", &base, &as_php_sees_it));
    let (status, body) = status_json(
        client
            .get(emu.url_for(PRODUCTS, &all))
            .send()
            .await
            .expect("answered"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let ids: Vec<_> = body
        .as_array()
        .expect("a list")
        .iter()
        .map(|p| p["id"].clone())
        .collect();
    assert_eq!(ids, [json!(101), json!(102)]);

    let mut all = sent.clone();
    all.extend(OAuth::new(RW_KEY, RW_SECRET, Alg::Sha1).signed("GET", &base, &sent));
    assert_error(
        &status_json(
            client
                .get(emu.url_for(PRODUCTS, &all))
                .send()
                .await
                .expect("answered"),
        )
        .await,
        401,
        AUTH_ERROR,
        "Invalid signature - provided signature does not match.",
    );

    let odd = pairs(&[("c@", "1"), ("c2", "2")]);
    for (order, expected) in [(ParamOrder::RawName, 200), (ParamOrder::Rfc5849, 401)] {
        let mut oauth = OAuth::new(RW_KEY, RW_SECRET, Alg::Sha256);
        oauth.order = order;
        let signed = oauth.signed_query("GET", &base, &odd);
        let (status, body) = status_json(
            client
                .get(emu.url_for(PRODUCTS, &signed))
                .send()
                .await
                .expect("answered"),
        )
        .await;
        assert_eq!(status, expected, "{order:?}: {body}");
    }
}
