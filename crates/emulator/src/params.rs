//! Request parameters: WordPress's argument validation for the collection
//! query and the write bodies.
//!
//! Single writes are validated against the schema as WordPress does
//! (`rest_invalid_param` with `data.params` and `data.details`); batch items
//! skip that validation and are coerced by WooCommerce's setters instead
//! (`wc_stock_amount` is `intval`, …), so [`Mode`] picks one or the other.

use crate::item::{Kind, parse_date};
use crate::store::{Changes, ListQuery, MetaWrite, OrderBy, WcError, sku_key};
use serde_json::{Map, Value, json};

/// How a write body is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Single `POST`/`PUT`: schema validation, 400 on a wrong type.
    Strict,
    /// Batch items: no validation, PHP-style coercion.
    Lenient,
}

/// Collected invalid parameters, rendered as WordPress's
/// `rest_invalid_param`.
#[derive(Debug, Default)]
pub(crate) struct Invalid {
    items: Vec<(String, String, String, Value)>,
}

impl Invalid {
    fn push(&mut self, param: &str, code: &str, message: String, data: Value) {
        self.items
            .push((param.to_string(), code.to_string(), message, data));
    }

    fn type_error(&mut self, param: &str, ty: &str) {
        self.push(
            param,
            "rest_invalid_type",
            format!("{param} is not of type {ty}."),
            json!({"param": param}),
        );
    }

    fn enum_error(&mut self, param: &str, allowed: &[&str]) {
        self.push(
            param,
            "rest_not_in_enum",
            format!("{param} is not one of {}.", sprintf_l(allowed)),
            Value::Null,
        );
    }

    /// The error, or `Ok` when nothing was invalid.
    pub fn into_result(self) -> Result<(), WcError> {
        if self.items.is_empty() {
            return Ok(());
        }
        let names: Vec<&str> = self.items.iter().map(|(p, ..)| p.as_str()).collect();
        let mut e = WcError::new(
            400,
            "rest_invalid_param",
            &format!("Invalid parameter(s): {}", names.join(", ")),
        );
        let mut params = Map::new();
        let mut details = Map::new();
        for (p, code, msg, data) in &self.items {
            params.insert(p.clone(), json!(msg));
            details.insert(
                p.clone(),
                json!({"code": code, "message": msg, "data": data}),
            );
        }
        e.data.insert("params".into(), Value::Object(params));
        e.data.insert("details".into(), Value::Object(details));
        Err(e)
    }
}

/// `wp_sprintf_l`: `a and b`, `a, b, and c`.
fn sprintf_l(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [a] => (*a).to_string(),
        [a, b] => format!("{a} and {b}"),
        [rest @ .., last] => format!("{}, and {last}", rest.join(", ")),
    }
}

/// Decoded query parameters, in order; a repeated name keeps the last value
/// at the first position (as PHP's `$_GET`), `name[]` collects a list.
#[derive(Debug, Clone, Default)]
pub(crate) struct Query {
    /// Raw pairs in order (for auth and for `Link` URLs).
    pub pairs: Vec<(String, String)>,
}

impl Query {
    /// Parses a raw query string.
    pub fn parse(raw: Option<&str>) -> Query {
        let pairs = raw
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Query { pairs }
    }

    /// The last value of a scalar parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A list parameter: `name[]=a&name[]=b` or `name=a,b`.
    pub fn list(&self, name: &str) -> Option<Vec<String>> {
        let bracket = format!("{name}[]");
        let arr: Vec<String> = self
            .pairs
            .iter()
            .filter(|(k, _)| *k == bracket)
            .map(|(_, v)| v.clone())
            .collect();
        if !arr.is_empty() {
            return Some(arr);
        }
        self.get(name).map(wp_parse_list)
    }

    /// The pairs as PHP keeps them: one entry per name (first position, last
    /// value); `name[]` entries stay separate.
    pub fn php_pairs(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for (k, v) in &self.pairs {
            if !k.ends_with("[]")
                && let Some(slot) = out.iter_mut().find(|(ok, _)| ok == k)
            {
                slot.1 = v.clone();
                continue;
            }
            out.push((k.clone(), v.clone()));
        }
        out
    }
}

