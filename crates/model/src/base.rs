//! The base state as the engine sees it: last agreed values, read-only.
//!
//! The state crate stores these in sled and hands the engine a [`BaseView`]
//! of plain data; the engine never touches sled. Keys use the canonical
//! (normalised) SKU.
//!
//! The one design choice a reader must know: the view is keyed by SKU first
//! (one hash lookup per SKU, by reference, no key is cloned), and each SKU
//! holds its few (side, field) entries in a small vector. A plan over
//! 100,000 SKUs does one lookup per SKU, not one allocation per field.
//!
//! After an apply, what to record is a list of [`StateUpdate`]s.

use crate::field::FieldName;
use crate::sku::{Sku, SourceId};
use crate::value::Value;
/// The map type of [`BaseView`]: a std `HashMap` with foldhash (fast,
/// randomly seeded) instead of SipHash.
pub type BaseMap<K, V> = foldhash::HashMap<K, V>;
use std::sync::Arc;

/// The last agreed value of one (target, SKU, field). The state crate owns
/// its stored format (the value's JSON form depends on the field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseEntry {
    /// The agreed value (`None`: agreed that it is unset).
    pub value: Option<Value>,
    /// Increases by one at each agreement.
    pub version: u64,
    /// When it was agreed (RFC 3339, UTC). Shared: every entry a run
    /// records points at the same string.
    pub at: Arc<str>,
    /// The run that recorded it (shared like `at`).
    pub run: Arc<str>,
}

/// One side's base entry for one field of a SKU (an element of
/// [`BaseView::values`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SideBase {
    /// The side (target) the value was agreed with.
    pub side: SourceId,
    /// The field.
    pub field: FieldName,
    /// The agreed value and its bookkeeping.
    pub entry: BaseEntry,
}

/// Base values and merge pools, keyed by canonical SKU.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BaseView {
    /// `b_i`: per SKU, at most one entry per (field, side), sorted by
    /// (field, side) — [`BaseView::insert`] keeps that order, so two views
    /// with the same entries compare equal.
    pub values: BaseMap<Sku, Vec<SideBase>>,
    /// `P`: per SKU, the pooled quantity of each `merge: delta` field,
    /// sorted by field ([`BaseView::set_pool`] keeps that order).
    pub pools: BaseMap<Sku, Vec<(FieldName, i64)>>,
}

impl BaseView {
    /// The base entry of (side, SKU, field), if any.
    pub fn get(&self, side: &SourceId, sku: &Sku, field: FieldName) -> Option<&BaseEntry> {
        self.values
            .get(sku)?
            .iter()
            .find(|b| b.field == field && &b.side == side)
            .map(|b| &b.entry)
    }

    /// Every base entry of one SKU (any order).
    pub fn entries_of(&self, sku: &Sku) -> &[SideBase] {
        self.values.get(sku).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The merge pool of (SKU, field), if any.
    pub fn pool(&self, sku: &Sku, field: FieldName) -> Option<i64> {
        self.pools
            .get(sku)?
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, p)| *p)
    }

    /// Sets the base entry of (side, SKU, field), replacing any previous one.
    pub fn insert(&mut self, side: SourceId, sku: Sku, field: FieldName, entry: BaseEntry) {
        let list = self.values.entry(sku).or_default();
        match list.binary_search_by(|b| (b.field, &b.side).cmp(&(field, &side))) {
            Ok(i) => list[i].entry = entry,
            Err(i) => list.insert(i, SideBase { side, field, entry }),
        }
    }

    /// Sets the merge pool of (SKU, field), replacing any previous one.
    pub fn set_pool(&mut self, sku: Sku, field: FieldName, pool: i64) {
        let list = self.pools.entry(sku).or_default();
        match list.binary_search_by(|(f, _)| f.cmp(&field)) {
            Ok(i) => list[i].1 = pool,
            Err(i) => list.insert(i, (field, pool)),
        }
    }

    /// Releases the spare capacity of every SKU's lists (call after loading
    /// a large view entry by entry).
    pub fn shrink_to_fit(&mut self) {
        self.values.values_mut().for_each(Vec::shrink_to_fit);
        self.pools.values_mut().for_each(Vec::shrink_to_fit);
    }

    /// Removes every base entry and pool of one SKU.
    pub fn remove_sku(&mut self, sku: &Sku) {
        self.values.remove(sku);
        self.pools.remove(sku);
    }

    /// The number of (side, SKU, field) base entries.
    pub fn len(&self) -> usize {
        self.values.values().map(Vec::len).sum()
    }

    /// True when the view holds no base entry and no pool.
    pub fn is_empty(&self) -> bool {
        self.values.values().all(Vec::is_empty) && self.pools.values().all(Vec::is_empty)
    }

    /// Applies updates the way the state store records them (each base
    /// update bumps the version by one), with `at` and `run` as bookkeeping.
    /// Used by in-memory simulations and tests; the state crate does the
    /// same in sled.
    pub fn apply_updates(&mut self, updates: &[StateUpdate], at: &str, run: &str) {
        let at: Arc<str> = Arc::from(at);
        let run: Arc<str> = Arc::from(run);
        for u in updates {
            match u {
                StateUpdate::Base {
                    side,
                    sku,
                    field,
                    value,
                } => {
                    let version = self.get(side, sku, *field).map_or(1, |e| e.version + 1);
                    self.insert(
                        side.clone(),
                        sku.clone(),
                        *field,
                        BaseEntry {
                            value: value.clone(),
                            version,
                            at: at.clone(),
                            run: run.clone(),
                        },
                    );
                }
                StateUpdate::Pool { sku, field, value } => {
                    self.set_pool(sku.clone(), *field, *value)
                }
            }
        }
    }
}

/// One change to the base state, recorded after an apply for what a target
/// confirmed (see `SEMANTICS.md`, and the engine's `settle`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateUpdate {
    /// `b_i := value` for (side, SKU, field).
    Base {
        /// The side.
        side: SourceId,
        /// The canonical SKU.
        sku: Sku,
        /// The field.
        field: FieldName,
        /// The agreed value (`None`: agreed unset).
        value: Option<Value>,
    },
    /// `P := value` for a `merge: delta` field of a SKU.
    Pool {
        /// The canonical SKU.
        sku: Sku,
        /// The field.
        field: FieldName,
        /// The new pool.
        value: i64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_get_and_updates_bump_versions() {
        let mut b = BaseView::default();
        let sku = Sku::new("A");
        let up = |v| StateUpdate::Base {
            side: "shop".into(),
            sku: "A".into(),
            field: FieldName::StockQuantity,
            value: Some(Value::Quantity(v)),
        };
        b.apply_updates(&[up(3)], "t1", "r1");
        b.apply_updates(
            &[
                up(4),
                StateUpdate::Pool {
                    sku: "A".into(),
                    field: FieldName::StockQuantity,
                    value: 9,
                },
            ],
            "t2",
            "r2",
        );
        let e = b
            .get(&"shop".into(), &sku, FieldName::StockQuantity)
            .unwrap();
        assert_eq!(
            (e.value.clone(), e.version, &*e.run),
            (Some(Value::Quantity(4)), 2, "r2")
        );
        assert_eq!(b.pool(&sku, FieldName::StockQuantity), Some(9));
        assert_eq!(b.pool(&sku, FieldName::PriceRegular), None);
        assert!(
            b.get(&"outlet".into(), &sku, FieldName::StockQuantity)
                .is_none()
        );
        assert_eq!(b.len(), 1);
        b.remove_sku(&sku);
        assert!(b.is_empty());
    }
}
