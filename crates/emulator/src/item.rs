//! One stored product or variation, and its rendering into WooCommerce's
//! JSON shapes.
//!
//! An [`Item`] keeps the fields the emulator reasons about as typed values
//! (SKU, status, stock, prices, dates, meta data) and every other field of the
//! seed or of a write verbatim in `extra`. Rendering walks WooCommerce's own
//! key order (taken from the captured 8.9.1 responses) so a response reads
//! like the real thing, filling fields nobody set with WooCommerce's defaults.

use chrono::{DateTime, NaiveDateTime};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use std::str::FromStr;

/// Whether an item is a top-level product or a variation of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A `product` post (simple, variable, grouped, external).
    Product,
    /// A `product_variation` post, child of a variable product.
    Variation,
}

/// Which JSON shape to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum View {
    /// `/products` and `/products/{id}`: the product schema (a variation shows
    /// `"type": "variation"` there).
    Product,
    /// `/products/{pid}/variations[/{id}]`: the variation schema.
    Variation,
    /// `/__emulator/state`: the product shape without `_links`, a variable
    /// product's `variations` holding full variation objects.
    State,
}

/// One `meta_data` entry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Meta {
    /// Its id (WordPress `meta_id`).
    pub id: u64,
    /// Its key.
    pub key: String,
    /// Its value, any JSON.
    pub value: Value,
}

/// A stored product or variation.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub id: u64,
    pub parent_id: u64,
    pub kind: Kind,
    /// `simple`, `variable`, `grouped`, `external`; `variation` for variations.
    pub product_type: String,
    pub status: String,
    pub sku: String,
    pub name: String,
    /// Creation time, UTC unix seconds.
    pub created: i64,
    /// Last modification time, UTC unix seconds (1-second resolution, as
    /// WordPress stores it).
    pub modified: i64,
    pub manage_stock: bool,
    pub stock_quantity: Option<i64>,
    pub stock_status: String,
    pub backorders: String,
    pub regular_price: String,
    pub sale_price: String,
    /// The active price as stored (`_price`).
    pub price: String,
    /// Child ids of a variable product, in menu order.
    pub variations: Vec<u64>,
    pub meta_data: Vec<Meta>,
    /// Every other field, verbatim.
    pub extra: Map<String, Value>,
}

/// The product schema's keys, in WooCommerce 8.9.1's order.
pub(crate) const PRODUCT_KEYS: &[&str] = &[
    "id",
    "name",
    "slug",
    "permalink",
    "date_created",
    "date_created_gmt",
    "date_modified",
    "date_modified_gmt",
    "type",
    "status",
    "featured",
    "catalog_visibility",
    "description",
    "short_description",
    "sku",
    "price",
    "regular_price",
    "sale_price",
    "date_on_sale_from",
    "date_on_sale_from_gmt",
    "date_on_sale_to",
    "date_on_sale_to_gmt",
    "on_sale",
    "purchasable",
    "total_sales",
    "virtual",
    "downloadable",
    "downloads",
    "download_limit",
    "download_expiry",
    "external_url",
    "button_text",
    "tax_status",
    "tax_class",
    "manage_stock",
    "stock_quantity",
    "backorders",
    "backorders_allowed",
    "backordered",
    "low_stock_amount",
    "sold_individually",
    "weight",
    "dimensions",
    "shipping_required",
    "shipping_taxable",
    "shipping_class",
    "shipping_class_id",
    "reviews_allowed",
    "average_rating",
    "rating_count",
    "upsell_ids",
    "cross_sell_ids",
    "parent_id",
    "purchase_note",
    "categories",
    "tags",
    "images",
    "attributes",
    "default_attributes",
    "variations",
    "grouped_products",
    "menu_order",
    "price_html",
    "related_ids",
    "meta_data",
    "stock_status",
    "has_options",
    "post_password",
];