/// `wp_parse_list`: split on commas and whitespace, drop empties.
pub(crate) fn wp_parse_list(s: &str) -> Vec<String> {
    s.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// `rest_is_integer` on a string.
fn int_str(s: &str) -> Option<i64> {
    let t = s.trim();
    if let Ok(v) = t.parse::<i64>() {
        return Some(v);
    }
    // "5.0" is an integer to WordPress.
    let (int, frac) = t.split_once('.')?;
    if !frac.is_empty() && frac.chars().all(|c| c == '0') {
        return int.parse().ok();
    }
    None
}

/// `rest_is_boolean` + `rest_sanitize_boolean` on a string.
fn bool_str(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" | "" => Some(false),
        _ => None,
    }
}

/// `rest_parse_date`'s RFC 3339 check.
fn valid_rest_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    if b.len() < 19
        || !digits(0..4)
        || b[4] != b'-'
        || !digits(5..7)
        || b[7] != b'-'
        || !digits(8..10)
        || !matches!(b[10], b'T' | b't' | b' ')
        || !digits(11..13)
        || b[13] != b':'
        || !digits(14..16)
        || b[16] != b':'
        || !digits(17..19)
    {
        return false;
    }
    let mut rest = &s[19..];
    if let Some(r) = rest.strip_prefix('.') {
        let n = r.chars().take_while(char::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &r[n..];
    }
    match rest {
        "" | "Z" | "z" => true,
        r => {
            let rb = r.as_bytes();
            (rb[0] == b'+' || rb[0] == b'-')
                && ((rb.len() == 3 && rb[1..].iter().all(u8::is_ascii_digit))
                    || (rb.len() == 6
                        && rb[1..3].iter().all(u8::is_ascii_digit)
                        && rb[3] == b':'
                        && rb[4..].iter().all(u8::is_ascii_digit)))
        }
    }
}

const ORDERBY: &[&str] = &[
    "date",
    "id",
    "include",
    "title",
    "slug",
    "modified",
    "price",
    "popularity",
    "rating",
];
const LIST_STATUS: &[&str] = &[
    "any", "future", "trash", "draft", "pending", "private", "publish",
];
const TYPES: &[&str] = &["simple", "grouped", "external", "variable"];
const STOCK_STATUS: &[&str] = &["instock", "outofstock", "onbackorder"];

