//! Reads against the real `skusync-emulator` binary over plain HTTP with
//! OAuth 1.0a: JSON shapes compared with the captured WooCommerce 8.9.1
//! samples, list parameters and their validation errors, pagination headers
//! and `Link`, filters, `_fields`, dates and the site timezone, the
//! endpoint-specific 401s, `rest_no_route`, and `/system_status`.

mod common;

use common::*;
use serde_json::{Value, json};

/// The captured `product-simple.json` body, with the emulator's URL.
fn sample_simple(url: &str) -> Value {
    let text = r#"{"id":20,"name":"Probe 11","slug":"probe-11","permalink":"URL/product/probe-11/","date_created":"2026-11-24T01:48:26","date_created_gmt":"2026-11-24T01:48:26","date_modified":"2026-11-24T01:49:02","date_modified_gmt":"2026-11-24T01:49:02","type":"simple","status":"publish","featured":false,"catalog_visibility":"visible","description":"","short_description":"","sku":"PRB-0011","price":"12.00","regular_price":"12.00","sale_price":"","date_on_sale_from":null,"date_on_sale_from_gmt":null,"date_on_sale_to":null,"date_on_sale_to_gmt":null,"on_sale":false,"purchasable":true,"total_sales":0,"virtual":false,"downloadable":false,"downloads":[],"download_limit":-1,"download_expiry":-1,"external_url":"","button_text":"","tax_status":"taxable","tax_class":"","manage_stock":true,"stock_quantity":7,"backorders":"no","backorders_allowed":false,"backordered":false,"low_stock_amount":null,"sold_individually":false,"weight":"","dimensions":{"length":"","width":"","height":""},"shipping_required":true,"shipping_taxable":true,"shipping_class":"","shipping_class_id":0,"reviews_allowed":true,"average_rating":"0.00","rating_count":0,"upsell_ids":[],"cross_sell_ids":[],"parent_id":0,"purchase_note":"","categories":[{"id":15,"name":"Uncategorized","slug":"uncategorized"}],"tags":[],"images":[],"attributes":[],"default_attributes":[],"variations":[],"grouped_products":[],"menu_order":0,"price_html":"<span class=\"woocommerce-Price-amount amount\"><bdi><span class=\"woocommerce-Price-currencySymbol\">&#36;</span>12.00</bdi></span>","related_ids":[],"meta_data":[],"stock_status":"instock","has_options":false,"post_password":"","_links":{"self":[{"href":"URL/wp-json/wc/v3/products/20"}],"collection":[{"href":"URL/wp-json/wc/v3/products"}]}}"#;
    serde_json::from_str(&text.replace("URL", url)).unwrap_or(Value::Null)
}

/// The captured `variation.json` body, with the emulator's URL.
fn sample_variation(url: &str) -> Value {
    let text = r#"{"id":261,"date_created":"2026-11-24T01:48:34","date_created_gmt":"2026-11-24T01:48:34","date_modified":"2026-11-24T01:48:34","date_modified_gmt":"2026-11-24T01:48:34","description":"","permalink":"URL/product/probe-variable/?attribute_size=S","sku":"PRB-V-S","price":"30.00","regular_price":"30.00","sale_price":"","date_on_sale_from":null,"date_on_sale_from_gmt":null,"date_on_sale_to":null,"date_on_sale_to_gmt":null,"on_sale":false,"status":"publish","purchasable":true,"virtual":false,"downloadable":false,"downloads":[],"download_limit":-1,"download_expiry":-1,"tax_status":"taxable","tax_class":"","manage_stock":true,"stock_quantity":5,"stock_status":"instock","backorders":"no","backorders_allowed":false,"backordered":false,"low_stock_amount":null,"weight":"","dimensions":{"length":"","width":"","height":""},"shipping_class":"","shipping_class_id":0,"image":null,"attributes":[{"id":0,"name":"Size","slug":"size","option":"S"}],"menu_order":0,"meta_data":[],"name":"S","parent_id":260,"_links":{"self":[{"href":"URL/wp-json/wc/v3/products/260/variations/261"}],"collection":[{"href":"URL/wp-json/wc/v3/products/260/variations"}],"up":[{"href":"URL/wp-json/wc/v3/products/260"}]}}"#;
    serde_json::from_str(&text.replace("URL", url)).unwrap_or(Value::Null)
}

