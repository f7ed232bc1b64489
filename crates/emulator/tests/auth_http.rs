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
    answer(
        emu.client()
            .get(emu.signed_url(oauth, "GET", PRODUCTS, query)),
    )
    .await
}

#[tokio::test]
async fn oauth_in_query_and_header_with_sha1_and_sha256() {
    let emu = Emulator::start(Options::default());
    let client = emu.client();
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

        let header =
            OAuth::new(RW_KEY, RW_SECRET, alg).header("GET", &emu.base_uri(PRODUCTS), &query);
        let (status, body) = answer(
            client
                .get(emu.url_for(PRODUCTS, &query))
                .header("Authorization", header),
        )
        .await;
        assert_eq!(status, 200, "{alg:?} in the header: {body}");
    }
}

#[tokio::test]
async fn oauth_signed_write_with_json_body() {
    // A JSON body is not signed: only the query's oauth params are.
    let emu = Emulator::start(Options::default());
    let path = format!("{PRODUCTS}/{PRODUCT_ID}");
    let oauth = OAuth::new(RW_KEY, RW_SECRET, Alg::Sha256);
    let (status, body) = answer(
        emu.client()
            .put(emu.signed_url(&oauth, "PUT", &path, &[]))
            .json(&json!({"stock_quantity": 7})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["stock_quantity"], json!(7));
}

#[tokio::test]
async fn oauth_failures_have_woocommerce_codes_and_messages() {
    let emu = Emulator::start(Options::default());
    let rw = |alg| OAuth::new(RW_KEY, RW_SECRET, alg);
    let cases = [
        (
            OAuth::new(RW_KEY, "cs_not_the_secret", Alg::Sha1),
            BAD_SIGNATURE,
        ),
        (
            OAuth::new("ck_unknown", RW_SECRET, Alg::Sha1),
            "Consumer key is invalid.",
        ),
        (
            OAuth {
                method_name: Some("PLAINTEXT"),
                ..rw(Alg::Sha1)
            },
            "Invalid signature - signature method is invalid.",
        ),
        (
            OAuth {
                timestamp: now() - 3600,
                ..rw(Alg::Sha1)
            },
            "Invalid timestamp.",
        ),
        (
            OAuth {
                timestamp: now() + 3600,
                ..rw(Alg::Sha256)
            },
            "Invalid timestamp.",
        ),
        // The signature is checked before the timestamp.
        (
            OAuth {
                timestamp: now() - 3600,
                ..OAuth::new(RW_KEY, "cs_wrong", Alg::Sha1)
            },
            BAD_SIGNATURE,
        ),
    ];
    for (oauth, message) in &cases {
        assert_error(
            &get_signed(&emu, oauth, &[]).await,
            401,
            AUTH_ERROR,
            message,
        );
    }

    // Signed for another URL (https instead of http): no match.
    let https_base = emu.base_uri(PRODUCTS).replacen("http://", "https://", 1);
    let signed = rw(Alg::Sha1).signed_query("GET", &https_base, &[]);
    assert_error(
        &answer(emu.client().get(emu.url_for(PRODUCTS, &signed))).await,
        401,
        AUTH_ERROR,
        BAD_SIGNATURE,
    );
}

#[tokio::test]
async fn a_replayed_nonce_is_refused() {
    let emu = Emulator::start(Options::default());
    let url = emu.signed_url(
        &OAuth::new(RW_KEY, RW_SECRET, Alg::Sha1),
        "GET",
        PRODUCTS,
        &[],
    );
    let client = emu.client();
    let first = answer(client.get(&url)).await;
    assert_eq!(first.0, 200, "{}", first.1);
    let replay = answer(client.get(&url)).await;
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
    let mut signed = oauth.signed_query("GET", &emu.base_uri(PRODUCTS), &[]);
    signed.retain(|(k, _)| k != "oauth_nonce");
    let only_key = pairs(&[("oauth_consumer_key", RW_KEY), ("oauth_signature", "x")]);
    for (query, message) in [
        (signed, "Missing OAuth parameter oauth_nonce"),
        (
            only_key,
            "Missing OAuth parameters oauth_timestamp, oauth_nonce, oauth_signature_method",
        ),
    ] {
        assert_error(
            &answer(client.get(emu.url_for(PRODUCTS, &query))).await,
            401,
            "woocommerce_rest_authentication_missing_parameter",
            message,
        );
    }
}

#[tokio::test]
async fn basic_and_query_keys_are_ignored_over_http() {
    // As error-basic-auth-over-http.json: anonymous, so the list endpoint's
    // own check answers.
    let emu = Emulator::start(Options::default());
    let client = emu.client();
    let query = pairs(&[("per_page", "1")]);
    let keys = pairs(&[
        ("per_page", "1"),
        ("consumer_key", RW_KEY),
        ("consumer_secret", RW_SECRET),
    ]);
    for request in [
        client
            .get(emu.url_for(PRODUCTS, &query))
            .header("Authorization", basic(RW_KEY, RW_SECRET)),
        client.get(emu.url_for(PRODUCTS, &keys)),
        // Nothing at all: the same anonymous answer.
        client.get(emu.url_for(PRODUCTS, &query)),
    ] {
        assert_error(&answer(request).await, 401, CANNOT_VIEW, CANNOT_LIST);
    }
}

#[tokio::test]
async fn scope_is_checked_before_routing() {
    let emu = Emulator::start(Options::default());
    let client = emu.client();
    let read_only = || OAuth::new(READ_KEY, READ_SECRET, Alg::Sha1);
    let write_only = || OAuth::new(WRITE_KEY, WRITE_SECRET, Alg::Sha256);

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
        let url = emu.signed_url(&read_only(), method, path, &[]);
        let method_v = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        assert_error(
            &answer(client.request(method_v, url).json(&body)).await,
            401,
            AUTH_ERROR,
            NO_WRITE,
        );
    }
    // The product was not changed.
    let (status, body) =
        answer(client.get(emu.signed_url(&read_only(), "GET", &one_path, &[]))).await;
    assert_eq!(
        (status, &body["stock_quantity"]),
        (200, &json!(5)),
        "{body}"
    );

    // Write-only key reading: "no read permissions", also before routing.
    for path in [PRODUCTS, "/wp-json/wc/v3/no-such-route"] {
        assert_error(
            &answer(client.get(emu.signed_url(&write_only(), "GET", path, &[]))).await,
            401,
            AUTH_ERROR,
            NO_READ,
        );
    }

    // A write-only key may write.
    let (status, body) = answer(
        client
            .put(emu.signed_url(&write_only(), "PUT", &one_path, &[]))
            .json(&json!({"stock_quantity": 9})),
    )
    .await;
    assert_eq!(
        (status, &body["stock_quantity"]),
        (200, &json!(9)),
        "{body}"
    );
}

