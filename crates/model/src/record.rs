//! Records and snapshots: what an adapter read from one system.
//!
//! # Why [`Fields`] is a fixed array
//!
//! A [`Record`] used to keep its fields in a `BTreeMap<FieldName,
//! Option<Value>>`: one ~380 B heap node per record, which was most of the
//! cost of reading a 1,000,000-row CSV drop. [`FieldName`] is a closed set of
//! 8 fields and an `Option<Option<Value>>` is 24 bytes (a `Value` is 24 bytes
//! whatever its variant: `Money`'s `Decimal` is 16 bytes plus the tag, and
//! the `String` of `Text` lends its niche to both `Option`s, so boxing `Text`
//! would not make it smaller). So [`Fields`] is an array of 8 such slots
//! indexed by the field: 192 bytes inline in the record, no allocation, O(1)
//! lookup, iteration in [`FieldName`] order for free.
//!
//! Measured (building 1M records, release, shared 2-core machine): with 3
//! fields (a CSV row) the map took 0.33 s and 482 MiB peak, the array
//! 0.25 s and 352 MiB; with 8 fields (a WooCommerce product) the map 0.42 s
//! and 482 MiB, the array 0.26 s and 352 MiB. A presence mask plus a sorted
//! `SmallVec<[Option<Value>; 4]>` was smaller for 3 fields (0.25 s,
//! 284 MiB) but spills to the heap past 4 (0.32 s, 482 MiB for 8 fields),
//! and store records carry 6 to 8 fields: the array is as fast or faster
//! in both cases and never allocates.
//!
//! The [`Origin`] of a CSV row is its file (shared by every row, one
//! `Arc<str>`) and its line number, formatted only when a message needs it,
//! instead of one `file.csv:LINE` string allocated per row (measured: 45 MiB
//! and ~20 ms less per 1M rows).

use crate::field::FieldName;
use crate::sku::{Sku, SourceId};
use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::num::NonZeroU64;
use std::sync::Arc;

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

/// Where a record came from, for messages: a file and line
/// (`stock-0601.csv:12`, written [`Origin::line`]) or a system's own words
/// (`#41`, written [`Origin::new`]). Its [`Display`](fmt::Display) form is
/// the text messages and plans show.
///
/// Equality is structural: `Origin::line("f.csv", 3)` and
/// `Origin::new("f.csv:3")` display the same but are not equal; compare
/// [`to_string`](ToString::to_string) forms when that matters.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    /// The file or the whole text.
    place: Arc<str>,
    /// The 1-based line in `place`, when it is a file.
    line: Option<NonZeroU64>,
}

impl Origin {
    /// An origin shown exactly as `text` (`#41`, `#261 (variation of #260)`).
    pub fn new(text: impl Into<Arc<str>>) -> Self {
        Origin {
            place: text.into(),
            line: None,
        }
    }

    /// Line `line` (1-based) of `file`, shown `file:line`. Sharing one
    /// `Arc` for every row of a file keeps this free of allocations.
    pub fn line(file: Arc<str>, line: u64) -> Self {
        match NonZeroU64::new(line) {
            Some(line) => Origin {
                place: file,
                line: Some(line),
            },
            // Lines count from 1; a line 0 is still shown as given.
            None => Origin::new(format!("{file}:0")),
        }
    }

    /// The file (for a line origin) or the whole text.
    pub fn place(&self) -> &str {
        &self.place
    }

    /// The line number, for an origin made with [`Origin::line`].
    pub fn line_number(&self) -> Option<u64> {
        self.line.map(NonZeroU64::get)
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.place)?;
        match self.line {
            Some(line) => write!(f, ":{line}"),
            None => Ok(()),
        }
    }
}

impl fmt::Debug for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string(), f)
    }
}

impl From<&str> for Origin {
    fn from(text: &str) -> Self {
        Origin::new(text)
    }
}

impl From<String> for Origin {
    fn from(text: String) -> Self {
        Origin::new(text)
    }
}

const FIELD_COUNT: usize = FieldName::ALL.len();

// `Fields` indexes its slots by `field as usize`: the variants must be
// numbered in `FieldName::ALL` order.
const _: () = {
    let mut i = 0;
    while i < FIELD_COUNT {
        assert!(FieldName::ALL[i] as usize == i);
        i += 1;
    }
};

/// The fields a system provided for one record: for each [`FieldName`],
/// absent (**missing**, never zero), `Some(None)` (provided but unset, e.g.
/// an empty sale price) or `Some(Some(value))`.
///
/// A map-like API over a fixed array of one slot per field (see the module
/// doc for why): no allocation, O(1) access, iteration in [`FieldName`]
/// order.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Fields([Option<Option<Value>>; FIELD_COUNT]);

