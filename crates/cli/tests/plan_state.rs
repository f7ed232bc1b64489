//! `skusync plan` across runs, end to end: after an apply (simulated, since
//! `skusync apply` is not built yet: the plan's changes are written to the
//! emulator and the engine's `settle` result is recorded in the state), the
//! next plan is empty (convergence, no ping-pong); store-side edits show up
//! as drift (corrected or flagged), as `merge` deltas that keep every sale,
//! and as `newest` propagation; and disagreeing sides are conflicts.

mod common;

use common::{
    Project, Store, check_contract, erp_owns_price_and_stock, fixture, simulate_apply, skusync,
    store_seed,
};
use serde_json::{Value, json};

fn plan(project: &Project, stores: &[(&str, &Store)], expect: i32) -> Value {
    let mut cli = skusync(project.path()).args(["plan", "--format", "json", "--detailed-exitcode"]);
    for (name, store) in stores {
        cli = cli.store(&name.to_uppercase(), store);
    }
    let out = cli.run();
    out.expect_code(expect);
    let plan = out.json();
    check_contract(&plan);
    plan
}

/// The (sku, field) → value of `sku` in a store's state dump.
fn item(store: &Store, sku: &str) -> Value {
    let state = store.state();
    let mut all = Vec::new();
    for p in state["products"].as_array().expect("products") {
        all.push(p.clone());
        if let Some(vs) = p["variations"].as_array() {
            all.extend(vs.iter().cloned());
        }
    }
    all.into_iter()
        .find(|p| p["sku"] == sku)
        .unwrap_or_else(|| panic!("{sku} is in the store"))
}

#[test]
fn truth_converges_and_later_edits_are_drift() {
    let store = Store::start(store_seed());
    let stores = [("shop", &store)];
    let project = Project::new();
    project.rules(&erp_owns_price_and_stock());
    project.drop_file("stock-1.csv", &fixture("erp/stock-1.csv"));

    let first = plan(&project, &stores, 2);
    assert_eq!(first["summary"]["changes"], 5);
    simulate_apply(&project, "state", &stores, &first, "run-1");
    assert_eq!(item(&store, "KREM-50")["regular_price"], "72.00");
    assert_eq!(item(&store, "HOOD-S")["stock_quantity"], 0);

    // Convergence, and it stays converged (no ping-pong).
    for _ in 0..3 {
        let again = plan(&project, &stores, 0);
        assert_eq!(again["changes"], json!([]), "converged: {again}");
        assert_eq!(again["summary"]["drift"], 0);
    }

    // Somebody edits the store directly: a price by hand, a sale.
    store.edit(json!({"sku": "KREM-50", "set": {"regular_price": "80.00"}}));
    store.edit(json!({"sku": "LIP-VAN", "stock_delta": -3}));
    let drift = plan(&project, &stores, 2);
    assert_eq!(
        common::change_lines(&drift),
        [
            json!({"target": "shop", "sku": "KREM-50", "field": "price.regular", "from": "80.00", "to": "72.00",
                   "base": "72.00", "reason": "drift", "source": "erp", "rule": "fields.price.regular", "delta": null})
            .to_string(),
            json!({"target": "shop", "sku": "LIP-VAN", "field": "stock.quantity", "from": 55, "to": 58,
                   "base": 58, "reason": "drift", "source": "erp", "rule": "fields.stock.quantity", "delta": null})
            .to_string(),
        ]
    );
    assert_eq!(drift["summary"]["drift"], 2);

    // With `on_drift: flag` the price edit is only reported.
    let rules = erp_owns_price_and_stock().replace(
        "    truth: erp\n    targets: { shop: {} }\n  stock.quantity:",
        "    truth: erp\n    targets: { shop: {} }\n    on_drift: flag\n  stock.quantity:",
    );
    assert!(
        rules.contains("on_drift: flag"),
        "the rules template changed"
    );
    project.rules(&rules);
    let flagged = plan(&project, &stores, 2);
    let changes = flagged["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{flagged}");
    assert_eq!(changes[0]["sku"], "LIP-VAN");
    assert_eq!(
        flagged["flagged_drift"],
        json!([{"target": "shop", "sku": "KREM-50", "field": "price.regular", "value": "80.00",
                "base": "72.00", "desired": "72.00", "rule": "fields.price.regular"}])
    );
    assert_eq!(flagged["summary"]["drift"], 2);
}

const TWO_STORES: &str = r#"
version: 1
state_dir: ./state
sources:
  erp:
    kind: csv
    path: ./drops
    pattern: "stock-*.csv"
    columns: { sku: "sku", price.regular: "price", stock.quantity: "stock" }
    complete: { marker: ".done" }
  shop:
    kind: woocommerce
    url: ${SHOP_URL}
    consumer_key: ${SHOP_KEY}
    consumer_secret: ${SHOP_SECRET}
    rate_limit: { per_second: 1000, burst: 1000 }
  outlet:
    kind: woocommerce
    url: ${OUTLET_URL}
    consumer_key: ${OUTLET_KEY}
    consumer_secret: ${OUTLET_SECRET}
    rate_limit: { per_second: 1000, burst: 1000 }
match:
  normalize: [trim, uppercase, collapse_spaces]
fields:
  price.regular:
    truth: erp
    targets:
      shop: {}
      outlet: { multiply: "0.90", round: "0.01" }
  stock.quantity:
    merge: delta
    sides: [shop, outlet]
    seed_from: erp
  name:
    newest: [shop, outlet]
