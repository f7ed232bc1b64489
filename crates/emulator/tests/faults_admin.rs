//! Fault injection and the admin API against the real `skusync-emulator`
//! binary: 429 with `Retry-After`, 5xx with JSON or HTML bodies, dropped
//! connections, latency, failing batch items, a stripped `Authorization`
//! header, `times`/method/route/probability filters, `--faults` at start;
//! the state dump, the request counter, reset, outside edits and the clock.

mod common;

use common::*;
use serde_json::{Value, json};
use std::time::Duration;

async fn set_faults(emu: &Emu, body: Value) {
    let r = emu.admin_post("/__emulator/faults", body).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn status_faults_carry_retry_after_and_host_style_bodies() {
    let emu = start(Some(small_seed()), &[]);
    set_faults(&emu, json!({"spec": "429,times=2,retry_after=3"})).await;
    for _ in 0..2 {
        let r = emu.get(PRODUCTS, &[]).await;
        assert_eq!(r.status, 429);
        assert_eq!(r.header("retry-after").as_deref(), Some("3"));
    }
    assert_eq!(emu.get(PRODUCTS, &[]).await.status, 200, "times ran out");
    // The rule is gone once used up.
    let f = emu.admin_get("/__emulator/faults").await;
    assert_eq!(f["rules"], json!([]));

    set_faults(&emu, json!({"spec": "503,times=1,html,retry_after=7"})).await;
    let r = emu.get(PRODUCTS, &[]).await;
    assert_eq!(r.status, 503);
    assert_eq!(r.header("content-type").as_deref(), Some("text/html"));
    assert_eq!(r.header("retry-after").as_deref(), Some("7"));
    assert!(
        r.text.contains("<h1>503 Service Unavailable</h1>"),
        "{}",
        r.text
    );
    assert_eq!(r.body, Value::Null, "not JSON");

    set_faults(
        &emu,
        json!({"rules": [{"kind": "status", "status": 500, "times": 1}]}),
    )
    .await;
    let r = emu.get(PRODUCTS, &[]).await;
    assert_eq!(r.status, 500);
    assert_eq!(r.body["code"], "internal_server_error");
    assert_eq!(r.body["data"]["status"], 500);

    set_faults(
        &emu,
        json!({"rules": [{"kind": "status", "status": 502, "html": true, "times": 1}]}),
    )
    .await;
    let r = emu.get(PRODUCTS, &[]).await;
    assert_eq!(r.status, 502);
    assert!(r.text.contains("502 Bad Gateway"));
    assert_eq!(r.header("retry-after"), None);

    // 429 without an explicit Retry-After still sends one.
    set_faults(&emu, json!({"spec": "429,times=1"})).await;
    let r = emu.get(PRODUCTS, &[]).await;
    assert_eq!(r.header("retry-after").as_deref(), Some("1"));

    // Bad specs are refused.
    let r = emu
        .admin_post("/__emulator/faults", json!({"spec": "teapot"}))
        .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn a_dropped_connection_sends_no_response() {
    let emu = start(Some(small_seed()), &[]);
    set_faults(&emu, json!({"spec": "drop,times=1"})).await;
    let err = emu
        .try_call("GET", PRODUCTS, &[], None)
        .await
        .expect_err("the connection is dropped");
    assert!(!err.is_timeout(), "{err:?}");
    assert!(err.status().is_none());
    // The next request is served.
    assert_eq!(emu.get(PRODUCTS, &[]).await.status, 200);
    // Dropped requests are counted.
    let counts = emu.admin_get("/__emulator/requests").await;
    assert_eq!(counts["total"], 2);
}

#[tokio::test]
async fn latency_holds_the_response_back() {
    let emu = start(Some(small_seed()), &[]);
    set_faults(&emu, json!({"spec": "latency=5000,times=1"})).await;
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(1500))
        .build()
        .expect("client");
    let url = format!("{}{PRODUCTS}", emu.url);
    let err = impatient.get(&url).send().await.expect_err("held back");
    assert!(err.is_timeout(), "{err:?}");
    // Once used, the rule is gone: the next request answers (401: unsigned).
    let r = impatient.get(&url).send().await.expect("served");
    assert_eq!(r.status().as_u16(), 401);

    // --latency-ms applies to every API request, not to admin ones.
    let slow = start(Some(small_seed()), &["--latency-ms", "5000"]);
    let err = impatient
        .get(format!("{}{PRODUCTS}", slow.url))
        .send()
        .await
        .expect_err("held back");
    assert!(err.is_timeout());
    let r = impatient
        .get(format!("{}/__emulator/requests", slow.url))
        .send()
        .await
        .expect("admin is not delayed");
    assert_eq!(r.status().as_u16(), 200);
}

#[tokio::test]
async fn a_fraction_of_batch_items_fails() {
    let emu = start(Some(small_seed()), &[]);
    set_faults(
        &emu,
        json!({"rules": [{"kind": "batch_fail", "fraction": 0.5}]}),
    )
    .await;
    let r = emu
        .post(
            &format!("{PRODUCTS}/batch"),
            json!({"update": [{"id": 20, "stock_quantity": 1}, {"id": 21, "stock_quantity": 1},
                              {"id": 302, "name": "x"}, {"id": 301, "name": "y"}]}),
        )
        .await;
    assert_eq!(r.status, 200);
    let u = r.body["update"].as_array().cloned().unwrap_or_default();
    assert_eq!(u[0]["stock_quantity"], 1);
    assert_eq!(
        u[1],
        json!({"id": 21, "error": {"code": "emulator_injected_failure",
                                    "message": "Injected batch item failure (emulator fault).",
                                    "data": {"status": 500}}})
    );
    assert_eq!(u[2]["name"], "x");
    assert_eq!(u[3]["error"]["code"], "emulator_injected_failure");
    // Failed items were not applied.
    let g = emu.get(&format!("{PRODUCTS}/21"), &[]).await;
    assert_eq!(g.body["stock_quantity"], 3);
    // Non-batch requests are untouched.
    let w = emu
        .put(&format!("{PRODUCTS}/21"), json!({"stock_quantity": 4}))
        .await;
    assert_eq!(w.status, 200);
}

#[tokio::test]
async fn a_stripped_authorization_header_makes_requests_anonymous() {
    let emu = start(Some(small_seed()), &[]);
    let url = format!("{}{PRODUCTS}", emu.url);
    let with_header = || async {
        let h = oauth_header("GET", &url, &emu.ck, &emu.cs);
        emu.raw("GET", &url, None, &[("authorization", h.as_str())])
            .await
            .expect("request")
    };
    assert_eq!(with_header().await.status, 200);
    set_faults(&emu, json!({"spec": "strip_auth"})).await;
    let r = with_header().await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body["code"], "woocommerce_rest_cannot_view");
    // Credentials in the query string still work.
    assert_eq!(emu.get(PRODUCTS, &[]).await.status, 200);
}

