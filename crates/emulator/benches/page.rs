//! Emulator scale benchmark: a 200,000-item store (100,000 products, a third
//! of them variable with three variations each) serving 100-item pages over
//! real HTTP with OAuth 1.0a, for the adapter's query shapes: full pages by
//! id, `_fields` pages, `modified_after` windows and 100-SKU lookups.
//!
//! Run: `cargo bench -p skusync-emulator --bench page` (prints a Markdown
//! table; figures go to docs/benchmarks.md). Set `EMU_BENCH_PRODUCTS` to
//! change the store size.

#[path = "../tests/common/mod.rs"]
mod common;

use serde_json::json;
use skusync_emulator::{Emulator, EmulatorOptions, Seed};
use std::time::{Duration, Instant};

struct Client {
    http: reqwest::Client,
    url: String,
    ck: String,
    cs: String,
}

impl Client {
    /// `url + path` with `params` and their OAuth signature for `method`.
    fn signed_url(&self, method: &str, path: &str, params: &[(String, String)]) -> String {
        let base = format!("{}{path}", self.url);
        common::signed_url(method, &base, params, &self.ck, &self.cs)
    }

    async fn get(&self, path: &str, params: &[(String, String)]) -> (u16, usize, Option<String>) {
        let r = self
            .http
            .get(self.signed_url("GET", path, params))
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        let total = r
            .headers()
            .get("x-wp-total")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = r.bytes().await.expect("body").len();
        (status, bytes, total)
    }

    async fn post(&self, path: &str, body: serde_json::Value) -> u16 {
        let r = self
            .http
            .post(self.signed_url("POST", path, &[]))
            .json(&body)
            .send()
            .await
            .expect("request");
        r.status().as_u16()
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx].as_secs_f64() * 1000.0
}

async fn measure<F, Fut>(name: &str, runs: usize, mut f: F) -> (String, f64, f64, usize)
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = (u16, usize, Option<String>)>,
{
    // Warm-up.
    for i in 0..5 {
        f(i).await;
    }
    let mut times = Vec::with_capacity(runs);
    let mut bytes = 0;
    for i in 0..runs {
        let t = Instant::now();
        let (status, len, _) = f(i).await;
        times.push(t.elapsed());
        assert_eq!(status, 200, "{name}");
        bytes = len;
    }
    times.sort();
    (
        name.to_string(),
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        bytes,
    )
}

