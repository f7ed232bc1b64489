//! The adapter against the emulator over real HTTP: reads (pagination with
//! the minimum request count, incremental), both auth paths and the header
//! stripping fallback, batch writes, faults recovered, and the diagnoses of
//! `check`. Misbehaving hosts the emulator cannot play (HTML pages,
//! WordPress.com, silent hosts) are tiny raw TCP listeners.

mod common;

use chrono::Utc;
use common::*;
use serde_json::json;
use skusync_adapter::{FieldWrite, ItemOutcome, Target, WriteItem, WriteMarker};
use skusync_emulator::Tls;
use skusync_model::{FieldName, Record, RecordKind, RemoteId, Sku, Value};
use skusync_woocommerce::{
    AuthMode, AuthUsed, Coverage, DiagnosisKind, ReadMode, ReadOutput, WooCommerce, WriteProbe,
};
use std::collections::BTreeMap;
use std::time::Duration;

const FIELDS: [FieldName; 8] = FieldName::ALL;

fn adapter(c: skusync_woocommerce::WooConfig) -> WooCommerce {
    WooCommerce::new(c).expect("valid config")
}

/// The emulator over plain HTTP seeded with `seed`, the adapter for its
/// read-write key, and the waits the adapter recorded instead of sleeping.
async fn http_store(seed: serde_json::Value) -> (skusync_emulator::Emulator, WooCommerce, Waits) {
    let emu = emulator(seed, Tls::Off, None).await;
    let (c, waits) = config_for(&emu);
    (emu, adapter(c), waits)
}

/// The emulator over HTTPS (self-signed, its CA written into `dir`) seeded
/// with `seed`, and the adapter for its read-write key trusting that CA.
async fn https_store(
    seed: serde_json::Value,
    dir: &std::path::Path,
) -> (skusync_emulator::Emulator, WooCommerce) {
    let ca = dir.join("ca.pem");
    let emu = emulator(seed, Tls::SelfSigned, Some(ca.clone())).await;
    let (mut c, _) = config_for(&emu);
    c.ca_cert = Some(ca);
    (emu, adapter(c))
}

/// A full read of every field.
async fn full_read(woo: &WooCommerce) -> ReadOutput {
    woo.read(&FIELDS, ReadMode::Full, Utc::now())
        .await
        .expect("read")
}

// ---------------------------------------------------------------- reading

/// 300 products, every 10th variable with 3 variations: 390 items. A full
/// read costs exactly ceil(300/100) product pages + one variations page per
/// variable product, and reads every item exactly once.
#[tokio::test]
async fn full_read_pages_with_the_minimum_requests_over_oauth() {
    let (emu, woo, _) = http_store(skusync_emulator::seed::generate(300, 10)).await;
    let out = full_read(&woo).await;
    assert_eq!(
        woo.auth(),
        AuthUsed::OAuth1,
        "plain HTTP signs with OAuth 1.0a"
    );
    assert_eq!(out.coverage, Coverage::Full);

    let c = counts(&emu).await;
    assert_eq!(count(&c, "GET", "/wc/v3/products"), 3);
    assert_eq!(count(&c, "GET", "/wc/v3/products/{id}/variations"), 30);
    assert_eq!(
        c.values().sum::<u64>(),
        33,
        "nothing else was requested: {c:?}"
    );
    assert_eq!(out.requests, 33);
    assert!(
        c.keys().all(|(m, _)| m == "GET"),
        "a read never writes: {c:?}"
    );

    let state = state_by_sku(&emu).await;
    assert_eq!(out.snapshot.records.len(), 390);
    assert_eq!(state.len(), 390);
    let mut seen = std::collections::BTreeSet::new();
    for r in &out.snapshot.records {
        assert!(
            seen.insert(r.sku.as_str().to_string()),
            "duplicate {}",
            r.sku
        );
        let truth = &state[r.sku.as_str()];
        let remote = r.remote.expect("remote id");
        assert_eq!(remote.id, truth["id"].as_u64().unwrap());
        match r.kind {
            RecordKind::Variation => {
                assert!(remote.parent_id.is_some(), "{}", r.sku);
                let price = r.get(FieldName::PriceRegular).unwrap().unwrap();
                assert_eq!(price.to_string(), truth["regular_price"].as_str().unwrap());
            }
            RecordKind::Variable => {
                assert_eq!(r.get(FieldName::PriceRegular), None);
            }
            RecordKind::Simple => {
                let price = r.get(FieldName::PriceRegular).unwrap().unwrap();
                // The store's scale is kept: "19.90" stays "19.90", "20" stays "20".
                assert_eq!(price.to_string(), truth["regular_price"].as_str().unwrap());
                assert_eq!(
                    r.get(FieldName::StockQuantity),
                    Some(Some(&Value::Quantity(
                        truth["stock_quantity"].as_i64().unwrap()
                    )))
                );
            }
            RecordKind::Other => panic!("unexpected kind for {}", r.sku),
        }
    }
    assert!(out.watermark.is_some());

    // `check` without the write probe (what `plan` needs) reads only.
    let d = woo.check(WriteProbe::Skip).await;
    assert!(d.is_ok() && !d.write_checked, "{d}");
    assert_eq!(d.products, Some(300));
    let c = counts(&emu).await;
    assert!(c.keys().all(|(m, _)| m == "GET"), "{c:?}");
    emu.shutdown().await;
}