/// The variation schema's keys, in WooCommerce 8.9.1's order.
pub(crate) const VARIATION_KEYS: &[&str] = &[
    "id",
    "date_created",
    "date_created_gmt",
    "date_modified",
    "date_modified_gmt",
    "description",
    "permalink",
    "sku",
    "price",
    "regular_price",
    "sale_price",
    "date_on_sale_from",
    "date_on_sale_from_gmt",
    "date_on_sale_to",
    "date_on_sale_to_gmt",
    "on_sale",
    "status",
    "purchasable",
    "virtual",
    "downloadable",
    "downloads",
    "download_limit",
    "download_expiry",
    "tax_status",
    "tax_class",
    "manage_stock",
    "stock_quantity",
    "stock_status",
    "backorders",
    "backorders_allowed",
    "backordered",
    "low_stock_amount",
    "weight",
    "dimensions",
    "shipping_class",
    "shipping_class_id",
    "image",
    "attributes",
    "menu_order",
    "meta_data",
    "name",
    "parent_id",
];

/// Keys an item holds as typed fields (never stored in `extra`), plus the
/// derived ones that are always computed.
pub(crate) const TYPED_KEYS: &[&str] = &[
    "id",
    "parent_id",
    "type",
    "status",
    "sku",
    "name",
    "date_created",
    "date_created_gmt",
    "date_modified",
    "date_modified_gmt",
    "manage_stock",
    "stock_quantity",
    "stock_status",
    "backorders",
    "regular_price",
    "sale_price",
    "price",
    "variations",
    "meta_data",
    "on_sale",
    "backorders_allowed",
    "backordered",
    "price_html",
    "has_options",
    "purchasable",
    "_links",
];

/// Formats a UTC unix time as WooCommerce does (`YYYY-MM-DDTHH:MM:SS`, no
/// offset), shifted by `offset_secs` for site-local fields.
pub(crate) fn format_date(unix: i64, offset_secs: i32) -> String {
    DateTime::from_timestamp(unix + i64::from(offset_secs), 0)
        .map(|d| d.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string())
        .unwrap_or_default()
}

/// Parses a date as WordPress accepts it: `YYYY-MM-DDTHH:MM:SS` with optional
/// fraction and optional `Z`/offset. A value with an offset is converted to
/// UTC wall time first (as `gmdate(strtotime())` does); the result is a naive
/// wall-clock time as unix seconds.
pub(crate) fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.timestamp());
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(d.and_utc().timestamp());
        }
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|d| d.and_utc().timestamp());
    }
    None
}

/// A URL-friendly slug of a name, like `sanitize_title`.
pub(crate) fn slugify(name: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
            dash = false;
        } else if !dash && !out.is_empty() {
            out.push('-');
            dash = true;
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// Parses a stored price for comparisons and `price_html`.
pub(crate) fn price_decimal(s: &str) -> Option<Decimal> {
    if s.is_empty() {
        return None;
    }
    Decimal::from_str(s.trim()).ok()
}

impl Item {
    /// A new item with WooCommerce's defaults.
    pub fn new(id: u64, kind: Kind, now: i64) -> Item {
        Item {
            id,
            parent_id: 0,
            kind,
            product_type: match kind {
                Kind::Product => "simple".into(),
                Kind::Variation => "variation".into(),
            },
            status: "publish".into(),
            sku: String::new(),
            name: String::new(),
            created: now,
            modified: now,
            manage_stock: false,
            stock_quantity: None,
            stock_status: "instock".into(),
            backorders: "no".into(),
            regular_price: String::new(),
            sale_price: String::new(),
            price: String::new(),
            variations: Vec::new(),
            meta_data: Vec::new(),
            extra: Map::new(),
        }
    }

    /// `is_on_sale()`: a sale price below the regular price.
    pub fn on_sale(&self) -> bool {
        match (
            price_decimal(&self.sale_price),
            price_decimal(&self.regular_price),
        ) {
            (Some(sale), Some(regular)) => sale < regular,
            (Some(_), None) => false,
            _ => false,
        }
    }

    /// Recomputes the active price of a simple product or variation.
    pub fn sync_price(&mut self) {
        if self.product_type == "variable" || self.product_type == "grouped" {
            return;
        }
        self.price = if self.on_sale() {
            self.sale_price.clone()
        } else {
            self.regular_price.clone()
        };
    }

    /// Recomputes `stock_status` from the quantity when managing stock
    /// (`validate_props`).
    pub fn sync_stock_status(&mut self) {
        if !self.manage_stock || self.product_type == "variable" {
            return;
        }
        let qty = self.stock_quantity.unwrap_or(0);
        self.stock_status = if qty > 0 {
            "instock".into()
        } else if self.backorders == "no" {
            "outofstock".into()
        } else {
            "onbackorder".into()
        };
    }

    fn extra_or(&self, key: &str, default: Value) -> Value {
        self.extra.get(key).cloned().unwrap_or(default)
    }

    fn slug(&self) -> String {
        match self.extra.get("slug") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => {
                let s = slugify(&self.name);
                if s.is_empty() { self.id.to_string() } else { s }
            }
        }
    }
}

