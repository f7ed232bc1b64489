//! The emulated catalog: products and variations with the indexes that let
//! a 100-item page of a 200,000-item store be served in milliseconds.
//!
//! # Layout
//! - `items`: every product and variation by id (one id space, as WordPress
//!   posts share one).
//! - `sku`: SKU → owner, store-wide across products *and* variations, trashed
//!   items included (WooCommerce keeps a trashed product's SKU). Keys are
//!   lower-cased: MySQL's default collation compares SKUs case-insensitively.
//! - `listable`, `by_status`, `by_type`: product ids ordered by id.
//! - `by_created`, `by_modified`: `(time, id)` for products, so `orderby=date`,
//!   `orderby=modified` and `modified_after` walk an ordered range.
//!
//! Every mutation goes through [`Store::with_item`], which takes the item out
//! of the indexes, changes it and puts it back: the indexes cannot drift.

use crate::item::{Item, Kind, Meta, price_decimal};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// A WooCommerce error: `{"code", "message", "data": {"status", …}}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WcError {
    pub status: u16,
    pub code: String,
    pub message: String,
    /// Extra `data` members after `status`.
    pub data: ErrData,
}

/// Extra members of an error's `data`, in insertion order (kept small so
/// `Result<_, WcError>` stays cheap to return).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ErrData(Vec<(String, Value)>);

impl ErrData {
    /// Sets a member.
    pub fn insert(&mut self, key: String, value: Value) {
        self.0.retain(|(k, _)| *k != key);
        self.0.push((key, value));
    }
}

impl WcError {
    /// An error with only `data.status`.
    pub fn new(status: u16, code: &str, message: &str) -> WcError {
        WcError {
            status,
            code: code.to_string(),
            message: message.to_string(),
            data: ErrData::default(),
        }
    }

    /// The JSON body WordPress sends.
    pub fn body(&self) -> Value {
        let mut data = Map::new();
        data.insert("status".into(), json!(self.status));
        for (k, v) in &self.data.0 {
            data.insert(k.clone(), v.clone());
        }
        json!({"code": self.code, "message": self.message, "data": Value::Object(data)})
    }
}

/// `orderby` values of the products collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrderBy {
    Date,
    Id,
    Include,
    Title,
    Slug,
    Modified,
    Price,
    Popularity,
    Rating,
}

/// A validated collection query. Date bounds are UTC unix seconds, already
/// converted from site-local time when `dates_are_gmt` was false.
#[derive(Debug, Clone)]
pub(crate) struct ListQuery {
    pub page: u64,
    pub per_page: u64,
    pub offset: Option<u64>,
    pub desc: bool,
    pub orderby: OrderBy,
    pub modified_after: Option<i64>,
    pub modified_before: Option<i64>,
    pub after: Option<i64>,
    pub before: Option<i64>,
    pub include: Vec<u64>,
    pub exclude: Vec<u64>,
    /// `None` = `any` (everything but trash and auto-draft).
    pub status: Option<String>,
    pub product_type: Option<String>,
    /// Lower-cased SKU keys.
    pub skus: Option<Vec<String>>,
    /// For `/products/{id}/variations`.
    pub parent: Option<u64>,
    pub stock_status: Option<String>,
}

#[cfg(test)]
impl ListQuery {
    /// Page `page` of `per_page` items in id order, with no filter.
    pub(crate) fn by_id(page: u64, per_page: u64) -> ListQuery {
        ListQuery {
            page,
            per_page,
            offset: None,
            desc: false,
            orderby: OrderBy::Id,
            modified_after: None,
            modified_before: None,
            after: None,
            before: None,
            include: vec![],
            exclude: vec![],
            status: None,
            product_type: None,
            skus: None,
            parent: None,
            stock_status: None,
        }
    }
}

/// One `meta_data` write: `update_meta_data(key, value, id)`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MetaWrite {
    pub id: Option<u64>,
    pub key: String,
    pub value: Value,
}

/// A validated (single write) or coerced (batch item) set of changes.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Changes {
    pub name: Option<String>,
    pub product_type: Option<String>,
    pub status: Option<String>,
    pub sku: Option<String>,
    pub regular_price: Option<String>,
    pub sale_price: Option<String>,
    pub manage_stock: Option<bool>,
    pub stock_quantity: Option<i64>,
    pub inventory_delta: Option<i64>,
    pub stock_status: Option<String>,
    pub backorders: Option<String>,
    pub meta_data: Vec<MetaWrite>,
    /// Other schema fields, stored verbatim.
    pub other: Vec<(String, Value)>,
}

