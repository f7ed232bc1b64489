//! Reads a 50,000-item emulated store (38,462 products, every tenth one
//! variable with three variations) with a full read over plain HTTP
//! (OAuth 1.0a), then an incremental read with nothing changed, and
//! prints requests, seconds and items per second.
//!
//! `cargo bench -p skusync-woocommerce --bench read`
//! Environment: `BENCH_LATENCY_MS` (emulated per-request latency, default
//! 0 and 20), `BENCH_CONCURRENCY` (default 4, the adapter's default).

use secrecy::SecretString;
use skusync_emulator::{Emulator, EmulatorOptions, Seed};
use skusync_model::FieldName;
use skusync_woocommerce::{RateLimit, ReadMode, WooCommerce, WooConfig};
use std::time::Instant;

const PRODUCTS: usize = 38_462;
const VARIABLE_EVERY: usize = 10;

fn env_list(name: &str, default: &[u64]) -> Vec<u64> {
    std::env::var(name)
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .filter(|v: &Vec<u64>| !v.is_empty())
        .unwrap_or_else(|| default.to_vec())
}

#[tokio::main]
async fn main() {
    let latencies = env_list("BENCH_LATENCY_MS", &[0, 20]);
    let concurrency = env_list("BENCH_CONCURRENCY", &[4])[0] as usize;
    // Everything was last modified on New Year's Day.
    let mut seed = skusync_emulator::seed::generate(PRODUCTS, VARIABLE_EVERY);
    if let Some(products) = seed["products"].as_array_mut() {
        for p in products {
            p["date_created"] = "2026-01-01T00:00:00".into();
            p["date_modified"] = "2026-01-01T00:00:00".into();
            if let Some(vs) = p["variations"].as_array_mut() {
                for v in vs {
                    v["date_created"] = "2026-01-01T00:00:00".into();
                    v["date_modified"] = "2026-01-01T00:00:00".into();
                }
            }
        }
    }
    println!(
        "| emulated latency | read | items | requests | minimum | seconds | items/s |\n|---|---|---|---|---|---|---|"
    );
    for latency_ms in latencies {
        let emu = match Emulator::start(EmulatorOptions {
            seed: Seed::Json(seed.clone()),
            latency_ms,
            ..EmulatorOptions::default()
        })
        .await
        {
            Ok(e) => e,
            Err(e) => {
                eprintln!("emulator failed to start: {e}");
                std::process::exit(1);
            }
        };
        // One sale today: the newest change, so the watermark is today.
        let sale = reqwest::Client::new()
            .post(format!("{}/__emulator/products", emu.url()))
            .json(&serde_json::json!({"sku": "GEN-000001", "stock_delta": -1}))
            .send()
            .await;
        if let Err(e) = sale {
            eprintln!("emulator admin: {e}");
            std::process::exit(1);
        }
        let mut config = WooConfig::new(
            "bench",
            emu.url(),
            SecretString::from(emu.consumer_key().to_string()),
            SecretString::from(emu.consumer_secret().to_string()),
        );
        // The emulator is local: lift the per-store limit so the adapter
        // itself is measured (the default 5 req/s would take requests/5 s).
        config.rate_limit = RateLimit {
            per_second: 10_000,
            burst: 100,
        };
        config.concurrency = concurrency;
        let woo = match WooCommerce::new(config) {
            Ok(w) => w,
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        };
        let start = Instant::now();
        let out = match woo
            .read(&FieldName::ALL, ReadMode::Full, chrono::Utc::now())
            .await
        {
            Ok(o) => o,
            Err(e) => {
                eprintln!("read failed: {e}");
                std::process::exit(1);
            }
        };
        let secs = start.elapsed().as_secs_f64();
        let items = out.snapshot.records.len();
        let variable = PRODUCTS / VARIABLE_EVERY;
        let minimum = PRODUCTS.div_ceil(100) + variable;
        println!(
            "| {latency_ms} ms | full | {items} | {} | {minimum} | {secs:.2} | {:.0} |",
            out.requests,
            items as f64 / secs
        );
        // An incremental read right after, with nothing changed since (the
        // overlap lists today's sale again): what an incremental run costs.
        if let Some(mark) = out.watermark {
            let start = Instant::now();
            match woo
                .read(&FieldName::ALL, ReadMode::Since(mark), chrono::Utc::now())
                .await
            {
                Ok(inc) => {
                    let secs = start.elapsed().as_secs_f64();
                    let minimum = 1 + variable.div_ceil(100) + variable;
                    println!(
                        "| {latency_ms} ms | incremental | {} | {} | {minimum} | {secs:.2} | - |",
                        inc.snapshot.records.len(),
                        inc.requests
                    );
                }
                Err(e) => eprintln!("incremental read failed: {e}"),
            }
        }
        emu.shutdown().await;
    }
    println!("(concurrency {concurrency}, full read of every field, plain HTTP with OAuth 1.0a)");
}
