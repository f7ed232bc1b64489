//! skusync's WooCommerce REST API v3 adapter: how skusync sees and changes
//! a WooCommerce store.
//!
//! [`WooCommerce::new`] validates the configuration (store URL, CA file);
//! [`WooCommerce::read`] reads every product and variation (or those
//! changed since a watermark) into a [`skusync_model::Snapshot`];
//! [`WooCommerce::write_items`] (the [`skusync_adapter::Target`] contract)
//! writes batches of at most 100 items; [`WooCommerce::check`] explains a
//! failing connection in words a store owner can act on.
//!
//! Nothing here writes except `write_items` and the optional write probe of
//! `check`. Consumer keys and secrets are [`secrecy::SecretString`]s and
//! never reach a log line, an error or `Debug` output.
//!
//! # Layout
//! - [`config`]: [`WooConfig`], the `kind: woocommerce` options.
//! - [`url`]: store URL normalisation.
//! - [`oauth`]: OAuth 1.0a signatures (plain HTTP).
//! - [`client`]: HTTP, authentication, retries, failure classification.
//! - [`limit`]: the adaptive per-store rate limiter.
//! - [`wire`]: WooCommerce's JSON and its mapping to records.
//! - [`read`]: full and incremental reads.
//! - [`write`]: batch writes and marker reads.
//! - [`check`]: the connection check and its diagnoses.
#![warn(missing_docs)]

pub mod check;
pub mod client;
pub mod config;
pub mod limit;
pub mod oauth;
pub mod read;
pub mod url;
pub mod wire;
pub mod write;

pub use check::{Diagnosis, DiagnosisKind, WriteProbe};
pub use client::AuthUsed;
pub use config::{AuthMode, RateLimit, ReadPolicy, RetryPolicy, WaitMode, WooConfig};
pub use read::{Coverage, ReadMode, ReadOutput, Watermark};
pub use wire::ReadProblem;

use client::Client;
use skusync_adapter::{
    AdapterError, Capabilities, Markers, Target, WriteItem, WriteMarker, WriteReport,
};
use skusync_model::RemoteId;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

/// One WooCommerce store.
#[derive(Debug)]
pub struct WooCommerce {
    config: WooConfig,
    client: Arc<Client>,
    batch_limit: AtomicUsize,
}

impl WooCommerce {
    /// Validates `config` and prepares the HTTP client. No request is sent.
    pub fn new(config: WooConfig) -> Result<WooCommerce, AdapterError> {
        let client = Arc::new(Client::new(&config)?);
        Ok(WooCommerce {
            config,
            client,
            batch_limit: AtomicUsize::new(write::MAX_BATCH),
        })
    }

    /// The source name.
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// Warnings about the configuration (plain http; keys that plain http
    /// ignores).
    pub fn warnings(&self) -> Vec<String> {
        let url = self.client.url();
        let mut w = url.warnings().to_vec();
        if url.scheme() == url::Scheme::Http
            && matches!(self.config.auth, AuthMode::Basic | AuthMode::Query)
        {
            w.push(format!(
                "auth: {} over http:// is ignored by WooCommerce (it accepts only OAuth 1.0a without https): use https:// or auth: auto",
                if self.config.auth == AuthMode::Basic { "basic" } else { "query" }
            ));
        }
        w
    }

    /// HTTP requests sent so far by this adapter (retries included).
    pub fn requests(&self) -> u64 {
        self.client.requests()
    }

    /// The authentication in use (after a fallback, query-string keys).
    pub fn auth(&self) -> AuthUsed {
        self.client.auth()
    }
}

impl Target for WooCommerce {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            stock_writes: self.config.stock_writes,
            max_batch: write::MAX_BATCH,
            markers: Markers::Stored,
        }
    }

    async fn write(&self, items: &[WriteItem]) -> Result<WriteReport, AdapterError> {
        Ok(self.write_items(items).await)
    }

    async fn read_markers(
        &self,
        items: &[RemoteId],
    ) -> Result<BTreeMap<RemoteId, Option<WriteMarker>>, AdapterError> {
        self.markers(items).await
    }
}
