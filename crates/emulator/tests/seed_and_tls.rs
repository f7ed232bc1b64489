//! Seed shapes, keys and the ready line of the real `skusync-emulator`
//! binary; the demo catalog; serving HTTPS with `--tls --ca-out`.

mod common;

use common::*;
use serde_json::{Value, json};

fn is_key(s: &str, prefix: &str) -> bool {
    s.len() == 43 && s.starts_with(prefix) && s[3..].bytes().all(|b| b.is_ascii_hexdigit())
}

#[tokio::test]
async fn without_a_seed_the_store_is_empty_and_a_key_is_generated() {
    let emu = start(None, &[]);
    assert!(emu.url.starts_with("http://127.0.0.1:"), "{}", emu.url);
    // Exactly the contract's line: one JSON object, these three keys.
    assert_eq!(
        emu.ready_text,
        format!(
            r#"{{"url": "{}", "consumer_key": "{}", "consumer_secret": "{}"}}"#,
            emu.url, emu.ck, emu.cs
        )
    );
    assert!(is_key(&emu.ck, "ck_"), "{}", emu.ck);
    assert!(is_key(&emu.cs, "cs_"));
    let r = emu.get(PRODUCTS, &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, json!([]));
    assert_eq!(r.header("x-wp-total").as_deref(), Some("0"));
    assert_eq!(r.header("x-wp-totalpages").as_deref(), Some("0"));
    assert_eq!(
        emu.admin_get("/__emulator/state").await,
        json!({"products": []})
    );
}

#[tokio::test]
async fn seed_keys_and_their_scopes() {
    let ro = (
        "ck_0000000000000000000000000000000000000001",
        "cs_0000000000000000000000000000000000000001",
    );
    let rw = (
        "ck_0000000000000000000000000000000000000002",
        "cs_0000000000000000000000000000000000000002",
    );
    let mut seed = small_seed();
    seed["keys"] = json!([
        {"consumer_key": ro.0, "consumer_secret": ro.1, "permissions": "read"},
        {"consumer_key": rw.0, "consumer_secret": rw.1, "permissions": "read_write"}
    ]);
    let mut emu = start(Some(seed), &[]);
    // The ready line prints the read_write key.
    assert_eq!((emu.ck.as_str(), emu.cs.as_str()), rw);
    emu.ck = ro.0.into();
    emu.cs = ro.1.into();
    assert_eq!(emu.get(&format!("{PRODUCTS}/20"), &[]).await.status, 200);
    // Writing with a read key: 401 before routing (even on an unknown route).
    for path in [format!("{PRODUCTS}/20"), "/wp-json/wc/v3/nope".to_string()] {
        let r = emu.put(&path, json!({"stock_quantity": 1})).await;
        assert_eq!(r.status, 401, "{path}");
        assert_eq!(
            r.body,
            json!({"code": "woocommerce_rest_authentication_error",
                   "message": "The API key provided does not have write permissions.",
                   "data": {"status": 401}})
        );
    }
}

#[tokio::test]
async fn a_bad_seed_stops_the_binary_with_the_place() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("bad.json");
    // The binary run on a seed file holding `text`.
    let run_on = |text: &str| {
        std::fs::write(&path, text).expect("write");
        std::process::Command::new(env!("CARGO_BIN_EXE_skusync-emulator"))
            .arg("--seed")
            .arg(&path)
            .output()
            .expect("run")
    };
    let out = run_on(r#"{"products": [{"sku": "A"}, {"sku": "B", "stock_quantity": "lots"}]}"#);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no ready line");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("products[1].stock_quantity"), "{stderr}");
    let out = run_on("{\"products\": [");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1"));
}