#[tokio::test]
async fn filters_by_method_and_route_and_seeded_probability() {
    let emu = start(Some(small_seed()), &[]);
    set_faults(
        &emu,
        json!({"spec": "503,method=POST,route=/wc/v3/products/batch;500,route=/wc/v3/products/{id}/variations*"}),
    )
    .await;
    assert_eq!(emu.get(PRODUCTS, &[]).await.status, 200);
    assert_eq!(
        emu.post(&format!("{PRODUCTS}/batch"), json!({}))
            .await
            .status,
        503
    );
    assert_eq!(
        emu.get(&format!("{PRODUCTS}/260/variations"), &[])
            .await
            .status,
        500
    );
    assert_eq!(
        emu.get(&format!("{PRODUCTS}/260/variations/261"), &[])
            .await
            .status,
        500
    );
    assert_eq!(emu.get(&format!("{PRODUCTS}/260"), &[]).await.status, 200);

    // A seeded probability gives the same sequence every time.
    async fn sequence(emu: &Emu) -> Vec<u16> {
        set_faults(emu, json!({"spec": "503,p=0.5;seed=42"})).await;
        let mut out = Vec::new();
        for _ in 0..24 {
            out.push(emu.get(PRODUCTS, &[("per_page", "1")]).await.status);
        }
        out
    }
    let a = sequence(&emu).await;
    let other = start(Some(small_seed()), &[]);
    let b = sequence(&other).await;
    assert_eq!(a, b);
    assert!(a.contains(&503) && a.contains(&200), "{a:?}");
}

