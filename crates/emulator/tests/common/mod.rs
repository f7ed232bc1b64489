//! Shared helpers for the emulator's integration tests: spawn the real
//! `skusync-emulator` binary, read its ready line, and talk plain HTTP to it
//! with reqwest, signing every API request with one-legged OAuth 1.0a
//! (HMAC-SHA256, parameters in the query string) as a WooCommerce client
//! does over plain HTTP. Written from RFC 5849, not from the emulator's code.
#![allow(dead_code)]

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

/// RFC 3986 unreserved characters stay; everything else is encoded.
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// RFC 3986 percent-encoding.
pub fn enc(s: &str) -> String {
    utf8_percent_encode(s, RFC3986).to_string()
}

/// A running emulator process.
pub struct Emu {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The ready line's key.
    pub ck: String,
    /// The ready line's secret.
    pub cs: String,
    /// The whole ready line, parsed.
    pub ready: Value,
    /// The ready line as printed.
    pub ready_text: String,
    /// The HTTP client.
    pub client: reqwest::Client,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Emu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One response.
#[derive(Debug)]
pub struct Resp {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// Raw body.
    pub text: String,
    /// Parsed body (`Null` when not JSON).
    pub body: Value,
}

impl Resp {
    /// A header as a string.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// The body as an array.
    pub fn items(&self) -> Vec<Value> {
        self.body.as_array().cloned().unwrap_or_default()
    }

    /// Asserts the message a `rest_invalid_param` error gives each of
    /// `params` (`data.params.NAME`).
    #[track_caller]
    pub fn assert_param_messages(&self, params: &[(&str, &str)]) {
        for (name, message) in params {
            assert_eq!(self.body["data"]["params"][name], *message, "{name}");
        }
    }

    /// The `id`s of an array body.
    pub fn ids(&self) -> Vec<u64> {
        self.items()
            .iter()
            .filter_map(|v| v["id"].as_u64())
            .collect()
    }
}

/// Starts the binary with a seed document (`None` = no `--seed`) and extra
/// arguments.
pub fn start(seed: Option<Value>, args: &[&str]) -> Emu {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_skusync-emulator"));
    cmd.args(["--listen", "127.0.0.1:0"]);
    if let Some(seed) = seed {
        let path = dir.path().join("seed.json");
        let mut f = std::fs::File::create(&path).expect("seed file");
        f.write_all(seed.to_string().as_bytes())
            .expect("write seed");
        cmd.arg("--seed").arg(&path);
    }
    cmd.args(args);
    start_cmd(cmd, dir)
}

/// Starts the binary with the given command (stdout is read for the ready line).
pub fn start_cmd(mut cmd: Command, dir: tempfile::TempDir) -> Emu {
    cmd.stdout(Stdio::piped()).stderr(Stdio::inherit());
    let mut child = cmd.spawn().expect("spawn skusync-emulator");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("ready line");
    let ready: Value = serde_json::from_str(line.trim()).unwrap_or_else(|e| {
        panic!("ready line is not JSON ({e}): {line:?}");
    });
    let s = |k: &str| ready[k].as_str().unwrap_or_default().to_string();
    Emu {
        url: s("url"),
        ck: s("consumer_key"),
        cs: s("consumer_secret"),
        client: reqwest::Client::new(),
        ready,
        ready_text: line.trim_end().to_string(),
        child,
        _dir: dir,
    }
}

/// The OAuth 1.0a (HMAC-SHA256) query parameters for a request.
pub fn oauth_params(
    method: &str,
    base_url: &str,
    params: &[(String, String)],
    ck: &str,
    cs: &str,
) -> Vec<(String, String)> {
    let nonce = hex::encode(rand::random::<[u8; 16]>());
    let ts = chrono::Utc::now().timestamp().to_string();
    let mut all: Vec<(String, String)> = params.to_vec();
    all.push(("oauth_consumer_key".into(), ck.into()));
    all.push(("oauth_nonce".into(), nonce));
    all.push(("oauth_signature_method".into(), "HMAC-SHA256".into()));
    all.push(("oauth_timestamp".into(), ts));
    let mut encoded: Vec<(String, String)> = all.iter().map(|(k, v)| (enc(k), enc(v))).collect();
    encoded.sort();
    let joined = encoded
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let base = format!("{method}&{}&{}", enc(base_url), enc(&joined));
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(format!("{}&", enc(cs)).as_bytes()).expect("hmac key");
    mac.update(base.as_bytes());
    let sig = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    all.push(("oauth_signature".into(), sig));
    all
}

fn query_string(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `base_url?QUERY`: `params` and their OAuth signature for `method` with
/// key `ck` and secret `cs`.
pub fn signed_url(
    method: &str,
    base_url: &str,
    params: &[(String, String)],
    ck: &str,
    cs: &str,
) -> String {
    let signed = oauth_params(method, base_url, params, ck, cs);
    format!("{base_url}?{}", query_string(&signed))
}

/// The `Authorization: OAuth …` header for a GET without query parameters.
pub fn oauth_header(method: &str, url: &str, ck: &str, cs: &str) -> String {
    let signed = oauth_params(method, url, &[], ck, cs);
    let parts: Vec<String> = signed
        .iter()
        .map(|(k, v)| format!("{}=\"{}\"", enc(k), enc(v)))
        .collect();
    format!("OAuth {}", parts.join(", "))
}

/// Builds `(k, v)` pairs.
pub fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect()
}

async fn into_resp(r: reqwest::Response) -> Resp {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        text,
        body,
    }
}