fn keys(v: &Value) -> Vec<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn simple_product_matches_the_captured_sample() {
    let emu = start(Some(small_seed()), &[]);
    let r = emu.get(&format!("{PRODUCTS}/20"), &[]).await;
    assert_eq!(r.status, 200);
    let expected = sample_simple(&emu.url);
    assert_eq!(r.body, expected);
    assert_eq!(keys(&r.body), keys(&expected), "key order");
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json; charset=UTF-8")
    );
    assert_eq!(
        r.header("link"),
        Some(format!(
            "<{}/wp-json/>; rel=\"https://api.w.org/\"",
            emu.url
        ))
    );
    assert_eq!(
        r.header("allow").as_deref(),
        Some("GET, POST, PUT, PATCH, DELETE")
    );
    // json_encode escapes slashes.
    assert!(
        r.text.contains(r#""permalink":"http:\/\/127.0.0.1"#),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn variation_endpoint_matches_the_captured_sample() {
    let emu = start(Some(small_seed()), &[]);
    let r = emu
        .get(&format!("{PRODUCTS}/260/variations/261"), &[])
        .await;
    assert_eq!(r.status, 200);
    let expected = sample_variation(&emu.url);
    assert_eq!(r.body, expected);
    assert_eq!(keys(&r.body), keys(&expected), "key order");
    // A variation of another parent is not found there.
    let r = emu.get(&format!("{PRODUCTS}/20/variations/261"), &[]).await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.body["code"],
        "woocommerce_rest_product_variation_invalid_id"
    );
    // The variation list of the parent.
    let r = emu
        .get(
            &format!("{PRODUCTS}/260/variations"),
            &[("orderby", "id"), ("order", "asc")],
        )
        .await;
    assert_eq!(r.ids(), vec![261, 262, 263]);
    assert_eq!(r.header("x-wp-total").as_deref(), Some("3"));
    assert!(
        r.items().iter().all(|v| v.get("type").is_none()),
        "variations have no type"
    );
}