/// A sorted vector used as an ordered set: O(1) pages by position (a
/// `BTreeSet` has to walk every skipped element), O(log n) appends in id
/// order, O(n) out-of-order inserts and removals (rare: status changes).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sorted<T>(Vec<T>);

impl<T> Default for Sorted<T> {
    fn default() -> Self {
        Sorted(Vec::new())
    }
}

impl<T: Ord + Copy> Sorted<T> {
    fn insert(&mut self, v: T) {
        match self.0.last() {
            None => self.0.push(v),
            Some(last) if *last < v => self.0.push(v),
            Some(_) => {
                if let Err(i) = self.0.binary_search(&v) {
                    self.0.insert(i, v);
                }
            }
        }
    }

    fn remove(&mut self, v: &T) {
        if let Ok(i) = self.0.binary_search(v) {
            self.0.remove(i);
        }
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }

    /// Elements `skip..skip + take` in ascending or descending order.
    fn page(&self, skip: usize, take: usize, desc: bool) -> Vec<T> {
        let n = self.0.len();
        if skip >= n {
            return Vec::new();
        }
        if desc {
            let end = n - skip;
            let start = end.saturating_sub(take);
            self.0[start..end].iter().rev().copied().collect()
        } else {
            self.0[skip..(skip + take).min(n)].to_vec()
        }
    }
}

/// The catalog and its indexes.
#[derive(Debug, Default)]
pub(crate) struct Store {
    items: BTreeMap<u64, Item>,
    next_id: u64,
    next_meta_id: u64,
    sku: HashMap<String, u64>,
    listable: Sorted<u64>,
    by_status: HashMap<String, Sorted<u64>>,
    by_type: HashMap<String, Sorted<u64>>,
    by_created: BTreeSet<(i64, u64)>,
    by_modified: BTreeSet<(i64, u64)>,
    /// `by_created`/`by_modified` restricted to `listable` products, so the
    /// default `status=any` listing walks them without a lookup per item.
    listable_created: Sorted<(i64, u64)>,
    listable_modified: BTreeSet<(i64, u64)>,
}

/// What the indexes are keyed on, captured before and after a change.
struct IndexKeys {
    id: u64,
    kind: Kind,
    /// The SKU's lookup key.
    sku: String,
    status: String,
    product_type: String,
    created: i64,
    modified: i64,
}

impl IndexKeys {
    fn of(item: &Item) -> IndexKeys {
        IndexKeys {
            id: item.id,
            kind: item.kind,
            sku: if item.sku.is_empty() {
                String::new()
            } else {
                sku_key(&item.sku)
            },
            status: item.status.clone(),
            product_type: item.product_type.clone(),
            created: item.created,
            modified: item.modified,
        }
    }
}

/// The lookup key of a SKU (case-insensitive, as MySQL compares it).
pub(crate) fn sku_key(sku: &str) -> String {
    sku.trim().to_lowercase()
}

fn hidden_status(status: &str) -> bool {
    status == "trash" || status == "auto-draft"
}

impl Store {
    /// An empty store whose first id is 10 (WordPress ids never start at 1
    /// on a real site).
    pub fn new() -> Store {
        Store {
            next_id: 10,
            next_meta_id: 1000,
            ..Store::default()
        }
    }

    /// Number of products and variations.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// An item by id.
    pub fn get(&self, id: u64) -> Option<&Item> {
        self.items.get(&id)
    }

