//! No consumer key or secret ever reaches a log line, an error or `Debug`
//! output: every log event (ours, reqwest's and hyper's, at TRACE) is
//! captured while the adapter goes through its riskiest paths: query-string
//! keys in URLs after a stripped header, OAuth over HTTP, wrong secrets,
//! dropped connections, failed batches and the connection check.

mod common;

use base64::Engine as _;
use chrono::Utc;
use common::*;
use skusync_adapter::{FieldWrite, Target, WriteItem};
use skusync_emulator::Tls;
use skusync_model::{FieldName, RemoteId, Sku};
use skusync_woocommerce::{ReadMode, WooCommerce, WriteProbe};
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_any_log_line_error_or_debug_output() {
    let capture = Capture::default();
    tracing_subscriber::fmt()
        .with_writer(capture.clone())
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "trace,skusync_emulator=off",
        ))
        .with_ansi(false)
        .init();

    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    let https = emulator(
        skusync_emulator::seed::generate(150, 10),
        Tls::SelfSigned,
        Some(ca.clone()),
    )
    .await;
    let http = emulator(skusync_emulator::seed::generate(150, 10), Tls::Off, None).await;
    let mut secrets = vec![
        https.consumer_key().to_string(),
        https.consumer_secret().to_string(),
        http.consumer_key().to_string(),
        http.consumer_secret().to_string(),
    ];
    let mut texts = Vec::new();

    // HTTPS with a stripped Authorization header: query-string keys in URLs.
    faults(&https, "strip_auth;drop,times=1;500,times=1,html").await;
    let (mut c, _) = config_for(&https);
    c.ca_cert = Some(ca.clone());
    let woo = WooCommerce::new(c).unwrap();
    texts.push(format!("{woo:?}"));
    let out = woo
        .read(&FieldName::ALL, ReadMode::Full, Utc::now())
        .await
        .unwrap();
    let items: Vec<WriteItem> = out
        .snapshot
        .records
        .iter()
        .take(120)
        .map(|r| WriteItem {
            sku: r.sku.clone(),
            remote: r.remote.unwrap(),
            changes: vec![FieldWrite::AddStock { delta: 1 }],
            marker: None,
        })
        .collect();
    faults(&https, "strip_auth;502,times=1,method=POST").await;
    let report = woo.write(&items).await.unwrap();
    texts.push(format!("{report:?}"));
    texts.push(woo.check(WriteProbe::Probe).await.to_string());

    // Wrong secret over HTTPS (Basic) and over HTTP (OAuth).
    let (mut c, _) = config(https.url(), https.consumer_key(), "cs_wrong_secret_value");
    c.ca_cert = Some(ca.clone());
    secrets.push("cs_wrong_secret_value".into());
    let woo = WooCommerce::new(c).unwrap();
    texts.push(woo.check(WriteProbe::Skip).await.to_string());
    let err = woo
        .read(&FieldName::ALL, ReadMode::Full, Utc::now())
        .await
        .unwrap_err();
    texts.push(format!("{err} {err:?}"));

    let (c, _) = config_for(&http);
    let woo = WooCommerce::new(c).unwrap();
    faults(&http, "drop,times=1").await;
    let out = woo
        .read(&FieldName::ALL, ReadMode::Full, Utc::now())
        .await
        .unwrap();
    texts.push(format!("{:?}", out.problems));
    let gone = [WriteItem {
        sku: Sku::new("X"),
        remote: RemoteId {
            id: 99_999_999,
            parent_id: None,
        },
        changes: vec![FieldWrite::AddStock { delta: 1 }],
        marker: None,
    }];
    texts.push(format!("{:?}", woo.write(&gone).await));
    let (c, _) = config(
        http.url(),
        "ck_not_a_real_key_0001",
        "cs_not_a_real_secret_0001",
    );
    secrets.extend([
        "ck_not_a_real_key_0001".into(),
        "cs_not_a_real_secret_0001".into(),
    ]);
    texts.push(
        WooCommerce::new(c)
            .unwrap()
            .check(WriteProbe::Skip)
            .await
            .to_string(),
    );

    // A failure at the transport level after a query-string attempt.
    let (mut c, _) = config(https.url(), https.consumer_key(), https.consumer_secret());
    c.ca_cert = Some(ca.clone());
    c.auth = skusync_woocommerce::AuthMode::Query;
    faults(&https, "drop").await;
    let woo = WooCommerce::new(c).unwrap();
    let err = woo
        .read(&FieldName::ALL, ReadMode::Full, Utc::now())
        .await
        .unwrap_err();
    texts.push(format!("{err} {err:?}"));

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("the host strips the Authorization header"),
        "the capture works and saw the fallback"
    );
    assert!(logs.lines().count() > 50, "TRACE logs were captured");
    let basic =
        |k: &str, s: &str| base64::engine::general_purpose::STANDARD.encode(format!("{k}:{s}"));
    secrets.push(basic(https.consumer_key(), https.consumer_secret()));
    for secret in &secrets {
        for (n, line) in logs.lines().enumerate() {
            assert!(
                !line.contains(secret.as_str()),
                "log line {n} leaks a secret: {line}"
            );
        }
        for t in &texts {
            assert!(!t.contains(secret.as_str()), "output leaks a secret: {t}");
        }
    }
    https.shutdown().await;
    http.shutdown().await;
}
