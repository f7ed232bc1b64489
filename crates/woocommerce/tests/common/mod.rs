//! Helpers shared by the integration tests: starting the emulator, its
//! admin endpoints, and tiny misbehaving hosts (canned raw HTTP answers).
#![allow(dead_code)]

use secrecy::SecretString;
use serde_json::{Value, json};
use skusync_emulator::{Emulator, EmulatorOptions, Seed, Tls};
use skusync_woocommerce::{RateLimit, RetryPolicy, WaitMode, WooConfig};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Starts an emulator with `seed` over HTTP or HTTPS (CA written to `ca`).
pub async fn emulator(seed: Value, tls: Tls, ca: Option<std::path::PathBuf>) -> Emulator {
    Emulator::start(EmulatorOptions {
        seed: Seed::Json(seed),
        tls,
        ca_out: ca,
        ..EmulatorOptions::default()
    })
    .await
    .expect("emulator starts")
}

/// The backoff waits an adapter recorded instead of sleeping.
pub type Waits = Arc<Mutex<Vec<Duration>>>;

/// A configuration for `url` with fast limits and recorded waits.
pub fn config(url: &str, key: &str, secret: &str) -> (WooConfig, Waits) {
    let waits = Arc::new(Mutex::new(Vec::new()));
    let mut c = WooConfig::new(
        "shop",
        url,
        SecretString::from(key.to_string()),
        SecretString::from(secret.to_string()),
    );
    c.rate_limit = RateLimit {
        per_second: 1000,
        burst: 1000,
    };
    c.retry = RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_secs(10),
    };
    c.timeout = Duration::from_secs(10);
    c.wait = WaitMode::Recorded(waits.clone());
    (c, waits)
}

/// The configuration for an emulator's primary key.
pub fn config_for(emu: &Emulator) -> (WooConfig, Waits) {
    config(emu.url(), emu.consumer_key(), emu.consumer_secret())
}

fn admin_client() -> reqwest::Client {
    reqwest::Client::builder()
        .tls_danger_accept_invalid_certs(true)
        .build()
        .expect("client")
}

/// GET an admin endpoint.
pub async fn admin_get(emu: &Emulator, path: &str) -> Value {
    admin_client()
        .get(format!("{}/__emulator/{path}", emu.url()))
        .send()
        .await
        .expect("admin GET")
        .json()
        .await
        .expect("admin JSON")
}

/// POST to an admin endpoint.
pub async fn admin_post(emu: &Emulator, path: &str, body: Value) -> Value {
    let resp = admin_client()
        .post(format!("{}/__emulator/{path}", emu.url()))
        .json(&body)
        .send()
        .await
        .expect("admin POST");
    assert!(
        resp.status().is_success(),
        "admin {path}: {}",
        resp.status()
    );
    resp.json().await.expect("admin JSON")
}

/// Sets the fault rules.
pub async fn faults(emu: &Emulator, spec: &str) {
    admin_post(emu, "faults", json!({ "spec": spec })).await;
}

/// Resets the request counter (and faults); the store is kept.
pub async fn reset_counter(emu: &Emulator) {
    admin_post(emu, "reset", json!({"store": false})).await;
}

/// The request counter: (method, route) → count.
pub async fn counts(emu: &Emulator) -> BTreeMap<(String, String), u64> {
    let v = admin_get(emu, "requests").await;
    v["by_route"]
        .as_array()
        .expect("by_route")
        .iter()
        .map(|r| {
            (
                (
                    r["method"].as_str().unwrap_or_default().to_string(),
                    r["route"].as_str().unwrap_or_default().to_string(),
                ),
                r["count"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

/// Count of one (method, route).
pub fn count(c: &BTreeMap<(String, String), u64>, method: &str, route: &str) -> u64 {
    c.get(&(method.to_string(), route.to_string()))
        .copied()
        .unwrap_or(0)
}

/// Every product and variation in the emulator, by SKU → JSON.
pub async fn state_by_sku(emu: &Emulator) -> BTreeMap<String, Value> {
    let v = admin_get(emu, "state").await;
    let mut out = BTreeMap::new();
    for p in v["products"].as_array().expect("products") {
        if let Some(vars) = p["variations"].as_array() {
            for var in vars {
                if var.is_object() {
                    out.insert(
                        var["sku"].as_str().unwrap_or_default().to_string(),
                        var.clone(),
                    );
                }
            }
        }
        out.insert(p["sku"].as_str().unwrap_or_default().to_string(), p.clone());
    }
    out
}

/// What a fake host does with each connection.
#[derive(Clone)]
pub enum Fake {
    /// Answers every request with these raw bytes.
    Answer(String),
    /// Reads the request and closes without answering.
    Close,
    /// Reads the request and never answers.
    Hang,
}

/// Starts a fake host on 127.0.0.1; returns its `http://` URL.
pub async fn fake_host(fake: Fake) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let fake = fake.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let _ = sock.read(&mut buf).await;
                match fake {
                    Fake::Answer(raw) => {
                        let _ = sock.write_all(raw.as_bytes()).await;
                        let _ = sock.shutdown().await;
                    }
                    Fake::Close => {}
                    Fake::Hang => {
                        tokio::time::sleep(Duration::from_secs(3600)).await;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

/// A raw HTTP/1.1 answer.
pub fn raw(status: &str, headers: &[(&str, &str)], body: &str) -> String {
    let mut s = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        s.push_str(&format!("{k}: {v}\r\n"));
    }
    s.push_str("\r\n");
    s.push_str(body);
    s
}