/// A variable product with 150 variations: its variations take two pages.
#[tokio::test]
async fn variations_of_one_product_are_paginated_too() {
    let variations: Vec<_> = (1..=150)
        .map(|n| {
            json!({"sku": format!("BIG-{n:03}"), "regular_price": "5.00", "manage_stock": true,
                   "stock_quantity": n, "attributes": [{"name": "N", "option": n.to_string()}]})
        })
        .collect();
    let seed = json!({"products": [
        {"name": "Big", "type": "variable", "sku": "BIG", "variations": variations},
        {"name": "Lonely", "type": "variable", "sku": "EMPTY-PARENT", "variations": []},
        {"name": "Plain", "type": "simple", "sku": "", "regular_price": "1.00"}
    ]});
    let (emu, woo, _) = http_store(seed).await;
    let out = full_read(&woo).await;
    let c = counts(&emu).await;
    assert_eq!(count(&c, "GET", "/wc/v3/products"), 1);
    assert_eq!(
        count(&c, "GET", "/wc/v3/products/{id}/variations"),
        2,
        "two pages for 150 variations, none for a variable product without any"
    );
    assert_eq!(out.snapshot.records.len(), 153);
    // The product without a SKU is listed (the engine reports it) and flagged.
    assert!(out.snapshot.records.iter().any(|r| r.sku.is_blank()));
    assert!(
        out.problems.iter().any(|p| p.message.contains("no SKU")),
        "{:?}",
        out.problems
    );
    emu.shutdown().await;
}

/// After a full read, an incremental read asks only for what changed
/// since the watermark (minus the overlap), and moves the watermark.
#[tokio::test]
async fn incremental_read_lists_only_changed_items() {
    // Everything in the seed was last modified on New Year's Day.
    let mut seed = skusync_emulator::seed::generate(120, 40);
    for p in seed["products"].as_array_mut().unwrap() {
        p["date_created"] = json!("2026-01-01T00:00:00");
        p["date_modified"] = json!("2026-01-01T00:00:00");
        if let Some(vs) = p["variations"].as_array_mut() {
            for v in vs {
                v["date_created"] = json!("2026-01-01T00:00:00");
                v["date_modified"] = json!("2026-01-01T00:00:00");
            }
        }
    }
    let (emu, woo, _) = http_store(seed).await;
    // One item was edited today, just before the full read.
    admin_post(
        &emu,
        "products",
        json!({"sku": "GEN-000001", "stock_delta": -1}),
    )
    .await;
    let t0 = Utc::now();
    let full = woo
        .read(&FIELDS, ReadMode::Full, t0)
        .await
        .expect("full read");
    let mark = full.watermark.expect("a watermark");
    assert_eq!(mark.last_full, t0);
    assert_eq!(woo.choose_mode(None, t0), ReadMode::Full);
    assert_eq!(woo.choose_mode(Some(&mark), t0), ReadMode::Since(mark));
    assert_eq!(
        woo.choose_mode(Some(&mark), t0 + chrono::Duration::hours(25)),
        ReadMode::Full,
        "a full read every full_every"
    );

    // Later, two sales: one simple product, one variation.
    admin_post(
        &emu,
        "products",
        json!({"sku": "GEN-000007", "stock_delta": -2}),
    )
    .await;
    admin_post(
        &emu,
        "products",
        json!({"sku": "GEN-000040-M", "stock_delta": -1}),
    )
    .await;
    reset_counter(&emu).await;

    let inc = woo
        .read(&FIELDS, ReadMode::Since(mark), t0)
        .await
        .expect("incremental read");
    let skus: Vec<&str> = inc
        .snapshot
        .records
        .iter()
        .map(|r| r.sku.as_str())
        .collect();
    // The two sales, and the item edited just before the watermark (the
    // safety overlap lists it again); none of the 126 unchanged items.
    assert_eq!(skus, vec!["GEN-000001", "GEN-000007", "GEN-000040-M"]);
    assert!(matches!(inc.coverage, Coverage::ChangedSince(_)));
    let before = full
        .snapshot
        .records
        .iter()
        .find(|r| r.sku.as_str() == "GEN-000007")
        .unwrap()
        .get(FieldName::StockQuantity)
        .unwrap()
        .unwrap()
        .as_quantity()
        .unwrap();
    assert_eq!(
        inc.snapshot.records[1].get(FieldName::StockQuantity),
        Some(Some(&Value::Quantity(before - 2)))
    );
    let next = inc.watermark.expect("watermark");
    assert!(next.modified_gmt >= mark.modified_gmt);
    assert!(
        mark.modified_gmt > chrono::DateTime::parse_from_rfc3339("2026-01-02T00:00:00Z").unwrap()
    );
    assert_eq!(next.last_full, t0, "an incremental read is not a full one");

    let c = counts(&emu).await;
    // changed products (1 page) + variable products list (1 page) + one
    // variations request per variable product (120/40 = 3).
    assert_eq!(count(&c, "GET", "/wc/v3/products"), 2);
    assert_eq!(count(&c, "GET", "/wc/v3/products/{id}/variations"), 3);
    emu.shutdown().await;
}

