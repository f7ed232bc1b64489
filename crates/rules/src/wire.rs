//! Wire structs: `rules.yaml` exactly as written, with a span on every value.
//!
//! These mirror the YAML one to one (`deny_unknown_fields` everywhere) and
//! decide nothing: every scalar the validator interprets (decimals, durations,
//! words such as `half_up`) is read as its literal text, so `multiply: 0.90`
//! keeps its two digits and a typo gets a "did you mean" from the validator
//! instead of a bare serde message. Sources and fields are unions of every
//! key a kind or policy may use; the validator checks which keys fit.

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;
use std::marker::PhantomData;

/// A value with the place it was written.
pub type S<T> = Spanned<T>;

/// A mapping whose keys keep their spans, in file order.
#[derive(Debug)]
pub struct SpannedMap<V>(pub Vec<(S<String>, V)>);

impl<V> Default for SpannedMap<V> {
    fn default() -> Self {
        SpannedMap(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for SpannedMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MapVisitor<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for MapVisitor<V> {
            type Value = SpannedMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(SpannedMap(Vec::new()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(k) = m.next_key::<S<String>>()? {
                    let v = m.next_value::<V>()?;
                    entries.push((k, v));
                }
                Ok(SpannedMap(entries))
            }
        }
        d.deserialize_map(MapVisitor(PhantomData))
    }
}

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireRules {
    pub version: Option<S<String>>,
    pub state_dir: Option<S<String>>,
    pub sources: Option<S<SpannedMap<S<Option<WireSource>>>>>,
    #[serde(rename = "match")]
    pub match_: Option<S<WireMatch>>,
    pub fields: Option<S<SpannedMap<S<Option<WireField>>>>>,
    pub guards: Option<S<WireGuards>>,
    pub schedule: Option<S<WireSchedule>>,
}

/// A word mapping of one field: file word → WooCommerce word.
pub type WordMap = SpannedMap<S<String>>;

/// A csv column reference: a header name or a 1-based index.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum WireColumn {
    /// A 1-based column index (a YAML integer).
    Index(i64),
    /// A header name (any string).
    Name(String),
}

/// One source (an empty entry reads as `None`): the union of the csv and woocommerce keys.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireSource {
    pub kind: Option<S<String>>,
    // kind: csv
    pub path: Option<S<String>>,
    pub pattern: Option<S<String>>,
    pub delimiter: Option<S<String>>,
    pub decimal_separator: Option<S<String>>,
    pub thousands_separator: Option<S<String>>,
    pub encoding: Option<S<String>>,
    pub header: Option<S<bool>>,
    pub columns: Option<S<SpannedMap<S<WireColumn>>>>,
    pub values: Option<S<SpannedMap<S<WordMap>>>>,
    pub complete: Option<S<WireComplete>>,
    pub on_invalid: Option<S<String>>,
    pub max_skipped: Option<S<i64>>,
    pub allow_negative_stock: Option<S<bool>>,
    pub min_rows_ratio: Option<S<String>>,
    pub archive: Option<S<String>>,
    pub export: Option<S<WireExport>>,
    // kind: woocommerce
    pub url: Option<S<String>>,
    pub wp_subfolder: Option<S<String>>,
    pub consumer_key: Option<S<String>>,
    pub consumer_secret: Option<S<String>>,
    pub auth: Option<S<String>>,
    pub ca_cert: Option<S<String>>,
    pub rate_limit: Option<S<WireRateLimit>>,
    pub concurrency: Option<S<i64>>,
    pub timeout: Option<S<String>>,
    pub read: Option<S<String>>,
    pub full_every: Option<S<String>>,
    pub overlap: Option<S<String>>,
    pub absolute_stock: Option<S<bool>>,
}

/// `complete:` of a csv source.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireComplete {
    pub stable_for: Option<S<String>>,
    pub marker: Option<S<String>>,
}

/// `export:` of a csv source.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireExport {
    pub path: Option<S<String>>,
    pub file_name: Option<S<String>>,
    pub columns: Option<S<SpannedMap<S<String>>>>,
    pub delimiter: Option<S<String>>,
    pub decimal_separator: Option<S<String>>,
    pub overwrite: Option<S<bool>>,
}

/// `rate_limit:` of a woocommerce source.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireRateLimit {
    pub per_second: Option<S<i64>>,
    pub burst: Option<S<i64>>,
}

/// `match:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireMatch {
    pub normalize: Option<S<Vec<S<String>>>>,
    pub aliases: Option<S<String>>,
}

/// One entry under `fields:`: the union of every policy's keys.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireField {
    pub truth: Option<S<String>>,
    pub targets: Option<S<SpannedMap<S<Option<WireTransform>>>>>,
    pub on_drift: Option<S<String>>,
    pub merge: Option<S<String>>,
    pub sides: Option<S<Vec<S<String>>>>,
    pub seed_from: Option<S<String>>,
    pub initial: Option<S<String>>,
    pub newest: Option<S<Vec<S<String>>>>,
    pub prefer: Option<S<Vec<S<String>>>>,
}

/// A target's transform.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireTransform {
    pub multiply: Option<S<String>>,
    pub add: Option<S<String>>,
    pub round: Option<S<String>>,
    pub rounding: Option<S<String>>,
    pub tax: Option<S<WireTax>>,
    pub buffer: Option<S<i64>>,
    pub clamp_zero: Option<S<bool>>,
}

/// `tax:` of a transform.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireTax {
    pub rate: Option<S<String>>,
    pub to: Option<S<String>>,
}

/// `guards:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireGuards {
    pub max_changes: Option<S<String>>,
    pub max_price_change: Option<S<String>>,
}

/// `schedule:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireSchedule {
    pub every: Option<S<String>>,
    pub cron: Option<S<String>>,
}
