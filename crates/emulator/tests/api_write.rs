//! Single writes against the real `skusync-emulator` binary: strict type
//! validation, stock semantics (`stock_quantity` sets, `inventory_delta`
//! adds, unmanaged stock is null), the `_skusync_write` meta marker,
//! duplicate SKUs (trashed owners included), creates, deletes, and the
//! variation-through-`/products` refusal.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn wrong_types_on_single_writes_are_the_sample_error() {
    let emu = start(Some(small_seed()), &[]);
    let r = emu
        .put(&format!("{PRODUCTS}/20"), json!({"stock_quantity": "abc"}))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.body,
        json!({
            "code": "rest_invalid_param",
            "message": "Invalid parameter(s): stock_quantity",
            "data": {
                "status": 400,
                "params": {"stock_quantity": "stock_quantity is not of type integer."},
                "details": {"stock_quantity": {
                    "code": "rest_invalid_type",
                    "message": "stock_quantity is not of type integer.",
                    "data": {"param": "stock_quantity"}
                }}
            }
        })
    );
    assert_eq!(
        r.header("allow").as_deref(),
        Some("GET, POST, PUT, PATCH, DELETE")
    );
    // Nothing was written.
    let g = emu.get(&format!("{PRODUCTS}/20"), &[]).await;
    assert_eq!(g.body["stock_quantity"], 7);
    assert_eq!(g.body["date_modified_gmt"], "2026-11-24T01:49:02");
    // Prices are strings; enums are checked; numeric strings are integers.
    let r = emu
        .put(
            &format!("{PRODUCTS}/20"),
            json!({"regular_price": 13, "manage_stock": "yes", "status": "gone"}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.body["message"],
        "Invalid parameter(s): regular_price, manage_stock, status"
    );
    r.assert_param_messages(&[
        ("regular_price", "regular_price is not of type string."),
        ("manage_stock", "manage_stock is not of type boolean."),
        (
            "status",
            "status is not one of draft, pending, private, publish, and future.",
        ),
    ]);
    let r = emu
        .put(&format!("{PRODUCTS}/20"), json!({"stock_quantity": "9"}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["stock_quantity"], 9);
    // Invalid JSON.
    let url = format!("{}{PRODUCTS}/20", emu.url);
    let r = emu
        .client
        .put(signed_url("PUT", &url, &[], &emu.ck, &emu.cs))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 400);
    let body: serde_json::Value = r.json().await.unwrap_or_default();
    assert_eq!(body["code"], "rest_invalid_json");
}

#[tokio::test]
async fn stock_quantity_sets_and_inventory_delta_adds() {
    let emu = start(Some(small_seed()), &[]);
    let p = format!("{PRODUCTS}/20");
    let r = emu.put(&p, json!({"stock_quantity": 10})).await;
    assert_eq!(r.body["stock_quantity"], 10);
    let r = emu.put(&p, json!({"inventory_delta": -3})).await;
    assert_eq!(r.body["stock_quantity"], 7);
    let r = emu.put(&p, json!({"inventory_delta": "2"})).await;
    assert_eq!(r.body["stock_quantity"], 9);
    // stock_quantity wins over inventory_delta.
    let r = emu
        .put(&p, json!({"stock_quantity": 4, "inventory_delta": -1}))
        .await;
    assert_eq!(r.body["stock_quantity"], 4);
    // Selling out flips the stock status; backorders allow negative stock.
    let r = emu.put(&p, json!({"inventory_delta": -4})).await;
    assert_eq!(
        (
            r.body["stock_quantity"].clone(),
            r.body["stock_status"].clone()
        ),
        (json!(0), json!("outofstock"))
    );
    let r = emu
        .put(&p, json!({"backorders": "notify", "inventory_delta": -1}))
        .await;
    assert_eq!(r.body["stock_quantity"], -1);
    assert_eq!(r.body["stock_status"], "onbackorder");
    assert_eq!(r.body["backorders_allowed"], true);
    assert_eq!(r.body["backordered"], true);
    // Unmanaged stock: quantity is null and inventory_delta does nothing.
    let r = emu
        .put(&p, json!({"manage_stock": false, "stock_quantity": 50}))
        .await;
    assert_eq!(r.body["manage_stock"], false);
    assert_eq!(r.body["stock_quantity"], json!(null));
    let r = emu
        .put(&format!("{PRODUCTS}/302"), json!({"inventory_delta": 5}))
        .await;
    assert_eq!(r.body["stock_quantity"], json!(null));
    assert_eq!(r.body["stock_status"], "outofstock");
    let r = emu
        .put(
            &format!("{PRODUCTS}/302"),
            json!({"stock_status": "instock"}),
        )
        .await;
    assert_eq!(r.body["stock_status"], "instock");
    // Variations too.
    let r = emu
        .put(
            &format!("{PRODUCTS}/260/variations/262"),
            json!({"inventory_delta": 3}),
        )
        .await;
    assert_eq!(r.body["stock_quantity"], 5);
}