// ----------------------------------------------------------- auth paths

/// HTTPS with the emulator's self-signed CA: HTTP Basic.
#[tokio::test]
async fn https_with_custom_ca_uses_basic_auth() {
    let dir = tempfile::tempdir().unwrap();
    let (emu, woo) = https_store(skusync_emulator::seed::generate(120, 0), dir.path()).await;
    let d = woo.check(WriteProbe::Probe).await;
    assert_eq!(d.kind, DiagnosisKind::Ok, "{d}");
    assert!(d.write_checked);
    assert_eq!(d.products, Some(120));
    let out = full_read(&woo).await;
    assert_eq!(out.snapshot.records.len(), 120);
    assert_eq!(woo.auth(), AuthUsed::Basic);
    emu.shutdown().await;
}

/// A host that strips the Authorization header: a known key answered as
/// anonymous switches to query-string keys, once, and everything works.
#[tokio::test]
async fn stripped_authorization_header_falls_back_to_query_keys() {
    let dir = tempfile::tempdir().unwrap();
    let (emu, woo) = https_store(skusync_emulator::seed::generate(250, 0), dir.path()).await;
    faults(&emu, "strip_auth").await;
    let out = full_read(&woo).await;
    assert_eq!(out.snapshot.records.len(), 250);
    assert_eq!(woo.auth(), AuthUsed::Query);
    let c = counts(&emu).await;
    assert_eq!(
        count(&c, "GET", "/wc/v3/products"),
        4,
        "one Basic attempt answered as anonymous, then 3 pages with query keys"
    );
    let d = woo.check(WriteProbe::Skip).await;
    assert!(d.is_ok(), "{d}");
    assert_eq!(d.auth, Some(AuthUsed::Query));
    emu.shutdown().await;
}

// -------------------------------------------------------------- writing

fn set(field: FieldName, value: Value) -> FieldWrite {
    FieldWrite::Set {
        field,
        value: Some(value),
    }
}

/// One write item for each of `records`: the change `change` gives it,
/// under `marker`.
fn items_for(
    records: &[Record],
    change: impl Fn(&Record) -> FieldWrite,
    marker: Option<WriteMarker>,
) -> Vec<WriteItem> {
    records
        .iter()
        .map(|r| WriteItem {
            sku: r.sku.clone(),
            remote: r.remote.unwrap(),
            changes: vec![change(r)],
            marker: marker.clone(),
        })
        .collect()
}

