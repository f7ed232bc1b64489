//! The adapter's configuration: the agreed `kind: woocommerce` options of
//! `rules.yaml` as a plain struct (the CLI maps the rules crate's spec onto
//! it), plus the retry policy and the wait mode used by tests.
//!
//! Keys are [`SecretString`]s: `Debug` prints `[REDACTED]`, and nothing in
//! this crate ever formats them into a message, a log line or a URL that is
//! logged.

use secrecy::SecretString;
use skusync_adapter::StockWrites;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How requests are authenticated (`auth:` in the rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMode {
    /// HTTPS: HTTP Basic, falling back to query-string keys when the host
    /// strips the `Authorization` header. HTTP: OAuth 1.0a.
    #[default]
    Auto,
    /// HTTP Basic only (HTTPS).
    Basic,
    /// `consumer_key`/`consumer_secret` query parameters only (HTTPS).
    Query,
    /// OAuth 1.0a one-legged, HMAC-SHA256 (any scheme).
    OAuth1,
}

/// Whether reads use the watermark (`read:` in the rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReadPolicy {
    /// `modified_after` the stored watermark, with a full read every
    /// `full_every` and whenever no watermark exists.
    #[default]
    Incremental,
    /// Always a full read.
    Full,
}

/// Requests per second and burst (`rate_limit:` in the rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained requests per second (at least 1).
    pub per_second: u32,
    /// Requests allowed at once after a quiet period (at least 1).
    pub burst: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            per_second: 5,
            burst: 5,
        }
    }
}

/// Retries of requests that are safe to repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first one included (1 = no retry).
    pub max_attempts: u32,
    /// The first backoff; doubled at each retry, with full jitter.
    pub base_delay: Duration,
    /// The longest single wait (also caps `Retry-After`).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
        }
    }
}

/// How the adapter waits for backoffs and `Retry-After`.
#[derive(Debug, Clone, Default)]
pub enum WaitMode {
    /// Really wait (tokio timers).
    #[default]
    Real,
    /// Do not wait: record each wait and go on at once. For tests, so they
    /// can assert the waits a server asked for without sleeping.
    Recorded(Arc<Mutex<Vec<Duration>>>),
}

/// One WooCommerce store, as configured under `sources:`.
#[derive(Debug, Clone)]
pub struct WooConfig {
    /// The source name in `rules.yaml` (`shop`), used in every message.
    pub name: String,
    /// The store URL as typed (validated by [`crate::url::StoreUrl`]).
    pub url: String,
    /// WordPress installed in a sub-folder (`/blog`).
    pub wp_subfolder: Option<String>,
    /// The REST API consumer key (`ck_…`).
    pub consumer_key: SecretString,
    /// The REST API consumer secret (`cs_…`).
    pub consumer_secret: SecretString,
    /// The authentication method.
    pub auth: AuthMode,
    /// An extra root certificate (PEM file) for stores with self-signed
    /// certificates.
    pub ca_cert: Option<PathBuf>,
    /// The request rate limit for this store.
    pub rate_limit: RateLimit,
    /// Parallel page reads.
    pub concurrency: usize,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Incremental or full reads.
    pub read: ReadPolicy,
    /// How often an incremental source still gets a full read.
    pub full_every: Duration,
    /// The safety overlap subtracted from the watermark.
    pub overlap: Duration,
    /// Relative stock writes (`inventory_delta`) or absolute only
    /// (`absolute_stock: true`).
    pub stock_writes: StockWrites,
    /// Retries of safe requests.
    pub retry: RetryPolicy,
    /// Real or recorded waits.
    pub wait: WaitMode,
}

impl WooConfig {
    /// A configuration with the documented defaults.
    pub fn new(
        name: impl Into<String>,
        url: impl Into<String>,
        consumer_key: SecretString,
        consumer_secret: SecretString,
    ) -> Self {
        WooConfig {
            name: name.into(),
            url: url.into(),
            wp_subfolder: None,
            consumer_key,
            consumer_secret,
            auth: AuthMode::Auto,
            ca_cert: None,
            rate_limit: RateLimit::default(),
            concurrency: 4,
            timeout: Duration::from_secs(30),
            read: ReadPolicy::Incremental,
            full_every: Duration::from_secs(24 * 3600),
            overlap: Duration::from_secs(5 * 60),
            stock_writes: StockWrites::Relative,
            retry: RetryPolicy::default(),
            wait: WaitMode::Real,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_keys() {
        let c = WooConfig::new(
            "shop",
            "https://shop.example.com",
            SecretString::from("ck_visible_key_123"),
            SecretString::from("cs_visible_secret_456"),
        );
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("ck_visible_key_123"), "{dbg}");
        assert!(!dbg.contains("cs_visible_secret_456"), "{dbg}");
        assert!(dbg.contains("shop.example.com"));
    }
}
