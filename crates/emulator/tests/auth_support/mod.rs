//! Shared by the auth integration tests (`auth_http.rs`, `auth_https.rs`):
//! starts the real `skusync-emulator` binary on a seed with keys of every
//! scope, and signs requests with a small OAuth 1.0a signer of its own.
//!
//! The signer follows RFC 5849 §3.4 (parameters sorted by their *encoded*
//! name and value), independent of both the emulator's verifier (which
//! follows WooCommerce's code) and the adapter's signer. `auth_http.rs`
//! checks it against the RFC's worked examples.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};

/// The read_write key (first in the seed).
pub const RW_KEY: &str = "ck_auth_read_write_0000000000000000000000";
/// Its secret.
pub const RW_SECRET: &str = "cs_auth_read_write_0000000000000000000000";
/// A read-only key.
pub const READ_KEY: &str = "ck_auth_read_only_00000000000000000000000";
/// Its secret.
pub const READ_SECRET: &str = "cs_auth_read_only_00000000000000000000000";
/// A write-only key.
pub const WRITE_KEY: &str = "ck_auth_write_only_0000000000000000000000";
/// Its secret.
pub const WRITE_SECRET: &str = "cs_auth_write_only_0000000000000000000000";
/// A product the seed holds.
pub const PRODUCT_ID: u64 = 101;
/// The products collection route.
pub const PRODUCTS: &str = "/wp-json/wc/v3/products";

/// How to start the emulator.
#[derive(Default)]
pub struct Options {
    /// Serve HTTPS (`--tls --ca-out …`).
    pub tls: bool,
    /// `--faults SPEC`.
    pub faults: Option<String>,
}

/// A running emulator binary; killed on drop.
pub struct Emulator {
    child: Child,
    _dir: tempfile::TempDir,
    /// `http://127.0.0.1:PORT` or `https://…`, from the ready line.
    pub url: String,
    /// The ready line, parsed.
    pub ready: Value,
    /// The CA certificate file (`--ca-out`), with `--tls`.
    pub ca_cert: Option<PathBuf>,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn seed() -> Value {
    json!({
        "products": [
            {"id": PRODUCT_ID, "name": "Auth test mug", "type": "simple", "sku": "AUTH-MUG",
             "regular_price": "9.90", "manage_stock": true, "stock_quantity": 5},
            {"id": 102, "name": "Auth test tee", "type": "simple", "sku": "AUTH-TEE",
             "regular_price": "20", "manage_stock": false}
        ],
        "keys": [
            {"consumer_key": RW_KEY, "consumer_secret": RW_SECRET, "permissions": "read_write"},
            {"consumer_key": READ_KEY, "consumer_secret": READ_SECRET, "permissions": "read"},
            {"consumer_key": WRITE_KEY, "consumer_secret": WRITE_SECRET, "permissions": "write"}
        ]
    })
}

impl Emulator {
    /// Starts the binary on a fresh seed and waits for its ready line.
    pub fn start(options: Options) -> Emulator {
        let dir = tempfile::tempdir().expect("a temp dir");
        let seed_path = dir.path().join("store.json");
        std::fs::write(&seed_path, seed().to_string()).expect("seed written");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_skusync-emulator"));
        cmd.arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--seed")
            .arg(&seed_path);
        let ca_path = dir.path().join("ca.pem");
        if options.tls {
            cmd.arg("--tls").arg("--ca-out").arg(&ca_path);
        }
        if let Some(faults) = &options.faults {
            cmd.arg("--faults").arg(faults);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the emulator binary starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("reads the ready line");
        let ready: Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(e) => {
                let _ = child.kill();
                panic!("the ready line is JSON ({e}): {line:?}");
            }
        };
        let url = ready["url"]
            .as_str()
            .expect("the ready line has a url")
            .trim_end_matches('/')
            .to_owned();
        let ca_cert = options.tls.then(|| {
            let printed = ready["ca_cert"]
                .as_str()
                .map(PathBuf::from)
                .unwrap_or_else(|| ca_path.clone());
            assert!(printed.exists(), "CA certificate at {}", printed.display());
            printed
        });
        Emulator {
            child,
            _dir: dir,
            url,
            ready,
            ca_cert,
        }
    }