#[tokio::test]
async fn sku_filter_returns_a_variation_in_product_shape() {
    let emu = start(Some(small_seed()), &[]);
    let r = emu.get(PRODUCTS, &[("sku", "PRB-V-M")]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-wp-total").as_deref(), Some("1"));
    assert_eq!(r.header("x-wp-totalpages").as_deref(), Some("1"));
    assert_eq!(r.header("allow").as_deref(), Some("GET, POST"));
    assert_eq!(
        r.header("link"),
        Some(format!(
            "<{}/wp-json/>; rel=\"https://api.w.org/\"",
            emu.url
        ))
    );
    let v = &r.items()[0];
    assert_eq!(v["id"], 262);
    assert_eq!(v["type"], "variation");
    assert_eq!(v["parent_id"], 260);
    assert_eq!(v["name"], "Probe variable - M");
    assert_eq!(v["slug"], "probe-variable-m");
    assert_eq!(v["total_sales"], "0");
    assert_eq!(v["reviews_allowed"], false);
    assert_eq!(v["categories"], json!([]));
    assert_eq!(v["stock_quantity"], 2);
    assert_eq!(
        v["permalink"],
        format!("{}/product/probe-variable/?attribute_size=M", emu.url)
    );
    assert_eq!(
        v["_links"]["up"][0]["href"],
        format!("{}/wp-json/wc/v3/products/260", emu.url)
    );
    // Same key order as a product.
    let p = emu.get(&format!("{PRODUCTS}/20"), &[]).await;
    assert_eq!(keys(v), keys(&p.body));
    // A comma list matches products and variations; SKUs compare without case.
    let r = emu
        .get(
            PRODUCTS,
            &[
                ("sku", "prb-0011,PRB-V-S,NOPE"),
                ("orderby", "id"),
                ("order", "asc"),
            ],
        )
        .await;
    assert_eq!(r.ids(), vec![20, 261]);
}

#[tokio::test]
async fn variable_parent_is_derived_from_its_children() {
    let emu = start(Some(small_seed()), &[]);
    let r = emu.get(&format!("{PRODUCTS}/260"), &[]).await;
    assert_eq!(r.body["type"], "variable");
    assert_eq!(r.body["price"], "30.00");
    assert_eq!(r.body["regular_price"], "");
    assert_eq!(r.body["variations"], json!([261, 262, 263]));
    assert_eq!(r.body["stock_status"], "instock");
    assert_eq!(r.body["has_options"], true);
    // All children out of stock: the parent is out of stock.
    for id in [261, 262] {
        let w = emu
            .put(
                &format!("{PRODUCTS}/260/variations/{id}"),
                json!({"stock_quantity": 0}),
            )
            .await;
        assert_eq!(w.status, 200, "{}", w.text);
        assert_eq!(w.body["stock_status"], "outofstock");
    }
    let r = emu.get(&format!("{PRODUCTS}/260"), &[]).await;
    assert_eq!(r.body["stock_status"], "outofstock");
    // A cheaper child moves the parent's price.
    let w = emu
        .put(
            &format!("{PRODUCTS}/260/variations/263"),
            json!({"sale_price": "25"}),
        )
        .await;
    assert_eq!(w.body["price"], "25");
    assert_eq!(w.body["on_sale"], true);
    let r = emu.get(&format!("{PRODUCTS}/260"), &[]).await;
    assert_eq!(r.body["price"], "25");
}

#[tokio::test]
async fn variation_reports_parent_managed_stock() {
    let seed = json!({"products": [{"id": 10, "name": "P", "type": "variable", "manage_stock": true, "stock_quantity": 9,
        "variations": [{"id": 11, "sku": "P-1", "regular_price": "1", "manage_stock": false}]}]});
    let emu = start(Some(seed), &[]);
    let r = emu.get(&format!("{PRODUCTS}/10/variations/11"), &[]).await;
    assert_eq!(r.body["manage_stock"], "parent");
    assert_eq!(r.body["stock_quantity"], 9);
}

#[tokio::test]
async fn per_page_out_of_range_is_the_sample_error() {
    let emu = start(Some(small_seed()), &[]);
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
    for bad in ["101", "0"] {
        let r = emu.get(PRODUCTS, &[("per_page", bad)]).await;
        assert_eq!(r.status, 400);
        assert_eq!(r.body, expected);
        assert_eq!(r.header("allow").as_deref(), Some("GET, POST"));
    }
    let r = emu.get(PRODUCTS, &[("per_page", "100")]).await;
    assert_eq!(r.status, 200);
    // Several invalid parameters, in WooCommerce's registration order.
    let r = emu
        .get(
            PRODUCTS,
            &[("orderby", "bogus"), ("order", "up"), ("page", "0")],
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.body["message"],
        "Invalid parameter(s): page, order, orderby"
    );
    r.assert_param_messages(&[
        ("page", "page must be greater than or equal to 1"),
        ("order", "order is not one of asc and desc."),
        (
            "orderby",
            "orderby is not one of date, id, include, title, slug, modified, price, popularity, and rating.",
        ),
    ]);
    let r = emu
        .get(
            PRODUCTS,
            &[("per_page", "ten"), ("modified_after", "yesterday")],
        )
        .await;
    r.assert_param_messages(&[
        ("per_page", "per_page is not of type integer."),
        ("modified_after", "Invalid date."),
    ]);
    assert_eq!(
        r.body["data"]["details"]["per_page"]["data"],
        json!({"param": "per_page"})
    );
    // Validation comes before the permission check.
    let r = emu
        .anon("GET", &format!("{PRODUCTS}?per_page=101"), None)
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.header("allow"), None);
}

