//! Seed files: products in WooCommerce's own JSON shape (a variable
//! product's `variations` holding full variation objects), optional API keys,
//! and a generator of large synthetic catalogs for benchmarks.
//!
//! ```json
//! {"products": [{"id": 20, "name": "Face cream", "sku": "KREM-50", "regular_price": "69.00",
//!                "manage_stock": true, "stock_quantity": 12,
//!                "meta_data": [{"key": "origin", "value": "PL"}]},
//!               {"name": "Tee", "type": "variable", "sku": "TEE",
//!                "variations": [{"sku": "TEE-M", "regular_price": "20", "manage_stock": true,
//!                                "stock_quantity": 3, "attributes": [{"name": "Size", "option": "M"}]}]}],
//!  "keys": [{"consumer_key": "ck_…", "consumer_secret": "cs_…", "permissions": "read_write"}]}
//! ```
//! Ids are assigned where absent; dates default to the load time.
//!
//! A seed is a snapshot of a store, so an item that gives a non-null
//! `stock_quantity` without saying `manage_stock` manages its stock
//! (`manage_stock: true`). An explicit `"manage_stock": false` (or a
//! variation's `"parent"`) keeps WooCommerce's rule: the quantity is not
//! kept (`stock_quantity: null`); for `false` the loader adds a warning
//! naming the item ([`Loaded::warnings`]).

use crate::auth::{ApiKey, Permissions};
use crate::item::{Item, Kind, Meta, TYPED_KEYS, parse_date};
use crate::store::Store;
use serde_json::{Map, Value, json};

/// A seed that cannot be loaded: what is wrong and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("seed {path}: {message}")]
pub struct SeedError {
    /// Where in the seed, e.g. `products[3].variations[0].stock_quantity`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

fn err(path: &str, message: impl Into<String>) -> SeedError {
    SeedError {
        path: path.to_string(),
        message: message.into(),
    }
}

/// A loaded seed: the store and the keys it declares (possibly none).
pub(crate) struct Loaded {
    pub store: Store,
    pub keys: Vec<ApiKey>,
    /// Things the seed says that the store does not keep, one sentence each.
    pub warnings: Vec<String>,
}

fn max_id(products: &[Value]) -> u64 {
    let mut max = 0;
    for p in products {
        max = max.max(p.get("id").and_then(Value::as_u64).unwrap_or(0));
        if let Some(Value::Array(vs)) = p.get("variations") {
            for v in vs {
                max = max.max(v.get("id").and_then(Value::as_u64).unwrap_or(0));
            }
        }
    }
    max
}

fn string_field(
    obj: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<String>, SeedError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) if key.ends_with("price") => Ok(Some(n.to_string())),
        Some(_) => Err(err(&format!("{path}.{key}"), "expected a string")),
    }
}

fn date_field(
    obj: &Map<String, Value>,
    key: &str,
    offset: i32,
    path: &str,
) -> Result<Option<i64>, SeedError> {
    let gmt_key = format!("{key}_gmt");
    if let Some(v) = obj.get(&gmt_key).filter(|v| !v.is_null()) {
        let s = v
            .as_str()
            .ok_or_else(|| err(&format!("{path}.{gmt_key}"), "expected a date string"))?;
        return parse_date(s)
            .map(Some)
            .ok_or_else(|| err(&format!("{path}.{gmt_key}"), format!("not a date: {s:?}")));
    }
    if let Some(v) = obj.get(key).filter(|v| !v.is_null()) {
        let s = v
            .as_str()
            .ok_or_else(|| err(&format!("{path}.{key}"), "expected a date string"))?;
        return parse_date(s)
            .map(|t| Some(t - i64::from(offset)))
            .ok_or_else(|| err(&format!("{path}.{key}"), format!("not a date: {s:?}")));
    }
    Ok(None)
}