#[tokio::test]
async fn seed_ids_are_assigned_and_variations_are_full_objects() {
    let seed = json!({"products": [
        {"name": "A", "sku": "A-1", "regular_price": "19.90"},
        {"id": 500, "name": "V", "type": "variable", "variations": [
            {"sku": "V-1", "regular_price": "5", "manage_stock": true, "stock_quantity": 2},
            {"id": 600, "sku": "V-2", "regular_price": "6"}
        ]}
    ]});
    let emu = start(Some(seed), &[]);
    let r = emu
        .get(PRODUCTS, &[("orderby", "id"), ("order", "asc")])
        .await;
    assert_eq!(r.ids(), vec![500, 601]);
    let v = emu.get(&format!("{PRODUCTS}/500"), &[]).await;
    assert_eq!(v.body["variations"], json!([602, 600]));
    assert_eq!(v.body["price"], "5");
    let a = emu.get(&format!("{PRODUCTS}/601"), &[]).await;
    assert_eq!(a.body["regular_price"], "19.90");
    assert_eq!(a.body["manage_stock"], false);
    assert_eq!(a.body["stock_quantity"], Value::Null);
}

#[tokio::test]
async fn the_demo_catalog_loads() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/demo/store.json"
    );
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_skusync-emulator"));
    cmd.args(["--listen", "127.0.0.1:0", "--seed", path]);
    let emu = start_cmd(cmd, tempfile::tempdir().expect("dir"));
    let all = emu.get(PRODUCTS, &[("per_page", "100")]).await;
    let products = all.items();
    assert!((25..=40).contains(&products.len()), "{}", products.len());
    let has = |f: &dyn Fn(&Value) -> bool| products.iter().any(f);
    assert!(has(&|p| p["type"] == "variable"));
    assert!(has(&|p| p["sku"] == ""));
    assert!(has(&|p| p["manage_stock"] == false && p["type"] == "simple"));
    assert!(has(&|p| p["status"] == "draft"));
    assert!(has(&|p| p["sale_price"] != ""));
    assert!(has(
        &|p| p["regular_price"] == "20" || p["regular_price"] == "55"
    ));
    let krem = emu.get(PRODUCTS, &[("sku", "KREM-50")]).await;
    assert_eq!(krem.items()[0]["regular_price"], "69.00");
    let tee = emu.get(PRODUCTS, &[("sku", "TEE-M")]).await;
    assert_eq!(tee.items()[0]["type"], "variation");
    assert_eq!(tee.items()[0]["regular_price"], "20");
}

#[tokio::test]
async fn tls_serves_https_and_writes_the_certificate() {
    let dir = tempfile::tempdir().expect("dir");
    let ca = dir.path().join("ca.pem");
    let ca_arg = ca.display().to_string();
    let emu = start(Some(small_seed()), &["--tls", "--ca-out", &ca_arg]);
    assert!(emu.url.starts_with("https://127.0.0.1:"), "{}", emu.url);
    assert_eq!(emu.ready["ca_cert"], ca_arg);
    let pem = std::fs::read(&ca).expect("CA file written");
    let cert = reqwest::Certificate::from_pem(&pem).expect("PEM");
    let client = reqwest::Client::builder()
        .tls_certs_only([cert])
        .build()
        .expect("client");
    let r = client
        .get(format!("{}{PRODUCTS}/20", emu.url))
        .basic_auth(&emu.ck, Some(&emu.cs))
        .send()
        .await
        .expect("https request");
    assert_eq!(r.status().as_u16(), 200);
    let body: Value = r.json().await.unwrap_or_default();
    assert_eq!(body["sku"], "PRB-0011");
    assert!(
        body["permalink"]
            .as_str()
            .unwrap_or("")
            .starts_with("https://"),
        "{body}"
    );
    // Anonymous over HTTPS: the endpoint's 401.
    let r = client
        .get(format!("{}{PRODUCTS}", emu.url))
        .send()
        .await
        .expect("https request");
    assert_eq!(r.status().as_u16(), 401);
}

