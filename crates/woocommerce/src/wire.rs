//! WooCommerce's JSON, as it comes over the wire, and its mapping to
//! skusync's [`Record`]s.
//!
//! Decoding is lenient where WooCommerce is loose (prices are strings
//! exactly as stored, `manage_stock` may be the string `"parent"`,
//! `stock_quantity` may be a float on stores with non-integer stock) and
//! strict about what identifies an item (`id` must be a number). Values
//! that do not fit their field are left *missing* and reported as a
//! [`ReadProblem`]: never guessed, never zero.

use chrono::{DateTime, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use serde_json::Value as Json;
use skusync_adapter::{MARKER_KEY, WriteMarker};
use skusync_model::{
    Backorders, FieldName, Origin, ProductStatus, Record, RecordKind, RemoteId, Sku, StockStatus,
    Value,
};
use std::str::FromStr;

/// A product or variation as listed by `/products` or
/// `/products/{id}/variations` (only the fields skusync asks for).
#[derive(Debug, Clone, Deserialize)]
pub struct WireItem {
    /// The id.
    pub id: u64,
    /// `""` when unset.
    #[serde(default)]
    pub sku: Option<String>,
    /// `simple`, `variable`, `variation`, … (absent on the variations endpoint).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Publication status.
    #[serde(default)]
    pub status: Option<String>,
    /// Title.
    #[serde(default)]
    pub name: Option<String>,
    /// A string such as `"12.00"`, `"20"` or `""`.
    #[serde(default)]
    pub regular_price: Option<Json>,
    /// A string such as `"9.50"` or `""`.
    #[serde(default)]
    pub sale_price: Option<Json>,
    /// `true`, `false` or `"parent"`.
    #[serde(default)]
    pub manage_stock: Option<Json>,
    /// Integer, float or null.
    #[serde(default)]
    pub stock_quantity: Option<Json>,
    /// `instock`, `outofstock`, `onbackorder`.
    #[serde(default)]
    pub stock_status: Option<String>,
    /// `no`, `notify`, `yes`.
    #[serde(default)]
    pub backorders: Option<String>,
    /// The parent product of a variation (0 for products).
    #[serde(default)]
    pub parent_id: Option<u64>,
    /// Child variation ids of a variable product.
    #[serde(default)]
    pub variations: Option<Vec<u64>>,
    /// UTC, `YYYY-MM-DDTHH:MM:SS` without offset.
    #[serde(default)]
    pub date_modified_gmt: Option<String>,
    /// Present only when asked for (marker checks).
    #[serde(default)]
    pub meta_data: Option<Vec<WireMeta>>,
}

/// One `meta_data` entry.
#[derive(Debug, Clone, Deserialize)]
pub struct WireMeta {
    /// The meta key.
    pub key: String,
    /// Any JSON value.
    #[serde(default)]
    pub value: Json,
}

/// WooCommerce's error body: `{"code", "message", "data": {"status"}}`.
#[derive(Debug, Clone, Deserialize)]
pub struct WireError {
    /// The error code (`woocommerce_rest_authentication_error`).
    pub code: String,
    /// The message, for people.
    #[serde(default)]
    pub message: String,
    /// Extra data (`status`, `resource_id`, `params`).
    #[serde(default)]
    pub data: Option<Json>,
}

impl WireError {
    /// The status inside `data`, if any.
    pub fn status(&self) -> Option<u16> {
        self.data
            .as_ref()?
            .get("status")?
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
    }
}

/// One element of a batch response's `update` array: the updated item or
/// `{"id", "error"}`.
#[derive(Debug, Clone, Deserialize)]
pub struct WireBatchEntry {
    /// The item id (`0` for failed creates).
    #[serde(default)]
    pub id: u64,
    /// Present when the item failed.
    #[serde(default)]
    pub error: Option<WireError>,
    /// The saved item's `manage_stock` (success entries are the full item).
    #[serde(default)]
    pub manage_stock: Option<Json>,
}

/// A batch response (`update` only: skusync never creates or deletes).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WireBatchResponse {
    /// Results of `create` items, in order.
    #[serde(default)]
    pub create: Vec<WireBatchEntry>,
    /// Results of `update` items, in order.
    #[serde(default)]
    pub update: Vec<WireBatchEntry>,
}