impl Fields {
    /// No fields.
    pub const fn new() -> Self {
        Fields([const { None }; FIELD_COUNT])
    }

    /// The field's slot: `None` when missing, `Some(None)` when provided but
    /// unset.
    pub fn get(&self, field: FieldName) -> Option<&Option<Value>> {
        self.0[field as usize].as_ref()
    }

    /// The field's slot, mutably (see [`Fields::get`]).
    pub fn get_mut(&mut self, field: FieldName) -> Option<&mut Option<Value>> {
        self.0[field as usize].as_mut()
    }

    /// Provides `field`; returns what it held before, like a map's insert.
    pub fn insert(&mut self, field: FieldName, value: Option<Value>) -> Option<Option<Value>> {
        self.0[field as usize].replace(value)
    }

    /// Makes `field` missing again; returns what it held.
    pub fn remove(&mut self, field: FieldName) -> Option<Option<Value>> {
        self.0[field as usize].take()
    }

    /// True when `field` is provided (set or unset).
    pub fn contains(&self, field: FieldName) -> bool {
        self.0[field as usize].is_some()
    }

    /// How many fields are provided.
    pub fn len(&self) -> usize {
        self.0.iter().filter(|slot| slot.is_some()).count()
    }

    /// True when no field is provided.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Option::is_none)
    }

    /// The provided fields and their values, in [`FieldName`] order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            slots: self.0.iter().enumerate(),
        }
    }

    /// The provided fields, in [`FieldName`] order.
    pub fn keys(&self) -> impl Iterator<Item = FieldName> + '_ {
        self.iter().map(|(field, _)| field)
    }
}

impl fmt::Debug for Fields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Iterator over the provided fields of a [`Fields`], in [`FieldName`] order.
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    slots: std::iter::Enumerate<std::slice::Iter<'a, Option<Option<Value>>>>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (FieldName, &'a Option<Value>);

    fn next(&mut self) -> Option<Self::Item> {
        self.slots
            .find_map(|(i, slot)| Some((FieldName::ALL[i], slot.as_ref()?)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, self.slots.size_hint().1)
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.slots
            .by_ref()
            .rev()
            .find_map(|(i, slot)| Some((FieldName::ALL[i], slot.as_ref()?)))
    }
}

/// Owning iterator over the provided fields of a [`Fields`], in
/// [`FieldName`] order.
#[derive(Debug, Clone)]
pub struct IntoIter {
    slots: std::iter::Enumerate<std::array::IntoIter<Option<Option<Value>>, FIELD_COUNT>>,
}

impl Iterator for IntoIter {
    type Item = (FieldName, Option<Value>);