#[tokio::test]
async fn every_write_moves_date_modified() {
    let emu = start(Some(small_seed()), &[]);
    emu.freeze_clock("2026-11-24T07:00:00Z").await;
    let r = emu.put(&format!("{PRODUCTS}/20"), json!({})).await;
    assert_eq!(r.body["date_modified_gmt"], "2026-11-24T07:00:00");
    assert_eq!(r.body["date_created_gmt"], "2026-11-24T01:48:26");
    emu.advance_clock(5).await;
    let r = emu
        .put(
            &format!("{PRODUCTS}/260/variations/261"),
            json!({"regular_price": "31.00"}),
        )
        .await;
    assert_eq!(r.body["date_modified_gmt"], "2026-11-24T07:00:05");
    assert_eq!(r.body["price"], "31.00");
}

#[tokio::test]
async fn the_skusync_write_marker_round_trips_with_the_stock() {
    let emu = start(Some(small_seed()), &[]);
    let r = emu
        .put(
            &format!("{PRODUCTS}/20"),
            json!({"inventory_delta": -1, "meta_data": [{"key": "_skusync_write", "value": "run1:b1:1"}]}),
        )
        .await;
    assert_eq!(r.status, 200);
    let meta = r.body["meta_data"].as_array().cloned().unwrap_or_default();
    assert_eq!(meta.len(), 1);
    let meta_id = meta[0]["id"].as_u64().unwrap_or(0);
    assert!(meta_id > 0);
    let r = emu
        .get(
            PRODUCTS,
            &[
                ("include", "20"),
                ("_fields", "id,stock_quantity,meta_data"),
            ],
        )
        .await;
    assert_eq!(
        r.body,
        json!([{"id": 20, "stock_quantity": 6, "meta_data": [{"id": meta_id, "key": "_skusync_write", "value": "run1:b1:1"}]}])
    );
    // Upsert by key keeps the id; another key is added.
    let r = emu
        .put(
            &format!("{PRODUCTS}/20"),
            json!({"meta_data": [{"key": "_skusync_write", "value": "run2:b1:1"}, {"key": "other", "value": {"a": 1}}]}),
        )
        .await;
    let meta = r.body["meta_data"].as_array().cloned().unwrap_or_default();
    assert_eq!(meta.len(), 2);
    assert_eq!(
        meta[0],
        json!({"id": meta_id, "key": "_skusync_write", "value": "run2:b1:1"})
    );
    assert_eq!(meta[1]["value"], json!({"a": 1}));
    // By id.
    let r = emu
        .put(
            &format!("{PRODUCTS}/20"),
            json!({"meta_data": [{"id": meta_id, "key": "_skusync_write", "value": "run3"}]}),
        )
        .await;
    assert_eq!(r.body["meta_data"][0]["value"], "run3");
}

#[tokio::test]
async fn duplicate_skus_are_refused_store_wide() {
    let emu = start(Some(small_seed()), &[]);
    let r = emu
        .put(&format!("{PRODUCTS}/20"), json!({"sku": "PRB-0012"}))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.body,
        json!({"code": "product_invalid_sku", "message": "Invalid or duplicated SKU.",
               "data": {"status": 400, "resource_id": 21, "unique_sku": "PRB-0012-1"}})
    );
    // A variation's SKU counts too, case-insensitively.
    let r = emu
        .put(&format!("{PRODUCTS}/20"), json!({"sku": "prb-v-m"}))
        .await;
    assert_eq!(r.body["data"]["resource_id"], 262);
    // Re-sending its own SKU is fine.
    let r = emu
        .put(&format!("{PRODUCTS}/20"), json!({"sku": "PRB-0011"}))
        .await;
    assert_eq!(r.status, 200);
    // A trashed product still owns its SKU; a forced delete frees it.
    let d = emu.delete(&format!("{PRODUCTS}/21"), &[]).await;
    assert_eq!(d.status, 200);
    let r = emu
        .post(PRODUCTS, json!({"name": "again", "sku": "PRB-0012"}))
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["data"]["resource_id"], 21);
    let d = emu
        .delete(&format!("{PRODUCTS}/21"), &[("force", "true")])
        .await;
    assert_eq!(d.status, 200);
    assert_eq!(d.body["id"], 21);
    let r = emu
        .post(PRODUCTS, json!({"name": "again", "sku": "PRB-0012"}))
        .await;
    assert_eq!(r.status, 201);
}