/// What rendering needs to know about the rest of the store.
pub(crate) struct RenderCtx<'a> {
    /// The site URL, e.g. `http://127.0.0.1:8080` (no trailing slash).
    pub site: &'a str,
    /// The site timezone offset in seconds.
    pub offset: i32,
    /// The parent of a variation, if any.
    pub parent: Option<&'a Item>,
}

fn price_html(item: &Item) -> String {
    fn amount(d: Decimal) -> String {
        format!(
            "<span class=\"woocommerce-Price-amount amount\"><bdi><span class=\"woocommerce-Price-currencySymbol\">&#36;</span>{}</bdi></span>",
            d.round_dp(2).to_string_with_two_dp()
        )
    }
    match price_decimal(&item.price) {
        None => String::new(),
        Some(p) if item.on_sale() => match price_decimal(&item.regular_price) {
            Some(r) => format!(
                "<del aria-hidden=\"true\">{}</del> <ins>{}</ins>",
                amount(r),
                amount(p)
            ),
            None => amount(p),
        },
        Some(p) => amount(p),
    }
}

trait TwoDp {
    fn to_string_with_two_dp(&self) -> String;
}

impl TwoDp for Decimal {
    fn to_string_with_two_dp(&self) -> String {
        let mut d = *self;
        d.rescale(2);
        d.to_string()
    }
}

fn meta_json(meta: &[Meta]) -> Value {
    Value::Array(
        meta.iter()
            .map(|m| json!({"id": m.id, "key": m.key, "value": m.value}))
            .collect(),
    )
}