#[tokio::test]
async fn unknown_route_with_valid_auth_is_rest_no_route() {
    let emu = Emulator::start(Options::default());
    let oauth = OAuth::new(RW_KEY, RW_SECRET, Alg::Sha1);
    let url = emu.signed_url(&oauth, "GET", "/wp-json/wc/v3/nope", &[]);
    assert_error(
        &answer(emu.client().get(url)).await,
        404,
        "rest_no_route",
        NO_ROUTE,
    );
}

#[tokio::test]
async fn oauth_params_in_a_form_body_are_read() {
    // `$_POST` joins the signed params: a read-only key's form-signed POST
    // authenticates (then fails the write scope); a wrong signature fails
    // authentication first.
    let emu = Emulator::start(Options::default());
    let path = format!("{PRODUCTS}/batch");
    let base = emu.base_uri(&path);
    let form = pairs(&[("note", "a b+c")]);
    for (secret, message) in [(READ_SECRET, NO_WRITE), ("cs_wrong", BAD_SIGNATURE)] {
        let mut body = form.clone();
        body.extend(OAuth::new(READ_KEY, secret, Alg::Sha1).signed("POST", &base, &form));
        let request = emu
            .client()
            .post(emu.url_for(&path, &[]))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(encode_pairs(&body));
        assert_error(&answer(request).await, 401, AUTH_ERROR, message);
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
    let header =
        OAuth::new(RW_KEY, RW_SECRET, Alg::Sha1).header("GET", &emu.base_uri(PRODUCTS), &[]);
    let request = emu
        .client()
        .get(emu.url_for(PRODUCTS, &[]))
        .header("Authorization", header);
    assert_error(&answer(request).await, 401, CANNOT_VIEW, CANNOT_LIST);

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
    let base = emu.base_uri(PRODUCTS);
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
    // `sent` on the wire, with the oauth params of a signature over `signed`.
    let get = |signed: &[(String, String)]| {
        let mut all = sent.clone();
        all.extend(OAuth::new(RW_KEY, RW_SECRET, Alg::Sha1).signed("GET", &base, signed));
        answer(client.get(emu.url_for(PRODUCTS, &all)))
    };

    let (status, body) = get(&as_php_sees_it).await;
    assert_eq!(status, 200, "{body}");
    let ids: Vec<_> = body
        .as_array()
        .expect("a list")
        .iter()
        .map(|p| p["id"].clone())
        .collect();
    assert_eq!(ids, [json!(101), json!(102)]);

    assert_error(&get(&sent).await, 401, AUTH_ERROR, BAD_SIGNATURE);

    let odd = pairs(&[("c@", "1"), ("c2", "2")]);
    for (order, expected) in [(ParamOrder::RawName, 200), (ParamOrder::Rfc5849, 401)] {
        let oauth = OAuth {
            order,
            ..OAuth::new(RW_KEY, RW_SECRET, Alg::Sha256)
        };
        let (status, body) =
            answer(client.get(emu.signed_url(&oauth, "GET", PRODUCTS, &odd))).await;
        assert_eq!(status, expected, "{order:?}: {body}");
    }
}