/// Validates the collection parameters (in the order WooCommerce registers
/// them) into a [`ListQuery`]. `offset` is the site timezone offset.
pub(crate) fn list_query(
    q: &Query,
    offset: i32,
    parent: Option<u64>,
) -> Result<ListQuery, WcError> {
    let mut bad = Invalid::default();
    let int_param = |bad: &mut Invalid, name: &str| -> Option<i64> {
        let v = q.get(name)?;
        match int_str(v) {
            Some(i) => Some(i),
            None => {
                bad.type_error(name, "integer");
                None
            }
        }
    };
    let page = match int_param(&mut bad, "page") {
        Some(p) if p < 1 => {
            bad.push(
                "page",
                "rest_out_of_bounds",
                "page must be greater than or equal to 1".into(),
                Value::Null,
            );
            1
        }
        Some(p) => p,
        None => 1,
    };
    let per_page = match int_param(&mut bad, "per_page") {
        Some(p) if !(1..=100).contains(&p) => {
            bad.push(
                "per_page",
                "rest_out_of_bounds",
                "per_page must be between 1 (inclusive) and 100 (inclusive)".into(),
                Value::Null,
            );
            10
        }
        Some(p) => p,
        None => 10,
    };
    let date = |bad: &mut Invalid, name: &str| -> Option<i64> {
        let v = q.get(name)?;
        if valid_rest_date(v) {
            parse_date(v)
        } else {
            bad.push(
                name,
                "rest_invalid_date",
                "Invalid date.".into(),
                Value::Null,
            );
            None
        }
    };
    let after = date(&mut bad, "after");
    let before = date(&mut bad, "before");
    let modified_after = date(&mut bad, "modified_after");
    let modified_before = date(&mut bad, "modified_before");
    let dates_are_gmt = match q.get("dates_are_gmt") {
        Some(v) => match bool_str(v) {
            Some(b) => b,
            None => {
                bad.type_error("dates_are_gmt", "boolean");
                false
            }
        },
        None => false,
    };
    let id_list = |bad: &mut Invalid, name: &str| -> Vec<u64> {
        let mut out = Vec::new();
        for (i, v) in q.list(name).unwrap_or_default().iter().enumerate() {
            match int_str(v) {
                Some(n) if n > 0 => out.push(n as u64),
                Some(_) => {}
                None => bad.type_error(&format!("{name}[{i}]"), "integer"),
            }
        }
        out
    };
    let exclude = id_list(&mut bad, "exclude");
    let include = id_list(&mut bad, "include");
    let offset_param = int_param(&mut bad, "offset").map(|o| o.max(0) as u64);
    let enum_param = |bad: &mut Invalid, name: &str, allowed: &[&str]| -> Option<String> {
        let v = q.get(name)?;
        if allowed.contains(&v) {
            Some(v.to_string())
        } else {
            bad.enum_error(name, allowed);
            None
        }
    };
    let order = enum_param(&mut bad, "order", &["asc", "desc"]);
    let orderby = enum_param(&mut bad, "orderby", ORDERBY);
    let status = enum_param(&mut bad, "status", LIST_STATUS);
    let product_type = enum_param(&mut bad, "type", TYPES);
    let skus = q.get("sku").map(|s| {
        // explode(',') plus the whole string (SKUs may contain commas).
        let mut v: Vec<String> = s.split(',').map(sku_key).collect();
        v.push(sku_key(s));
        v.retain(|k| !k.is_empty());
        v
    });
    let stock_status = enum_param(&mut bad, "stock_status", STOCK_STATUS);
    bad.into_result()?;

    // Site-local bounds compare against post_modified; convert to UTC.
    let shift = |t: Option<i64>| {
        t.map(|t| {
            if dates_are_gmt {
                t
            } else {
                t - i64::from(offset)
            }
        })
    };
    let orderby = match orderby.as_deref() {
        Some("id") => OrderBy::Id,
        Some("include") => OrderBy::Include,
        Some("title") => OrderBy::Title,
        Some("slug") => OrderBy::Slug,
        Some("modified") => OrderBy::Modified,
        Some("price") => OrderBy::Price,
        Some("popularity") => OrderBy::Popularity,
        Some("rating") => OrderBy::Rating,
        _ => OrderBy::Date,
    };
    Ok(ListQuery {
        page: page as u64,
        per_page: per_page as u64,
        offset: offset_param,
        desc: order.as_deref() != Some("asc"),
        orderby,
        modified_after: shift(modified_after),
        modified_before: shift(modified_before),
        after: shift(after),
        before: shift(before),
        include,
        exclude,
        status: status.filter(|s| s != "any"),
        product_type,
        skus: skus.filter(|v| !v.is_empty()),
        parent,
        stock_status,
    })
}

/// The type a write field must have.
#[derive(Debug, Clone, Copy)]
enum Ty {
    Str,
    Int,
    IntOrNull,
    Bool,
    Array,
    Object,
    ObjectOrNull,
    Enum(&'static [&'static str]),
    DateOrNull,
}

const PRODUCT_STATUS: &[&str] = &["draft", "pending", "private", "publish", "future"];
const VARIATION_STATUS: &[&str] = &["draft", "pending", "private", "publish"];
const BACKORDERS: &[&str] = &["no", "notify", "yes"];
const VISIBILITY: &[&str] = &["visible", "catalog", "search", "hidden"];
const TAX_STATUS: &[&str] = &["taxable", "shipping", "none"];

fn schema(kind: Kind, key: &str) -> Option<Ty> {
    let common = match key {
        "description" | "sku" | "regular_price" | "sale_price" | "tax_class" | "weight"
        | "shipping_class" => Some(Ty::Str),
        "date_on_sale_from"
        | "date_on_sale_from_gmt"
        | "date_on_sale_to"
        | "date_on_sale_to_gmt" => Some(Ty::DateOrNull),
        "virtual" | "downloadable" | "manage_stock" => Some(Ty::Bool),
        "downloads" | "attributes" | "meta_data" => Some(Ty::Array),
        "download_limit" | "download_expiry" | "stock_quantity" | "menu_order" => Some(Ty::Int),
        "low_stock_amount" => Some(Ty::IntOrNull),
        "tax_status" => Some(Ty::Enum(TAX_STATUS)),
        "backorders" => Some(Ty::Enum(BACKORDERS)),
        "stock_status" => Some(Ty::Enum(STOCK_STATUS)),
        "dimensions" => Some(Ty::Object),
        _ => None,
    };
    if common.is_some() {
        return common;
    }
    match kind {
        Kind::Product => match key {
            "name" | "slug" | "short_description" | "external_url" | "button_text"
            | "purchase_note" => Some(Ty::Str),
            "type" => Some(Ty::Enum(TYPES)),
            "status" => Some(Ty::Enum(PRODUCT_STATUS)),
            "featured" | "sold_individually" | "reviews_allowed" => Some(Ty::Bool),
            "catalog_visibility" => Some(Ty::Enum(VISIBILITY)),
            "parent_id" => Some(Ty::Int),
            "upsell_ids" | "cross_sell_ids" | "categories" | "tags" | "images"
            | "default_attributes" | "grouped_products" => Some(Ty::Array),
            _ => None,
        },
        Kind::Variation => match key {
            "status" => Some(Ty::Enum(VARIATION_STATUS)),
            "image" => Some(Ty::ObjectOrNull),
            "name" => Some(Ty::Str),
            _ => None,
        },
    }
}