#[tokio::test]
async fn anonymous_requests_get_each_endpoints_401() {
    let emu = start(Some(small_seed()), &[]);
    let cases = [
        (
            "GET",
            format!("{PRODUCTS}?per_page=1"),
            None,
            "woocommerce_rest_cannot_view",
            "Sorry, you cannot list resources.",
        ),
        (
            "GET",
            format!("{PRODUCTS}/20"),
            None,
            "woocommerce_rest_cannot_view",
            "Sorry, you cannot view this resource.",
        ),
        (
            "PUT",
            format!("{PRODUCTS}/20"),
            Some(json!({"regular_price": "1"})),
            "woocommerce_rest_cannot_edit",
            "Sorry, you are not allowed to edit this resource.",
        ),
        (
            "POST",
            PRODUCTS.to_string(),
            Some(json!({"name": "x"})),
            "woocommerce_rest_cannot_create",
            "Sorry, you are not allowed to create resources.",
        ),
        (
            "DELETE",
            format!("{PRODUCTS}/20"),
            None,
            "woocommerce_rest_cannot_delete",
            "Sorry, you are not allowed to delete this resource.",
        ),
        (
            "POST",
            format!("{PRODUCTS}/batch"),
            Some(json!({"update": []})),
            "woocommerce_rest_cannot_batch",
            "Sorry, you are not allowed to batch manipulate this resource.",
        ),
        (
            "GET",
            "/wp-json/wc/v3/system_status".to_string(),
            None,
            "woocommerce_rest_cannot_view",
            "Sorry, you cannot list resources.",
        ),
        (
            "GET",
            format!("{PRODUCTS}/260/variations"),
            None,
            "woocommerce_rest_cannot_view",
            "Sorry, you cannot list resources.",
        ),
    ];
    for (method, path, body, code, message) in cases {
        let r = emu.anon(method, &path, body).await;
        assert_eq!(r.status, 401, "{method} {path}");
        assert_eq!(
            r.body,
            json!({"code": code, "message": message, "data": {"status": 401}}),
            "{method} {path}"
        );
        assert_eq!(r.header("allow"), None, "{method} {path}");
    }
    // Basic auth over plain HTTP is ignored (error-basic-auth-over-http.json).
    let r = emu
        .client
        .get(format!("{}{PRODUCTS}?per_page=1", emu.url))
        .basic_auth(&emu.ck, Some(&emu.cs))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 401);
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(body["code"], "woocommerce_rest_cannot_view");
    // An anonymous GET of an unknown id reaches the endpoint: 404.
    let r = emu.anon("GET", &format!("{PRODUCTS}/99999999"), None).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn unknown_routes_are_rest_no_route() {
    let emu = start(Some(small_seed()), &[]);
    let expected = json!({"code": "rest_no_route", "message": "No route was found matching the URL and request method.", "data": {"status": 404}});
    let r = emu.get("/wp-json/wc/v3/nope", &[]).await;
    assert_eq!((r.status, &r.body), (404, &expected));
    assert_eq!(r.header("allow"), None);
    // A known path with a method it does not take.
    let r = emu.call("DELETE", PRODUCTS, &[], None).await;
    assert_eq!((r.status, &r.body), (404, &expected));
    let r = emu.get(&format!("{PRODUCTS}/abc"), &[]).await;
    assert_eq!(r.status, 404);
    // Authentication errors come before routing.
    let r = emu
        .anon("GET", "/wp-json/wc/v3/nope?oauth_consumer_key=ck_unknown&oauth_timestamp=1&oauth_nonce=n&oauth_signature=s&oauth_signature_method=HMAC-SHA256", None)
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body["code"], "woocommerce_rest_authentication_error");
}

