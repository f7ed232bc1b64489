//! The HTTP layer: authentication, the rate limiter, retries and the
//! classification of every failure.
//!
//! # Secrets and URLs
//! Request URLs can carry credentials (query-string keys over HTTPS, the
//! consumer key in OAuth parameters), so a URL is never logged or put in an
//! error: logs name the route only, and reqwest errors are stripped with
//! `without_url()` before anything reads them. Response headers are never
//! logged (the `Link` header repeats the query, secret included).
//!
//! # Retries
//! A request is retried (exponential backoff with full jitter, at most
//! [`RetryPolicy::max_attempts`] attempts) only when repeating it cannot do
//! harm:
//! - GET requests (idempotent): on connection failures, timeouts, dropped
//!   connections, 429 and 5xx answers;
//! - batch POSTs (not idempotent): only when the request certainly was not
//!   applied: the connection could not be opened, or the host answered 429
//!   (refused before WooCommerce ran). A 5xx, a timeout or a dropped
//!   connection after sending may have been applied: the caller reports the
//!   items as unknown and the apply step reads their markers back.
//!
//! A 429 or 503 also slows the store's limiter, and `Retry-After` holds all
//! of the store's requests until then.

use crate::config::{AuthMode, RetryPolicy, WaitMode, WooConfig};
use crate::limit::Limiter;
use crate::oauth;
use crate::url::{Scheme, StoreUrl};
use crate::wire::WireError;
use secrecy::{ExposeSecret, SecretString};
use skusync_adapter::AdapterError;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};
use tracing::{debug, info, warn};

/// How one request is authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthUsed {
    /// `Authorization: Basic` (HTTPS).
    Basic,
    /// `consumer_key`/`consumer_secret` query parameters (HTTPS).
    Query,
    /// OAuth 1.0a query parameters, HMAC-SHA256.
    OAuth1,
}

impl AuthUsed {
    fn code(self) -> u8 {
        match self {
            AuthUsed::Basic => 0,
            AuthUsed::Query => 1,
            AuthUsed::OAuth1 => 2,
        }
    }

    fn from_code(c: u8) -> Self {
        match c {
            0 => AuthUsed::Basic,
            1 => AuthUsed::Query,
            _ => AuthUsed::OAuth1,
        }
    }

    /// A name for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthUsed::Basic => "HTTP Basic",
            AuthUsed::Query => "query-string keys",
            AuthUsed::OAuth1 => "OAuth 1.0a (HMAC-SHA256)",
        }
    }
}

/// Whether a request may be repeated without effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Safety {
    /// Reading: repeat freely.
    Idempotent,
    /// Writing: repeat only when certainly not applied.
    NotIdempotent,
}

/// The HTTP method (the adapter uses two).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// One request to a `wc/v3` route.
#[derive(Debug, Clone)]
pub struct Req {
    /// GET or POST.
    pub method: Method,
    /// The route under `/wp-json/wc/v3` (`/products`).
    pub route: String,
    /// Query parameters (never credentials: those are added per attempt).
    pub query: Vec<(String, String)>,
    /// A JSON body.
    pub body: Option<Vec<u8>>,
    /// Retry safety.
    pub safety: Safety,
}

impl Req {
    /// A GET of `route` with `query`.
    pub fn get(route: impl Into<String>, query: &[(&str, String)]) -> Req {
        Req {
            method: Method::Get,
            route: route.into(),
            query: query
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            body: None,
            safety: Safety::Idempotent,
        }
    }

    /// A POST of a JSON body to `route`.
    pub fn post(route: impl Into<String>, body: Vec<u8>) -> Req {
        Req {
            method: Method::Post,
            route: route.into(),
            query: Vec::new(),
            body: Some(body),
            safety: Safety::NotIdempotent,
        }
    }
}

/// An answer, with the headers the adapter uses.
#[derive(Debug, Clone)]
pub struct Resp {
    /// HTTP status.
    pub status: u16,
    /// `X-WP-Total`.
    pub total: Option<u64>,
    /// `X-WP-TotalPages`.
    pub total_pages: Option<u64>,
    /// `Retry-After`, as a duration from now.
    pub retry_after: Option<Duration>,
    /// `Content-Type`.
    pub content_type: String,
    /// `Location` of a redirect (query stripped).
    pub location: Option<String>,
    /// The host says it is WordPress.com.
    pub wordpress_com: bool,
    /// The body.
    pub body: Vec<u8>,
    /// The authentication that produced this answer.
    pub auth: AuthUsed,
}

