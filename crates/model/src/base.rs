//! The base state as the engine sees it: last agreed values, read-only.
//!
//! The state crate stores these in sled and hands the engine a [`BaseView`]
//! of plain data; the engine never touches sled. Keys use the canonical
//! (normalised) SKU.

use crate::field::FieldName;
use crate::sku::{Sku, SourceId};
use crate::value::Value;
use std::collections::HashMap;

/// The last agreed value of one (target, SKU, field). The state crate owns
/// its stored format (the value's JSON form depends on the field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseEntry {
    /// The agreed value (`None`: agreed that it is unset).
    pub value: Option<Value>,
    /// Increases by one at each agreement.
    pub version: u64,
    /// When it was agreed (RFC 3339, UTC).
    pub at: String,
    /// The run that recorded it.
    pub run: String,
}

/// Base values and merge pools, keyed by canonical SKU.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BaseView {
    /// `b_i`: per (side, SKU, field).
    pub values: HashMap<(SourceId, Sku, FieldName), BaseEntry>,
    /// `P`: the pooled quantity per (SKU, field) for `merge: delta`.
    pub pools: HashMap<(Sku, FieldName), i64>,
}

impl BaseView {
    /// The base entry of (side, SKU, field), if any.
    pub fn get(&self, side: &SourceId, sku: &Sku, field: FieldName) -> Option<&BaseEntry> {
        self.values.get(&(side.clone(), sku.clone(), field))
    }

    /// The merge pool of (SKU, field), if any.
    pub fn pool(&self, sku: &Sku, field: FieldName) -> Option<i64> {
        self.pools.get(&(sku.clone(), field)).copied()
    }
}