"#;

fn outlet_seed() -> Value {
    json!({"products": [
        {"id": 201, "name": "Face Cream 50ml", "type": "simple", "status": "publish", "sku": "KREM-50",
         "regular_price": "69.00", "manage_stock": true, "stock_quantity": 20},
        {"id": 202, "name": "Lip Balm Vanilla", "type": "simple", "status": "publish", "sku": "LIP-VAN",
         "regular_price": "9.5", "manage_stock": true, "stock_quantity": 50}
    ]})
}

#[test]
fn two_stores_merge_stock_keep_every_sale_and_report_conflicts() {
    let shop = Store::start(store_seed());
    let outlet = Store::start(outlet_seed());
    let stores = [("shop", &shop), ("outlet", &outlet)];
    let project = Project::new();
    project.rules(TWO_STORES);
    project.drop_file(
        "stock-1.csv",
        "sku,price,stock\nKREM-50,72.00,12\nLIP-VAN,9.50,58\n",
    );

    // First run: the pool is seeded from the ERP and written absolutely;
    // the outlet gets its transformed price; the names disagree with no base.
    let first = plan(&project, &stores, 2);
    let lines = common::change_lines(&first);
    let strip_delta = |l: &String| {
        let mut v: Value = serde_json::from_str(l).unwrap();
        v.as_object_mut().unwrap().remove("delta");
        v
    };
    let first_changes: Vec<Value> = lines.iter().map(strip_delta).collect();
    assert_eq!(
        first_changes,
        [
            json!({"target": "outlet", "sku": "KREM-50", "field": "price.regular", "from": "69.00", "to": "64.80",
                   "base": null, "reason": "truth", "source": "erp", "rule": "fields.price.regular"}),
            json!({"target": "outlet", "sku": "KREM-50", "field": "stock.quantity", "from": 20, "to": 12,
                   "base": null, "reason": "merge", "source": null, "rule": "fields.stock.quantity"}),
            json!({"target": "outlet", "sku": "LIP-VAN", "field": "price.regular", "from": "9.5", "to": "8.55",
                   "base": null, "reason": "truth", "source": "erp", "rule": "fields.price.regular"}),
            json!({"target": "outlet", "sku": "LIP-VAN", "field": "stock.quantity", "from": 50, "to": 58,
                   "base": null, "reason": "merge", "source": null, "rule": "fields.stock.quantity"}),
            json!({"target": "shop", "sku": "KREM-50", "field": "price.regular", "from": "69.00", "to": "72.00",
                   "base": null, "reason": "truth", "source": "erp", "rule": "fields.price.regular"}),
            json!({"target": "shop", "sku": "LIP-VAN", "field": "stock.quantity", "from": 60, "to": 58,
                   "base": null, "reason": "merge", "source": null, "rule": "fields.stock.quantity"}),
        ]
    );
    assert_eq!(
        first["conflicts"],
        json!([{"sku": "KREM-50", "field": "name",
                "values": {"outlet": "Face Cream 50ml", "shop": "Face Cream 50 ml"},
                "reason": "no base and sides disagree"}])
    );
    assert_eq!(first["summary"]["conflicts"], 1);

    simulate_apply(&project, "state", &stores, &first, "run-1");
    let settled = plan(&project, &stores, 0);
    assert_eq!(settled["changes"], json!([]), "converged: {settled}");
    assert_eq!(
        settled["summary"]["conflicts"], 1,
        "the name conflict waits for a person"
    );

    // Sales on both stores, and a rename on the shop.
    shop.edit(json!({"sku": "KREM-50", "stock_delta": -2}));
    outlet.edit(json!({"sku": "KREM-50", "stock_delta": -1}));
    shop.edit(json!({"sku": "LIP-VAN", "set": {"name": "Lip Balm Vanilla 10 g"}}));
    let sold = plan(&project, &stores, 2);
    assert_eq!(
        common::change_lines(&sold),
        [
            json!({"target": "outlet", "sku": "KREM-50", "field": "stock.quantity", "from": 11, "to": 9,
                   "base": 12, "reason": "merge", "source": null, "rule": "fields.stock.quantity",
                   "delta": -2})
            .to_string(),
            json!({"target": "outlet", "sku": "LIP-VAN", "field": "name", "from": "Lip Balm Vanilla",
                   "to": "Lip Balm Vanilla 10 g", "base": "Lip Balm Vanilla", "reason": "newest",
                   "source": "shop", "rule": "fields.name", "delta": null})
            .to_string(),
            json!({"target": "shop", "sku": "KREM-50", "field": "stock.quantity", "from": 10, "to": 9,
                   "base": 12, "reason": "merge", "source": null, "rule": "fields.stock.quantity",
                   "delta": -1})
            .to_string(),
        ]
    );

    simulate_apply(&project, "state", &stores, &sold, "run-2");
    assert_eq!(
        item(&shop, "KREM-50")["stock_quantity"],
        9,
        "no sale is lost"
    );
    assert_eq!(
        item(&outlet, "KREM-50")["stock_quantity"],
        9,
        "no sale is lost"
    );
    assert_eq!(item(&outlet, "LIP-VAN")["name"], "Lip Balm Vanilla 10 g");
    let done = plan(&project, &stores, 0);
    assert_eq!(done["changes"], json!([]), "converged again: {done}");
}
