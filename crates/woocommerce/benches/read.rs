//! Reads a 50,000-item emulated store (38,462 products, every tenth one
//! variable with three variations) with a full read over plain HTTP
//! (OAuth 1.0a), and prints requests, seconds and items per second.
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
    let seed = skusync_emulator::seed::generate(PRODUCTS, VARIABLE_EVERY);
    println!(
        "| emulated latency | items | requests | minimum | seconds | items/s |\n|---|---|---|---|---|---|"
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
            "| {latency_ms} ms | {items} | {} | {minimum} | {secs:.2} | {:.0} |",
            out.requests,
            items as f64 / secs
        );
        emu.shutdown().await;
    }
    println!("(concurrency {concurrency}, full read of every field, plain HTTP with OAuth 1.0a)");
}