fn attribute_suffix(item: &Item) -> String {
    match item.extra.get("attributes") {
        Some(Value::Array(attrs)) => attrs
            .iter()
            .filter_map(|a| a.get("option").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(", "),
        _ => String::new(),
    }
}

fn variation_permalink(item: &Item, ctx: &RenderCtx<'_>) -> String {
    let parent_slug = ctx.parent.map(Item::slug).unwrap_or_default();
    let mut url = format!("{}/product/{}/", ctx.site, parent_slug);
    if let Some(Value::Array(attrs)) = item.extra.get("attributes") {
        let mut sep = '?';
        for a in attrs {
            let slug = a
                .get("slug")
                .or_else(|| a.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let option = a.get("option").and_then(Value::as_str).unwrap_or("");
            url.push(sep);
            url.push_str(&format!("attribute_{}={}", slugify(slug), option));
            sep = '&';
        }
    }
    url
}

/// The `manage_stock` and `stock_quantity` a variation reports: its own when
/// it manages stock, the parent's (`"parent"`) when only the parent does.
fn stock_view(item: &Item, ctx: &RenderCtx<'_>) -> (Value, Value) {
    if item.manage_stock {
        return (Value::Bool(true), json!(item.stock_quantity));
    }
    if item.kind == Kind::Variation
        && let Some(p) = ctx.parent
        && p.manage_stock
    {
        return (Value::String("parent".into()), json!(p.stock_quantity));
    }
    (Value::Bool(false), Value::Null)
}

/// Renders one field of the product schema.
fn product_field(item: &Item, key: &str, ctx: &RenderCtx<'_>) -> Value {
    let is_var = item.kind == Kind::Variation;
    match key {
        "id" => json!(item.id),
        "name" => {
            if is_var && !item.extra.contains_key("product_name") {
                let parent = ctx.parent.map(|p| p.name.as_str()).unwrap_or("");
                let suffix = attribute_suffix(item);
                if suffix.is_empty() {
                    json!(parent)
                } else {
                    json!(format!("{parent} - {suffix}"))
                }
            } else {
                json!(item.name)
            }
        }
        "slug" => {
            if is_var {
                let parent = ctx.parent.map(Item::slug).unwrap_or_default();
                let suffix = slugify(&attribute_suffix(item));
                if suffix.is_empty() {
                    json!(parent)
                } else {
                    json!(format!("{parent}-{suffix}"))
                }
            } else {
                json!(item.slug())
            }
        }
        "permalink" => {
            if is_var {
                json!(variation_permalink(item, ctx))
            } else {
                json!(format!("{}/product/{}/", ctx.site, item.slug()))
            }
        }
        "date_created" => json!(format_date(item.created, ctx.offset)),
        "date_created_gmt" => json!(format_date(item.created, 0)),
        "date_modified" => json!(format_date(item.modified, ctx.offset)),
        "date_modified_gmt" => json!(format_date(item.modified, 0)),
        "type" => json!(item.product_type),
        "status" => json!(item.status),
        "sku" => json!(item.sku),
        "price" => json!(item.price),
        "regular_price" => json!(item.regular_price),
        "sale_price" => json!(item.sale_price),
        "on_sale" => json!(item.on_sale()),
        "purchasable" => json!(!item.price.is_empty() || item.product_type == "variable"),
        "total_sales" => item.extra_or("total_sales", if is_var { json!("0") } else { json!(0) }),
        "manage_stock" => stock_view(item, ctx).0,
        "stock_quantity" => stock_view(item, ctx).1,
        "backorders" => json!(item.backorders),
        "backorders_allowed" => json!(item.backorders != "no"),
        "backordered" => json!(
            item.manage_stock && item.backorders != "no" && item.stock_quantity.unwrap_or(0) <= 0
        ),
        "stock_status" => json!(item.stock_status),
        "parent_id" => json!(item.parent_id),
        "variations" => json!(item.variations),
        "meta_data" => meta_json(&item.meta_data),
        "price_html" => json!(price_html(item)),
        "has_options" => json!(item.product_type == "variable"),
        "reviews_allowed" => item.extra_or("reviews_allowed", json!(!is_var)),
        "categories" => item.extra_or(
            "categories",
            if is_var {
                json!([])
            } else {
                json!([{"id": 15, "name": "Uncategorized", "slug": "uncategorized"}])
            },
        ),
        "shipping_required" => {
            json!(
                !item
                    .extra
                    .get("virtual")
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
            )
        }
        other => item.extra_or(other, default_value(other)),
    }
}

/// Renders one field of the variation schema.
fn variation_field(item: &Item, key: &str, ctx: &RenderCtx<'_>) -> Value {
    match key {
        "name" => match item.extra.get("name") {
            Some(v) => v.clone(),
            None => {
                if item.name.is_empty() {
                    json!(attribute_suffix(item))
                } else {
                    json!(item.name)
                }
            }
        },
        "image" => item.extra_or("image", Value::Null),
        other => product_field(item, other, ctx),
    }
}

/// WooCommerce's default for an unset field.
pub(crate) fn default_value(key: &str) -> Value {
    match key {
        "featured" | "virtual" | "downloadable" | "sold_individually" => json!(false),
        "catalog_visibility" => json!("visible"),
        "description" | "short_description" | "external_url" | "button_text" | "tax_class"
        | "weight" | "shipping_class" | "purchase_note" | "post_password" => json!(""),
        "tax_status" => json!("taxable"),
        "date_on_sale_from"
        | "date_on_sale_from_gmt"
        | "date_on_sale_to"
        | "date_on_sale_to_gmt"
        | "low_stock_amount"
        | "image" => Value::Null,
        "downloads" | "upsell_ids" | "cross_sell_ids" | "tags" | "images" | "attributes"
        | "default_attributes" | "grouped_products" | "related_ids" => json!([]),
        "download_limit" | "download_expiry" => json!(-1),
        "dimensions" => json!({"length": "", "width": "", "height": ""}),
        "shipping_taxable" => json!(true),
        "shipping_class_id" | "rating_count" | "menu_order" => json!(0),
        "average_rating" => json!("0.00"),
        _ => Value::Null,
    }
}

fn link(href: String) -> Value {
    json!([{ "href": href }])
}

/// Renders an item in the given view.
pub(crate) fn render(item: &Item, view: View, ctx: &RenderCtx<'_>) -> Map<String, Value> {
    render_filtered(item, view, ctx, &|_| true)
}

/// Renders only the top-level keys `keep` accepts (in schema order), so a
/// `_fields` request does not build what it drops.
pub(crate) fn render_filtered(
    item: &Item,
    view: View,
    ctx: &RenderCtx<'_>,
    keep: &dyn Fn(&str) -> bool,
) -> Map<String, Value> {
    let mut out = Map::new();
    let api = format!("{}/wp-json/wc/v3", ctx.site);
    match view {
        View::Product | View::State => {
            for key in PRODUCT_KEYS.iter().filter(|k| keep(k)) {
                out.insert((*key).to_string(), product_field(item, key, ctx));
            }
            // Fields the seed carried that the schema does not list.
            for (k, v) in &item.extra {
                if keep(k)
                    && !out.contains_key(k)
                    && k != "product_name"
                    && !PRODUCT_KEYS.contains(&k.as_str())
                {
                    out.insert(k.clone(), v.clone());
                }
            }
            if view == View::Product && keep("_links") {
                let mut links = Map::new();
                links.insert("self".into(), link(format!("{api}/products/{}", item.id)));
                links.insert("collection".into(), link(format!("{api}/products")));
                if item.parent_id != 0 {
                    links.insert(
                        "up".into(),
                        link(format!("{api}/products/{}", item.parent_id)),
                    );
                }
                out.insert("_links".into(), Value::Object(links));
            }
        }
        View::Variation => {
            for key in VARIATION_KEYS.iter().filter(|k| keep(k)) {
                out.insert((*key).to_string(), variation_field(item, key, ctx));
            }
            if keep("_links") {
                let mut links = Map::new();
                links.insert(
                    "self".into(),
                    link(format!(
                        "{api}/products/{}/variations/{}",
                        item.parent_id, item.id
                    )),
                );
                links.insert(
                    "collection".into(),
                    link(format!("{api}/products/{}/variations", item.parent_id)),
                );
                links.insert(
                    "up".into(),
                    link(format!("{api}/products/{}", item.parent_id)),
                );
                out.insert("_links".into(), Value::Object(links));
            }
        }
    }
    out
}

/// Renders a variation for the seed/state shape (variation schema, no links).
pub(crate) fn render_variation_state(item: &Item, ctx: &RenderCtx<'_>) -> Map<String, Value> {
    let mut out = Map::new();
    for key in VARIATION_KEYS {
        out.insert((*key).to_string(), variation_field(item, key, ctx));
    }
    for (k, v) in &item.extra {
        if !out.contains_key(k) && k != "product_name" {
            out.insert(k.clone(), v.clone());
        }
    }
    // The state shape reports the variation's own stock setting so a reload
    // round-trips it.
    out.insert("manage_stock".into(), json!(item.manage_stock));
    out.insert("stock_quantity".into(), json!(item.stock_quantity));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_render_without_offset_suffix() {
        // 2026-11-24T01:49:02Z
        let t = parse_date("2026-11-24T01:49:02").unwrap_or_default();
        assert_eq!(format_date(t, 0), "2026-11-24T01:49:02");
        assert_eq!(format_date(t, 7200), "2026-11-24T03:49:02");
        assert_eq!(parse_date("2026-11-24T03:49:02+02:00"), Some(t));
        assert_eq!(parse_date("2026-11-24T01:49:02Z"), Some(t));
        assert_eq!(parse_date("nope"), None);
    }

    #[test]
    fn price_html_pads_to_two_decimals() {
        let mut item = Item::new(1, Kind::Product, 0);
        item.regular_price = "20".into();
        item.sync_price();
        assert_eq!(item.price, "20");
        assert!(price_html(&item).contains(">20.00<"));
        item.sale_price = "19.9".into();
        item.sync_price();
        assert_eq!(item.price, "19.9");
        assert!(item.on_sale());
        assert!(price_html(&item).starts_with("<del"));
    }

    #[test]
    fn slugify_like_sanitize_title() {
        assert_eq!(slugify("Probe 11"), "probe-11");
        assert_eq!(slugify("  Face Cream (50 ml) "), "face-cream-50-ml");
    }
}
