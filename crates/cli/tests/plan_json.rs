//! `skusync plan --format json` end to end: the real binary against an
//! in-process emulator over HTTP and a CSV drop, checked against the plan
//! JSON contract of `DESIGN.md` (keys, types, counts, order, reasons,
//! identity, guards) and for determinism.

mod common;

use common::{
    Project, Store, change_lines, erp_owns_price_and_stock, fixture, skusync, store_seed,
};
use serde_json::{Value, json};

/// The contract's top-level keys, and the extensions DESIGN.md allows.
const CONTRACT_KEYS: [&str; 9] = [
    "plan_version",
    "generated_at",
    "inputs_digest",
    "summary",
    "changes",
    "conflicts",
    "unmatched",
    "identity",
    "guards",
];
const EXTENSION_KEYS: [&str; 2] = ["flagged_drift", "state"];

/// DESIGN.md's field list, in the order changes of one SKU are sorted.
const FIELD_ORDER: [&str; 8] = [
    "price.regular",
    "price.sale",
    "stock.quantity",
    "stock.status",
    "stock.manage",
    "stock.backorders",
    "name",
    "status",
];

fn plan_json(project: &Project, store: &Store) -> Value {
    let out = skusync(project.path())
        .args(["plan", "--rules", "rules.yaml", "--format", "json"])
        .store("SHOP", store)
        .run();
    out.expect_code(0);
    out.json()
}

fn is_money(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => {
            let digits = s.strip_prefix('-').unwrap_or(s);
            let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
            !int.is_empty()
                && !frac.is_empty()
                && int.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit())
        }
        _ => false,
    }
}

fn is_quantity(v: &Value) -> bool {
    v.is_null() || v.is_i64()
}

/// Checks every contract rule that holds for any plan.
fn check_contract(plan: &Value) {
    let obj = plan.as_object().expect("the plan is an object");
    for key in CONTRACT_KEYS {
        assert!(obj.contains_key(key), "missing top-level key `{key}`");
    }
    for key in obj.keys() {
        assert!(
            CONTRACT_KEYS.contains(&key.as_str()) || EXTENSION_KEYS.contains(&key.as_str()),
            "unexpected top-level key `{key}`"
        );
    }
    assert_eq!(plan["plan_version"], json!(1));

    let generated = plan["generated_at"]
        .as_str()
        .expect("generated_at is a string");
    let parsed = chrono::DateTime::parse_from_rfc3339(generated)
        .unwrap_or_else(|e| panic!("generated_at {generated:?} is not RFC 3339: {e}"));
    assert_eq!(parsed.offset().local_minus_utc(), 0, "generated_at is UTC");

    let digest = plan["inputs_digest"]
        .as_str()
        .expect("inputs_digest is a string");
    let hex = digest
        .strip_prefix("sha256:")
        .unwrap_or_else(|| panic!("inputs_digest {digest:?} starts with sha256:"));
    assert_eq!(hex.len(), 64, "sha256 has 64 hex digits: {digest}");
    assert!(
        hex.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );

    let changes = plan["changes"].as_array().expect("changes is a list");
    let conflicts = plan["conflicts"].as_array().expect("conflicts is a list");
    let unmatched = plan["unmatched"].as_array().expect("unmatched is a list");
    let identity = plan["identity"].as_array().expect("identity is a list");
    let guards = plan["guards"].as_array().expect("guards is a list");
    let flagged = plan
        .get("flagged_drift")
        .map(|f| f.as_array().expect("flagged_drift is a list").len())
        .unwrap_or(0);

    let summary = plan["summary"].as_object().expect("summary is an object");
    for key in ["matched", "changes", "conflicts", "unmatched", "drift"] {
        assert!(
            summary[key].is_u64(),
            "summary.{key} is a count: {}",
            summary[key]
        );
    }
    assert_eq!(
        summary.len(),
        5,
        "summary has exactly the contract's counts"
    );
    assert_eq!(summary["changes"], json!(changes.len()));
    assert_eq!(summary["conflicts"], json!(conflicts.len()));
    assert_eq!(summary["unmatched"], json!(unmatched.len()));
    let drift_changes = changes.iter().filter(|c| c["reason"] == "drift").count();
    assert_eq!(summary["drift"], json!(drift_changes + flagged));

    let mut previous: Option<(String, String, usize)> = None;
    for c in changes {
        for key in [
            "target", "sku", "field", "from", "to", "base", "reason", "source", "rule",
        ] {
            assert!(c.get(key).is_some(), "change without `{key}`: {c}");
        }
        let field = c["field"].as_str().expect("field is a string");
        let rank = FIELD_ORDER
            .iter()
            .position(|f| *f == field)
            .unwrap_or_else(|| panic!("unknown field {field}"));
        let key = (
            c["target"].as_str().expect("target").to_string(),
            c["sku"].as_str().expect("sku").to_string(),
            rank,
        );
        if let Some(p) = &previous {
            assert!(*p < key, "changes out of order: {p:?} then {key:?}");
        }
        previous = Some(key);
        let reason = c["reason"].as_str().expect("reason is a string");
        assert!(
            ["truth", "drift", "merge", "newest"].contains(&reason),
            "reason {reason}"
        );
        assert_eq!(c["rule"], json!(format!("fields.{field}")), "rule of {c}");
        let typed: fn(&Value) -> bool = if field.starts_with("price.") {
            is_money
        } else if field == "stock.quantity" {
            is_quantity
        } else {
            |_| true
        };
        for key in ["from", "to", "base"] {
            assert!(typed(&c[key]), "`{key}` of {c} has the wrong type");
        }
        if reason == "merge" {
            assert!(c["delta"].is_i64(), "a merge change carries its delta: {c}");
            let (from, to) = (c["from"].as_i64(), c["to"].as_i64());
            if let (Some(from), Some(to)) = (from, to) {
                assert_eq!(c["delta"], json!(to - from));
            }
        } else {
            assert!(c.get("delta").is_none(), "only merges carry a delta: {c}");
            assert!(
                c["source"].is_string(),
                "truth/newest/drift name a source: {c}"
            );
        }
        assert_ne!(c["from"], c["to"], "a change changes something: {c}");
    }

    let mut previous_unmatched: Option<(String, String)> = None;
    for u in unmatched {
        let key = (
            u["source"].as_str().expect("unmatched.source").to_string(),
            u["sku"].as_str().expect("unmatched.sku").to_string(),
        );
        if let Some(p) = &previous_unmatched {
            assert!(*p < key, "unmatched out of order: {p:?} then {key:?}");
        }
        previous_unmatched = Some(key);
    }
    for i in identity {
        assert!(i["source"].is_string() && i["sku"].is_string(), "{i}");
        let problem = i["problem"].as_str().expect("identity.problem");
        assert!(
            ["duplicate", "ambiguous", "empty"].contains(&problem),
            "{i}"
        );
        assert!(
            i["ids"].as_array().expect("ids").iter().all(Value::is_u64),
            "{i}"
        );
    }
    for g in guards {
        assert!(g["name"].is_string() && g["limit"].is_string() && g["value"].is_string());
        assert!(g["tripped"].is_boolean(), "{g}");
    }
}