fn q(pairs: &[(&str, String)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), v.clone()))
        .collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let products: usize = std::env::var("EMU_BENCH_PRODUCTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let t = Instant::now();
    let seed = skusync_emulator::seed::generate(products, 3);
    let generated = t.elapsed();
    let t = Instant::now();
    let emu = Emulator::start(EmulatorOptions {
        seed: Seed::Json(seed),
        ..EmulatorOptions::default()
    })
    .await
    .expect("start");
    let loaded = t.elapsed();
    let c = Client {
        http: reqwest::Client::new(),
        url: emu.url().to_string(),
        ck: emu.consumer_key().to_string(),
        cs: emu.consumer_secret().to_string(),
    };
    let p = "/wp-json/wc/v3/products";
    let (_, _, total) = c.get(p, &q(&[("per_page", "1".into())])).await;
    let variables = products / 3;
    let items = products + variables * 3;
    let pages = products.div_ceil(100);
    let runs = 200;
    let mut rows = Vec::new();

    rows.push(
        measure(
            "baseline: `per_page=1&_fields=id` (HTTP + OAuth cost)",
            runs,
            |_| {
                let params = q(&[("per_page", "1".into()), ("_fields", "id".into())]);
                let c = &c;
                async move { c.get(p, &params).await }
            },
        )
        .await,
    );
    for (label, fields) in [
        ("page by id, full objects", None),
        (
            "page by id, `_fields=id,sku,stock_quantity,date_modified_gmt`",
            Some("id,sku,stock_quantity,date_modified_gmt"),
        ),
    ] {
        rows.push(
            measure(label, runs, |i| {
                let page = (i * 7919) % pages + 1;
                let mut params = q(&[
                    ("per_page", "100".into()),
                    ("page", page.to_string()),
                    ("orderby", "id".into()),
                    ("order", "asc".into()),
                ]);
                if let Some(fields) = fields {
                    params.push(("_fields".to_string(), fields.to_string()));
                }
                let c = &c;
                async move { c.get(p, &params).await }
            })
            .await,
        );
    }
    rows.push(
        measure("default order (date desc), last page", runs, |_| {
            let params = q(&[("per_page", "100".into()), ("page", pages.to_string())]);
            let c = &c;
            async move { c.get(p, &params).await }
        })
        .await,
    );

    // Touch 300 products (three batches), then read the modified window.
    let r = emu_clock(&c, "2030-01-01T00:00:00Z").await;
    assert_eq!(r, 200);
    let mut touched = Vec::new();
    for page in [5, pages / 2, pages - 1] {
        let params = q(&[
            ("per_page", "100".into()),
            ("page", page.max(1).to_string()),
            ("orderby", "id".into()),
            ("order", "asc".into()),
            ("_fields", "id".into()),
        ]);
        let base = format!("{}{p}", c.url);
        let signed = common::oauth_params("GET", &base, &params, &c.ck, &c.cs);
        let qs: Vec<String> = signed
            .iter()
            .map(|(k, v)| format!("{}={}", common::enc(k), common::enc(v)))
            .collect();
        let ids: serde_json::Value = c
            .http
            .get(format!("{base}?{}", qs.join("&")))
            .send()
            .await
            .expect("ids")
            .json()
            .await
            .expect("json");
        let update: Vec<_> = ids
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| json!({"id": v["id"], "inventory_delta": -1}))
            .collect();
        touched.extend(update.iter().map(|u| u["id"].clone()));
        assert_eq!(
            c.post(&format!("{p}/batch"), json!({"update": update}))
                .await,
            200
        );
    }
    assert_eq!(touched.len(), 300);
    rows.push(
        measure(
            "`modified_after` window (≈300 changed), 100 per page",
            runs,
            |i| {
                let params = q(&[
                    ("modified_after", "2029-12-31T23:59:59".into()),
                    ("dates_are_gmt", "true".into()),
                    ("per_page", "100".into()),
                    ("page", (i % 3 + 1).to_string()),
                    ("orderby", "id".into()),
                    ("order", "asc".into()),
                ]);
                let c = &c;
                async move { c.get(p, &params).await }
            },
        )
        .await,
    );
    rows.push(
        measure("`sku` list of 100 (products and variations)", runs, |i| {
            let skus: Vec<String> = (0..100)
                .map(|k| {
                    let n = (i * 100 + k) * 13 % products + 1;
                    if n.is_multiple_of(3) {
                        format!("GEN-{n:06}-M")
                    } else {
                        format!("GEN-{n:06}")
                    }
                })
                .collect();
            let params = q(&[("sku", skus.join(",")), ("per_page", "100".into())]);
            let c = &c;
            async move { c.get(p, &params).await }
        })
        .await,
    );

    println!(
        "store: {items} items ({products} products, {variables} variable with 3 variations each); X-WP-Total {}; seed generated in {:.0} ms, loaded in {:.0} ms",
        total.unwrap_or_default(),
        generated.as_secs_f64() * 1000.0,
        loaded.as_secs_f64() * 1000.0
    );
    println!(
        "| request ({runs} runs each, HTTP + OAuth on loopback) | median ms | p99 ms | response bytes |"
    );
    println!("|---|---:|---:|---:|");
    for (name, median, p99, bytes) in rows {
        println!("| {name} | {median:.2} | {p99:.2} | {bytes} |");
    }
    emu.shutdown().await;
}

async fn emu_clock(c: &Client, at: &str) -> u16 {
    c.http
        .post(format!("{}/__emulator/clock", c.url))
        .json(&json!({"set": at}))
        .send()
        .await
        .expect("clock")
        .status()
        .as_u16()
}