/// 250 product updates and variation updates under two parents, with two
/// unknown ids: 3 product batches (100, 100, 50) and one batch per parent;
/// the unknown ids fail alone; relative and absolute stock both land;
/// markers read back.
#[tokio::test]
async fn writes_split_into_batches_of_100_with_per_item_outcomes() {
    let (emu, woo, _) = http_store(skusync_emulator::seed::generate(300, 100)).await;
    let read = full_read(&woo).await;
    reset_counter(&emu).await;

    let mut items = Vec::new();
    let simple: Vec<_> = read
        .snapshot
        .records
        .iter()
        .filter(|r| r.kind == RecordKind::Simple)
        .take(248)
        .collect();
    for (n, r) in simple.iter().enumerate() {
        let change = if n % 2 == 0 {
            FieldWrite::AddStock { delta: -3 }
        } else {
            set(FieldName::StockQuantity, Value::Quantity(1000 + n as i64))
        };
        items.push(WriteItem {
            sku: r.sku.clone(),
            remote: r.remote.unwrap(),
            changes: vec![
                set(
                    FieldName::PriceRegular,
                    Value::Money(rust_decimal::Decimal::new(1234, 2)),
                ),
                change,
            ],
            marker: Some(WriteMarker::new("run1", "b1", n as u32).unwrap()),
        });
    }
    for id in [99_999_998, 99_999_999] {
        items.insert(
            50,
            WriteItem {
                sku: Sku::new(format!("GONE-{id}")),
                remote: RemoteId {
                    id,
                    parent_id: None,
                },
                changes: vec![set(FieldName::Name, Value::Text("x".into()))],
                marker: None,
            },
        );
    }
    let variations: Vec<_> = read
        .snapshot
        .records
        .iter()
        .filter(|r| r.kind == RecordKind::Variation)
        .collect();
    assert_eq!(variations.len(), 9);
    for r in &variations {
        items.push(WriteItem {
            sku: r.sku.clone(),
            remote: r.remote.unwrap(),
            changes: vec![FieldWrite::AddStock { delta: 5 }],
            marker: Some(WriteMarker::new("run1", "b2", 0).unwrap()),
        });
    }
    let report = woo.write(&items).await.expect("write");
    assert_eq!(report.outcomes.len(), items.len());
    let c = counts(&emu).await;
    assert_eq!(count(&c, "POST", "/wc/v3/products/batch"), 3, "{c:?}");
    assert_eq!(
        count(&c, "POST", "/wc/v3/products/{id}/variations/batch"),
        3
    );
    assert_eq!(report.requests, 6);
    for (item, outcome) in items.iter().zip(&report.outcomes) {
        if item.sku.as_str().starts_with("GONE-") {
            match outcome {
                ItemOutcome::Failed {
                    code, retryable, ..
                } => {
                    assert_eq!(code, "woocommerce_rest_product_invalid_id");
                    assert!(!retryable);
                }
                o => panic!("{} should fail: {o:?}", item.sku),
            }
        } else {
            assert_eq!(outcome, &ItemOutcome::Written, "{}", item.sku);
        }
    }

    let before: BTreeMap<&str, i64> = read
        .snapshot
        .records
        .iter()
        .filter_map(|r| {
            Some((
                r.sku.as_str(),
                r.get(FieldName::StockQuantity)??.as_quantity()?,
            ))
        })
        .collect();
    let state = state_by_sku(&emu).await;
    for (n, r) in simple.iter().enumerate() {
        let now = &state[r.sku.as_str()];
        assert_eq!(now["regular_price"], "12.34", "{}", r.sku);
        let expect = if n % 2 == 0 {
            before[r.sku.as_str()] - 3
        } else {
            1000 + n as i64
        };
        assert_eq!(now["stock_quantity"], expect, "{}", r.sku);
    }
    for r in &variations {
        assert_eq!(
            state[r.sku.as_str()]["stock_quantity"],
            before[r.sku.as_str()] + 5,
            "{}",
            r.sku
        );
    }

    reset_counter(&emu).await;
    let remotes: Vec<RemoteId> = simple
        .iter()
        .take(3)
        .map(|r| r.remote.unwrap())
        .chain([variations[0].remote.unwrap()])
        .collect();
    let markers = woo.read_markers(&remotes).await.expect("markers");
    assert_eq!(
        markers[&remotes[0]].as_ref().unwrap().to_string(),
        "run1:b1:0"
    );
    assert_eq!(
        markers[&remotes[2]].as_ref().unwrap().to_string(),
        "run1:b1:2"
    );
    assert_eq!(
        markers[&remotes[3]].as_ref().unwrap().to_string(),
        "run1:b2:0"
    );
    let c = counts(&emu).await;
    assert!(
        c.keys().all(|(m, _)| m == "GET"),
        "reading markers never writes"
    );
    emu.shutdown().await;
}