    fn next(&mut self) -> Option<Self::Item> {
        self.slots
            .find_map(|(i, slot)| Some((FieldName::ALL[i], slot?)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, self.slots.size_hint().1)
    }
}

impl<'a> IntoIterator for &'a Fields {
    type Item = (FieldName, &'a Option<Value>);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl IntoIterator for Fields {
    type Item = (FieldName, Option<Value>);
    type IntoIter = IntoIter;

    fn into_iter(self) -> IntoIter {
        IntoIter {
            slots: self.0.into_iter().enumerate(),
        }
    }
}

impl FromIterator<(FieldName, Option<Value>)> for Fields {
    fn from_iter<I: IntoIterator<Item = (FieldName, Option<Value>)>>(iter: I) -> Self {
        let mut fields = Fields::new();
        fields.extend(iter);
        fields
    }
}

impl Extend<(FieldName, Option<Value>)> for Fields {
    fn extend<I: IntoIterator<Item = (FieldName, Option<Value>)>>(&mut self, iter: I) {
        for (field, value) in iter {
            self.insert(field, value);
        }
    }
}

impl<const N: usize> From<[(FieldName, Option<Value>); N]> for Fields {
    fn from(pairs: [(FieldName, Option<Value>); N]) -> Self {
        pairs.into_iter().collect()
    }
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
    pub fields: Fields,
    /// Where the record came from, for messages (`stock-0601.csv:12`, `#41`).
    pub origin: Option<Origin>,
}

impl Record {
    /// A simple record with no fields yet.
    pub fn new(sku: impl Into<Sku>) -> Self {
        Record {
            sku: sku.into(),
            remote: None,
            kind: RecordKind::Simple,
            fields: Fields::new(),
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
        self.fields.get(field).map(Option::as_ref)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::StockStatus;
    use rust_decimal::Decimal;
    use std::collections::BTreeMap;

    fn money(cents: i64) -> Option<Value> {
        Some(Value::Money(Decimal::new(cents, 2)))
    }

    #[test]
    fn missing_unset_and_set_are_three_states() {
        let mut f = Fields::new();
        assert!(f.is_empty());
        assert_eq!(f.get(FieldName::PriceSale), None);
        assert_eq!(f.insert(FieldName::PriceSale, None), None);
        assert_eq!(f.get(FieldName::PriceSale), Some(&None));
        assert!(f.contains(FieldName::PriceSale));
        assert!(!f.contains(FieldName::PriceRegular));
        assert_eq!(f.insert(FieldName::PriceSale, money(950)), Some(None));
        assert_eq!(f.get(FieldName::PriceSale), Some(&money(950)));
        assert_eq!(f.len(), 1);
        assert_eq!(f.remove(FieldName::PriceSale), Some(money(950)));
        assert_eq!(f.remove(FieldName::PriceSale), None);
        assert!(f.is_empty());

        let r = Record::new("A").with(FieldName::PriceSale, None);
        assert_eq!(r.get(FieldName::PriceSale), Some(None));
        assert_eq!(r.get(FieldName::PriceRegular), None);
    }

    #[test]
    fn behaves_like_the_map_it_replaced() {
        // Random-ish inserts and removes, checked against a BTreeMap.
        let mut map: BTreeMap<FieldName, Option<Value>> = BTreeMap::new();
        let mut fields = Fields::new();
        let mut seed = 7u64;
        for step in 0..2000i64 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let field = FieldName::ALL[(seed >> 33) as usize % FIELD_COUNT];
            let value = match (seed >> 20) % 3 {
                0 => None,
                1 => Some(Value::Quantity(step)),
                _ => money(step),
            };
            if (seed >> 40).is_multiple_of(4) {
                assert_eq!(fields.remove(field), map.remove(&field));
            } else {
                assert_eq!(
                    fields.insert(field, value.clone()),
                    map.insert(field, value)
                );
            }
            assert_eq!(fields.len(), map.len());
            assert_eq!(fields.is_empty(), map.is_empty());
            for f in FieldName::ALL {
                assert_eq!(fields.get(f), map.get(&f));
                assert_eq!(fields.contains(f), map.contains_key(&f));
            }
            let ours: Vec<_> = fields.iter().collect();
            let theirs: Vec<_> = map.iter().map(|(f, v)| (*f, v)).collect();
            assert_eq!(ours, theirs);
            let back: Vec<_> = fields.iter().rev().collect();
            let theirs_back: Vec<_> = map.iter().rev().map(|(f, v)| (*f, v)).collect();
            assert_eq!(back, theirs_back);
        }
        let owned: Vec<_> = fields.clone().into_iter().collect();
        assert_eq!(owned, map.clone().into_iter().collect::<Vec<_>>());
        assert_eq!(map.into_iter().collect::<Fields>(), fields);
    }

    #[test]
    fn iterates_in_field_order_and_debugs_like_a_map() {
        let f = Fields::from([
            (FieldName::Status, None),
            (
                FieldName::StockStatus,
                Some(Value::StockStatus(StockStatus::InStock)),
            ),
            (FieldName::PriceRegular, money(1990)),
        ]);
        assert_eq!(
            f.keys().collect::<Vec<_>>(),
            [
                FieldName::PriceRegular,
                FieldName::StockStatus,
                FieldName::Status
            ]
        );
        assert_eq!(
            format!("{f:?}"),
            "{PriceRegular: Some(Money(19.90)), StockStatus: Some(StockStatus(InStock)), Status: None}"
        );
    }

    #[test]
    fn origins_display_as_messages_show_them() {
        let file: Arc<str> = Arc::from("stock-0601.csv");
        let o = Origin::line(file.clone(), 12);
        assert_eq!(o.to_string(), "stock-0601.csv:12");
        assert_eq!(format!("{o:?}"), "\"stock-0601.csv:12\"");
        assert_eq!((o.place(), o.line_number()), ("stock-0601.csv", Some(12)));
        assert_eq!(Origin::line(file, 0).to_string(), "stock-0601.csv:0");
        let w = Origin::from("#261 (variation of #260)");
        assert_eq!(w.to_string(), "#261 (variation of #260)");
        assert_eq!(w.line_number(), None);
    }

    #[test]
    fn a_record_stays_small() {
        // 8 slots of 24 bytes inline; the origin as small as the string was.
        // Upper bounds: a compiler may lay them out tighter, never looser
        // without this test saying so.
        assert!(std::mem::size_of::<Option<Value>>() <= 24);
        assert!(std::mem::size_of::<Fields>() <= 8 * 24);
        assert!(std::mem::size_of::<Option<Origin>>() <= 24);
        assert!(std::mem::size_of::<Record>() <= 264);
    }
}