/// Something in a read that skusync could not use as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadProblem {
    /// The item (`#41`, `#43 (variation of #40)`).
    pub origin: String,
    /// The SKU, when the item has one.
    pub sku: Option<String>,
    /// What is wrong, for people.
    pub message: String,
}

/// Where an item was listed: the products endpoint, or a parent's
/// variations endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// `/products`.
    Products,
    /// `/products/{parent}/variations`.
    Variations {
        /// The variable product.
        parent: u64,
    },
}

/// Parses WooCommerce's `date_modified_gmt` (`2026-11-24T01:49:02`, UTC).
pub fn parse_gmt(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim().trim_end_matches('Z');
    NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S")
        .ok()
        .map(|n| n.and_utc())
}

impl WireItem {
    /// The item's kind as skusync sees it.
    pub fn record_kind(&self, listing: Listing) -> RecordKind {
        if let Listing::Variations { .. } = listing {
            return RecordKind::Variation;
        }
        match self.kind.as_deref() {
            Some("simple") | None => RecordKind::Simple,
            Some("variable") => RecordKind::Variable,
            Some("variation") => RecordKind::Variation,
            Some(_) => RecordKind::Other,
        }
    }

    /// The remote id: a variation carries its parent's id.
    pub fn remote(&self, listing: Listing) -> RemoteId {
        let parent_id = match listing {
            Listing::Variations { parent } => Some(parent),
            Listing::Products => self.parent_id.filter(|p| *p != 0),
        };
        RemoteId {
            id: self.id,
            parent_id,
        }
    }

    /// When the item was last modified (UTC).
    pub fn modified(&self) -> Option<DateTime<Utc>> {
        self.date_modified_gmt.as_deref().and_then(parse_gmt)
    }

    /// The item's skusync write marker, when it carries one.
    pub fn marker(&self) -> Option<WriteMarker> {
        self.meta_data
            .as_ref()?
            .iter()
            .rev()
            .find(|m| m.key == MARKER_KEY)
            .and_then(|m| m.value.as_str())
            .and_then(|s| WriteMarker::parse(s).ok())
    }

    /// Maps the item to a [`Record`] holding `fields` (those asked for),
    /// pushing anything unusable onto `problems`.
    pub fn to_record(
        &self,
        listing: Listing,
        fields: &[FieldName],
        problems: &mut Vec<ReadProblem>,
    ) -> Record {
        let kind = self.record_kind(listing);
        let remote = self.remote(listing);
        let origin = match remote.parent_id {
            Some(p) => format!("#{} (variation of #{p})", self.id),
            None => format!("#{}", self.id),
        };
        let sku_text = self.sku.clone().unwrap_or_default();
        let mut record = Record::new(Sku::new(sku_text.clone()));
        record.remote = Some(remote);
        record.kind = kind;
        record.origin = Some(Origin::new(origin.as_str()));
        let mut problem = |message: String| {
            problems.push(ReadProblem {
                origin: origin.clone(),
                sku: (!sku_text.trim().is_empty()).then(|| sku_text.clone()),
                message,
            })
        };
        if sku_text.trim().is_empty() && kind != RecordKind::Variable {
            problem("has no SKU: it cannot be matched (give it a SKU in WooCommerce)".into());
        }
        let manage = match &self.manage_stock {
            Some(Json::Bool(b)) => Manage::Own(*b),
            Some(Json::String(s)) if s == "parent" => Manage::Parent,
            Some(Json::Null) | None => Manage::Unknown,
            Some(other) => {
                problem(format!(
                    "manage_stock is {other}, expected true, false or \"parent\""
                ));
                Manage::Unknown
            }
        };
        for &field in fields {
            let value: Option<Option<Value>> = match field {
                // A variable parent's prices are forced to "" by WooCommerce:
                // its prices live on the variations.
                FieldName::PriceRegular | FieldName::PriceSale if kind == RecordKind::Variable => {
                    None
                }
                FieldName::PriceRegular => {
                    money(&self.regular_price, "regular_price", &mut problem)
                }
                FieldName::PriceSale => money(&self.sale_price, "sale_price", &mut problem),
                FieldName::StockQuantity => match manage {
                    Manage::Own(true) => quantity(&self.stock_quantity, &mut problem),
                    _ => None,
                },
                FieldName::StockManage => match manage {
                    Manage::Own(b) => Some(Some(Value::Flag(b))),
                    Manage::Parent | Manage::Unknown => None,
                },
                FieldName::StockStatus => word(
                    &self.stock_status,
                    "stock_status",
                    StockStatus::parse,
                    Value::StockStatus,
                    &mut problem,
                ),
                FieldName::StockBackorders => word(
                    &self.backorders,
                    "backorders",
                    Backorders::parse,
                    Value::Backorders,
                    &mut problem,
                ),
                FieldName::Name => self.name.clone().map(|n| Some(Value::Text(n))),
                FieldName::Status => word(
                    &self.status,
                    "status",
                    ProductStatus::parse,
                    Value::Status,
                    &mut problem,
                ),
            };
            if let Some(v) = value {
                record.fields.insert(field, v);
            }
        }
        record
    }
}