/// The emulator fails a share of a batch's items: the others are written,
/// and each failed item carries WooCommerce's code.
#[tokio::test]
async fn partial_batch_failures_fail_only_their_items() {
    let (emu, woo, _) = http_store(skusync_emulator::seed::generate(150, 0)).await;
    let read = full_read(&woo).await;
    faults(&emu, "batch_fail=0.2").await;
    let items = items_for(
        &read.snapshot.records,
        |r| set(FieldName::Name, Value::Text(format!("New {}", r.sku))),
        None,
    );
    let report = woo.write(&items).await.expect("write");
    let state = state_by_sku(&emu).await;
    let mut failed = 0;
    for (item, outcome) in items.iter().zip(&report.outcomes) {
        let name = state[item.sku.as_str()]["name"]
            .as_str()
            .unwrap()
            .to_string();
        match outcome {
            ItemOutcome::Written => assert_eq!(name, format!("New {}", item.sku)),
            ItemOutcome::Failed { code, .. } => {
                failed += 1;
                assert!(!code.is_empty());
                assert_ne!(
                    name,
                    format!("New {}", item.sku),
                    "failed means not written"
                );
            }
            o => panic!("{o:?}"),
        }
    }
    assert!(failed > 0 && failed < items.len(), "failed {failed}");
    emu.shutdown().await;
}

// --------------------------------------------------------------- faults

/// 429 with Retry-After on reads: the adapter waits what the host asked
/// (recorded, not slept), slows down, and the read completes.
#[tokio::test]
async fn rate_limited_reads_wait_retry_after_and_recover() {
    let (emu, woo, waits) = http_store(skusync_emulator::seed::generate(250, 0)).await;
    faults(&emu, "429,times=2,retry_after=3").await;
    let out = full_read(&woo).await;
    assert_eq!(out.snapshot.records.len(), 250);
    assert_eq!(
        waits.lock().unwrap().clone(),
        vec![Duration::from_secs(3), Duration::from_secs(3)]
    );
    assert_eq!(out.requests, 5, "3 pages + 2 refused attempts");
    emu.shutdown().await;
}

/// 5xx answers (JSON and HTML) and dropped connections on reads are retried.
#[tokio::test]
async fn server_errors_and_dropped_connections_on_reads_are_retried() {
    let (emu, woo, waits) = http_store(skusync_emulator::seed::generate(250, 0)).await;
    faults(&emu, "500,times=1;502,times=1,html;drop,times=1").await;
    let out = full_read(&woo).await;
    assert_eq!(out.snapshot.records.len(), 250);
    assert_eq!(waits.lock().unwrap().len(), 3, "three backoffs");
    emu.shutdown().await;
}

/// A batch answered 503 may have been applied: it is never re-sent; its
/// items are unknown, the later batches not attempted.
#[tokio::test]
async fn a_batch_with_an_unknown_outcome_is_never_resent() {
    let (emu, woo, _) = http_store(skusync_emulator::seed::generate(150, 0)).await;
    let read = full_read(&woo).await;
    reset_counter(&emu).await;
    faults(&emu, "502,times=1,method=POST,html").await;
    let items = items_for(
        &read.snapshot.records,
        |_| FieldWrite::AddStock { delta: -1 },
        Some(WriteMarker::new("r9", "b1", 0).unwrap()),
    );
    let report = woo.write(&items).await.expect("write");
    let c = counts(&emu).await;
    assert_eq!(count(&c, "POST", "/wc/v3/products/batch"), 1, "not re-sent");
    assert!(
        report.outcomes[..100]
            .iter()
            .all(|o| matches!(o, ItemOutcome::Unknown { .. }))
    );
    assert!(
        report.outcomes[100..]
            .iter()
            .all(|o| *o == ItemOutcome::NotAttempted)
    );
    assert_eq!(report.unknown().len(), 100);

    // A dropped connection after sending is unknown too.
    faults(&emu, "drop,times=1,method=POST").await;
    let report = woo.write(&items[..10]).await.expect("write");
    assert!(
        report
            .outcomes
            .iter()
            .all(|o| matches!(o, ItemOutcome::Unknown { .. })),
        "{:?}",
        report.outcomes
    );
    emu.shutdown().await;
}