#[tokio::test]
async fn unknown_ids_are_404_on_get_and_400_on_put() {
    let emu = start(Some(small_seed()), &[]);
    let r = emu.get(&format!("{PRODUCTS}/99999999"), &[]).await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.body,
        json!({"code": "woocommerce_rest_product_invalid_id", "message": "Invalid ID.", "data": {"status": 404}})
    );
    assert_eq!(
        r.header("allow").as_deref(),
        Some("GET, POST, PUT, PATCH, DELETE")
    );
    let r = emu
        .put(
            &format!("{PRODUCTS}/99999999"),
            json!({"regular_price": "1.00"}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.body,
        json!({"code": "woocommerce_rest_product_invalid_id", "message": "Invalid ID.", "data": {"status": 400}})
    );
    let r = emu
        .put(
            &format!("{PRODUCTS}/260/variations/999"),
            json!({"regular_price": "1"}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.body["code"],
        "woocommerce_rest_product_variation_invalid_id"
    );
    let r = emu.delete(&format!("{PRODUCTS}/99999999"), &[]).await;
    assert_eq!(r.status, 404);
}

fn catalog(n: u64) -> Value {
    let products: Vec<Value> = (1..=n)
        .map(|i| {
            json!({"id": 100 + i, "name": format!("P{i}"), "sku": format!("S-{i:03}"), "regular_price": "10",
                   "manage_stock": true, "stock_quantity": i,
                   "date_created_gmt": "2026-11-20T10:00:00", "date_modified_gmt": "2026-11-20T10:00:00"})
        })
        .collect();
    json!({ "products": products })
}

fn link_page(link: &str, rel: &str) -> Option<String> {
    link.split(", ")
        .find(|part| part.ends_with(&format!("rel=\"{rel}\"")))
        .and_then(|part| part.split("&page=").nth(1))
        .map(|rest| rest.chars().take_while(char::is_ascii_digit).collect())
}

#[tokio::test]
async fn pagination_headers_links_and_past_the_last_page() {
    let emu = start(Some(catalog(25)), &[]);
    let params = |page: &'static str| {
        vec![
            ("per_page", "10"),
            ("page", page),
            ("orderby", "id"),
            ("order", "asc"),
            ("_fields", "id,sku"),
        ]
    };
    let r = emu.get(PRODUCTS, &params("1")).await;
    assert_eq!(r.ids(), (101..=110).collect::<Vec<_>>());
    assert_eq!(r.header("x-wp-total").as_deref(), Some("25"));
    assert_eq!(r.header("x-wp-totalpages").as_deref(), Some("3"));
    let link = r.header("link").unwrap_or_default();
    assert_eq!(link_page(&link, "next").as_deref(), Some("2"));
    assert_eq!(link_page(&link, "prev"), None);
    assert!(!link.contains("api.w.org"));
    // The Link repeats every query parameter, OAuth ones included.
    assert!(
        link.starts_with(&format!(
            "<{}/wp-json/wc/v3/products?per_page=10&page=2&orderby=id&order=asc&_fields=id%2Csku&oauth_consumer_key={}",
            emu.url, emu.ck
        )),
        "{link}"
    );
    assert!(link.contains("oauth_signature="), "{link}");

    let r = emu.get(PRODUCTS, &params("2")).await;
    let link = r.header("link").unwrap_or_default();
    assert_eq!(link_page(&link, "prev").as_deref(), Some("1"));
    assert_eq!(link_page(&link, "next").as_deref(), Some("3"));
    assert_eq!(r.items()[0], json!({"id": 111, "sku": "S-011"}));

    let r = emu.get(PRODUCTS, &params("3")).await;
    assert_eq!(r.ids(), (121..=125).collect::<Vec<_>>());
    let link = r.header("link").unwrap_or_default();
    assert_eq!(link_page(&link, "next"), None);
    assert_eq!(link_page(&link, "prev").as_deref(), Some("2"));

    // Past the end: 200 [], real totals, prev clamped to the last page.
    let r = emu.get(PRODUCTS, &params("7")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, json!([]));
    assert_eq!(r.header("x-wp-total").as_deref(), Some("25"));
    assert_eq!(r.header("x-wp-totalpages").as_deref(), Some("3"));
    let link = r.header("link").unwrap_or_default();
    assert_eq!(link_page(&link, "prev").as_deref(), Some("3"));
    assert_eq!(link_page(&link, "next"), None);

    // HEAD is GET without a body.
    let r = emu
        .call("HEAD", PRODUCTS, &q(&[("per_page", "10")]), None)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-wp-total").as_deref(), Some("25"));
    assert_eq!(r.text, "");

    // Default per_page is 10, default order date desc with the id tiebreak.
    let r = emu.get(PRODUCTS, &[]).await;
    assert_eq!(r.ids(), (116..=125).rev().collect::<Vec<_>>());
    // offset
    let r = emu
        .get(
            PRODUCTS,
            &[
                ("orderby", "id"),
                ("order", "asc"),
                ("offset", "3"),
                ("per_page", "2"),
            ],
        )
        .await;
    assert_eq!(r.ids(), vec![104, 105]);
}