impl Emu {
    /// A signed request with a JSON body (not signed, as WooCommerce does).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        params: &[(String, String)],
        body: Option<&Value>,
    ) -> Resp {
        self.try_call(method, path, params, body)
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// Like [`Emu::call`], but returns transport errors.
    pub async fn try_call(
        &self,
        method: &str,
        path: &str,
        params: &[(String, String)],
        body: Option<&Value>,
    ) -> Result<Resp, reqwest::Error> {
        let base = format!("{}{path}", self.url);
        let url = signed_url(method, &base, params, &self.ck, &self.cs);
        self.raw(method, &url, body, &[]).await
    }

    /// An unsigned request to a full URL with extra headers.
    pub async fn raw(
        &self,
        method: &str,
        url: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Result<Resp, reqwest::Error> {
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut rb = self.client.request(m, url);
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        if let Some(b) = body {
            rb = rb.json(b);
        }
        Ok(into_resp(rb.send().await?).await)
    }

    /// Signed GET.
    pub async fn get(&self, path: &str, params: &[(&str, &str)]) -> Resp {
        self.call("GET", path, &q(params), None).await
    }

    /// Signed PUT with a JSON body.
    pub async fn put(&self, path: &str, body: Value) -> Resp {
        self.call("PUT", path, &[], Some(&body)).await
    }

    /// Signed POST with a JSON body.
    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.call("POST", path, &[], Some(&body)).await
    }

    /// Signed DELETE.
    pub async fn delete(&self, path: &str, params: &[(&str, &str)]) -> Resp {
        self.call("DELETE", path, &q(params), None).await
    }

    /// An anonymous (unsigned) request.
    pub async fn anon(&self, method: &str, path_and_query: &str, body: Option<Value>) -> Resp {
        self.raw(
            method,
            &format!("{}{path_and_query}", self.url),
            body.as_ref(),
            &[],
        )
        .await
        .expect("anonymous request")
    }

    /// GET an admin endpoint.
    pub async fn admin_get(&self, path: &str) -> Value {
        self.anon("GET", path, None).await.body
    }

    /// POST an admin endpoint.
    pub async fn admin_post(&self, path: &str, body: Value) -> Resp {
        self.anon("POST", path, Some(body)).await
    }

    /// The id of the item with this SKU (via `GET /products?sku=`).
    pub async fn id_of(&self, sku: &str) -> u64 {
        let r = self.get("/wp-json/wc/v3/products", &[("sku", sku)]).await;
        r.ids()
            .first()
            .copied()
            .unwrap_or_else(|| panic!("no item with SKU {sku}: {}", r.text))
    }

    /// Freezes the store clock at a UTC time.
    pub async fn freeze_clock(&self, at: &str) {
        let r = self
            .admin_post("/__emulator/clock", json!({"set": at}))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }

    /// Advances the frozen store clock.
    pub async fn advance_clock(&self, seconds: i64) {
        let r = self
            .admin_post("/__emulator/clock", json!({"advance": seconds}))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
}

/// A small seed: two simple products, a variable product with three
/// variations, a draft, a product without SKU, one with unmanaged stock.
pub fn small_seed() -> Value {
    json!({"products": [
        {"id": 20, "name": "Probe 11", "sku": "PRB-0011", "regular_price": "12.00",
         "manage_stock": true, "stock_quantity": 7,
         "date_created_gmt": "2026-11-24T01:48:26", "date_modified_gmt": "2026-11-24T01:49:02"},
        {"id": 21, "name": "Probe 12", "sku": "PRB-0012", "regular_price": "20",
         "manage_stock": true, "stock_quantity": 3,
         "date_created_gmt": "2026-11-24T01:48:27", "date_modified_gmt": "2026-11-24T01:49:03"},
        {"id": 260, "name": "Probe variable", "type": "variable", "sku": "PRB-V",
         "attributes": [{"id": 0, "name": "Size", "slug": "Size", "position": 0, "visible": true,
                         "variation": true, "options": ["S", "M", "L"]}],
         "date_created_gmt": "2026-11-24T01:48:34", "date_modified_gmt": "2026-11-24T01:48:40",
         "variations": [
            {"id": 261, "sku": "PRB-V-S", "regular_price": "30.00", "manage_stock": true, "stock_quantity": 5,
             "name": "S", "attributes": [{"id": 0, "name": "Size", "slug": "size", "option": "S"}],
             "date_created_gmt": "2026-11-24T01:48:34", "date_modified_gmt": "2026-11-24T01:48:34"},
            {"id": 262, "sku": "PRB-V-M", "regular_price": "30.00", "manage_stock": true, "stock_quantity": 2,
             "name": "M", "attributes": [{"id": 0, "name": "Size", "slug": "size", "option": "M"}],
             "date_created_gmt": "2026-11-24T01:48:34", "date_modified_gmt": "2026-11-24T01:48:40"},
            {"id": 263, "sku": "PRB-V-L", "regular_price": "30.00", "manage_stock": true, "stock_quantity": 0,
             "name": "L", "attributes": [{"id": 0, "name": "Size", "slug": "size", "option": "L"}],
             "date_created_gmt": "2026-11-24T01:48:34", "date_modified_gmt": "2026-11-24T01:48:34"}
         ]},
        {"id": 300, "name": "Draft thing", "sku": "DRAFT-1", "status": "draft", "regular_price": "5",
         "date_created_gmt": "2026-11-24T01:50:00", "date_modified_gmt": "2026-11-24T01:50:00"},
        {"id": 301, "name": "No SKU", "regular_price": "1.5",
         "date_created_gmt": "2026-11-24T01:50:01", "date_modified_gmt": "2026-11-24T01:50:01"},
        {"id": 302, "name": "Unmanaged", "sku": "UNM-1", "regular_price": "9.90", "sale_price": "8.90",
         "manage_stock": false, "stock_status": "outofstock",
         "date_created_gmt": "2026-11-24T01:50:02", "date_modified_gmt": "2026-11-24T01:50:02"}
    ]})
}

/// The products API path.
pub const PRODUCTS: &str = "/wp-json/wc/v3/products";