#[allow(clippy::too_many_arguments)]
fn item_from_json(
    store: &mut Store,
    warnings: &mut Vec<String>,
    obj: &Map<String, Value>,
    kind: Kind,
    parent_id: u64,
    now: i64,
    offset: i32,
    path: &str,
) -> Result<Item, SeedError> {
    let wanted = match obj.get("id") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .ok_or_else(|| err(&format!("{path}.id"), "expected a positive integer"))?,
        ),
    };
    let id = store
        .allocate_id(wanted)
        .ok_or_else(|| err(&format!("{path}.id"), "duplicate id"))?;
    let mut item = Item::new(id, kind, now);
    item.parent_id = parent_id;
    if kind == Kind::Product
        && let Some(t) = string_field(obj, "type", path)?
    {
        item.product_type = t;
    }
    if let Some(s) = string_field(obj, "status", path)? {
        item.status = s;
    }
    if let Some(s) = string_field(obj, "sku", path)? {
        let s = s.trim().to_string();
        if !s.is_empty()
            && let Some(owner) = store.sku_owner(&s)
        {
            return Err(err(
                &format!("{path}.sku"),
                format!("SKU {s:?} is already used by id {owner}"),
            ));
        }
        item.sku = s;
    }
    if let Some(s) = string_field(obj, "name", path)? {
        item.name = s;
    }
    if let Some(s) = string_field(obj, "regular_price", path)? {
        item.regular_price = s;
    }
    if let Some(s) = string_field(obj, "sale_price", path)? {
        item.sale_price = s;
    }
    let explicit_manage = match obj.get("manage_stock") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => {
            item.manage_stock = *b;
            true
        }
        Some(Value::String(s)) if s == "parent" => {
            item.manage_stock = false;
            true
        }
        Some(_) => {
            return Err(err(
                &format!("{path}.manage_stock"),
                "expected true, false or \"parent\"",
            ));
        }
    };
    match obj.get("stock_quantity") {
        None | Some(Value::Null) => {}
        Some(v) => {
            let q = v.as_i64().ok_or_else(|| {
                err(
                    &format!("{path}.stock_quantity"),
                    "expected an integer or null",
                )
            })?;
            if !explicit_manage {
                // A snapshot that gives a quantity manages its stock.
                item.manage_stock = true;
            }
            if item.manage_stock {
                item.stock_quantity = Some(q);
            } else if obj.get("manage_stock") == Some(&Value::Bool(false)) {
                warnings.push(format!(
                    "seed {path} (SKU {:?}): stock_quantity {q} is dropped: \
                     \"manage_stock\" is false and WooCommerce keeps no quantity for \
                     stock it does not manage; remove \"manage_stock\": false (or set it \
                     to true) to keep the quantity",
                    item.sku
                ));
            }
        }
    }
    if item.manage_stock && item.stock_quantity.is_none() {
        item.stock_quantity = Some(0);
    }
    if let Some(s) = string_field(obj, "stock_status", path)? {
        item.stock_status = s;
    }
    if let Some(s) = string_field(obj, "backorders", path)? {
        item.backorders = s;
    }
    if let Some(t) = date_field(obj, "date_created", offset, path)? {
        item.created = t;
    }
    item.modified = date_field(obj, "date_modified", offset, path)?.unwrap_or(item.created);
    if item.modified < item.created {
        item.modified = item.created;
    }
    match obj.get("meta_data") {
        None | Some(Value::Null) => {}
        Some(Value::Array(metas)) => {
            for (i, m) in metas.iter().enumerate() {
                let mpath = format!("{path}.meta_data[{i}]");
                let key = m
                    .get("key")
                    .and_then(Value::as_str)
                    .ok_or_else(|| err(&mpath, "expected an object with a string \"key\""))?;
                let id = store.allocate_meta_id(m.get("id").and_then(Value::as_u64));
                item.meta_data.push(Meta {
                    id,
                    key: key.to_string(),
                    value: m.get("value").cloned().unwrap_or(Value::Null),
                });
            }
        }
        Some(_) => return Err(err(&format!("{path}.meta_data"), "expected an array")),
    }
    for (k, v) in obj {
        if !TYPED_KEYS.contains(&k.as_str()) && k != "type" {
            item.extra.insert(k.clone(), v.clone());
        }
    }
    if kind == Kind::Variation
        && let Some(name) = obj.get("name").and_then(Value::as_str)
    {
        item.name = name.to_string();
    }
    item.sync_price();
    item.sync_stock_status();
    Ok(item)
}

fn parse_permissions(v: Option<&Value>, path: &str) -> Result<Permissions, SeedError> {
    match v.and_then(Value::as_str) {
        None | Some("read_write") => Ok(Permissions::ReadWrite),
        Some("read") => Ok(Permissions::Read),
        Some("write") => Ok(Permissions::Write),
        Some(other) => Err(err(
            &format!("{path}.permissions"),
            format!("{other:?} is not one of read, write, read_write"),
        )),
    }
}

