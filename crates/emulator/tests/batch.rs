//! Batch endpoints against the real `skusync-emulator` binary: the captured
//! partial-error response, the 100-item limit (413), create → update →
//! delete order without rollback, lenient coercion, forced deletes, and the
//! variations batch.

mod common;

use common::*;
use serde_json::{Value, json};

fn batch_url() -> String {
    format!("{PRODUCTS}/batch")
}

#[tokio::test]
async fn partial_errors_match_the_captured_sample() {
    let emu = start(Some(small_seed()), &[]);
    let r = emu
        .post(
            &batch_url(),
            json!({
                "update": [{"id": 20, "regular_price": "13.00"}, {"id": 99999999, "regular_price": "13.00"}],
                "create": [{"name": "dup", "sku": "PRB-0012", "regular_price": "1.00"}]
            }),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("allow").as_deref(), Some("POST, PUT, PATCH"));
    assert_eq!(
        r.body["create"],
        json!([{"id": 0, "error": {"code": "product_invalid_sku", "message": "Invalid or duplicated SKU.",
                                   "data": {"status": 400, "resource_id": 21, "unique_sku": "PRB-0012-1"}}}])
    );
    let update = r.body["update"].as_array().cloned().unwrap_or_default();
    assert_eq!(update.len(), 2);
    assert_eq!(update[0]["id"], 20);
    assert_eq!(update[0]["regular_price"], "13.00");
    assert_eq!(update[0]["stock_quantity"], 7);
    assert_eq!(
        update[0]["_links"]["self"][0]["href"],
        format!("{}{PRODUCTS}/20", emu.url)
    );
    assert_eq!(
        update[1],
        json!({"id": 99999999, "error": {"code": "woocommerce_rest_product_invalid_id", "message": "Invalid ID.", "data": {"status": 400}}})
    );
    // Response keys in create, update, delete order; absent when empty.
    let keys: Vec<&String> = r
        .body
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    assert_eq!(keys, vec!["create", "update"]);
    // The good item committed.
    let g = emu.get(&format!("{PRODUCTS}/20"), &[]).await;
    assert_eq!(g.body["regular_price"], "13.00");
}

#[tokio::test]
async fn more_than_100_items_is_413() {
    let emu = start(Some(small_seed()), &[]);
    let updates: Vec<Value> = (0..60)
        .map(|_| json!({"id": 20, "stock_quantity": 1}))
        .collect();
    let deletes: Vec<Value> = (0..41).map(|i| json!(100000 + i)).collect();
    let r = emu
        .post(&batch_url(), json!({"update": updates, "delete": deletes}))
        .await;
    assert_eq!(r.status, 413);
    assert_eq!(
        r.body,
        json!({"code": "woocommerce_rest_request_entity_too_large", "message": "Unable to accept more than 100 items for this request.", "data": {"status": 413}})
    );
    let g = emu.get(&format!("{PRODUCTS}/20"), &[]).await;
    assert_eq!(g.body["stock_quantity"], 7, "nothing applied");
    // Exactly 100 is fine.
    let updates: Vec<Value> = (0..100)
        .map(|_| json!({"id": 20, "inventory_delta": 1}))
        .collect();
    let r = emu.post(&batch_url(), json!({"update": updates})).await;
    assert_eq!(r.status, 200);
    let g = emu.get(&format!("{PRODUCTS}/20"), &[]).await;
    assert_eq!(g.body["stock_quantity"], 107);
}