/// A 429 on a batch was refused before WooCommerce ran it: it is re-sent
/// after Retry-After and written once.
#[tokio::test]
async fn a_batch_refused_with_429_is_resent_and_written_once() {
    let (emu, woo, waits) = http_store(skusync_emulator::seed::generate(10, 0)).await;
    let read = full_read(&woo).await;
    reset_counter(&emu).await;
    faults(&emu, "429,times=1,method=POST,retry_after=2").await;
    let items = items_for(
        &read.snapshot.records,
        |_| FieldWrite::AddStock { delta: -1 },
        None,
    );
    let report = woo.write(&items).await.expect("write");
    assert_eq!(report.written(), 10);
    assert_eq!(waits.lock().unwrap().clone(), vec![Duration::from_secs(2)]);
    let state = state_by_sku(&emu).await;
    for r in &read.snapshot.records {
        let before = r
            .get(FieldName::StockQuantity)
            .unwrap()
            .unwrap()
            .as_quantity()
            .unwrap();
        assert_eq!(
            state[r.sku.as_str()]["stock_quantity"],
            before - 1,
            "applied exactly once"
        );
    }
    emu.shutdown().await;
}

// ------------------------------------------------------------ diagnoses

async fn diagnose(
    c: skusync_woocommerce::WooConfig,
    probe: WriteProbe,
) -> skusync_woocommerce::Diagnosis {
    adapter(c).check(probe).await
}

#[tokio::test]
async fn diagnoses_from_the_emulator() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    let seed = json!({
        "products": [{"name": "A", "type": "simple", "sku": "A-1", "regular_price": "1.00"}],
        "keys": [
            {"consumer_key": "ck_rw00000000000000000000000000000000000000", "consumer_secret": "cs_rw00000000000000000000000000000000000000", "permissions": "read_write"},
            {"consumer_key": "ck_ro00000000000000000000000000000000000000", "consumer_secret": "cs_ro00000000000000000000000000000000000000", "permissions": "read"}
        ]
    });
    let http = emulator(seed.clone(), Tls::Off, None).await;
    let https = emulator(seed, Tls::SelfSigned, Some(ca.clone())).await;
    let rw = (
        "ck_rw00000000000000000000000000000000000000",
        "cs_rw00000000000000000000000000000000000000",
    );
    let ro = (
        "ck_ro00000000000000000000000000000000000000",
        "cs_ro00000000000000000000000000000000000000",
    );
    let with_ca = |mut c: skusync_woocommerce::WooConfig| {
        c.ca_cert = Some(ca.clone());
        c
    };

    // Working, over both schemes.
    let d = diagnose(config(http.url(), rw.0, rw.1).0, WriteProbe::Probe).await;
    assert_eq!(d.kind, DiagnosisKind::Ok, "{d}");
    assert!(d.write_checked && d.warnings.iter().any(|w| w.contains("plain http")));

    // Wrong secret: OAuth signature mismatch, and Basic "Consumer secret is invalid".
    let d = diagnose(config(http.url(), rw.0, "cs_wrong").0, WriteProbe::Skip).await;
    assert_eq!(d.kind, DiagnosisKind::WrongSecret, "{d}");
    let d = diagnose(
        with_ca(config(https.url(), rw.0, "cs_wrong").0),
        WriteProbe::Skip,
    )
    .await;
    assert_eq!(d.kind, DiagnosisKind::WrongSecret, "{d}");
    assert!(d.fix.contains("consumer secret"));

    // Unknown key: OAuth "Consumer key is invalid"; HTTPS anonymous even with query keys.
    let d = diagnose(config(http.url(), "ck_unknown", "cs_x").0, WriteProbe::Skip).await;
    assert_eq!(d.kind, DiagnosisKind::UnknownKey, "{d}");
    let d = diagnose(
        with_ca(config(https.url(), "ck_unknown", "cs_x").0),
        WriteProbe::Skip,
    )
    .await;
    assert_eq!(d.kind, DiagnosisKind::UnknownKey, "{d}");

    // Read-only key: fine for plan, refused when writes are needed.
    let d = diagnose(config(http.url(), ro.0, ro.1).0, WriteProbe::Skip).await;
    assert_eq!(d.kind, DiagnosisKind::Ok, "{d}");
    let d = diagnose(config(http.url(), ro.0, ro.1).0, WriteProbe::Probe).await;
    assert_eq!(d.kind, DiagnosisKind::ReadOnlyKey, "{d}");
    assert!(d.fix.contains("Read/Write"));

    // HTTP Basic on plain HTTP is ignored by WooCommerce.
    let mut c = config(http.url(), rw.0, rw.1).0;
    c.auth = AuthMode::Basic;
    let d = diagnose(c, WriteProbe::Skip).await;
    assert_eq!(d.kind, DiagnosisKind::BasicOverHttp, "{d}");
    assert!(
        d.warnings
            .iter()
            .any(|w| w.contains("auth: basic over http://")),
        "{d}"
    );

    // TLS: the self-signed certificate without its CA.
    let d = diagnose(config(https.url(), rw.0, rw.1).0, WriteProbe::Skip).await;
    assert_eq!(d.kind, DiagnosisKind::Tls, "{d}");
    assert!(d.fix.contains("ca_cert"));

    // 403 from a firewall (an HTML page); 429 and 5xx from the host.
    for (spec, kind) in [
        ("status=403,html", DiagnosisKind::Firewall),
        ("429,retry_after=1", DiagnosisKind::RateLimited),
        ("503,html", DiagnosisKind::HostError),
    ] {
        faults(&http, spec).await;
        let d = diagnose(config(http.url(), rw.0, rw.1).0, WriteProbe::Skip).await;
        assert_eq!(d.kind, kind, "{spec}: {d}");
    }
    faults(&http, "").await;

    // A wrong sub-folder: the site answers /blog/wp-json/ with its HTML 404 page.
    let mut c = config(http.url(), rw.0, rw.1).0;
    c.wp_subfolder = Some("/blog".into());
    let d = diagnose(c, WriteProbe::Skip).await;
    assert_eq!(d.kind, DiagnosisKind::NotJson, "{d}");
    assert!(d.fix.contains("Permalinks"));

    http.shutdown().await;
    https.shutdown().await;
}