/// PHP's string conversion of a JSON scalar.
fn php_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(true) => "1".into(),
        Value::Bool(false) | Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// PHP's `intval`.
pub(crate) fn php_intval(v: &Value) -> i64 {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f.trunc() as i64))
            .unwrap_or(0),
        Value::String(s) => {
            let t = s.trim_start();
            let (sign, digits) = match t.strip_prefix('-') {
                Some(r) => (-1, r),
                None => (1, t.strip_prefix('+').unwrap_or(t)),
            };
            let n: String = digits.chars().take_while(char::is_ascii_digit).collect();
            n.parse::<i64>().map(|x| sign * x).unwrap_or(0)
        }
        Value::Bool(b) => i64::from(*b),
        _ => 0,
    }
}

/// `wc_string_to_bool`.
fn php_bool(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_i64() == Some(1),
        Value::String(s) => matches!(s.to_ascii_lowercase().as_str(), "yes" | "true" | "1"),
        _ => false,
    }
}

/// Checks one value against its type; `Some(coerced)` when valid.
fn check(v: &Value, ty: Ty) -> Option<Value> {
    match ty {
        Ty::Str => v.is_string().then(|| v.clone()),
        Ty::Int => match v {
            Value::Number(n) if n.is_i64() || n.is_u64() => Some(v.clone()),
            Value::Number(n) => n
                .as_f64()
                .filter(|f| f.fract() == 0.0)
                .map(|f| json!(f as i64)),
            Value::String(s) => int_str(s).map(|i| json!(i)),
            _ => None,
        },
        Ty::IntOrNull => {
            if v.is_null() {
                Some(Value::Null)
            } else {
                check(v, Ty::Int)
            }
        }
        Ty::Bool => match v {
            Value::Bool(_) => Some(v.clone()),
            Value::Number(n) => match n.as_i64() {
                Some(0) => Some(json!(false)),
                Some(1) => Some(json!(true)),
                _ => None,
            },
            Value::String(s) => bool_str(s).map(|b| json!(b)),
            _ => None,
        },
        Ty::Array => v.is_array().then(|| v.clone()),
        Ty::Object => v.is_object().then(|| v.clone()),
        Ty::ObjectOrNull => (v.is_object() || v.is_null()).then(|| v.clone()),
        Ty::Enum(allowed) => v
            .as_str()
            .filter(|s| allowed.contains(s))
            .map(|_| v.clone()),
        Ty::DateOrNull => match v {
            Value::Null => Some(Value::Null),
            Value::String(s) if s.is_empty() || valid_rest_date(s) => Some(v.clone()),
            _ => None,
        },
    }
}

fn type_name(ty: Ty) -> &'static str {
    match ty {
        Ty::Str => "string",
        Ty::Int => "integer",
        Ty::IntOrNull => "integer,null",
        Ty::Bool => "boolean",
        Ty::Array => "array",
        Ty::Object => "object",
        Ty::ObjectOrNull => "object,null",
        Ty::DateOrNull => "string,null",
        Ty::Enum(_) => "string",
    }
}