impl Resp {
    /// True for 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The WooCommerce error body, when the body is one.
    pub fn wc_error(&self) -> Option<WireError> {
        serde_json::from_slice::<WireError>(&self.body).ok()
    }

    /// The page title (or first words) when the body is not JSON.
    pub fn host_page(&self) -> Option<String> {
        let text = String::from_utf8_lossy(&self.body);
        let t = text.trim_start();
        let json_type = self.content_type.contains("json");
        let looks_json = t.starts_with('{') || t.starts_with('[');
        if looks_json && (json_type || self.content_type.is_empty()) {
            return None;
        }
        if json_type && t.is_empty() {
            return None;
        }
        let lower = t.to_ascii_lowercase();
        let title = lower.find("<title").and_then(|start| {
            let open_end = lower[start..].find('>')? + start + 1;
            let close = lower[open_end..].find("</title")? + open_end;
            Some(t[open_end..close].trim().to_string())
        });
        let detail = title.filter(|s| !s.is_empty()).unwrap_or_else(|| {
            let words: String = t.chars().filter(|c| !c.is_control()).take(80).collect();
            if words.is_empty() {
                "empty body".to_string()
            } else {
                words
            }
        });
        Some(detail)
    }

    /// The error this answer means (for non-2xx answers).
    pub fn to_error(&self, store: &str) -> AdapterError {
        if let Some(page) = self.host_page() {
            return AdapterError::HostPage {
                store: store.to_string(),
                status: self.status,
                detail: page,
            };
        }
        match self.wc_error() {
            Some(e) => AdapterError::Http {
                store: store.to_string(),
                status: self.status,
                code: Some(e.code),
                message: e.message,
            },
            None => AdapterError::Http {
                store: store.to_string(),
                status: self.status,
                code: None,
                message: "no error details in the answer".into(),
            },
        }
    }
}

/// A request that got no complete answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The host name did not resolve.
    Dns(String),
    /// Nothing listens on the port.
    Refused(String),
    /// The TLS handshake failed (certificate, protocol).
    Tls(String),
    /// Another failure while connecting (nothing was sent).
    Connect(String),
    /// No answer in time (the request may have been processed).
    Timeout,
    /// The connection broke after the request was sent.
    Dropped(String),
}

impl Failure {
    /// True when the request certainly did not reach the server.
    pub fn not_sent(&self) -> bool {
        matches!(
            self,
            Failure::Dns(_) | Failure::Refused(_) | Failure::Tls(_) | Failure::Connect(_)
        )
    }

    /// The error this failure means.
    pub fn to_error(&self, store: &str, timeout: Duration) -> AdapterError {
        let store = store.to_string();
        match self {
            Failure::Timeout => AdapterError::Timeout {
                store,
                after: timeout,
            },
            Failure::Dns(d) => AdapterError::Connect {
                store,
                detail: format!("the host name does not resolve ({d})"),
            },
            Failure::Refused(d) => AdapterError::Connect {
                store,
                detail: format!("connection refused ({d})"),
            },
            Failure::Tls(d) => AdapterError::Connect {
                store,
                detail: format!("TLS failed ({d})"),
            },
            Failure::Connect(d) => AdapterError::Connect {
                store,
                detail: d.clone(),
            },
            Failure::Dropped(d) => AdapterError::Connect {
                store,
                detail: format!("the connection broke ({d})"),
            },
        }
    }
}