/// Loads a seed document at time `now` with the site timezone `offset`.
pub(crate) fn load(seed: &Value, now: i64, offset: i32) -> Result<Loaded, SeedError> {
    let mut store = Store::new();
    let mut warnings = Vec::new();
    let empty = Vec::new();
    let products = match seed.get("products") {
        None | Some(Value::Null) => &empty,
        Some(Value::Array(a)) => a,
        Some(_) => return Err(err("products", "expected an array")),
    };
    // Auto-assigned ids start after every explicit one.
    store.reserve_above(max_id(products));

    for (i, p) in products.iter().enumerate() {
        let path = format!("products[{i}]");
        let obj = p
            .as_object()
            .ok_or_else(|| err(&path, "expected an object"))?;
        let mut item = item_from_json(
            &mut store,
            &mut warnings,
            obj,
            Kind::Product,
            0,
            now,
            offset,
            &path,
        )?;
        let mut children = Vec::new();
        match obj.get("variations") {
            None | Some(Value::Null) => {}
            Some(Value::Array(vs)) => {
                for (j, v) in vs.iter().enumerate() {
                    let vpath = format!("{path}.variations[{j}]");
                    let Some(vobj) = v.as_object() else {
                        return Err(err(&vpath, "expected a full variation object"));
                    };
                    let child = item_from_json(
                        &mut store,
                        &mut warnings,
                        vobj,
                        Kind::Variation,
                        item.id,
                        now,
                        offset,
                        &vpath,
                    )?;
                    item.variations.push(child.id);
                    // Claim the SKU now so a later duplicate is caught.
                    children.push(child.id);
                    store.insert(child);
                }
            }
            Some(_) => return Err(err(&format!("{path}.variations"), "expected an array")),
        }
        if !item.sku.is_empty()
            && let Some(owner) = store.sku_owner(&item.sku)
        {
            return Err(err(
                &format!("{path}.sku"),
                format!("SKU {:?} is already used by id {owner}", item.sku),
            ));
        }
        let id = item.id;
        store.insert(item);
        if !children.is_empty() {
            store.sync_parent(id, 0);
        }
    }

    let mut keys = Vec::new();
    match seed.get("keys") {
        None | Some(Value::Null) => {}
        Some(Value::Array(ks)) => {
            for (i, k) in ks.iter().enumerate() {
                let path = format!("keys[{i}]");
                let ck = k
                    .get("consumer_key")
                    .and_then(Value::as_str)
                    .ok_or_else(|| err(&format!("{path}.consumer_key"), "expected a string"))?;
                let cs = k
                    .get("consumer_secret")
                    .and_then(Value::as_str)
                    .ok_or_else(|| err(&format!("{path}.consumer_secret"), "expected a string"))?;
                keys.push(ApiKey {
                    consumer_key: ck.to_string(),
                    consumer_secret: cs.to_string(),
                    permissions: parse_permissions(k.get("permissions"), &path)?,
                });
            }
        }
        Some(_) => return Err(err("keys", "expected an array")),
    }
    Ok(Loaded {
        store,
        keys,
        warnings,
    })
}

/// A random key pair in WooCommerce's format (`ck_` / `cs_` + 40 hex digits).
pub(crate) fn random_key(permissions: Permissions) -> ApiKey {
    use rand::RngCore;
    let mut rng = rand::rng();
    let mut a = [0u8; 20];
    let mut b = [0u8; 20];
    rng.fill_bytes(&mut a);
    rng.fill_bytes(&mut b);
    ApiKey {
        consumer_key: format!("ck_{}", hex::encode(a)),
        consumer_secret: format!("cs_{}", hex::encode(b)),
        permissions,
    }
}

/// Builds a synthetic seed of `products` products; every `variable_every`-th
/// one (0 = none) is a variable product with three variations (S, M, L), so
/// the store holds `products + 3 * products / variable_every` items.
///
/// SKUs are `GEN-000001` for products and `GEN-000001-M` for variations;
/// prices alternate between the stored forms `"20"`, `"19.90"` and `"7.5"`;
/// every item manages stock. Deterministic: the same arguments give the
/// same seed.
pub fn generate(products: usize, variable_every: usize) -> Value {
    const PRICES: [&str; 3] = ["20", "19.90", "7.5"];
    let mut out = Vec::with_capacity(products);
    for n in 1..=products {
        let sku = format!("GEN-{n:06}");
        let price = PRICES[n % PRICES.len()];
        if variable_every > 0 && n % variable_every == 0 {
            let variations: Vec<Value> = ["S", "M", "L"]
                .iter()
                .enumerate()
                .map(|(i, size)| {
                    json!({
                        "sku": format!("{sku}-{size}"),
                        "regular_price": price,
                        "manage_stock": true,
                        "stock_quantity": ((n + i) % 40) as i64,
                        "attributes": [{"id": 0, "name": "Size", "slug": "size", "option": size}],
                    })
                })
                .collect();
            out.push(json!({
                "name": format!("Generated variable {n}"),
                "type": "variable",
                "sku": sku,
                "attributes": [{"id": 0, "name": "Size", "slug": "Size", "position": 0,
                                "visible": true, "variation": true, "options": ["S", "M", "L"]}],
                "variations": variations,
            }));
        } else {
            out.push(json!({
                "name": format!("Generated product {n}"),
                "type": "simple",
                "sku": sku,
                "regular_price": price,
                "manage_stock": true,
                "stock_quantity": (n % 50) as i64,
            }));
        }
    }
    json!({ "products": out })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_assigned_after_explicit_ones_and_skus_are_unique() {
        let seed = json!({"products": [
            {"name": "A", "sku": "A"},
            {"id": 50, "name": "B", "type": "variable", "variations": [{"sku": "B-1"}, {"id": 60, "sku": "B-2"}]}
        ]});
        let loaded = load(&seed, 1_000, 0);
        let store = loaded.map(|l| l.store).ok();
        let ids: Vec<u64> = store.iter().flat_map(|s| s.items().map(|i| i.id)).collect();
        assert_eq!(ids, vec![50, 60, 61, 62]);
        let dup = json!({"products": [{"sku": "X"}, {"variations": [{"sku": "x"}]}]});
        let e = load(&dup, 0, 0).err();
        assert_eq!(
            e.map(|e| e.path),
            Some("products[1].variations[0].sku".to_string())
        );
    }

    #[test]
    fn generate_counts() {
        let v = generate(10, 5);
        let loaded = load(&v, 0, 0).ok();
        assert_eq!(loaded.map(|l| l.store.len()), Some(16));
    }
}