#[tokio::test]
async fn diagnoses_from_misbehaving_hosts() {
    let json_404 = include_str!("fixtures/error-no-route.json");
    let body: serde_json::Value = serde_json::from_str(json_404).unwrap();
    let no_route = fake_host(Fake::Answer(raw(
        "404 Not Found",
        &[("Content-Type", "application/json; charset=UTF-8")],
        &body["body"].to_string(),
    )))
    .await;
    let html_404 = fake_host(Fake::Answer(raw(
        "404 Not Found",
        &[("Content-Type", "text/html")],
        "<html><head><title>Page not found</title></head></html>",
    )))
    .await;
    let html_200 = fake_host(Fake::Answer(raw(
        "200 OK",
        &[("Content-Type", "text/html")],
        "<html><head><title>My Shop</title></head><body>home</body></html>",
    )))
    .await;
    let wpcom = fake_host(Fake::Answer(raw(
        "401 Unauthorized",
        &[("Content-Type", "application/json"), ("host-header", "WordPress.com")],
        r#"{"code":"rest_forbidden","message":"Sorry, you are not allowed to do that.","data":{"status":401}}"#,
    )))
    .await;
    let redirect = fake_host(Fake::Answer(raw(
        "301 Moved Permanently",
        &[(
            "Location",
            "https://www.example.com/wp-json/wc/v3/products?per_page=1",
        )],
        "",
    )))
    .await;
    let json_answer = |status: &str, body: &str| {
        raw(
            status,
            &[("Content-Type", "application/json; charset=UTF-8")],
            body,
        )
    };
    let no_capability = fake_host(Fake::Answer(json_answer(
        "403 Forbidden",
        r#"{"code":"woocommerce_rest_cannot_view","message":"Sorry, you cannot list resources.","data":{"status":403}}"#,
    )))
    .await;
    let skewed = fake_host(Fake::Answer(json_answer(
        "401 Unauthorized",
        r#"{"code":"woocommerce_rest_authentication_error","message":"Invalid timestamp.","data":{"status":401}}"#,
    )))
    .await;
    let closes = fake_host(Fake::Close).await;
    let hangs = fake_host(Fake::Hang).await;
    // Nothing listens on port 1 (a freed ephemeral port could be taken by
    // another test's server meanwhile).
    let refused = "http://127.0.0.1:1".to_string();

    let check = |url: String| async move {
        let (mut c, _) = config(&url, "ck_secret_key_value", "cs_secret_value");
        c.timeout = Duration::from_millis(500);
        diagnose(c, WriteProbe::Skip).await
    };
    for (url, kind) in [
        (no_route, DiagnosisKind::NoRoute),
        (html_404, DiagnosisKind::NotJson),
        (html_200, DiagnosisKind::NotJson),
        (wpcom, DiagnosisKind::WordPressCom),
        (redirect, DiagnosisKind::Redirect),
        (no_capability, DiagnosisKind::MissingCapability),
        (skewed, DiagnosisKind::ClockSkew),
        (closes, DiagnosisKind::HostError),
        (hangs, DiagnosisKind::Timeout),
        (refused, DiagnosisKind::ConnectionRefused),
        ("https://shop.invalid".to_string(), DiagnosisKind::Dns),
    ] {
        let d = check(url.clone()).await;
        assert_eq!(d.kind, kind, "{url}: {d}");
        assert!(!d.cause.is_empty() && !d.fix.is_empty());
        let text = d.to_string();
        assert!(
            !text.contains("ck_secret_key_value") && !text.contains("cs_secret_value"),
            "{text}"
        );
    }
    // A WordPress.com address is recognised from its host name too.
    let (c, _) = config("https://mystore.wordpress.com", "ck_a", "cs_b");
    let mut c = c;
    c.timeout = Duration::from_millis(500);
    let d = diagnose(c, WriteProbe::Skip).await;
    assert_eq!(d.kind, DiagnosisKind::WordPressCom, "{d}");
}