/// Turns a write body into [`Changes`]: validated (single writes) or coerced
/// (batch items). Read-only and unknown fields are ignored, as WordPress
/// ignores them.
pub(crate) fn changes(
    body: &Map<String, Value>,
    kind: Kind,
    mode: Mode,
) -> Result<Changes, WcError> {
    let mut bad = Invalid::default();
    let mut ch = Changes::default();
    for (key, raw) in body {
        if key == "inventory_delta" {
            // Not in the schema: never validated, `wc_stock_amount` coerces.
            ch.inventory_delta = Some(php_intval(raw));
            continue;
        }
        let Some(ty) = schema(kind, key) else {
            continue;
        };
        let v = match mode {
            Mode::Strict => match check(raw, ty) {
                Some(v) => v,
                None => {
                    match ty {
                        Ty::Enum(allowed) if raw.is_string() => bad.enum_error(key, allowed),
                        _ => bad.type_error(key, type_name(ty)),
                    }
                    continue;
                }
            },
            Mode::Lenient => match ty {
                Ty::Str | Ty::Enum(_) => Value::String(php_string(raw)),
                Ty::Int => json!(php_intval(raw)),
                Ty::IntOrNull => {
                    if raw.is_null() {
                        Value::Null
                    } else {
                        json!(php_intval(raw))
                    }
                }
                Ty::Bool => json!(php_bool(raw)),
                _ => raw.clone(),
            },
        };
        match key.as_str() {
            "name" if kind == Kind::Product => ch.name = Some(php_string(&v)),
            "type" => ch.product_type = Some(php_string(&v)),
            "status" => ch.status = Some(php_string(&v)),
            "sku" => ch.sku = Some(php_string(&v)),
            "regular_price" => ch.regular_price = Some(php_string(&v).trim().to_string()),
            "sale_price" => ch.sale_price = Some(php_string(&v).trim().to_string()),
            "manage_stock" => ch.manage_stock = Some(v.as_bool().unwrap_or(false)),
            "stock_quantity" => ch.stock_quantity = Some(php_intval(&v)),
            "stock_status" => ch.stock_status = Some(php_string(&v)),
            "backorders" => ch.backorders = Some(php_string(&v)),
            "meta_data" => {
                for (i, m) in v.as_array().into_iter().flatten().enumerate() {
                    let Some(obj) = m.as_object() else {
                        if mode == Mode::Strict {
                            bad.type_error(&format!("meta_data[{i}]"), "object");
                        }
                        continue;
                    };
                    let Some(k) = obj.get("key") else { continue };
                    let id = obj.get("id").map(php_intval).filter(|i| *i > 0);
                    ch.meta_data.push(MetaWrite {
                        id: id.map(|i| i as u64),
                        key: php_string(k),
                        value: obj.get("value").cloned().unwrap_or(Value::Null),
                    });
                }
            }
            _ => ch.other.push((key.clone(), v)),
        }
    }
    bad.into_result()?;
    Ok(ch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_page_out_of_bounds_matches_the_sample() {
        let q = Query::parse(Some("per_page=101"));
        let err = list_query(&q, 0, None).err().map(|e| e.body());
        let expected = json!({
            "code": "rest_invalid_param",
            "message": "Invalid parameter(s): per_page",
            "data": {
                "status": 400,
                "params": {"per_page": "per_page must be between 1 (inclusive) and 100 (inclusive)"},
                "details": {"per_page": {
                    "code": "rest_out_of_bounds",
                    "message": "per_page must be between 1 (inclusive) and 100 (inclusive)",
                    "data": null
                }}
            }
        });
        assert_eq!(err, Some(expected));
    }

    #[test]
    fn strict_and_lenient_stock_quantity() {
        let body = json!({"stock_quantity": "abc"});
        let body = body.as_object().cloned().unwrap_or_default();
        let strict = changes(&body, Kind::Product, Mode::Strict)
            .err()
            .map(|e| e.body());
        assert_eq!(
            strict
                .as_ref()
                .and_then(|b| b.pointer("/data/params/stock_quantity"))
                .cloned(),
            Some(json!("stock_quantity is not of type integer."))
        );
        let lenient = changes(&body, Kind::Product, Mode::Lenient).ok();
        assert_eq!(lenient.and_then(|c| c.stock_quantity), Some(0));
    }

    #[test]
    fn enum_messages_use_wp_sprintf_l() {
        assert_eq!(sprintf_l(&["asc", "desc"]), "asc and desc");
        assert_eq!(sprintf_l(&["a", "b", "c"]), "a, b, and c");
        assert!(valid_rest_date("2026-11-24T06:00:00"));
        assert!(valid_rest_date("2026-11-24T06:00:00.5+02:00"));
        assert!(!valid_rest_date("2026-11-24"));
        assert_eq!(php_intval(&json!("-3abc")), -3);
    }
}