#[test]
fn plan_json_against_the_emulator_and_a_csv_drop_follows_the_contract() {
    let store = Store::start(store_seed());
    let project = Project::new();
    project.rules(&erp_owns_price_and_stock());
    project.drop_file("stock-1.csv", &fixture("erp/stock-1.csv"));

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
               "base": null, "reason": "truth", "source": "erp", "rule": "fields.price.regular"}),
        json!({"target": "shop", "sku": "HOOD-S", "field": "stock.quantity", "from": 2, "to": 0,
               "base": null, "reason": "truth", "source": "erp", "rule": "fields.stock.quantity"}),
        json!({"target": "shop", "sku": "KREM-50", "field": "price.regular", "from": "69.00", "to": "72.00",
               "base": null, "reason": "truth", "source": "erp", "rule": "fields.price.regular"}),
        json!({"target": "shop", "sku": "LIP-VAN", "field": "stock.quantity", "from": 60, "to": 58,
               "base": null, "reason": "truth", "source": "erp", "rule": "fields.stock.quantity"}),
        json!({"target": "shop", "sku": "SOAP-1", "field": "price.regular", "from": "4", "to": "4.5",
               "base": null, "reason": "truth", "source": "erp", "rule": "fields.price.regular"}),
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
        json!({"matched": 6, "changes": 5, "conflicts": 0, "unmatched": 3, "drift": 0})
    );
    assert_eq!(plan["conflicts"], json!([]));
    assert_eq!(
        plan["unmatched"],
        json!([
            {"source": "erp", "sku": "OLD-9"},
            {"source": "shop", "sku": "HOOD"},
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
    let project = Project::new();
    project.rules(&erp_owns_price_and_stock());
    project.drop_file("stock-1.csv", &fixture("erp/stock-1.csv"));

    let run = || {
        let out = skusync(project.path())
            .args(["plan", "--format", "json"])
            .store("SHOP", &store)
            .run();
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
