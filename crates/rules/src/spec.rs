//! The validated rules: [`RuleSet`] and the per-source specs.
//!
//! Everything here has been checked: paths are resolved against the rules
//! file's folder, durations are [`Duration`]s, words are enums, secrets are
//! [`SecretString`]s (their `Debug` prints `[REDACTED]`, and they are left out
//! of [`RuleSet::digest`]). The adapters keep their own plain config structs;
//! the CLI maps these onto them.

use rust_decimal::Decimal;
use secrecy::SecretString;
use serde::Serialize;
use sha2::{Digest, Sha256};
use skusync_model::{FieldName, FieldRule, Guards, MatchRules, SourceId, Value};
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
    Csv(CsvSpec),
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

/// A csv column: a header name (matched after trim + case-fold) or a 1-based index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnRef {
    /// A header cell's text.
    Name(String),
    /// A 1-based column index.
    Index(usize),
}

/// What a csv column holds: the SKU or a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKey {
    /// The SKU column.
    Sku,
    /// A field's column.
    Field(FieldName),
}

/// The field separator of a csv file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Delimiter {
    /// Detect from the header line (`,` `;` tab or `|`).
    Auto,
    /// This byte.
    Byte(u8),
}

/// The decimal separator of numbers in a csv file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecimalSeparator {
    /// `.` (the default).
    #[default]
    Dot,
    /// `,` (decimal comma).
    Comma,
}

impl DecimalSeparator {
    /// The character.
    pub fn as_char(self) -> char {
        match self {
            DecimalSeparator::Dot => '.',
            DecimalSeparator::Comma => ',',
        }
    }
}

/// The thousands separator of numbers in a csv file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ThousandsSeparator {
    /// `.`
    Dot,
    /// `,`
    Comma,
    /// ` ` (a space)
    Space,
    /// `'`
    Apostrophe,
}

impl ThousandsSeparator {
    /// The character.
    pub fn as_char(self) -> char {
        match self {
            ThousandsSeparator::Dot => '.',
            ThousandsSeparator::Comma => ',',
            ThousandsSeparator::Space => ' ',
            ThousandsSeparator::Apostrophe => '\'',
        }
    }
}

/// The text encoding of a csv file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// UTF-8 (the default; a BOM is accepted).
    #[default]
    Utf8,
    /// Windows-1252.
    Windows1252,
    /// ISO-8859-1.
    Latin1,
}

/// Whether a csv file starts with a header row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HeaderRow {
    /// `header: true` (default): the first row names the columns.
    #[default]
    Present,
    /// `header: false`: columns are given by index.
    Absent,
}

/// How a dropped file counts as completely written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Completeness {
    /// Size and mtime unchanged for this long (default 2s).
    StableFor(#[serde(serialize_with = "ser_duration")] Duration),
    /// A marker file named `FILE` + this suffix must exist (e.g. `.done`).
    Marker(String),
}

/// What an invalid row does to a csv file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnInvalid {
    /// Any invalid row rejects the whole file (the default).
    Reject,
    /// Invalid rows are skipped and reported; beyond `max_skipped` the file
    /// is rejected anyway.
    Skip {
        /// Cap on skipped rows, if any.
        max_skipped: Option<u64>,
    },
}

/// Whether negative stock in a csv file is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NegativeStock {
    /// A negative quantity is an invalid row (the default).
    #[default]
    Reject,
    /// Negative quantities are read as they are.
    Allow,
}

/// Whether an export may replace an existing file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExistingExport {
    /// Never replace a file the ERP has not picked up (the default).
    #[default]
    Keep,
    /// Replace it.
    Overwrite,
}

/// `kind: csv`.
#[derive(Debug, Clone, Serialize)]
pub struct CsvSpec {
    /// A folder (the newest complete file matching `pattern`) or one file; resolved.
    pub path: PathBuf,
    /// Glob for files in the folder (default `*.csv`).
    pub pattern: String,
    /// Field separator (default auto).
    pub delimiter: Delimiter,
    /// Decimal separator (default `.`).
    pub decimal_separator: DecimalSeparator,
    /// Optional thousands separator (differs from the decimal separator).
    pub thousands_separator: Option<ThousandsSeparator>,
    /// Text encoding (default UTF-8).
    pub encoding: Encoding,
    /// Whether there is a header row.
    pub header: HeaderRow,
    /// The SKU column.
    pub sku_column: ColumnRef,
    /// The field columns: exactly the fields this source provides.
    pub columns: BTreeMap<FieldName, ColumnRef>,
    /// Word mapping per enum field: file word → value.
    pub values: BTreeMap<FieldName, BTreeMap<String, Value>>,
    /// The complete-file check.
    pub complete: Completeness,
    /// What invalid rows do.
    pub on_invalid: OnInvalid,
    /// Negative stock handling.
    pub negative_stock: NegativeStock,
    /// Truncation guard: fewer rows than this percentage of the last accepted
    /// file holds the file back (default 50; 0 disables).
    pub min_rows_percent: Decimal,
    /// Where processed files are moved, resolved.
    pub archive: Option<PathBuf>,
    /// The export (present ⇒ this source is a target for its columns).
    pub export: Option<CsvExport>,
}

/// `export:` of a csv source.
#[derive(Debug, Clone, Serialize)]
pub struct CsvExport {
    /// The outbox folder, resolved.
    pub path: PathBuf,
    /// File name template; `{timestamp}` is UTC `YYYYMMDDTHHMMSSZ`.
    pub file_name: String,
    /// Header cells in order: what each column holds and its header text.
    pub columns: Vec<(ColumnKey, String)>,
    /// Field separator (default: the source's, else `,`).
    pub delimiter: u8,
    /// Decimal separator (default: the source's).
    pub decimal_separator: DecimalSeparator,
    /// Whether an existing file may be replaced.
    pub existing: ExistingExport,
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