#[tokio::test]
async fn variations_cannot_be_updated_through_products() {
    let emu = start(Some(small_seed()), &[]);
    let r = emu
        .put(&format!("{PRODUCTS}/261"), json!({"stock_quantity": 1}))
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.body,
        json!({"code": "woocommerce_rest_invalid_product_id",
               "message": "To manipulate product variations you should use the /products/<product_id>/variations/<id> endpoint.",
               "data": {"status": 404}})
    );
    // Reading one through /products works.
    let r = emu.get(&format!("{PRODUCTS}/261"), &[]).await;
    assert_eq!(r.body["type"], "variation");
}

#[tokio::test]
async fn create_update_and_delete_products_and_variations() {
    let emu = start(None, &[]);
    let r = emu
        .post(
            PRODUCTS,
            json!({"name": "Face Cream", "sku": "KREM-50", "regular_price": "69.00",
                               "manage_stock": true, "stock_quantity": 12}),
        )
        .await;
    assert_eq!(r.status, 201);
    let id = r.body["id"].as_u64().unwrap_or(0);
    assert_eq!(
        r.header("location"),
        Some(format!("{}{PRODUCTS}/{id}", emu.url))
    );
    assert_eq!(r.body["type"], "simple");
    assert_eq!(r.body["status"], "publish");
    assert_eq!(r.body["price"], "69.00");
    assert_eq!(r.body["slug"], "face-cream");
    let r = emu.post(PRODUCTS, json!({"id": id, "name": "x"})).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["code"], "woocommerce_rest_product_exists");

    let r = emu
        .post(
            PRODUCTS,
            json!({"name": "Tee", "type": "variable", "sku": "TEE"}),
        )
        .await;
    let tee = r.body["id"].as_u64().unwrap_or(0);
    assert_eq!(r.body["stock_status"], "outofstock", "no children yet");
    let r = emu
        .post(
            &format!("{PRODUCTS}/{tee}/variations"),
            json!({"sku": "TEE-M", "regular_price": "20", "manage_stock": true, "stock_quantity": 3,
                     "attributes": [{"name": "Size", "option": "M"}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let v = r.body["id"].as_u64().unwrap_or(0);
    assert_eq!(r.body["parent_id"], tee);
    let r = emu.get(&format!("{PRODUCTS}/{tee}"), &[]).await;
    assert_eq!(r.body["variations"], json!([v]));
    assert_eq!(r.body["price"], "20");
    assert_eq!(r.body["stock_status"], "instock");
    let r = emu
        .post(&format!("{PRODUCTS}/{id}/variations"), json!({"sku": "X"}))
        .await;
    assert_eq!(r.status, 404, "a simple product takes no variations");

    // Trash, then trash again (410), then force.
    let r = emu.delete(&format!("{PRODUCTS}/{id}"), &[]).await;
    assert_eq!((r.status, r.body["status"].clone()), (200, json!("trash")));
    let r = emu.delete(&format!("{PRODUCTS}/{id}"), &[]).await;
    assert_eq!(r.status, 410);
    assert_eq!(
        r.body,
        json!({"code": "woocommerce_rest_already_trashed", "message": "The product has already been deleted.", "data": {"status": 410}})
    );
    let r = emu
        .delete(&format!("{PRODUCTS}/{id}"), &[("force", "true")])
        .await;
    assert_eq!(r.status, 200);
    let r = emu.get(&format!("{PRODUCTS}/{id}"), &[]).await;
    assert_eq!(r.status, 404);
    // Deleting a variable product for good deletes its variations.
    let r = emu
        .delete(&format!("{PRODUCTS}/{tee}"), &[("force", "true")])
        .await;
    assert_eq!(r.status, 200);
    let r = emu.get(PRODUCTS, &[("sku", "TEE-M")]).await;
    assert_eq!(r.body, json!([]));
}