#[tokio::test]
async fn filters_include_status_type_and_fields() {
    let emu = start(Some(small_seed()), &[]);
    // status=any (default) hides drafts? No: any shows every status but trash.
    let r = emu
        .get(
            PRODUCTS,
            &[("orderby", "id"), ("order", "asc"), ("per_page", "100")],
        )
        .await;
    assert_eq!(r.ids(), vec![20, 21, 260, 300, 301, 302]);
    let r = emu.get(PRODUCTS, &[("status", "draft")]).await;
    assert_eq!(r.ids(), vec![300]);
    let r = emu.get(PRODUCTS, &[("type", "variable")]).await;
    assert_eq!(r.ids(), vec![260]);
    let r = emu
        .get(PRODUCTS, &[("include", "302,20"), ("orderby", "include")])
        .await;
    assert_eq!(r.ids(), vec![302, 20]);
    // (`include[]=…` lists are parsed too, but WooCommerce signs PHP arrays
    // as `include[0]`, so a plain OAuth client cannot send them; see auth tests.)
    let r = emu
        .get(
            PRODUCTS,
            &[("exclude", "20,21"), ("orderby", "id"), ("order", "asc")],
        )
        .await;
    assert_eq!(r.ids(), vec![260, 300, 301, 302]);
    let r = emu.get(PRODUCTS, &[("stock_status", "outofstock")]).await;
    assert_eq!(r.ids(), vec![302]);
    // Trashed products leave `any` but show with status=trash.
    let d = emu.delete(&format!("{PRODUCTS}/21"), &[]).await;
    assert_eq!(d.body["status"], "trash");
    let r = emu
        .get(PRODUCTS, &[("orderby", "id"), ("order", "asc")])
        .await;
    assert!(!r.ids().contains(&21));
    let r = emu.get(PRODUCTS, &[("status", "trash")]).await;
    assert_eq!(r.ids(), vec![21]);

    // _fields: the asked fields in the asked order; id only when asked.
    let r = emu
        .get(
            PRODUCTS,
            &[
                ("include", "20"),
                ("_fields", "sku,stock_quantity,id,date_modified_gmt"),
            ],
        )
        .await;
    assert_eq!(
        r.text,
        r#"[{"sku":"PRB-0011","stock_quantity":7,"id":20,"date_modified_gmt":"2026-11-24T01:49:02"}]"#
    );
    let r = emu
        .get(&format!("{PRODUCTS}/20"), &[("_fields", "sku")])
        .await;
    assert_eq!(r.body, json!({"sku": "PRB-0011"}));
    let r = emu
        .get(
            &format!("{PRODUCTS}/20"),
            &[("_fields", "id,dimensions.width,_links.self")],
        )
        .await;
    assert_eq!(
        r.body,
        json!({"id": 20, "dimensions": {"width": ""}, "_links": {"self": [{"href": format!("{}{PRODUCTS}/20", emu.url)}]}})
    );
    // Variations keep schema order under _fields.
    let r = emu
        .get(
            &format!("{PRODUCTS}/260/variations/261"),
            &[("_fields", "sku,id")],
        )
        .await;
    assert_eq!(r.text, r#"{"id":261,"sku":"PRB-V-S"}"#);
}

#[tokio::test]
async fn modified_after_compares_site_local_or_gmt_with_one_second_resolution() {
    let emu = start(Some(small_seed()), &["--timezone", "+02:00"]);
    // Seed dates are GMT; local is two hours ahead.
    let r = emu.get(&format!("{PRODUCTS}/20"), &[]).await;
    assert_eq!(r.body["date_modified_gmt"], "2026-11-24T01:49:02");
    assert_eq!(r.body["date_modified"], "2026-11-24T03:49:02");
    assert_eq!(r.body["date_created"], "2026-11-24T03:48:26");

    emu.freeze_clock("2026-11-24T06:00:00Z").await;
    let w1 = emu
        .put(&format!("{PRODUCTS}/20"), json!({"stock_quantity": 6}))
        .await;
    let w2 = emu
        .put(&format!("{PRODUCTS}/21"), json!({"stock_quantity": 2}))
        .await;
    // Two writes in the same second share the timestamp (1-second resolution).
    assert_eq!(w1.body["date_modified_gmt"], "2026-11-24T06:00:00");
    assert_eq!(w2.body["date_modified_gmt"], "2026-11-24T06:00:00");
    assert_eq!(w1.body["date_modified"], "2026-11-24T08:00:00");

    let gmt = |t: &'static str| {
        vec![
            ("modified_after", t),
            ("dates_are_gmt", "true"),
            ("orderby", "id"),
            ("order", "asc"),
        ]
    };
    let r = emu.get(PRODUCTS, &gmt("2026-11-24T05:59:59")).await;
    assert_eq!(r.ids(), vec![20, 21]);
    // Strictly after: a watermark equal to the write time misses it.
    let r = emu.get(PRODUCTS, &gmt("2026-11-24T06:00:00")).await;
    assert_eq!(r.ids(), Vec::<u64>::new());
    assert_eq!(r.header("x-wp-total").as_deref(), Some("0"));
    // Without dates_are_gmt the value is site-local time.
    let r = emu
        .get(
            PRODUCTS,
            &[
                ("modified_after", "2026-11-24T07:59:59"),
                ("orderby", "id"),
                ("order", "asc"),
            ],
        )
        .await;
    assert_eq!(r.ids(), vec![20, 21]);
    let r = emu
        .get(PRODUCTS, &[("modified_after", "2026-11-24T08:00:00")])
        .await;
    assert_eq!(r.ids(), Vec::<u64>::new());
    // modified_before, with the sku filter (variations included).
    let r = emu
        .get(
            PRODUCTS,
            &[
                ("modified_before", "2026-11-24T06:00:00"),
                ("dates_are_gmt", "true"),
                ("sku", "PRB-0011,PRB-V-S"),
            ],
        )
        .await;
    assert_eq!(r.ids(), vec![261]);

    // The clock never goes back: setting it earlier does not date a write earlier.
    emu.freeze_clock("2026-11-24T05:00:00Z").await;
    let w3 = emu
        .put(&format!("{PRODUCTS}/302"), json!({"name": "Unmanaged 2"}))
        .await;
    assert_eq!(w3.body["date_modified_gmt"], "2026-11-24T06:00:00");
    emu.advance_clock(3600).await;
    let w4 = emu.put(&format!("{PRODUCTS}/302"), json!({})).await;
    assert_eq!(w4.body["date_modified_gmt"], "2026-11-24T06:00:00");
    emu.freeze_clock("2026-11-24T06:00:05Z").await;
    let w5 = emu.put(&format!("{PRODUCTS}/302"), json!({})).await;
    assert_eq!(w5.body["date_modified_gmt"], "2026-11-24T06:00:05");
    // orderby=modified, newest first, id as the tiebreak.
    let r = emu
        .get(PRODUCTS, &[("orderby", "modified"), ("per_page", "3")])
        .await;
    assert_eq!(r.ids(), vec![302, 21, 20]);
}