/// A store whose batch limit was lowered answers 413: the adapter splits
/// and sends again (never an unknown outcome: a 413 is refused whole), and
/// stops splitting at one item.
#[tokio::test]
async fn batches_refused_as_too_large_are_split_not_lost() {
    let url = fake_host(Fake::Answer(raw(
        "413 Payload Too Large",
        &[("Content-Type", "application/json; charset=UTF-8")],
        r#"{"code":"woocommerce_rest_request_entity_too_large","message":"Unable to accept more than 2 items for this request.","data":{"status":413}}"#,
    )))
    .await;
    let (c, _) = config(&url, "ck_a", "cs_b");
    let woo = adapter(c);
    let items: Vec<WriteItem> = (1..=3)
        .map(|id| WriteItem {
            sku: Sku::new(format!("S-{id}")),
            remote: RemoteId {
                id,
                parent_id: None,
            },
            changes: vec![FieldWrite::AddStock { delta: 1 }],
            marker: None,
        })
        .collect();
    let report = woo.write(&items).await.expect("write");
    // 3 items (413, limit 2) → 2 items (413) → 1 item each, three times.
    assert_eq!(report.requests, 5);
    for o in &report.outcomes {
        match o {
            ItemOutcome::Failed { code, .. } => {
                assert_eq!(code, "woocommerce_rest_request_entity_too_large")
            }
            o => panic!("{o:?}"),
        }
    }
}

/// WooCommerce drops a quantity written to an item that does not manage its
/// stock, yet answers success: the adapter reports that item as failed.
#[tokio::test]
async fn a_stock_write_to_an_unmanaged_item_is_not_reported_written() {
    let seed = json!({"products": [
        {"name": "Managed", "type": "simple", "sku": "M-1", "regular_price": "1.00", "manage_stock": true, "stock_quantity": 4},
        {"name": "Unmanaged", "type": "simple", "sku": "U-1", "regular_price": "1.00", "manage_stock": false}
    ]});
    let (emu, woo, _) = http_store(seed).await;
    let read = full_read(&woo).await;
    let items = items_for(
        &read.snapshot.records,
        |_| set(FieldName::StockQuantity, Value::Quantity(9)),
        None,
    );
    let report = woo.write(&items).await.expect("write");
    assert_eq!(report.outcomes[0], ItemOutcome::Written);
    match &report.outcomes[1] {
        ItemOutcome::Failed { code, .. } => assert_eq!(code, "stock_not_managed"),
        o => panic!("{o:?}"),
    }
    let state = state_by_sku(&emu).await;
    assert_eq!(state["M-1"]["stock_quantity"], 9);
    assert_eq!(state["U-1"]["stock_quantity"], serde_json::Value::Null);
    emu.shutdown().await;
}