#[tokio::test]
async fn faults_given_at_start() {
    let emu = start(
        Some(small_seed()),
        &["--faults", "503,times=1,html;429,times=1,method=PUT"],
    );
    assert_eq!(emu.get(PRODUCTS, &[]).await.status, 503);
    assert_eq!(emu.get(PRODUCTS, &[]).await.status, 200);
    assert_eq!(
        emu.put(&format!("{PRODUCTS}/20"), json!({})).await.status,
        429
    );
    // A bad spec stops the binary with a message.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_skusync-emulator"))
        .args(["--faults", "latency=soon"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("latency=soon"), "{stderr}");
}

#[tokio::test]
async fn the_request_counter_groups_by_method_and_route() {
    let emu = start(Some(small_seed()), &[]);
    emu.get(PRODUCTS, &[]).await;
    emu.get(PRODUCTS, &[("page", "2")]).await;
    emu.get(&format!("{PRODUCTS}/20"), &[]).await;
    emu.put(&format!("{PRODUCTS}/21"), json!({})).await;
    emu.get(&format!("{PRODUCTS}/260/variations/261"), &[])
        .await;
    emu.get("/wp-json/wc/v3/nope", &[]).await;
    emu.admin_get("/__emulator/state").await;
    let c = emu.admin_get("/__emulator/requests").await;
    assert_eq!(
        c,
        json!({"total": 6, "by_route": [
            {"method": "GET", "route": "/wc/v3/nope", "count": 1},
            {"method": "GET", "route": "/wc/v3/products", "count": 2},
            {"method": "GET", "route": "/wc/v3/products/{id}", "count": 1},
            {"method": "PUT", "route": "/wc/v3/products/{id}", "count": 1},
            {"method": "GET", "route": "/wc/v3/products/{id}/variations/{id}", "count": 1}
        ]})
    );
    // {"store": false} clears the counter (and faults), keeps the store.
    emu.put(&format!("{PRODUCTS}/20"), json!({"stock_quantity": 1}))
        .await;
    let r = emu
        .admin_post("/__emulator/reset", json!({"store": false}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        emu.admin_get("/__emulator/requests").await,
        json!({"total": 0, "by_route": []})
    );
    assert_eq!(
        emu.get(&format!("{PRODUCTS}/20"), &[]).await.body["stock_quantity"],
        1
    );
    // {"store": true} reloads the seed.
    emu.admin_post("/__emulator/reset", json!({"store": true}))
        .await;
    assert_eq!(
        emu.get(&format!("{PRODUCTS}/20"), &[]).await.body["stock_quantity"],
        7
    );
}

#[tokio::test]
async fn a_reset_without_a_body_gives_a_fresh_emulator() {
    let emu = start(Some(small_seed()), &[]);
    emu.put(&format!("{PRODUCTS}/20"), json!({"stock_quantity": 1}))
        .await;
    emu.put(
        &format!("{PRODUCTS}/260/variations/262"),
        json!({"stock_quantity": 40}),
    )
    .await;
    emu.admin_post("/__emulator/faults", json!({"spec": "status=503"}))
        .await;
    let r = emu.anon("POST", "/__emulator/reset", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        emu.admin_get("/__emulator/requests").await,
        json!({"total": 0, "by_route": []})
    );
    assert_eq!(
        emu.admin_get("/__emulator/faults").await,
        json!({"rules": []})
    );
    assert_eq!(
        emu.get(&format!("{PRODUCTS}/20"), &[]).await.body["stock_quantity"],
        7
    );
    let fresh = emu
        .get(&format!("{PRODUCTS}/260/variations/262"), &[])
        .await;
    assert_eq!(fresh.body["stock_quantity"], 2);
    // An empty JSON object means the same.
    emu.put(&format!("{PRODUCTS}/20"), json!({"stock_quantity": 2}))
        .await;
    emu.admin_post("/__emulator/reset", json!({})).await;
    assert_eq!(
        emu.get(&format!("{PRODUCTS}/20"), &[]).await.body["stock_quantity"],
        7
    );
}

#[tokio::test]
async fn the_state_dump_is_a_seed() {
    let emu = start(Some(small_seed()), &[]);
    emu.put(
        &format!("{PRODUCTS}/260/variations/262"),
        json!({"stock_quantity": 9, "meta_data": [{"key": "_skusync_write", "value": "r:b:1"}]}),
    )
    .await;
    let state = emu.admin_get("/__emulator/state").await;
    let products = state["products"].as_array().cloned().unwrap_or_default();
    assert_eq!(products.len(), 6);
    let variable = products
        .iter()
        .find(|p| p["id"] == 260)
        .cloned()
        .unwrap_or_default();
    assert_eq!(variable["variations"][1]["id"], 262);
    assert_eq!(variable["variations"][1]["stock_quantity"], 9);
    assert_eq!(variable["variations"][1]["sku"], "PRB-V-M");
    assert!(variable.get("_links").is_none());
    // Reloading the dump gives the same store.
    let again = start(Some(state.clone()), &[]);
    for path in ["/20", "/260", "/260/variations/262"] {
        let a = emu.get(&format!("{PRODUCTS}{path}"), &[]).await.body;
        let b = again.get(&format!("{PRODUCTS}{path}"), &[]).await.body;
        let strip = |mut v: Value| {
            if let Some(o) = v.as_object_mut() {
                o.remove("_links");
                o.remove("permalink");
            }
            v
        };
        assert_eq!(strip(a), strip(b), "{path}");
    }
    let reloaded = again.admin_get("/__emulator/state").await.to_string();
    assert_eq!(reloaded.replace(&again.url, &emu.url), state.to_string());
}

#[tokio::test]
async fn outside_edits_simulate_sales_and_move_date_modified() {
    let emu = start(Some(small_seed()), &[]);
    emu.freeze_clock("2026-11-24T09:00:00Z").await;
    let r = emu
        .admin_post(
            "/__emulator/products",
            json!({"sku": "PRB-V-M", "stock_delta": -2}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["stock_quantity"], 0);
    assert_eq!(r.body["date_modified_gmt"], "2026-11-24T09:00:00");
    let r = emu
        .get(
            PRODUCTS,
            &[
                ("sku", "PRB-V-M"),
                ("modified_after", "2026-11-24T08:59:59"),
                ("dates_are_gmt", "true"),
            ],
        )
        .await;
    assert_eq!(r.ids(), vec![262]);
    let r = emu
        .admin_post(
            "/__emulator/products",
            json!({"id": 20, "set": {"regular_price": "12.50"}}),
        )
        .await;
    assert_eq!(r.body["price"], "12.50");
    let r = emu
        .admin_post(
            "/__emulator/products",
            json!({"sku": "NOPE", "stock_delta": -1}),
        )
        .await;
    assert_eq!(r.status, 404);
    let r = emu
        .admin_post(
            "/__emulator/products",
            json!({"sku": "UNM-1", "stock_delta": -1}),
        )
        .await;
    assert_eq!(r.status, 409);
    // Admin requests are not counted.
    assert_eq!(emu.admin_get("/__emulator/requests").await["total"], 1);
}