    /// All items, by id.
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.items.values()
    }

    /// Reserves an id: the next free one, or `wanted` when it is free.
    pub fn allocate_id(&mut self, wanted: Option<u64>) -> Option<u64> {
        match wanted {
            Some(id) if id > 0 => {
                if self.items.contains_key(&id) {
                    return None;
                }
                self.next_id = self.next_id.max(id + 1);
                Some(id)
            }
            _ => {
                let id = self.next_id;
                self.next_id += 1;
                Some(id)
            }
        }
    }

    /// Makes sure automatically assigned ids start above `max`.
    pub fn reserve_above(&mut self, max: u64) {
        self.next_id = self.next_id.max(max.saturating_add(1));
    }

    /// Reserves a meta id: the next free one, or `wanted`.
    pub fn allocate_meta_id(&mut self, wanted: Option<u64>) -> u64 {
        match wanted {
            Some(id) if id > 0 => {
                self.next_meta_id = self.next_meta_id.max(id + 1);
                id
            }
            _ => {
                let id = self.next_meta_id;
                self.next_meta_id += 1;
                id
            }
        }
    }

    /// The item that owns a SKU, if any.
    pub fn sku_owner(&self, sku: &str) -> Option<u64> {
        self.sku.get(&sku_key(sku)).copied()
    }

    fn index(&mut self, item: &Item) {
        if !item.sku.is_empty() {
            self.sku.insert(sku_key(&item.sku), item.id);
        }
        if item.kind == Kind::Product {
            if !hidden_status(&item.status) {
                self.listable.insert(item.id);
                self.listable_created.insert((item.created, item.id));
                self.listable_modified.insert((item.modified, item.id));
            }
            self.by_status
                .entry(item.status.clone())
                .or_default()
                .insert(item.id);
            self.by_type
                .entry(item.product_type.clone())
                .or_default()
                .insert(item.id);
            self.by_created.insert((item.created, item.id));
            self.by_modified.insert((item.modified, item.id));
        }
    }

    fn unindex(&mut self, item: &Item) {
        if !item.sku.is_empty() && self.sku.get(&sku_key(&item.sku)) == Some(&item.id) {
            self.sku.remove(&sku_key(&item.sku));
        }
        if item.kind == Kind::Product {
            self.listable.remove(&item.id);
            self.listable_created.remove(&(item.created, item.id));
            self.listable_modified.remove(&(item.modified, item.id));
            if let Some(s) = self.by_status.get_mut(&item.status) {
                s.remove(&item.id);
            }
            if let Some(s) = self.by_type.get_mut(&item.product_type) {
                s.remove(&item.id);
            }
            self.by_created.remove(&(item.created, item.id));
            self.by_modified.remove(&(item.modified, item.id));
        }
    }

    /// Inserts a new item (its id must be allocated and free).
    pub fn insert(&mut self, item: Item) {
        self.index(&item);
        self.items.insert(item.id, item);
    }

    /// Changes one item, keeping every index in step. Only the indexes
    /// whose keys changed are touched, so a stock write costs two ordered-set
    /// updates (`by_modified`), not a rebuild.
    pub fn with_item<R>(&mut self, id: u64, f: impl FnOnce(&mut Item) -> R) -> Option<R> {
        let item = self.items.get_mut(&id)?;
        let before = IndexKeys::of(item);
        let r = f(item);
        let after = IndexKeys::of(item);
        self.reindex(&before, &after);
        Some(r)
    }

    fn reindex(&mut self, b: &IndexKeys, a: &IndexKeys) {
        let id = a.id;
        if b.sku != a.sku {
            if !b.sku.is_empty() && self.sku.get(&b.sku) == Some(&id) {
                self.sku.remove(&b.sku);
            }
            if !a.sku.is_empty() {
                self.sku.insert(a.sku.clone(), id);
            }
        }
        if a.kind != Kind::Product {
            return;
        }
        let (vb, va) = (!hidden_status(&b.status), !hidden_status(&a.status));
        if vb != va {
            if va {
                self.listable.insert(id);
            } else {
                self.listable.remove(&id);
            }
        }
        if vb && (!va || b.created != a.created) {
            self.listable_created.remove(&(b.created, id));
        }
        if va && (!vb || b.created != a.created) {
            self.listable_created.insert((a.created, id));
        }
        if vb && (!va || b.modified != a.modified) {
            self.listable_modified.remove(&(b.modified, id));
        }
        if va && (!vb || b.modified != a.modified) {
            self.listable_modified.insert((a.modified, id));
        }
        if b.status != a.status {
            move_id(&mut self.by_status, &b.status, &a.status, id);
        }
        if b.product_type != a.product_type {
            move_id(&mut self.by_type, &b.product_type, &a.product_type, id);
        }
        if b.created != a.created {
            self.by_created.remove(&(b.created, id));
            self.by_created.insert((a.created, id));
        }
        if b.modified != a.modified {
            self.by_modified.remove(&(b.modified, id));
            self.by_modified.insert((a.modified, id));
        }
    }

    /// Removes an item for good (and its variations, for a variable product).
    pub fn remove(&mut self, id: u64) -> Option<Item> {
        let item = self.items.remove(&id)?;
        self.unindex(&item);
        for child in &item.variations {
            if let Some(c) = self.items.remove(child) {
                self.unindex(&c);
            }
        }
        if item.kind == Kind::Variation && item.parent_id != 0 {
            self.with_item(item.parent_id, |p| p.variations.retain(|v| *v != id));
        }
        Some(item)
    }

    /// `product_invalid_sku` unless `sku` is free for item `id`.
    pub fn check_sku(&self, id: u64, sku: &str) -> Result<(), WcError> {
        if sku.trim().is_empty() {
            return Ok(());
        }
        match self.sku_owner(sku) {
            Some(owner) if owner != id => {
                let mut n = 1;
                let unique = loop {
                    let candidate = format!("{}-{n}", sku.trim());
                    if self.sku_owner(&candidate).is_none() {
                        break candidate;
                    }
                    n += 1;
                };
                let mut e = WcError::new(400, "product_invalid_sku", "Invalid or duplicated SKU.");
                e.data.insert("resource_id".into(), json!(owner));
                e.data.insert("unique_sku".into(), json!(unique));
                Err(e)
            }
            _ => Ok(()),
        }
    }

    /// Applies changes to an existing item at time `now`, as
    /// `prepare_object_for_database` + `save()` do. Nothing is changed when an
    /// error is returned.
    pub fn apply(&mut self, id: u64, ch: &Changes, now: i64) -> Result<(), WcError> {
        if let Some(sku) = &ch.sku {
            self.check_sku(id, sku)?;
        }
        let mut meta_ids = Vec::with_capacity(ch.meta_data.len());
        for m in &ch.meta_data {
            let existing = self.items.get(&id).is_some_and(|item| {
                item.meta_data
                    .iter()
                    .any(|e| Some(e.id) == m.id || e.key == m.key)
            });
            meta_ids.push(if existing {
                0
            } else {
                self.allocate_meta_id(None)
            });
        }
        let parent = self.with_item(id, |item| {
            apply_changes(item, ch, &meta_ids, now);
            (item.kind == Kind::Variation).then_some(item.parent_id)
        });
        if let Some(Some(pid)) = parent {
            self.sync_parent(pid, now);
        } else if self
            .items
            .get(&id)
            .is_some_and(|i| i.product_type == "variable")
        {
            self.sync_parent(id, now);
        }
        Ok(())
    }

    /// Re-derives a variable product's price and stock status from its
    /// children (`WC_Product_Variable::sync`); bumps its modification time
    /// when they change.
    pub fn sync_parent(&mut self, pid: u64, now: i64) {
        let Some(parent) = self.items.get(&pid) else {
            return;
        };
        if parent.product_type != "variable" {
            return;
        }
        let mut min_price: Option<(rust_decimal::Decimal, String)> = None;
        let mut any_instock = false;
        let mut any_backorder = false;
        for child in parent.variations.iter().filter_map(|c| self.items.get(c)) {
            if child.status != "publish" {
                continue;
            }
            if let Some(p) = price_decimal(&child.price)
                && min_price.as_ref().is_none_or(|(m, _)| p < *m)
            {
                min_price = Some((p, child.price.clone()));
            }
            let status = if !child.manage_stock && parent.manage_stock {
                match parent.stock_quantity {
                    Some(q) if q > 0 => "instock",
                    _ if parent.backorders != "no" => "onbackorder",
                    _ => "outofstock",
                }
            } else {
                child.stock_status.as_str()
            };
            match status {
                "instock" => any_instock = true,
                "onbackorder" => any_backorder = true,
                _ => {}
            }
        }
        let price = min_price.map(|(_, s)| s).unwrap_or_default();
        let stock_status = if any_instock {
            "instock"
        } else if any_backorder {
            "onbackorder"
        } else {
            "outofstock"
        };
        if parent.price != price || parent.stock_status != stock_status {
            self.with_item(pid, |p| {
                p.price = price;
                p.stock_status = stock_status.to_string();
                p.modified = p.modified.max(now);
            });
        }
    }

    fn matches(&self, item: &Item, q: &ListQuery) -> bool {
        match q.parent {
            Some(p) => {
                if item.kind != Kind::Variation || item.parent_id != p {
                    return false;
                }
            }
            None => {
                if q.skus.is_none() && item.kind != Kind::Product {
                    return false;
                }
            }
        }
        match &q.status {
            None => {
                if hidden_status(&item.status) {
                    return false;
                }
            }
            Some(s) => {
                if &item.status != s {
                    return false;
                }
            }
        }
        if let Some(t) = &q.product_type
            && &item.product_type != t
        {
            return false;
        }
        if !strictly_between(item.modified, q.modified_after, q.modified_before)
            || !strictly_between(item.created, q.after, q.before)
        {
            return false;
        }
        if !q.include.is_empty() && !q.include.contains(&item.id) {
            return false;
        }
        if q.exclude.contains(&item.id) {
            return false;
        }
        if let Some(skus) = &q.skus
            && !skus.contains(&sku_key(&item.sku))
        {
            return false;
        }
        if let Some(s) = &q.stock_status
            && &item.stock_status != s
        {
            return false;
        }
        true
    }

    fn sort(&self, ids: &mut [u64], q: &ListQuery) {
        let get = |id: &u64| self.items.get(id);
        match q.orderby {
            OrderBy::Id | OrderBy::Rating => ids.sort_unstable(),
            OrderBy::Date => ids.sort_by_key(|id| (get(id).map_or(0, |i| i.created), *id)),
            OrderBy::Modified => ids.sort_by_key(|id| (get(id).map_or(0, |i| i.modified), *id)),
            OrderBy::Title => {
                ids.sort_by_cached_key(|id| (get(id).map(|i| i.name.to_lowercase()), *id))
            }
            OrderBy::Slug => ids.sort_by_cached_key(|id| {
                (
                    get(id).map(|i| {
                        i.extra
                            .get("slug")
                            .and_then(Value::as_str)
                            .map_or_else(|| crate::item::slugify(&i.name), str::to_string)
                    }),
                    *id,
                )
            }),
            OrderBy::Price => {
                ids.sort_by_cached_key(|id| (get(id).and_then(|i| price_decimal(&i.price)), *id))
            }
            OrderBy::Popularity => ids.sort_by_cached_key(|id| {
                (
                    get(id).and_then(|i| i.extra.get("total_sales").and_then(Value::as_i64)),
                    *id,
                )
            }),
            OrderBy::Include => {
                let pos: HashMap<u64, usize> = q
                    .include
                    .iter()
                    .enumerate()
                    .map(|(i, id)| (*id, i))
                    .collect();
                ids.sort_by_key(|id| pos.get(id).copied().unwrap_or(usize::MAX));
                return; // WordPress ignores `order` for `post__in`.
            }
        }
        if q.desc {
            ids.reverse();
        }
    }

    /// Runs a collection query: `(X-WP-Total, the page's ids)`.
    pub fn list(&self, q: &ListQuery) -> (u64, Vec<u64>) {
        let per_page = q.per_page.max(1);
        let skip = q
            .offset
            .unwrap_or_else(|| q.page.saturating_sub(1).saturating_mul(per_page))
            as usize;
        let take = per_page as usize;

        // A selective filter: materialise its (small) candidate set.
        let candidates: Option<Vec<u64>> = if let Some(p) = q.parent {
            Some(
                self.items
                    .get(&p)
                    .map(|parent| parent.variations.clone())
                    .unwrap_or_default(),
            )
        } else if !q.include.is_empty() {
            Some(q.include.clone())
        } else if let Some(skus) = &q.skus {
            Some(
                skus.iter()
                    .filter_map(|s| self.sku.get(s).copied())
                    .collect(),
            )
        } else if q.modified_after.is_some() || q.modified_before.is_some() {
            Some(ids_between(
                &self.by_modified,
                q.modified_after,
                q.modified_before,
            ))
        } else if q.after.is_some() || q.before.is_some() {
            Some(ids_between(&self.by_created, q.after, q.before))
        } else {
            None
        };

        if let Some(mut ids) = candidates {
            let mut seen = HashSet::new();
            ids.retain(|id| {
                seen.insert(*id) && self.items.get(id).is_some_and(|i| self.matches(i, q))
            });
            self.sort(&mut ids, q);
            let total = ids.len() as u64;
            let page = ids.into_iter().skip(skip).take(take).collect();
            return (total, page);
        }

        // No selective filter: walk an ordered index.
        let empty = Sorted::default();
        let base: &Sorted<u64> = match &q.status {
            None => &self.listable,
            Some(s) => self.by_status.get(s).unwrap_or(&empty),
        };
        let base = match &q.product_type {
            Some(t) => {
                let by_type = self.by_type.get(t).unwrap_or(&empty);
                if by_type.len() < base.len() {
                    by_type
                } else {
                    base
                }
            }
            None => base,
        };
        let plain = q.product_type.is_none() && q.exclude.is_empty() && q.stock_status.is_none();
        let ok = |id: &u64| self.items.get(id).is_some_and(|i| self.matches(i, q));
        match q.orderby {
            OrderBy::Id | OrderBy::Rating => {
                let page: Vec<u64> = if plain {
                    base.page(skip, take, q.desc)
                } else if q.desc {
                    base.iter()
                        .rev()
                        .filter(|id| ok(id))
                        .skip(skip)
                        .take(take)
                        .copied()
                        .collect()
                } else {
                    base.iter()
                        .filter(|id| ok(id))
                        .skip(skip)
                        .take(take)
                        .copied()
                        .collect()
                };
                let total = if plain {
                    base.len()
                } else {
                    base.iter().filter(|id| ok(id)).count()
                };
                (total as u64, page)
            }
            OrderBy::Date | OrderBy::Modified => {
                let by_date = q.orderby == OrderBy::Date;
                if plain && q.status.is_none() {
                    // The common case: walk the listable index, no lookups.
                    let page: Vec<u64> = if by_date {
                        self.listable_created
                            .page(skip, take, q.desc)
                            .into_iter()
                            .map(|(_, id)| id)
                            .collect()
                    } else if q.desc {
                        self.listable_modified
                            .iter()
                            .rev()
                            .skip(skip)
                            .take(take)
                            .map(|(_, id)| *id)
                            .collect()
                    } else {
                        self.listable_modified
                            .iter()
                            .skip(skip)
                            .take(take)
                            .map(|(_, id)| *id)
                            .collect()
                    };
                    return (self.listable.len() as u64, page);
                }
                let index = if by_date {
                    &self.by_created
                } else {
                    &self.by_modified
                };
                let okp = |(_, id): &&(i64, u64)| ok(id);
                let page: Vec<u64> = if q.desc {
                    index
                        .iter()
                        .rev()
                        .filter(okp)
                        .skip(skip)
                        .take(take)
                        .map(|(_, id)| *id)
                        .collect()
                } else {
                    index
                        .iter()
                        .filter(okp)
                        .skip(skip)
                        .take(take)
                        .map(|(_, id)| *id)
                        .collect()
                };
                let total = if plain {
                    base.len()
                } else {
                    base.iter().filter(|id| ok(id)).count()
                };
                (total as u64, page)
            }
            _ => {
                let mut ids: Vec<u64> = base.iter().filter(|id| ok(id)).copied().collect();
                self.sort(&mut ids, q);
                let total = ids.len() as u64;
                (total, ids.into_iter().skip(skip).take(take).collect())
            }
        }
    }
}