    /// A client that trusts the emulator's certificate (with `--tls`) and
    /// nothing else.
    pub fn client(&self) -> reqwest::Client {
        let mut builder = reqwest::Client::builder();
        if let Some(ca) = &self.ca_cert {
            let pem = std::fs::read(ca).expect("the CA file is readable");
            let cert = reqwest::Certificate::from_pem(&pem).expect("the CA file is PEM");
            builder = builder.tls_certs_only([cert]);
        }
        builder.build().expect("an HTTP client")
    }

    /// `url + path`: the base URI a signature covers (no query).
    pub fn base_uri(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// `url + path + ?query`, with `query` and the oauth params `oauth`
    /// signs for `method` on this emulator's own URL.
    pub fn signed_url(
        &self,
        oauth: &OAuth<'_>,
        method: &str,
        path: &str,
        query: &[(String, String)],
    ) -> String {
        self.url_for(
            path,
            &oauth.signed_query(method, &self.base_uri(path), query),
        )
    }

    /// `url + path + ?query`, with the query rawurlencoded.
    pub fn url_for(&self, path: &str, query: &[(String, String)]) -> String {
        if query.is_empty() {
            format!("{}{path}", self.url)
        } else {
            format!("{}{path}?{}", self.url, encode_pairs(query))
        }
    }
}

/// `k=v&…`, each rawurlencoded.
pub fn encode_pairs(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Owned pairs from borrowed ones.
pub fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// RFC 3986 percent-encoding (RFC 5849 §3.6).
pub fn enc(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

/// An HMAC signature method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    /// `HMAC-SHA1`
    Sha1,
    /// `HMAC-SHA256`
    Sha256,
}

impl Alg {
    /// The `oauth_signature_method` value.
    pub fn name(self) -> &'static str {
        match self {
            Alg::Sha1 => "HMAC-SHA1",
            Alg::Sha256 => "HMAC-SHA256",
        }
    }
}

/// How the signer orders parameters in the base string.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ParamOrder {
    /// RFC 5849 §3.4.1.3.2: by encoded name, then encoded value.
    #[default]
    Rfc5849,
    /// By raw name (stable), as WooCommerce's `uksort( $params, 'strcmp' )`.
    RawName,
}

/// RFC 5849 §3.4.1: `METHOD&enc(base_uri)&enc(normalized params)`, the
/// params sorted by encoded name, then encoded value.
pub fn base_string(method: &str, base_uri: &str, params: &[(String, String)]) -> String {
    base_string_ordered(method, base_uri, params, ParamOrder::Rfc5849)
}

/// [`base_string`] with a choice of parameter order.
pub fn base_string_ordered(
    method: &str,
    base_uri: &str,
    params: &[(String, String)],
    order: ParamOrder,
) -> String {
    let mut raw = params.to_vec();
    if order == ParamOrder::RawName {
        raw.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    }
    let mut encoded: Vec<(String, String)> = raw.iter().map(|(k, v)| (enc(k), enc(v))).collect();
    if order == ParamOrder::Rfc5849 {
        encoded.sort();
    }
    let normalized = encoded
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        enc(base_uri),
        enc(&normalized)
    )
}

/// RFC 5849 §3.4.2: base64 HMAC with key `enc(client secret)&enc(token secret)`.
pub fn sign(base: &str, consumer_secret: &str, token_secret: &str, alg: Alg) -> String {
    let key = format!("{}&{}", enc(consumer_secret), enc(token_secret));
    let raw = match alg {
        Alg::Sha1 => {
            let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key.as_bytes()).expect("any key");
            mac.update(base.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Alg::Sha256 => {
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).expect("any key");
            mac.update(base.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
    };
    base64::engine::general_purpose::STANDARD.encode(raw)
}

/// Seconds since the epoch, now.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A nonce never used before in this test process.
pub fn fresh_nonce() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("n{}x{n}x{}", std::process::id(), now())
}

/// One OAuth 1.0a signing of a request.
pub struct OAuth<'a> {
    /// Consumer key.
    pub key: &'a str,
    /// Consumer secret used to sign.
    pub secret: &'a str,
    /// Signature method (its name may be overridden with `method_name`).
    pub alg: Alg,
    /// Sent as `oauth_signature_method` instead of `alg.name()`.
    pub method_name: Option<&'a str>,
    /// `oauth_timestamp`.
    pub timestamp: i64,
    /// `oauth_nonce`.
    pub nonce: String,
    /// Parameter order in the base string.
    pub order: ParamOrder,
}