/// Describes a reqwest error without its URL, walking its causes.
fn classify(err: reqwest::Error) -> Failure {
    let err = err.without_url();
    let mut chain = Vec::new();
    let mut refused = false;
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            refused = true;
        }
        chain.push(e.to_string());
        source = e.source();
    }
    chain.dedup();
    let text = chain.join(": ");
    let lower = text.to_ascii_lowercase();
    if err.is_timeout() {
        if err.is_connect() {
            return Failure::Connect(format!("timed out connecting ({text})"));
        }
        return Failure::Timeout;
    }
    if err.is_connect() {
        if refused || lower.contains("connection refused") {
            return Failure::Refused(text);
        }
        if lower.contains("dns error")
            || lower.contains("failed to lookup")
            || lower.contains("name or service not known")
            || lower.contains("no address")
        {
            return Failure::Dns(text);
        }
        if lower.contains("certificate")
            || lower.contains("tls")
            || lower.contains("handshake")
            || lower.contains("invalid peer")
            || lower.contains("ssl")
        {
            return Failure::Tls(text);
        }
        return Failure::Connect(text);
    }
    Failure::Dropped(text)
}

fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

/// The HTTP client of one store.
#[derive(Debug)]
pub struct Client {
    name: String,
    url: StoreUrl,
    key: SecretString,
    secret: SecretString,
    mode: AuthMode,
    current: AtomicU8,
    fallback_warned: AtomicBool,
    http: reqwest::Client,
    limiter: Limiter,
    retry: RetryPolicy,
    timeout: Duration,
    requests: AtomicU64,
}

impl Client {
    /// Builds the client for `config` (validates the URL, loads the CA).
    pub fn new(config: &WooConfig) -> Result<Client, AdapterError> {
        let cfg_err = |message: String| AdapterError::Config {
            store: config.name.clone(),
            message,
        };
        let url = StoreUrl::parse(&config.url, config.wp_subfolder.as_deref())
            .map_err(|e| cfg_err(e.0))?;
        let first = match (config.auth, url.scheme()) {
            (AuthMode::Auto, Scheme::Https) | (AuthMode::Basic, _) => AuthUsed::Basic,
            (AuthMode::Query, _) => AuthUsed::Query,
            (AuthMode::Auto, Scheme::Http) | (AuthMode::OAuth1, _) => AuthUsed::OAuth1,
        };
        let mut builder = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(15)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("skusync/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &config.ca_cert {
            let pem = std::fs::read(path).map_err(|e| {
                cfg_err(format!("ca_cert `{}` cannot be read: {e}", path.display()))
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                cfg_err(format!(
                    "ca_cert `{}` is not a PEM certificate: {}",
                    path.display(),
                    e.without_url()
                ))
            })?;
            if certs.is_empty() {
                return Err(cfg_err(format!(
                    "ca_cert `{}` holds no PEM certificate",
                    path.display()
                )));
            }
            builder = builder.tls_certs_merge(certs);
        }
        let http = builder
            .build()
            .map_err(|e| cfg_err(format!("cannot set up HTTP: {}", e.without_url())))?;
        Ok(Client {
            name: config.name.clone(),
            url,
            key: config.consumer_key.clone(),
            secret: config.consumer_secret.clone(),
            mode: config.auth,
            current: AtomicU8::new(first.code()),
            fallback_warned: AtomicBool::new(false),
            http,
            limiter: Limiter::new(config.rate_limit, config.wait.clone()),
            retry: config.retry,
            timeout: config.timeout,
            requests: AtomicU64::new(0),
        })
    }

    /// The source name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The store URL.
    pub fn url(&self) -> &StoreUrl {
        &self.url
    }

    /// The per-request timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Requests sent so far (every attempt counts).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// The authentication currently used.
    pub fn auth(&self) -> AuthUsed {
        AuthUsed::from_code(self.current.load(Ordering::Relaxed))
    }

    /// The store's limiter.
    pub fn limiter(&self) -> &Limiter {
        &self.limiter
    }

    /// The configured authentication mode.
    pub fn mode(&self) -> AuthMode {
        self.mode
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .retry
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(self.retry.max_delay);
        // Full jitter in [exp/2, exp].
        let half = exp / 2;
        let extra = rand::random_range(0..=half.as_millis() as u64);
        half + Duration::from_millis(extra)
    }

    /// Sends `req` with retries as the module doc says; a non-2xx answer
    /// is `Ok` (the caller decides what it means).
    pub async fn send(&self, req: &Req) -> Result<Resp, Failure> {
        self.send_with(req, self.retry.max_attempts.max(1)).await
    }