enum Manage {
    Own(bool),
    Parent,
    Unknown,
}

fn money(
    json: &Option<Json>,
    name: &str,
    problem: &mut impl FnMut(String),
) -> Option<Option<Value>> {
    match json.as_ref()? {
        Json::Null => Some(None),
        Json::String(s) if s.trim().is_empty() => Some(None),
        Json::String(s) => match Decimal::from_str(s.trim()) {
            Ok(d) => Some(Some(Value::Money(d))),
            Err(_) => {
                problem(format!("{name} `{s}` is not a number; left out"));
                None
            }
        },
        Json::Number(n) => match Decimal::from_str(&n.to_string()) {
            Ok(d) => Some(Some(Value::Money(d))),
            Err(_) => {
                problem(format!("{name} {n} is not a usable number; left out"));
                None
            }
        },
        other => {
            problem(format!("{name} is {other}, expected a string; left out"));
            None
        }
    }
}

fn quantity(json: &Option<Json>, problem: &mut impl FnMut(String)) -> Option<Option<Value>> {
    match json.as_ref()? {
        Json::Null => None,
        Json::Number(n) => {
            if let Some(q) = n.as_i64() {
                return Some(Some(Value::Quantity(q)));
            }
            match Decimal::from_str(&n.to_string()) {
                Ok(d) if d.fract().is_zero() => d.to_i64().map(|q| Some(Value::Quantity(q))),
                _ => {
                    problem(format!(
                        "stock_quantity {n} is not a whole number; stock left out"
                    ));
                    None
                }
            }
        }
        Json::String(s) => match s.trim().parse::<i64>() {
            Ok(q) => Some(Some(Value::Quantity(q))),
            Err(_) => {
                problem(format!(
                    "stock_quantity `{s}` is not a whole number; stock left out"
                ));
                None
            }
        },
        other => {
            problem(format!("stock_quantity is {other}; stock left out"));
            None
        }
    }
}

fn word<T>(
    text: &Option<String>,
    name: &str,
    parse: fn(&str) -> Option<T>,
    wrap: fn(T) -> Value,
    problem: &mut impl FnMut(String),
) -> Option<Option<Value>> {
    let t = text.as_ref()?;
    match parse(t) {
        Some(v) => Some(Some(wrap(v))),
        None => {
            problem(format!("{name} `{t}` is not one skusync knows; left out"));
            None
        }
    }
}