/// A seed of unmanaged-stock edge cases: a quantity without `manage_stock`,
/// with an explicit `false`, and variations likewise (plus `"parent"`).
fn stock_seed() -> Value {
    json!({"products": [
        {"id": 1, "sku": "Q", "stock_quantity": 3},
        {"id": 2, "sku": "OFF", "manage_stock": false, "stock_quantity": 4},
        {"id": 3, "sku": "NONE"},
        {"id": 10, "sku": "VAR", "type": "variable", "manage_stock": true, "stock_quantity": 9,
         "variations": [
            {"id": 11, "sku": "VAR-A", "stock_quantity": 5},
            {"id": 12, "sku": "VAR-P", "manage_stock": "parent", "stock_quantity": 9}
         ]},
        {"id": 20, "sku": "TEE", "type": "variable",
         "variations": [
            {"id": 21, "sku": "TEE-A", "stock_quantity": 7},
            {"id": 22, "sku": "TEE-OFF", "manage_stock": false, "stock_quantity": 6}
         ]}
    ]})
}

#[tokio::test]
async fn a_seed_quantity_without_manage_stock_is_managed() {
    let emu = start(Some(stock_seed()), &[]);
    let get = |path: String| {
        let emu = &emu;
        async move { emu.get(&path, &[]).await.body }
    };
    let q = get(format!("{PRODUCTS}/1")).await;
    assert_eq!(
        (&q["manage_stock"], &q["stock_quantity"]),
        (&json!(true), &json!(3))
    );
    assert_eq!(q["stock_status"], "instock");
    let off = get(format!("{PRODUCTS}/2")).await;
    assert_eq!(
        (&off["manage_stock"], &off["stock_quantity"]),
        (&json!(false), &json!(null))
    );
    let none = get(format!("{PRODUCTS}/3")).await;
    assert_eq!(
        (&none["manage_stock"], &none["stock_quantity"]),
        (&json!(false), &json!(null))
    );
    let a = get(format!("{PRODUCTS}/10/variations/11")).await;
    assert_eq!(
        (&a["manage_stock"], &a["stock_quantity"]),
        (&json!(true), &json!(5))
    );
    let p = get(format!("{PRODUCTS}/10/variations/12")).await;
    assert_eq!(
        (&p["manage_stock"], &p["stock_quantity"]),
        (&json!("parent"), &json!(9))
    );
    let t = get(format!("{PRODUCTS}/20/variations/21")).await;
    assert_eq!(
        (&t["manage_stock"], &t["stock_quantity"]),
        (&json!(true), &json!(7))
    );
    let v_off = get(format!("{PRODUCTS}/20/variations/22")).await;
    assert_eq!(
        (&v_off["manage_stock"], &v_off["stock_quantity"]),
        (&json!(false), &json!(null))
    );
    // Writing a delta works on the seeded managed stock.
    let r = emu
        .put(&format!("{PRODUCTS}/1"), json!({"inventory_delta": -1}))
        .await;
    assert_eq!(r.body["stock_quantity"], 2, "{}", r.text);
}

#[test]
fn a_seed_quantity_next_to_manage_stock_false_is_warned_about_on_stderr() {
    use std::io::{BufRead, BufReader, Write};
    let dir = tempfile::tempdir().expect("temp dir");
    let seed = dir.path().join("seed.json");
    std::fs::File::create(&seed)
        .and_then(|mut f| f.write_all(stock_seed().to_string().as_bytes()))
        .expect("seed file");
    let err_path = dir.path().join("stderr.txt");
    let err_file = std::fs::File::create(&err_path).expect("stderr file");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_skusync-emulator"))
        .args(["--listen", "127.0.0.1:0", "--seed"])
        .arg(&seed)
        .stdout(std::process::Stdio::piped())
        .stderr(err_file)
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("ready line");
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.starts_with("{\"url\""), "{line}");
    let stderr = std::fs::read_to_string(&err_path).expect("stderr");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines,
        [
            "skusync-emulator: warning: seed products[1] (SKU \"OFF\"): stock_quantity 4 is \
             dropped: \"manage_stock\" is false and WooCommerce keeps no quantity for stock it \
             does not manage; remove \"manage_stock\": false (or set it to true) to keep the \
             quantity",
            "skusync-emulator: warning: seed products[4].variations[1] (SKU \"TEE-OFF\"): \
             stock_quantity 6 is dropped: \"manage_stock\" is false and WooCommerce keeps no \
             quantity for stock it does not manage; remove \"manage_stock\": false (or set it \
             to true) to keep the quantity",
        ]
    );
}