    /// Like [`Client::send`] with at most `max_attempts` attempts.
    pub async fn send_with(&self, req: &Req, max_attempts: u32) -> Result<Resp, Failure> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = attempt >= max_attempts;
            self.limiter.ready().await;
            match self.attempt_with_fallback(req).await {
                Ok(resp) => {
                    let status = resp.status;
                    if status == 429 || status == 503 {
                        let period = self.limiter.slow_down(resp.retry_after);
                        warn!(
                            store = %self.name,
                            route = %req.route,
                            status,
                            retry_after_s = resp.retry_after.map(|d| d.as_secs_f64()),
                            period_ms = period.as_millis() as u64,
                            "the host asked to slow down"
                        );
                        let may_retry = req.safety == Safety::Idempotent || status == 429;
                        if may_retry && !last {
                            match resp.retry_after {
                                Some(d) => self.wait_retry_after(d.min(self.retry.max_delay)).await,
                                None => self.limiter.sleep(self.backoff(attempt)).await,
                            }
                            continue;
                        }
                        return Ok(resp);
                    }
                    if status >= 500 && req.safety == Safety::Idempotent && !last {
                        warn!(store = %self.name, route = %req.route, status, attempt, "server error; retrying");
                        self.limiter.sleep(self.backoff(attempt)).await;
                        continue;
                    }
                    if status < 400 {
                        self.limiter.success();
                    }
                    return Ok(resp);
                }
                Err(failure) => {
                    let may_retry = match &failure {
                        Failure::Dns(_) | Failure::Tls(_) => false,
                        Failure::Refused(_) | Failure::Connect(_) => true,
                        Failure::Timeout | Failure::Dropped(_) => req.safety == Safety::Idempotent,
                    };
                    let retrying = may_retry && !last;
                    // A retry is worth a warning; a final failure is returned
                    // to the caller, who reports it (logged for -v only).
                    if retrying {
                        warn!(store = %self.name, route = %req.route, method = req.method.as_str(), attempt, failure = ?failure, retrying, "request failed");
                    } else {
                        info!(store = %self.name, route = %req.route, method = req.method.as_str(), attempt, failure = ?failure, retrying, "request failed");
                    }
                    if retrying {
                        self.limiter.sleep(self.backoff(attempt)).await;
                        continue;
                    }
                    return Err(failure);
                }
            }
        }
    }

    async fn wait_retry_after(&self, d: Duration) {
        // Real waits happen in `Limiter::ready` (the hold applies to every
        // request of the store); recorded waits are recorded here.
        if let WaitMode::Recorded(_) = self.limiter_wait_mode() {
            self.limiter.sleep(d).await;
        }
    }

    fn limiter_wait_mode(&self) -> &WaitMode {
        self.limiter.wait_mode()
    }

    /// One attempt; on HTTPS with `auth: auto`, an anonymous 401 to HTTP
    /// Basic is tried again at once with query-string keys (the host strips
    /// the `Authorization` header), and on success that becomes the method.
    async fn attempt_with_fallback(&self, req: &Req) -> Result<Resp, Failure> {
        let auth = self.auth();
        let resp = self.attempt(req, auth).await?;
        if auth == AuthUsed::Basic && self.mode == AuthMode::Auto && is_anonymous(&resp) {
            debug!(store = %self.name, route = %req.route, "Basic auth answered as anonymous; trying query-string keys");
            let retry = self.attempt(req, AuthUsed::Query).await?;
            if !is_anonymous(&retry) {
                self.current
                    .store(AuthUsed::Query.code(), Ordering::Relaxed);
                if !self.fallback_warned.swap(true, Ordering::Relaxed) {
                    warn!(
                        store = %self.name,
                        "the host strips the Authorization header: using query-string keys from now on (to fix the host, add `SetEnvIf Authorization .+ HTTP_AUTHORIZATION=$0` to .htaccess)"
                    );
                }
            }
            return Ok(retry);
        }
        Ok(resp)
    }

    async fn attempt(&self, req: &Req, auth: AuthUsed) -> Result<Resp, Failure> {
        let base = self.url.api(&req.route);
        let key = self.key.expose_secret();
        let secret = self.secret.expose_secret();
        let params = match auth {
            AuthUsed::Basic => req.query.clone(),
            AuthUsed::Query => {
                let mut q = req.query.clone();
                q.push(("consumer_key".into(), key.to_string()));
                q.push(("consumer_secret".into(), secret.to_string()));
                q
            }
            AuthUsed::OAuth1 => oauth::sign(
                req.method.as_str(),
                &base,
                &req.query,
                key,
                secret,
                &oauth::nonce(),
                chrono::Utc::now().timestamp(),
            ),
        };
        let url = if params.is_empty() {
            base
        } else {
            format!("{base}?{}", oauth::query_string(&params))
        };
        let mut rb = match req.method {
            Method::Get => self.http.get(url),
            Method::Post => self.http.post(url),
        };
        if auth == AuthUsed::Basic {
            rb = rb.basic_auth(key, Some(secret));
        }
        if let Some(body) = &req.body {
            rb = rb
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        let response = rb.send().await.map_err(classify)?;
        let status = response.status().as_u16();
        let headers = response.headers();
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let number = |name: &str| header(name).and_then(|v| v.trim().parse::<u64>().ok());
        let mut resp = Resp {
            status,
            total: number("x-wp-total"),
            total_pages: number("x-wp-totalpages"),
            retry_after: header("retry-after").and_then(|v| parse_retry_after(&v)),
            content_type: header("content-type")
                .unwrap_or_default()
                .to_ascii_lowercase(),
            location: header("location")
                .map(|l| l.split('?').next().unwrap_or_default().to_string()),
            wordpress_com: header("host-header")
                .is_some_and(|h| h.to_ascii_lowercase().contains("wordpress.com")),
            body: Vec::new(),
            auth,
        };
        resp.body = response.bytes().await.map_err(classify)?.to_vec();
        debug!(store = %self.name, method = req.method.as_str(), route = %req.route, status, auth = auth.as_str(), "answered");
        Ok(resp)
    }
}