#[tokio::test]
async fn orderby_date_breaks_ties_by_id() {
    let emu = start(Some(catalog(5)), &[]);
    let r = emu
        .get(PRODUCTS, &[("orderby", "date"), ("order", "asc")])
        .await;
    assert_eq!(r.ids(), vec![101, 102, 103, 104, 105]);
    let r = emu
        .get(PRODUCTS, &[("orderby", "title"), ("order", "desc")])
        .await;
    assert_eq!(r.ids(), vec![105, 104, 103, 102, 101]);
}

#[tokio::test]
async fn system_status_reports_the_woocommerce_version() {
    let emu = start(Some(small_seed()), &[]);
    let r = emu.get("/wp-json/wc/v3/system_status", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["environment"]["version"], "8.9.1");
    assert_eq!(r.body["environment"]["wp_version"], "6.5.3");
    assert_eq!(r.body["environment"]["home_url"], emu.url);
    assert_eq!(r.body["settings"]["api_enabled"], true);
    assert_eq!(r.header("allow").as_deref(), Some("GET"));
    let r = emu
        .get(
            "/wp-json/wc/v3/system_status",
            &[("_fields", "environment")],
        )
        .await;
    assert_eq!(keys(&r.body), vec!["environment".to_string()]);
}

#[tokio::test]
async fn bodies_are_encoded_like_php_json_encode() {
    let seed = json!({"products": [{"id": 10, "name": "Crème légère", "sku": "CR-1", "regular_price": "9.5",
        "meta_data": [{"key": "note", "value": "a/b"}]}]});
    let emu = start(Some(seed), &[]);
    let r = emu
        .get(
            &format!("{PRODUCTS}/10"),
            &[("_fields", "id,name,meta_data.key")],
        )
        .await;
    assert_eq!(
        r.text, r#"{"id":10,"name":"Cr\u00e8me l\u00e9g\u00e8re","meta_data":[]}"#,
        "non-ASCII as \\uXXXX; `meta_data.key` intersects list indexes, as WordPress does"
    );
    assert_eq!(r.body["name"], "Crème légère");
    let r = emu
        .get(&format!("{PRODUCTS}/10"), &[("_fields", "meta_data")])
        .await;
    assert!(r.text.contains(r#""value":"a\/b""#), "{}", r.text);
}