/// The JSON keys to request (`_fields`) so that `fields` can be mapped.
pub fn wire_fields(fields: &[FieldName], listing: Listing, markers: bool) -> String {
    let mut keys: Vec<&str> = vec!["id", "sku", "date_modified_gmt"];
    if listing == Listing::Products {
        keys.extend(["type", "parent_id", "variations"]);
    }
    for f in fields {
        keys.extend(match f {
            FieldName::PriceRegular => &["regular_price"][..],
            FieldName::PriceSale => &["sale_price"][..],
            FieldName::StockQuantity => &["manage_stock", "stock_quantity"][..],
            FieldName::StockStatus => &["stock_status"][..],
            FieldName::StockManage => &["manage_stock"][..],
            FieldName::StockBackorders => &["backorders"][..],
            FieldName::Name => &["name"][..],
            FieldName::Status => &["status"][..],
        });
    }
    if markers {
        keys.push("meta_data");
    }
    let mut seen = std::collections::BTreeSet::new();
    keys.retain(|k| seen.insert(*k));
    keys.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(sample: &str) -> Json {
        let v: Json = serde_json::from_str(sample).unwrap();
        v["body"].clone()
    }

    const ALL: [FieldName; 8] = FieldName::ALL;

    #[test]
    fn simple_product_sample_maps_every_field() {
        let item: WireItem =
            serde_json::from_value(body(include_str!("../tests/fixtures/product-simple.json")))
                .unwrap();
        let mut problems = vec![];
        let r = item.to_record(Listing::Products, &ALL, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(r.sku.as_str(), "PRB-0011");
        assert_eq!(r.kind, RecordKind::Simple);
        assert_eq!(
            r.remote,
            Some(RemoteId {
                id: 20,
                parent_id: None
            })
        );
        let price = r.get(FieldName::PriceRegular).unwrap().unwrap();
        assert_eq!(price.to_string(), "12.00", "scale kept");
        assert_eq!(
            r.get(FieldName::PriceSale),
            Some(None),
            "\"\" is provided but unset"
        );
        assert_eq!(
            r.get(FieldName::StockQuantity),
            Some(Some(&Value::Quantity(7)))
        );
        assert_eq!(
            r.get(FieldName::StockManage),
            Some(Some(&Value::Flag(true)))
        );
        assert_eq!(
            r.get(FieldName::StockStatus),
            Some(Some(&Value::StockStatus(StockStatus::InStock)))
        );
        assert_eq!(
            r.get(FieldName::StockBackorders),
            Some(Some(&Value::Backorders(Backorders::No)))
        );
        assert_eq!(
            r.get(FieldName::Name),
            Some(Some(&Value::Text("Probe 11".into())))
        );
        assert_eq!(
            r.get(FieldName::Status),
            Some(Some(&Value::Status(ProductStatus::Publish)))
        );
        assert_eq!(
            item.modified().unwrap().to_rfc3339(),
            "2026-11-24T01:49:02+00:00"
        );
    }

    #[test]
    fn variable_parent_has_no_prices_and_unmanaged_stock_is_missing() {
        let item: WireItem = serde_json::from_value(body(include_str!(
            "../tests/fixtures/product-variable.json"
        )))
        .unwrap();
        let mut problems = vec![];
        let r = item.to_record(Listing::Products, &ALL, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(r.kind, RecordKind::Variable);
        assert_eq!(item.variations.as_deref(), Some(&[261, 262, 263][..]));
        assert_eq!(r.get(FieldName::PriceRegular), None);
        assert_eq!(r.get(FieldName::StockQuantity), None, "missing, never zero");
        assert_eq!(
            r.get(FieldName::StockManage),
            Some(Some(&Value::Flag(false)))
        );
    }

    #[test]
    fn variation_sample_carries_its_parent() {
        let item: WireItem =
            serde_json::from_value(body(include_str!("../tests/fixtures/variation.json"))).unwrap();
        let mut problems = vec![];
        let r = item.to_record(Listing::Variations { parent: 260 }, &ALL, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(r.kind, RecordKind::Variation);
        assert_eq!(
            r.remote,
            Some(RemoteId {
                id: 261,
                parent_id: Some(260)
            })
        );
        assert_eq!(
            r.origin.as_ref().map(ToString::to_string).as_deref(),
            Some("#261 (variation of #260)")
        );
        assert_eq!(
            r.get(FieldName::StockQuantity),
            Some(Some(&Value::Quantity(5)))
        );
        // Through `/products?sku=` a variation says type "variation" and names its parent.
        let list: Vec<WireItem> = serde_json::from_value(body(include_str!(
            "../tests/fixtures/sku-filter-returns-variation.json"
        )))
        .unwrap();
        let r = list[0].to_record(Listing::Products, &ALL, &mut problems);
        assert_eq!(r.kind, RecordKind::Variation);
        assert_eq!(
            r.remote,
            Some(RemoteId {
                id: 262,
                parent_id: Some(260)
            })
        );
    }

    #[test]
    fn list_page_with_fields_decodes() {
        let list: Vec<WireItem> = serde_json::from_value(body(include_str!(
            "../tests/fixtures/list-page2-fields.json"
        )))
        .unwrap();
        assert_eq!(list.len(), 3);
        let mut problems = vec![];
        let fields = [FieldName::PriceRegular, FieldName::StockQuantity];
        let r = list[0].to_record(Listing::Products, &fields, &mut problems);
        assert_eq!(r.sku.as_str(), "PRB-0101");
        // manage_stock was not requested in this capture: stock stays missing
        // rather than being guessed.
        assert_eq!(r.get(FieldName::StockQuantity), None);
        assert_eq!(
            r.get(FieldName::PriceRegular),
            Some(Some(&Value::Money(Decimal::new(1200, 2))))
        );
    }

    #[test]
    fn odd_values_are_missing_and_reported() {
        let item: WireItem = serde_json::from_value(serde_json::json!({
            "id": 5, "sku": "", "type": "simple", "regular_price": "20",
            "sale_price": "abc", "manage_stock": "parent", "stock_quantity": 3,
            "stock_status": "preorder", "status": "publish"
        }))
        .unwrap();
        let mut problems = vec![];
        let r = item.to_record(Listing::Products, &ALL, &mut problems);
        assert!(r.sku.is_blank());
        assert_eq!(
            r.get(FieldName::PriceRegular).unwrap().unwrap().to_string(),
            "20"
        );
        assert_eq!(r.get(FieldName::PriceSale), None);
        assert_eq!(
            r.get(FieldName::StockQuantity),
            None,
            "managed by the parent"
        );
        assert_eq!(r.get(FieldName::StockStatus), None);
        let msgs: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(msgs.len(), 3, "{msgs:?}");
        assert!(msgs[0].contains("no SKU"));
        assert!(msgs.iter().any(|m| m.contains("sale_price `abc`")));
        assert!(msgs.iter().any(|m| m.contains("stock_status `preorder`")));
    }

    #[test]
    fn float_stock_and_markers() {
        let item: WireItem = serde_json::from_value(serde_json::json!({
            "id": 6, "sku": "X", "manage_stock": true, "stock_quantity": 4.0,
            "meta_data": [{"id": 1, "key": "_skusync_write", "value": "r1:b2:3"}]
        }))
        .unwrap();
        let mut problems = vec![];
        let r = item.to_record(
            Listing::Products,
            &[FieldName::StockQuantity],
            &mut problems,
        );
        assert_eq!(
            r.get(FieldName::StockQuantity),
            Some(Some(&Value::Quantity(4)))
        );
        assert_eq!(item.marker().unwrap().to_string(), "r1:b2:3");
        let half: WireItem = serde_json::from_value(serde_json::json!({
            "id": 7, "sku": "Y", "manage_stock": true, "stock_quantity": 2.5
        }))
        .unwrap();
        let r = half.to_record(
            Listing::Products,
            &[FieldName::StockQuantity],
            &mut problems,
        );
        assert_eq!(r.get(FieldName::StockQuantity), None);
        assert!(problems.last().unwrap().message.contains("2.5"));
    }

    #[test]
    fn batch_sample_decodes_per_item_errors() {
        let b: WireBatchResponse = serde_json::from_value(body(include_str!(
            "../tests/fixtures/batch-partial-errors.json"
        )))
        .unwrap();
        assert_eq!(b.create[0].id, 0);
        assert_eq!(
            b.create[0].error.as_ref().unwrap().code,
            "product_invalid_sku"
        );
        assert!(b.update[0].error.is_none());
        let e = b.update[1].error.as_ref().unwrap();
        assert_eq!(
            (b.update[1].id, e.code.as_str(), e.status()),
            (99999999, "woocommerce_rest_product_invalid_id", Some(400))
        );
    }

    #[test]
    fn requested_fields_are_minimal() {
        assert_eq!(
            wire_fields(
                &[FieldName::PriceRegular, FieldName::StockQuantity],
                Listing::Products,
                false
            ),
            "id,sku,date_modified_gmt,type,parent_id,variations,regular_price,manage_stock,stock_quantity"
        );
        assert_eq!(
            wire_fields(
                &[FieldName::StockQuantity, FieldName::StockManage],
                Listing::Variations { parent: 1 },
                true
            ),
            "id,sku,date_modified_gmt,manage_stock,stock_quantity,meta_data"
        );
    }
}