/// WooCommerce's answer to a request it ran without a user: the key was
/// unknown, or the credentials never arrived.
pub fn is_anonymous(resp: &Resp) -> bool {
    resp.status == 401
        && resp
            .wc_error()
            .is_some_and(|e| e.code.starts_with("woocommerce_rest_cannot_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, content_type: &str, body: &str) -> Resp {
        Resp {
            status,
            total: None,
            total_pages: None,
            retry_after: None,
            content_type: content_type.into(),
            location: None,
            wordpress_com: false,
            body: body.as_bytes().to_vec(),
            auth: AuthUsed::Basic,
        }
    }

    #[test]
    fn html_pages_are_host_errors() {
        let r = resp(
            503,
            "text/html; charset=utf-8",
            "<!DOCTYPE html><html><head><TITLE>Service Unavailable</TITLE></head><body>x</body></html>",
        );
        assert_eq!(r.host_page().as_deref(), Some("Service Unavailable"));
        match r.to_error("shop") {
            AdapterError::HostPage { status, detail, .. } => {
                assert_eq!((status, detail.as_str()), (503, "Service Unavailable"))
            }
            e => panic!("{e:?}"),
        }
        assert!(r.to_error("shop").is_retryable());
        let json = resp(
            401,
            "application/json; charset=utf-8",
            include_str!("../tests/fixtures/error-basic-auth-over-http.json"),
        );
        assert_eq!(json.host_page(), None);
    }

    #[test]
    fn json_errors_keep_code_and_status() {
        let body = r#"{"code":"woocommerce_rest_cannot_view","message":"Sorry, you cannot list resources.","data":{"status":401}}"#;
        let r = resp(401, "application/json", body);
        assert!(is_anonymous(&r));
        assert_eq!(
            r.to_error("shop").to_string(),
            "shop: HTTP 401 woocommerce_rest_cannot_view: Sorry, you cannot list resources."
        );
        let wrong = resp(
            401,
            "application/json",
            r#"{"code":"woocommerce_rest_authentication_error","message":"Consumer secret is invalid.","data":{"status":401}}"#,
        );
        assert!(!is_anonymous(&wrong));
    }

    #[test]
    fn retry_after_in_seconds_or_date() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        let later = SystemTime::now() + Duration::from_secs(120);
        let d = parse_retry_after(&httpdate::fmt_http_date(later)).unwrap();
        assert!(
            d <= Duration::from_secs(120) && d >= Duration::from_secs(100),
            "{d:?}"
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