/// Applies validated changes to one item (`prepare_object_for_database`).
fn apply_changes(item: &mut Item, ch: &Changes, meta_ids: &[u64], now: i64) {
    if let Some(v) = &ch.name {
        item.name = v.clone();
    }
    if let Some(v) = &ch.product_type
        && item.kind == Kind::Product
    {
        item.product_type = v.clone();
    }
    if let Some(v) = &ch.status {
        item.status = v.clone();
    }
    if let Some(v) = &ch.sku {
        item.sku = v.trim().to_string();
    }
    let parent_like = item.product_type == "variable" || item.product_type == "grouped";
    if let Some(v) = &ch.regular_price {
        item.regular_price = if parent_like {
            String::new()
        } else {
            v.clone()
        };
    }
    if let Some(v) = &ch.sale_price {
        item.sale_price = if parent_like {
            String::new()
        } else {
            v.clone()
        };
    }
    for (k, v) in &ch.other {
        item.extra.insert(k.clone(), v.clone());
    }

    // Stock (v3 `prepare_object_for_database`).
    if let Some(m) = ch.manage_stock {
        item.manage_stock = m;
    }
    if item.product_type == "grouped" || item.product_type == "external" {
        item.manage_stock = false;
    }
    if let Some(b) = &ch.backorders {
        item.backorders = b.clone();
    }
    if item.manage_stock {
        if let Some(q) = ch.stock_quantity {
            item.stock_quantity = Some(q);
        } else if let Some(d) = ch.inventory_delta {
            item.stock_quantity = Some(item.stock_quantity.unwrap_or(0).saturating_add(d));
        } else if item.stock_quantity.is_none() {
            item.stock_quantity = Some(0);
        }
    } else {
        item.stock_quantity = None;
        if item.kind == Kind::Variation {
            item.backorders = "no".into();
        }
        if let Some(s) = &ch.stock_status {
            item.stock_status = s.clone();
        }
    }

    // meta_data: update_meta_data(key, value, id) — by id, else by key, else add.
    for (m, new_id) in ch.meta_data.iter().zip(meta_ids) {
        let slot =
            m.id.and_then(|id| item.meta_data.iter().position(|e| e.id == id))
                .or_else(|| item.meta_data.iter().position(|e| e.key == m.key));
        match slot {
            Some(i) => {
                item.meta_data[i].key = m.key.clone();
                item.meta_data[i].value = m.value.clone();
            }
            None => item.meta_data.push(Meta {
                id: *new_id,
                key: m.key.clone(),
                value: m.value.clone(),
            }),
        }
    }

    item.sync_price();
    item.sync_stock_status();
    // Every save moves `post_modified`, even when nothing else changed.
    item.modified = item.modified.max(now);
}