#[tokio::test]
async fn items_run_create_then_update_then_delete_without_rollback() {
    let emu = start(Some(small_seed()), &[]);
    let r = emu
        .post(
            &batch_url(),
            json!({
                "delete": [20, 0, 99999999],
                "update": [{"id": 20, "stock_quantity": "5abc"}, {"regular_price": "1"}, {"id": 261, "stock_quantity": 1}],
                "create": [{"name": "New", "sku": "NEW-1", "regular_price": 20, "stock_quantity": "x", "manage_stock": "yes"},
                           {"id": 5, "name": "exists"}]
            }),
        )
        .await;
    assert_eq!(r.status, 200);
    let create = r.body["create"].as_array().cloned().unwrap_or_default();
    // Lenient coercion: price number → string, "yes" → true, "x" → 0.
    assert_eq!(create[0]["sku"], "NEW-1");
    assert_eq!(create[0]["regular_price"], "20");
    assert_eq!(create[0]["manage_stock"], true);
    assert_eq!(create[0]["stock_quantity"], 0);
    assert_eq!(create[1]["id"], 0);
    assert_eq!(
        create[1]["error"]["code"],
        "woocommerce_rest_product_exists"
    );
    let update = r.body["update"].as_array().cloned().unwrap_or_default();
    // Updated before the delete ran: "5abc" is intval'd to 5.
    assert_eq!(update[0]["stock_quantity"], 5);
    assert_eq!(update[1]["id"], json!(null));
    assert_eq!(
        update[1]["error"]["code"],
        "woocommerce_rest_product_invalid_id"
    );
    assert_eq!(
        update[2]["error"]["code"],
        "woocommerce_rest_invalid_product_id"
    );
    let delete = r.body["delete"].as_array().cloned().unwrap_or_default();
    assert_eq!(delete.len(), 2, "id 0 is skipped");
    assert_eq!(delete[0]["id"], 20);
    assert_eq!(delete[0]["stock_quantity"], 5);
    assert_eq!(delete[1]["id"], 99999999);
    assert_eq!(delete[1]["error"]["data"]["status"], 404);
    // Deletes are forced: gone, not trashed; the SKU is free again.
    let g = emu.get(&format!("{PRODUCTS}/20"), &[]).await;
    assert_eq!(g.status, 404);
    let r = emu.post(PRODUCTS, json!({"sku": "PRB-0011"})).await;
    assert_eq!(r.status, 201);
}

#[tokio::test]
async fn marker_and_inventory_delta_in_one_batch_item() {
    let emu = start(Some(small_seed()), &[]);
    let r = emu
        .post(
            &batch_url(),
            json!({"update": [{"id": 20, "inventory_delta": -1,
                               "meta_data": [{"key": "_skusync_write", "value": "run1:b1:1"}]}]}),
        )
        .await;
    assert_eq!(r.body["update"][0]["stock_quantity"], 6);
    let r = emu
        .get(
            PRODUCTS,
            &[
                ("include", "20"),
                ("_fields", "id,stock_quantity,meta_data"),
            ],
        )
        .await;
    assert_eq!(r.body[0]["meta_data"][0]["key"], "_skusync_write");
    assert_eq!(r.body[0]["meta_data"][0]["value"], "run1:b1:1");
    assert_eq!(r.body[0]["stock_quantity"], 6);
}

#[tokio::test]
async fn variations_batch() {
    let emu = start(Some(small_seed()), &[]);
    let path = format!("{PRODUCTS}/260/variations/batch");
    let r = emu
        .post(
            &path,
            json!({"create": [{"sku": "PRB-V-XL", "regular_price": "32", "manage_stock": true, "stock_quantity": 4}],
                   "update": [{"id": 261, "inventory_delta": -2}, {"id": 20, "stock_quantity": 1}],
                   "delete": [263]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let created = r.body["create"][0]["id"].as_u64().unwrap_or(0);
    assert_eq!(r.body["create"][0]["parent_id"], 260);
    assert_eq!(r.body["update"][0]["stock_quantity"], 3);
    assert_eq!(
        r.body["update"][1]["error"]["code"],
        "woocommerce_rest_product_variation_invalid_id"
    );
    assert_eq!(r.body["delete"][0]["id"], 263);
    let p = emu.get(&format!("{PRODUCTS}/260"), &[]).await;
    assert_eq!(p.body["variations"], json!([261, 262, created]));
    // The route is counted with ids as {id}.
    let counts = emu.admin_get("/__emulator/requests").await;
    assert!(
        counts["by_route"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|e| e["route"] == "/wc/v3/products/{id}/variations/batch"
                && e["method"] == "POST"
                && e["count"] == 1),
        "{counts}"
    );
}

#[tokio::test]
async fn batch_argument_shapes() {
    let emu = start(Some(small_seed()), &[]);
    let r = emu.post(&batch_url(), json!({})).await;
    assert_eq!((r.status, r.text.as_str()), (200, "[]"));
    let r = emu.post(&batch_url(), json!({"update": {"id": 20}})).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.body["data"]["params"]["update"],
        "update is not of type array."
    );
    let r = emu
        .call(
            "PUT",
            &batch_url(),
            &[],
            Some(&json!({"update": [{"id": 20, "name": "x"}]})),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["update"][0]["name"], "x");
    let r = emu.call("GET", &batch_url(), &[], None).await;
    assert_eq!(r.body["code"], "rest_no_route");
}
