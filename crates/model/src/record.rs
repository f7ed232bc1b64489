//! Records and snapshots: what an adapter read from one system.

use crate::field::FieldName;
use crate::sku::{Sku, SourceId};
use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a record lives in its system, so a write can reach it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RemoteId {
    /// The system's id (WooCommerce product or variation id).
    pub id: u64,
    /// The parent product's id for a variation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<u64>,
}

/// What kind of item a record is in its system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    /// A product without variations (or a row in a file).
    Simple,
    /// A variable product's parent (its stock and price live on variations).
    Variable,
    /// A variation of a variable product.
    Variation,
    /// Any other product type (grouped, external, plugin types).
    Other,
}

/// One SKU as one system holds it.
///
/// `fields` holds only what the system *provided*: a field that is absent is
/// **missing** (never zero); a field present with `None` is provided but unset
/// (an empty sale price). Stock that the system does not manage is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The SKU exactly as the system spells it (normalised later, by rules).
    pub sku: Sku,
    /// How to reach the record for writing, when the system has ids.
    pub remote: Option<RemoteId>,
    /// The kind of item.
    pub kind: RecordKind,
    /// The provided fields.
    pub fields: BTreeMap<FieldName, Option<Value>>,
    /// Where the record came from, for messages (`stock-0601.csv:12`, `#41`).
    pub origin: Option<String>,
}

impl Record {
    /// A simple record with no fields yet.
    pub fn new(sku: impl Into<Sku>) -> Self {
        Record {
            sku: sku.into(),
            remote: None,
            kind: RecordKind::Simple,
            fields: BTreeMap::new(),
            origin: None,
        }
    }

    /// Sets a provided field (builder style).
    pub fn with(mut self, field: FieldName, value: Option<Value>) -> Self {
        self.fields.insert(field, value);
        self
    }

    /// Sets the remote id (builder style).
    pub fn with_remote(mut self, id: u64, parent_id: Option<u64>) -> Self {
        self.remote = Some(RemoteId { id, parent_id });
        self
    }

    /// The field's value: `None` when missing, `Some(None)` when provided but unset.
    pub fn get(&self, field: FieldName) -> Option<Option<&Value>> {
        self.fields.get(&field).map(Option::as_ref)
    }
}

impl From<String> for Sku {
    fn from(s: String) -> Self {
        Sku::new(s)
    }
}

/// Everything one source listed in one read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The source that was read.
    pub source: SourceId,
    /// Its records, in the order read.
    pub records: Vec<Record>,
}

impl Snapshot {
    /// A snapshot of `records` from `source`.
    pub fn new(source: impl Into<SourceId>, records: Vec<Record>) -> Self {
        Snapshot {
            source: source.into(),
            records,
        }
    }
}
