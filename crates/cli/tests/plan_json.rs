//! `skusync plan --format json` end to end: the real binary against an
//! in-process emulator over HTTP and a CSV drop, checked against the plan
//! JSON contract of `DESIGN.md` (keys, types, counts, order, reasons,
//! identity, guards) and for determinism.

mod common;

use common::{
    Project, Store, change_lines, check_contract, erp_owns_price_and_stock, erp_project, fixture,
    store_seed,
};
use serde_json::{Value, json};

fn plan_json(project: &Project, store: &Store) -> Value {
    let out = project.run(
        store,
        &["plan", "--rules", "rules.yaml", "--format", "json"],
    );
    out.expect_code(0);
    out.json()
}

#[test]
fn plan_json_against_the_emulator_and_a_csv_drop_follows_the_contract() {
    let store = Store::start(store_seed());
    let project = erp_project(&fixture("erp/stock-1.csv"));

    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    let plan = plan_json(&project, &store);
    let after = chrono::Utc::now() + chrono::Duration::seconds(1);
    check_contract(&plan);

    let generated = chrono::DateTime::parse_from_rfc3339(plan["generated_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    assert!(
        before <= generated && generated <= after,
        "generated_at is now"
    );

    // Every change, exactly: money keeps the written scale ("4" in the
    // store, "4.5" from the ERP), quantities are integers, the SKU is the
    // canonical one (`soap-1` in the store), and a first run has no base.
    let expected = [
        json!({"target": "shop", "sku": "HOOD-M", "field": "price.regular", "from": "59.90", "to": "61.00",
               "base": null, "reason": "truth", "source": "erp", "rule": "fields.price.regular", "delta": null}),
        json!({"target": "shop", "sku": "HOOD-S", "field": "stock.quantity", "from": 2, "to": 0,
               "base": null, "reason": "truth", "source": "erp", "rule": "fields.stock.quantity", "delta": null}),
        json!({"target": "shop", "sku": "KREM-50", "field": "price.regular", "from": "69.00", "to": "72.00",
               "base": null, "reason": "truth", "source": "erp", "rule": "fields.price.regular", "delta": null}),
        json!({"target": "shop", "sku": "LIP-VAN", "field": "stock.quantity", "from": 60, "to": 58,
               "base": null, "reason": "truth", "source": "erp", "rule": "fields.stock.quantity", "delta": null}),
        json!({"target": "shop", "sku": "SOAP-1", "field": "price.regular", "from": "4", "to": "4.5",
               "base": null, "reason": "truth", "source": "erp", "rule": "fields.price.regular", "delta": null}),
    ];
    let expected: Vec<String> = expected.iter().map(Value::to_string).collect();
    assert_eq!(change_lines(&plan), expected);

    // Where each change is written: the store's own ids (variations with
    // their parent), never an id of a product with an identity problem.
    let remotes: Vec<&Value> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["remote"])
        .collect();
    assert_eq!(
        remotes,
        [
            &json!({"id": 112, "parent_id": 110}),
            &json!({"id": 111, "parent_id": 110}),
            &json!({"id": 101}),
            &json!({"id": 102}),
            &json!({"id": 103}),
        ]
    );

    assert_eq!(
        plan["summary"],
        json!({"matched": 6, "changes": 5, "conflicts": 0, "unmatched": 2, "drift": 0})
    );
    assert_eq!(plan["conflicts"], json!([]));
    // The variable parent `HOOD` is not unmatched: its variations are matched.
    assert_eq!(
        plan["unmatched"],
        json!([
            {"source": "erp", "sku": "OLD-9"},
            {"source": "shop", "sku": "SUN-50"}
        ])
    );

    // A product without SKU and two products that are one SKU after
    // `collapse_spaces` are identity problems, with the store's ids.
    let identity: Vec<Value> = plan["identity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| json!({"source": i["source"], "sku": i["sku"], "problem": i["problem"], "ids": i["ids"]}))
        .collect();
    assert_eq!(
        identity,
        [
            json!({"source": "shop", "sku": "", "problem": "empty", "ids": [105]}),
            json!({"source": "shop", "sku": "TOTE NAT", "problem": "duplicate", "ids": [106, 107]}),
        ]
    );

    // 5 of 6 matched SKUs change (83.3% > 50%); the largest price move is
    // SOAP-1's 4 → 4.5 (12.5% < 20%).
    assert_eq!(
        plan["guards"],
        json!([
            {"name": "max_changes", "limit": "50%", "value": "83.3%", "tripped": true},
            {"name": "max_price_change", "limit": "20%", "value": "12.5%", "tripped": false}
        ])
    );
}

#[test]
fn a_target_transform_writes_the_rounding_steps_scale() {
    let store = Store::start(store_seed());
    let project = Project::new();
    let rules = erp_owns_price_and_stock().replace(
        "  price.regular:\n    truth: erp\n    targets: { shop: {} }",
        "  price.regular:\n    truth: erp\n    targets: { shop: { multiply: \"1.10\", round: \"0.01\" } }",
    );
    assert!(rules.contains("multiply"), "the rules template changed");
    project.rules(&rules);
    project.drop_file("stock-1.csv", &fixture("erp/stock-1.csv"));

    let plan = plan_json(&project, &store);
    check_contract(&plan);
    let prices: Vec<(String, Value, Value)> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["field"] == "price.regular")
        .map(|c| {
            (
                c["sku"].as_str().unwrap().to_string(),
                c["from"].clone(),
                c["to"].clone(),
            )
        })
        .collect();
    assert_eq!(
        prices,
        [
            ("HOOD-M".to_string(), json!("59.90"), json!("67.10")),
            ("KREM-50".to_string(), json!("69.00"), json!("79.20")),
            ("LIP-VAN".to_string(), json!("9.5"), json!("10.45")),
            ("NOSTOCK".to_string(), json!("10.00"), json!("11.00")),
            ("SOAP-1".to_string(), json!("4"), json!("4.95")),
        ]
    );
}

#[test]
fn two_runs_give_the_same_json_apart_from_generated_at() {
    let store = Store::start(store_seed());
    let project = erp_project(&fixture("erp/stock-1.csv"));

    let run = || {
        let out = project.run(&store, &["plan", "--format", "json"]);
        out.expect_code(0);
        out.stdout
    };
    let strip = |text: &str| -> String {
        text.lines()
            .filter(|l| !l.trim_start().starts_with("\"generated_at\""))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let first = run();
    let second = run();
    assert!(first.contains("\"generated_at\""));
    assert_eq!(
        strip(&first),
        strip(&second),
        "byte-identical apart from generated_at"
    );

    // The digest covers the inputs: another drop value gives another digest.
    let digest = |text: &str| serde_json::from_str::<Value>(text).unwrap()["inputs_digest"].clone();
    project.drop_file(
        "stock-2.csv",
        &fixture("erp/stock-1.csv").replace("KREM-50,72.00,12", "KREM-50,72.00,11"),
    );
    let third = run();
    assert_ne!(
        digest(&first),
        digest(&third),
        "a changed drop changes inputs_digest"
    );
    // …and so does a store-side edit.
    store.edit(json!({"sku": "SUN-50", "stock_delta": -1}));
    let fourth = run();
    assert_ne!(
        digest(&third),
        digest(&fourth),
        "a store edit changes inputs_digest"
    );
}
