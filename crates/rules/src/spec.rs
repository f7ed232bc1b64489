//! The validated rules: [`RuleSet`] and the per-source specs.
//!
//! Everything here has been checked: paths are resolved against the rules
//! file's folder, durations are [`Duration`]s, words are enums, secrets are
//! [`SecretString`]s (their `Debug` prints `[REDACTED]`, and they are left out
//! of [`RuleSet::digest`]). A csv source validates straight into csv-drop's
//! [`CsvSourceConfig`]; the WooCommerce spec is mapped by the CLI.

use secrecy::SecretString;
use serde::Serialize;
use sha2::{Digest, Sha256};
use skusync_csv_drop::{ColumnKey, CsvSourceConfig};
use skusync_model::{FieldName, FieldRule, Guards, MatchRules, SourceId};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// The validated `rules.yaml`.
#[derive(Debug, Clone)]
pub struct RuleSet {
    /// `version:` (only `1` exists).
    pub version: u32,
    /// Where the sled state lives, resolved (default `./.skusync` next to the rules file).
    pub state_dir: PathBuf,
    /// The sources by name.
    pub sources: BTreeMap<SourceId, SourceSpec>,
    /// SKU normalisation and aliases.
    pub match_rules: MatchRules,
    /// One rule per field, in plan order (`FieldName` order).
    pub fields: Vec<FieldRule>,
    /// Limits checked before writing.
    pub guards: Guards,
    /// The schedule for `skusync serve`, if any.
    pub schedule: Option<Schedule>,
    /// The rules file this came from.
    pub file: PathBuf,
}

impl RuleSet {
    /// The rule for `field`, if the rules name it.
    pub fn field(&self, field: FieldName) -> Option<&FieldRule> {
        self.fields.iter().find(|r| r.field == field)
    }

    /// The canonical content of the rules as JSON (secrets excluded; the
    /// names of the variables they come from are included).
    pub fn canonical_json(&self) -> serde_json::Value {
        let aliases: Vec<[&str; 3]> = self
            .match_rules
            .aliases
            .iter()
            .map(|((src, sku), canon)| [src.as_str(), sku.as_str(), canon.as_str()])
            .collect();
        serde_json::json!({
            "version": self.version,
            "state_dir": self.state_dir.to_string_lossy(),
            "sources": serde_json::to_value(&self.sources).unwrap_or(serde_json::Value::Null),
            "match": {
                "normalize": serde_json::to_value(&self.match_rules.normalize)
                    .unwrap_or(serde_json::Value::Null),
                "aliases": aliases,
            },
            "fields": serde_json::to_value(&self.fields).unwrap_or(serde_json::Value::Null),
            "guards": serde_json::to_value(&self.guards).unwrap_or(serde_json::Value::Null),
            "schedule": serde_json::to_value(&self.schedule).unwrap_or(serde_json::Value::Null),
        })
    }

    /// SHA-256 of [`RuleSet::canonical_json`], as 64 lowercase hex digits.
    /// Equal for two files that say the same thing (comments, key order and
    /// secret values do not count); part of the plan's `inputs_digest`.
    pub fn digest(&self) -> String {
        let bytes = self.canonical_json().to_string();
        hex::encode(Sha256::digest(bytes.as_bytes()))
    }
}

/// When `skusync serve` runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    /// `every: 15m`.
    Every(#[serde(serialize_with = "ser_duration")] Duration),
    /// `cron: "*/15 * * * *"` (5 fields, checked with croner).
    Cron(String),
}

/// One source.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SourceSpec {
    /// `kind: csv`: ERP/WMS file drops.
    Csv(CsvSourceConfig),
    /// `kind: woocommerce`: a WooCommerce store.
    #[serde(rename = "woocommerce")]
    WooCommerce(WooSpec),
}

impl SourceSpec {
    /// True when this source can be read for `field` (a csv source only for
    /// its mapped columns; a store for every field).
    pub fn provides(&self, field: FieldName) -> bool {
        match self {
            SourceSpec::Csv(c) => c.columns.contains_key(&field),
            SourceSpec::WooCommerce(_) => true,
        }
    }

    /// True when this source can be written for `field` (a csv source only
    /// for the fields under `export.columns`; a store for every field).
    pub fn can_write(&self, field: FieldName) -> bool {
        match self {
            SourceSpec::Csv(c) => c
                .export
                .as_ref()
                .is_some_and(|e| e.columns.iter().any(|(k, _)| *k == ColumnKey::Field(field))),
            SourceSpec::WooCommerce(_) => true,
        }
    }

    /// `csv` or `woocommerce`.
    pub fn kind(&self) -> &'static str {
        match self {
            SourceSpec::Csv(_) => "csv",
            SourceSpec::WooCommerce(_) => "woocommerce",
        }
    }
}

/// How the WooCommerce adapter authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WooAuth {
    /// HTTPS → Basic with query fallback; HTTP → OAuth 1.0a.
    #[default]
    Auto,
    /// HTTP Basic (HTTPS only).
    Basic,
    /// Keys in the query string (HTTPS only).
    Query,
    /// OAuth 1.0a signatures.
    #[serde(rename = "oauth1")]
    OAuth1,
}

/// How a store is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadMode {
    /// `modified_after` watermark, with a full read every `full_every` (default).
    #[default]
    Incremental,
    /// Every run reads everything.
    Full,
}

/// How stock is written to a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StockWrites {
    /// Relative writes use `inventory_delta` (the default).
    #[default]
    Delta,
    /// `absolute_stock: true`: only absolute `stock_quantity` writes.
    Absolute,
}

/// `rate_limit:` of a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RateLimit {
    /// Requests per second (default 5).
    pub per_second: u32,
    /// Burst (default 5).
    pub burst: u32,
}

/// `kind: woocommerce`.
#[derive(Debug, Clone, Serialize)]
pub struct WooSpec {
    /// Scheme + host (+ port), no path (`wp_subfolder` is separate).
    pub url: String,
    /// WordPress sub-folder, e.g. `/blog`, if any.
    pub wp_subfolder: Option<String>,
    /// The consumer key (from the environment). Never printed.
    #[serde(skip)]
    pub consumer_key: SecretString,
    /// The consumer secret (from the environment). Never printed.
    #[serde(skip)]
    pub consumer_secret: SecretString,
    /// The variable the key came from (for messages), e.g. `SHOP_KEY`.
    pub consumer_key_var: String,
    /// The variable the secret came from, e.g. `SHOP_SECRET`.
    pub consumer_secret_var: String,
    /// Authentication mode.
    pub auth: WooAuth,
    /// Extra root certificate, resolved.
    pub ca_cert: Option<PathBuf>,
    /// Rate limit.
    pub rate_limit: RateLimit,
    /// Parallel page reads (default 4).
    pub concurrency: u32,
    /// Per-request timeout (default 30s).
    #[serde(serialize_with = "ser_duration")]
    pub timeout: Duration,
    /// Read mode.
    pub read: ReadMode,
    /// Full read interval in incremental mode (default 24h).
    #[serde(serialize_with = "ser_duration")]
    pub full_every: Duration,
    /// Watermark safety overlap (default 5m).
    #[serde(serialize_with = "ser_duration")]
    pub overlap: Duration,
    /// Stock write mode.
    pub stock_writes: StockWrites,
}

fn ser_duration<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