impl<'a> OAuth<'a> {
    /// A signing with a fresh nonce at the current time.
    pub fn new(key: &'a str, secret: &'a str, alg: Alg) -> Self {
        OAuth {
            key,
            secret,
            alg,
            method_name: None,
            timestamp: now(),
            nonce: fresh_nonce(),
            order: ParamOrder::Rfc5849,
        }
    }

    /// The oauth protocol params (without the signature).
    pub fn protocol_params(&self) -> Vec<(String, String)> {
        pairs(&[
            ("oauth_consumer_key", self.key),
            ("oauth_nonce", &self.nonce),
            (
                "oauth_signature_method",
                self.method_name.unwrap_or(self.alg.name()),
            ),
            ("oauth_timestamp", &self.timestamp.to_string()),
        ])
    }

    /// The protocol params plus `oauth_signature`, for `method url` whose
    /// other signed params (query and form body) are `request_params`.
    pub fn signed(
        &self,
        method: &str,
        url_without_query: &str,
        request_params: &[(String, String)],
    ) -> Vec<(String, String)> {
        let mut protocol = self.protocol_params();
        let mut all = request_params.to_vec();
        all.extend(protocol.iter().cloned());
        let base = base_string_ordered(method, url_without_query, &all, self.order);
        protocol.push((
            "oauth_signature".to_owned(),
            sign(&base, self.secret, "", self.alg),
        ));
        protocol
    }

    /// `query` plus the signed oauth params: the whole query string to send.
    pub fn signed_query(
        &self,
        method: &str,
        url_without_query: &str,
        query: &[(String, String)],
    ) -> Vec<(String, String)> {
        let mut all = query.to_vec();
        all.extend(self.signed(method, url_without_query, query));
        all
    }

    /// An `Authorization: OAuth …` header value carrying the signed params.
    pub fn header(
        &self,
        method: &str,
        url_without_query: &str,
        request_params: &[(String, String)],
    ) -> String {
        let params = self.signed(method, url_without_query, request_params);
        let fields = params
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", enc(v)))
            .collect::<Vec<_>>()
            .join(", ");
        format!("OAuth realm=\"skusync\", {fields}")
    }
}

/// `Authorization: Basic …` for these credentials.
pub fn basic(key: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{key}:{secret}"))
    )
}

/// A response's status and JSON body.
pub async fn status_json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("JSON body ({e}), status {status}: {text:?}"));
    (status, body)
}

/// Sends `request` and gives its status and JSON body.
pub async fn answer(request: reqwest::RequestBuilder) -> (u16, Value) {
    status_json(request.send().await.expect("answered")).await
}

/// Asserts a WooCommerce error body: `{"code", "message", "data": {"status"}}`.
#[track_caller]
pub fn assert_error(got: &(u16, Value), status: u16, code: &str, message: &str) {
    let (got_status, body) = got;
    assert_eq!(
        (*got_status, body["code"].as_str(), body["message"].as_str()),
        (status, Some(code), Some(message)),
        "body: {body}"
    );
    assert_eq!(
        body["data"]["status"].as_u64(),
        Some(u64::from(status)),
        "body: {body}"
    );
}

/// The write-permission error of a read-only key.
pub const NO_WRITE: &str = "The API key provided does not have write permissions.";
/// The read-permission error of a write-only key.
pub const NO_READ: &str = "The API key provided does not have read permissions.";
/// WooCommerce's auth error code.
pub const AUTH_ERROR: &str = "woocommerce_rest_authentication_error";
/// An anonymous list request's error code.
pub const CANNOT_VIEW: &str = "woocommerce_rest_cannot_view";
/// Its message.
pub const CANNOT_LIST: &str = "Sorry, you cannot list resources.";
/// A signature (or Basic secret) that does not match the key's secret.
pub const BAD_SIGNATURE: &str = "Invalid signature - provided signature does not match.";
/// A known key with the wrong secret, outside OAuth.
pub const BAD_SECRET: &str = "Consumer secret is invalid.";
/// An unknown route's message (code `rest_no_route`, status 404).
pub const NO_ROUTE: &str = "No route was found matching the URL and request method.";