/// Moves `id` in a by-value index (`by_status`, `by_type`) from the ids
/// of `from` to those of `to`.
fn move_id(index: &mut HashMap<String, Sorted<u64>>, from: &str, to: &str, id: u64) {
    if let Some(s) = index.get_mut(from) {
        s.remove(&id);
    }
    index.entry(to.to_owned()).or_default().insert(id);
}

/// Whether `t` is strictly after `after` and strictly before `before` (an
/// absent bound holds).
fn strictly_between(t: i64, after: Option<i64>, before: Option<i64>) -> bool {
    after.is_none_or(|a| t > a) && before.is_none_or(|b| t < b)
}

/// The ids in a `(time, id)` index whose time is strictly after `after`
/// and strictly before `before` (either bound may be absent).
fn ids_between(index: &BTreeSet<(i64, u64)>, after: Option<i64>, before: Option<i64>) -> Vec<u64> {
    let lo = after.map_or(i64::MIN, |t| t.saturating_add(1));
    let hi = before.unwrap_or(i64::MAX);
    if lo >= hi {
        return Vec::new();
    }
    index.range((lo, 0)..(hi, 0)).map(|(_, id)| *id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(store: &mut Store, sku: &str, modified: i64) -> u64 {
        let id = store.allocate_id(None).unwrap_or_default();
        let mut item = Item::new(id, Kind::Product, modified);
        item.sku = sku.into();
        store.insert(item);
        id
    }

    fn query() -> ListQuery {
        ListQuery::by_id(1, 10)
    }

    #[test]
    fn indexes_follow_writes() {
        let mut s = Store::new();
        let a = product(&mut s, "A-1", 100);
        let b = product(&mut s, "B-1", 100);
        assert_eq!(s.sku_owner("a-1"), Some(a));
        let ch = Changes {
            sku: Some("C-1".into()),
            ..Changes::default()
        };
        assert_eq!(s.apply(a, &ch, 200), Ok(()));
        assert_eq!(s.sku_owner("A-1"), None);
        assert_eq!(s.sku_owner("C-1"), Some(a));
        let mut q = query();
        q.modified_after = Some(150);
        assert_eq!(s.list(&q), (1, vec![a]));
        q.modified_after = Some(99);
        assert_eq!(s.list(&q), (2, vec![a, b]));
        let dup = Changes {
            sku: Some("c-1".into()),
            ..Changes::default()
        };
        let err = s.apply(b, &dup, 300).err().map(|e| e.code);
        assert_eq!(err.as_deref(), Some("product_invalid_sku"));
    }

    /// Rebuilds every index from the items and compares.
    fn assert_consistent(s: &Store) {
        let mut fresh = Store::new();
        for item in s.items() {
            fresh.index(item);
        }
        assert_eq!(s.sku, fresh.sku);
        assert_eq!(s.listable.0, fresh.listable.0);
        assert_eq!(s.listable_created.0, fresh.listable_created.0);
        assert_eq!(s.listable_modified, fresh.listable_modified);
        assert_eq!(s.by_created, fresh.by_created);
        assert_eq!(s.by_modified, fresh.by_modified);
        let nonempty = |m: &HashMap<String, Sorted<u64>>| {
            let mut v: Vec<(String, Vec<u64>)> = m
                .iter()
                .filter(|(_, ids)| ids.len() > 0)
                .map(|(k, ids)| (k.clone(), ids.0.clone()))
                .collect();
            v.sort();
            v
        };
        assert_eq!(nonempty(&s.by_status), nonempty(&fresh.by_status));
        assert_eq!(nonempty(&s.by_type), nonempty(&fresh.by_type));
    }

    #[test]
    fn incremental_indexes_equal_a_rebuild() {
        let mut s = Store::new();
        let ids: Vec<u64> = (0..40)
            .map(|i| product(&mut s, &format!("P-{i}"), 100 + i))
            .collect();
        let statuses = ["trash", "draft", "publish", "private", "trash", "publish"];
        for (n, id) in ids.iter().enumerate() {
            let ch = Changes {
                status: Some(statuses[n % statuses.len()].into()),
                sku: (n % 3 == 0).then(|| format!("Q-{n}")),
                product_type: (n % 4 == 0).then(|| "variable".to_string()),
                ..Changes::default()
            };
            assert_eq!(s.apply(*id, &ch, 1000 + (n as i64 % 7)), Ok(()));
            assert_consistent(&s);
        }
        for id in ids.iter().step_by(5) {
            s.remove(*id);
            assert_consistent(&s);
        }
        let mut q = query();
        q.per_page = 100;
        let (total, page) = s.list(&q);
        assert_eq!(total as usize, page.len());
        assert!(
            page.iter()
                .all(|id| s.get(*id).is_some_and(|i| i.status != "trash"))
        );
    }

    #[test]
    fn date_order_skips_trash_through_the_listable_index() {
        let mut s = Store::new();
        let a = product(&mut s, "A", 10);
        let b = product(&mut s, "B", 10);
        let c = product(&mut s, "C", 10);
        let ch = Changes {
            status: Some("trash".into()),
            ..Changes::default()
        };
        assert_eq!(s.apply(b, &ch, 20), Ok(()));
        let mut q = query();
        q.orderby = OrderBy::Date;
        q.desc = true;
        assert_eq!(s.list(&q), (2, vec![c, a]));
        q.orderby = OrderBy::Modified;
        q.desc = false;
        assert_eq!(s.list(&q), (2, vec![a, c]));
        q.status = Some("trash".into());
        assert_eq!(s.list(&q), (1, vec![b]));
    }

    #[test]
    fn inventory_delta_needs_managed_stock_and_loses_to_quantity() {
        let mut s = Store::new();
        let a = product(&mut s, "A", 1);
        let ch = Changes {
            inventory_delta: Some(-2),
            ..Changes::default()
        };
        assert_eq!(s.apply(a, &ch, 2), Ok(()));
        assert_eq!(s.get(a).and_then(|i| i.stock_quantity), None);
        let ch = Changes {
            manage_stock: Some(true),
            stock_quantity: Some(5),
            inventory_delta: Some(-2),
            ..Changes::default()
        };
        assert_eq!(s.apply(a, &ch, 3), Ok(()));
        assert_eq!(s.get(a).and_then(|i| i.stock_quantity), Some(5));
        let ch = Changes {
            inventory_delta: Some(-7),
            ..Changes::default()
        };
        assert_eq!(s.apply(a, &ch, 4), Ok(()));
        assert_eq!(s.get(a).and_then(|i| i.stock_quantity), Some(-2));
        assert_eq!(
            s.get(a).map(|i| i.stock_status.as_str()),
            Some("outofstock")
        );
    }
}
