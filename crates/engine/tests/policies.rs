//! Example tests for each field policy, with drift and conflicts: exact
//! plan contents.

mod common;

use common::*;
use skusync_model::{
    BaseView, Guards, Limit, OnDrift, Rounding, RoundingMode, Seed, Settle, Snapshot, Transform,
    Value,
};

fn outlet_transform() -> Transform {
    Transform {
        multiply: Some("0.90".parse().unwrap()),
        round: Some(Rounding {
            step: "0.01".parse().unwrap(),
            mode: RoundingMode::HalfUp,
        }),
        ..Transform::default()
    }
}

fn price_rule(on_drift: OnDrift) -> Vec<skusync_model::FieldRule> {
    vec![truth(
        PRICE,
        "erp",
        &[
            ("shop", Transform::default()),
            ("outlet", outlet_transform()),
        ],
        on_drift,
    )]
}

fn snaps(erp: &str, shop: &str, outlet: &str) -> Vec<Snapshot> {
    vec![
        Snapshot::new("erp", vec![rec("KREM-50", &[(PRICE, money(erp))])]),
        Snapshot::new(
            "shop",
            vec![rec("KREM-50", &[(PRICE, money(shop))]).with_remote(41, None)],
        ),
        Snapshot::new("outlet", vec![rec("KREM-50", &[(PRICE, money(outlet))])]),
    ]
}

#[test]
fn truth_first_run_propagates_with_transform_and_target_scale() {
    let rules = price_rule(OnDrift::Overwrite);
    let p = plan(
        &rules,
        &snaps("72.00", "69.00", "62.10"),
        &BaseView::default(),
    );
    assert_eq!(
        change_lines(&p),
        vec![
            r#"{"target":"outlet","sku":"KREM-50","field":"price.regular","from":"62.10","to":"64.80","base":null,"reason":"truth","source":"erp","rule":"fields.price.regular","delta":null}"#,
            r#"{"target":"shop","sku":"KREM-50","field":"price.regular","from":"69.00","to":"72.00","base":null,"reason":"truth","source":"erp","rule":"fields.price.regular","delta":null,"remote":{"id":41}}"#,
        ]
    );
    assert_eq!(
        (p.summary.matched, p.summary.changes, p.summary.drift),
        (1, 2, 0)
    );
    assert!(p.state.is_empty(), "no side agreed already: {:?}", p.state);
}

#[test]
fn truth_converges_and_compares_money_by_amount() {
    let rules = price_rule(OnDrift::Overwrite);
    // The shop holds 72 (scale 0), the truth 72.00: same amount, no change,
    // and the agreement is recorded with the shop's scale.
    let p = plan(&rules, &snaps("72.00", "72", "64.80"), &BaseView::default());
    assert!(p.changes.is_empty(), "{:?}", p.changes);
    assert_eq!(p.state.len(), 1);
    assert_eq!(p.state[0].settle, Settle::Each);
    assert_eq!(
        serde_json::to_string(&p.state[0]).unwrap(),
        r#"{"sku":"KREM-50","field":"price.regular","settle":"each","agreed":{"outlet":"64.80","shop":"72"}}"#
    );
    let base = settle_all(&p, &BaseView::default());
    let again = plan(&rules, &snaps("72.00", "72", "64.80"), &base);
    assert!(
        again.changes.is_empty() && again.state.is_empty(),
        "{again:?}"
    );
}

#[test]
fn truth_drift_overwrite_and_flag() {
    let first = snaps("72.00", "69.00", "62.10");
    let base = settle_all(
        &plan(
            &price_rule(OnDrift::Overwrite),
            &first,
            &BaseView::default(),
        ),
        &BaseView::default(),
    );
    // Somebody edits the shop directly; the ERP also moves: still drift,
    // because the shop differs from what was agreed.
    let edited = snaps("75.00", "70.00", "64.80");
    let p = plan(&price_rule(OnDrift::Overwrite), &edited, &base);
    assert_eq!(
        change_lines(&p),
        vec![
            r#"{"target":"outlet","sku":"KREM-50","field":"price.regular","from":"64.80","to":"67.50","base":"64.80","reason":"truth","source":"erp","rule":"fields.price.regular","delta":null}"#,
            r#"{"target":"shop","sku":"KREM-50","field":"price.regular","from":"70.00","to":"75.00","base":"72.00","reason":"drift","source":"erp","rule":"fields.price.regular","delta":null,"remote":{"id":41}}"#,
        ]
    );
    assert_eq!(p.summary.drift, 1);

    let flagged = plan(&price_rule(OnDrift::Flag), &edited, &base);
    assert_eq!(
        flagged.changes.len(),
        1,
        "only the outlet: {:?}",
        flagged.changes
    );
    assert_eq!(flagged.summary.drift, 1);
    assert_eq!(
        serde_json::to_string(&flagged.flagged_drift).unwrap(),
        r#"[{"target":"shop","sku":"KREM-50","field":"price.regular","value":"70.00","base":"72.00","desired":"75.00","rule":"fields.price.regular"}]"#
    );
}

#[test]
fn truth_missing_source_or_target_writes_nothing() {
    let rules = vec![
        truth(
            PRICE,
            "erp",
            &[("shop", Transform::default())],
            OnDrift::Overwrite,
        ),
        truth(
            STOCK,
            "erp",
            &[("shop", Transform::default())],
            OnDrift::Overwrite,
        ),
    ];
    let s = vec![
        // B: the ERP has no price cell; C: the shop does not manage stock.
        Snapshot::new(
            "erp",
            vec![
                rec("B", &[(STOCK, qty(5))]),
                rec("C", &[(PRICE, money("2.00")), (STOCK, qty(9))]),
                rec("ONLY-ERP", &[(PRICE, money("1"))]),
            ],
        ),
        Snapshot::new(
            "shop",
            vec![
                rec("B", &[(PRICE, money("3.00")), (STOCK, qty(5))]),
                rec("C", &[(PRICE, money("2.00"))]),
            ],
        ),
    ];
    let p = plan(&rules, &s, &BaseView::default());
    assert!(p.changes.is_empty(), "{:?}", p.changes);
    assert_eq!(p.summary.unmatched, 1);
    assert_eq!(p.unmatched[0].sku.as_str(), "ONLY-ERP");
}

#[test]
fn merge_first_run_seeds_then_relative_deltas_conserve_sales() {
    let rules = vec![merge(STOCK, &["shop", "outlet"], Seed::From("erp".into()))];
    let s = |shop: i64, outlet: i64| {
        vec![
            Snapshot::new("erp", vec![rec("A", &[(STOCK, qty(10))])]),
            Snapshot::new("shop", vec![rec("A", &[(STOCK, qty(shop))])]),
            Snapshot::new("outlet", vec![rec("A", &[(STOCK, qty(outlet))])]),
        ]
    };
    let p = plan(&rules, &s(7, 10), &BaseView::default());
    assert_eq!(
        change_lines(&p),
        vec![
            r#"{"target":"shop","sku":"A","field":"stock.quantity","from":7,"to":10,"base":null,"reason":"merge","source":null,"rule":"fields.stock.quantity","delta":null}"#
        ]
    );
    assert_eq!(p.state[0].pool, Some(10));
    let base = settle_all(&p, &BaseView::default());
    // Both stores sell two units: both end at 6, as relative writes.
    let p = plan(&rules, &s(8, 8), &base);
    assert_eq!(
        change_lines(&p),
        vec![
            r#"{"target":"outlet","sku":"A","field":"stock.quantity","from":8,"to":6,"base":10,"reason":"merge","source":null,"rule":"fields.stock.quantity","delta":-2}"#,
            r#"{"target":"shop","sku":"A","field":"stock.quantity","from":8,"to":6,"base":10,"reason":"merge","source":null,"rule":"fields.stock.quantity","delta":-2}"#,
        ]
    );
    assert_eq!(p.state[0].pool, Some(6));
    // The outlet write fails: its sale stays counted once, and the next run
    // writes it again.
    let updates = skusync_engine::settle(&p, |_, c| {
        if c.target.as_str() == "outlet" {
            skusync_engine::Outcome::Failed
        } else {
            skusync_engine::Outcome::Confirmed
        }
    });
    let mut base2 = base.clone();
    base2.apply_updates(&updates, "t", "r2");
    let p = plan(&rules, &s(6, 8), &base2);
    assert_eq!(
        change_lines(&p),
        vec![
            r#"{"target":"outlet","sku":"A","field":"stock.quantity","from":8,"to":6,"base":8,"reason":"merge","source":null,"rule":"fields.stock.quantity","delta":-2}"#
        ]
    );
}

#[test]
fn merge_side_joining_later_gets_an_absolute_write_and_missing_side_is_left_alone() {
    let rules = vec![merge(STOCK, &["shop", "outlet", "b2b"], Seed::Min)];
    let s1 = vec![
        Snapshot::new("shop", vec![rec("A", &[(STOCK, qty(5))])]),
        Snapshot::new("outlet", vec![rec("A", &[(STOCK, qty(7))])]),
    ];
    let p = plan(&rules, &s1, &BaseView::default());
    assert_eq!(p.changes.len(), 1);
    assert_eq!(p.changes[0].to, Some(qty(5)));
    let base = settle_all(&p, &BaseView::default());
    // The outlet disappears (missing, never zero), the shop sells one, and
    // b2b appears with 40.
    let s2 = vec![
        Snapshot::new("shop", vec![rec("A", &[(STOCK, qty(4))])]),
        Snapshot::new("b2b", vec![rec("A", &[(STOCK, qty(40))])]),
    ];
    let p = plan(&rules, &s2, &base);
    assert_eq!(
        change_lines(&p),
        vec![
            r#"{"target":"b2b","sku":"A","field":"stock.quantity","from":40,"to":4,"base":null,"reason":"merge","source":null,"rule":"fields.stock.quantity","delta":null}"#
        ]
    );
}

#[test]
fn newest_propagates_the_changed_side_and_reports_conflicts() {
    let rules = vec![newest(NAME, &["shop", "outlet"], &[])];
    let s = |a: &str, b: &str| {
        vec![
            Snapshot::new("shop", vec![rec("A", &[(NAME, text(a))])]),
            Snapshot::new("outlet", vec![rec("A", &[(NAME, text(b))])]),
        ]
    };
    // No base, sides disagree: a conflict.
    let p = plan(&rules, &s("Tee", "T-shirt"), &BaseView::default());
    assert!(p.changes.is_empty());
    assert_eq!(
        serde_json::to_string(&p.conflicts).unwrap(),
        r#"[{"sku":"A","field":"name","values":{"outlet":"T-shirt","shop":"Tee"},"reason":"no base and sides disagree"}]"#
    );
    // No base, sides agree: recorded as agreed.
    let p = plan(&rules, &s("Tee", "Tee"), &BaseView::default());
    assert!(p.changes.is_empty() && p.conflicts.is_empty());
    let base = settle_all(&p, &BaseView::default());
    // One side changed: it propagates.
    let p = plan(&rules, &s("Tee", "Tee shirt"), &base);
    assert_eq!(
        change_lines(&p),
        vec![
            r#"{"target":"shop","sku":"A","field":"name","from":"Tee","to":"Tee shirt","base":"Tee","reason":"newest","source":"outlet","rule":"fields.name","delta":null}"#
        ]
    );
    let base2 = settle_all(&p, &base);
    assert!(
        plan(&rules, &s("Tee shirt", "Tee shirt"), &base2)
            .changes
            .is_empty()
    );
    // Both changed differently: conflict, unless prefer names a winner.
    let p = plan(&rules, &s("Shirt", "Tee!"), &base2);
    assert_eq!(p.conflicts.len(), 1);
    assert_eq!(p.conflicts[0].reason, "both changed");
    let preferring = vec![newest(NAME, &["shop", "outlet"], &["outlet", "shop"])];
    let p = plan(&preferring, &s("Shirt", "Tee!"), &base2);
    assert!(p.conflicts.is_empty());
    assert_eq!(
        change_lines(&p),
        vec![
            r#"{"target":"shop","sku":"A","field":"name","from":"Shirt","to":"Tee!","base":"Tee shirt","reason":"newest","source":"outlet","rule":"fields.name","delta":null}"#
        ]
    );
}

#[test]
fn identity_problems_are_never_written() {
    let rules = vec![truth(
        PRICE,
        "erp",
        &[("shop", Transform::default())],
        OnDrift::Overwrite,
    )];
    let s = vec![
        Snapshot::new("erp", vec![rec("A", &[(PRICE, money("1"))])]),
        Snapshot::new(
            "shop",
            vec![
                rec("A", &[(PRICE, money("2"))]).with_remote(1, None),
                rec("A", &[(PRICE, money("3"))]).with_remote(2, None),
            ],
        ),
    ];
    let p = plan(&rules, &s, &BaseView::default());
    assert!(p.changes.is_empty());
    assert_eq!(
        serde_json::to_string(&p.identity).unwrap(),
        r#"[{"source":"shop","sku":"A","problem":"duplicate","ids":[1,2]}]"#
    );
}

#[test]
fn guards_measure_changes_and_price_moves() {
    let rules = price_rule(OnDrift::Overwrite);
    let guards = Guards {
        max_changes: Some(Limit::Percent("20".parse().unwrap())),
        max_price_change: Some("50".parse().unwrap()),
    };
    let p = plan_with(
        &rules,
        &guards,
        &snaps("72.00", "36.00", "64.80"),
        &BaseView::default(),
    );
    assert_eq!(
        serde_json::to_string(&p.guards).unwrap(),
        r#"[{"name":"max_changes","limit":"20%","value":"100%","tripped":true},{"name":"max_price_change","limit":"50%","value":"100%","tripped":true}]"#
    );
    let guards = Guards {
        max_changes: Some(Limit::Absolute(1)),
        max_price_change: Some("50".parse().unwrap()),
    };
    let p = plan_with(
        &rules,
        &guards,
        &snaps("72.00", "69.00", "64.80"),
        &BaseView::default(),
    );
    assert_eq!(
        serde_json::to_string(&p.guards).unwrap(),
        r#"[{"name":"max_changes","limit":"1","value":"1","tripped":false},{"name":"max_price_change","limit":"50%","value":"4.3%","tripped":false}]"#
    );
}

#[test]
fn newest_winner_is_recorded_only_when_every_write_was_confirmed() {
    let rules = vec![newest(NAME, &["shop", "outlet", "b2b"], &[])];
    let s = |a: &str, b: &str, c: &str| {
        vec![
            Snapshot::new("shop", vec![rec("A", &[(NAME, text(a))])]),
            Snapshot::new("outlet", vec![rec("A", &[(NAME, text(b))])]),
            Snapshot::new("b2b", vec![rec("A", &[(NAME, text(c))])]),
        ]
    };
    let base = settle_all(
        &plan(&rules, &s("Tee", "Tee", "Tee"), &BaseView::default()),
        &BaseView::default(),
    );
    // The shop renames; the write to the outlet fails, b2b's succeeds.
    let p = plan(&rules, &s("Shirt", "Tee", "Tee"), &base);
    assert_eq!(p.changes.len(), 2);
    assert_eq!(p.state[0].settle, Settle::AllConfirmed);
    let updates = skusync_engine::settle(&p, |_, c| {
        if c.target.as_str() == "outlet" {
            skusync_engine::Outcome::Failed
        } else {
            skusync_engine::Outcome::Confirmed
        }
    });
    let mut base2 = base.clone();
    base2.apply_updates(&updates, "t", "r2");
    // Next run: the shop still counts as changed, so the outlet gets the
    // new name again; no conflict, and b2b is left alone.
    let p = plan(&rules, &s("Shirt", "Tee", "Shirt"), &base2);
    assert!(p.conflicts.is_empty(), "{:?}", p.conflicts);
    assert_eq!(
        change_lines(&p),
        vec![
            r#"{"target":"outlet","sku":"A","field":"name","from":"Tee","to":"Shirt","base":"Tee","reason":"newest","source":"shop","rule":"fields.name","delta":null}"#
        ]
    );
}

#[test]
fn truth_propagates_an_unset_value_and_reports_transform_failures() {
    let sale = skusync_model::FieldName::PriceSale;
    let huge = Transform {
        multiply: Some(rust_decimal::Decimal::MAX),
        ..Transform::default()
    };
    let rules = vec![
        truth(
            sale,
            "erp",
            &[("shop", Transform::default())],
            OnDrift::Overwrite,
        ),
        truth(PRICE, "erp", &[("shop", huge)], OnDrift::Overwrite),
    ];
    let s = vec![
        Snapshot::new(
            "erp",
            vec![rec("A", &[(PRICE, money("10"))]).with(sale, None)],
        ),
        Snapshot::new(
            "shop",
            vec![rec("A", &[(PRICE, money("1")), (sale, money("8.00"))])],
        ),
    ];
    let p = plan(&rules, &s, &BaseView::default());
    assert_eq!(
        change_lines(&p),
        vec![
            r#"{"target":"shop","sku":"A","field":"price.sale","from":"8.00","to":null,"base":null,"reason":"truth","source":"erp","rule":"fields.price.sale","delta":null}"#
        ]
    );
    assert_eq!(p.conflicts.len(), 1);
    assert_eq!(p.conflicts[0].field, PRICE);
    assert!(
        p.conflicts[0]
            .reason
            .starts_with("transform for shop: the transform overflows"),
        "{}",
        p.conflicts[0].reason
    );
}

#[test]
fn merge_failed_and_unsent_writes_keep_the_read_value_as_base() {
    let rules = vec![merge(STOCK, &["shop", "outlet"], Seed::Max)];
    let s = |a: i64, b: i64| {
        vec![
            Snapshot::new("shop", vec![rec("A", &[(STOCK, qty(a))])]),
            Snapshot::new("outlet", vec![rec("A", &[(STOCK, qty(b))])]),
        ]
    };
    let base = settle_all(
        &plan(&rules, &s(5, 5), &BaseView::default()),
        &BaseView::default(),
    );
    let p = plan(&rules, &s(3, 5), &base);
    assert_eq!(p.changes.len(), 1, "{:?}", p.changes);
    let updates = skusync_engine::settle(&p, |_, _| skusync_engine::Outcome::NotSent);
    let mut base2 = base.clone();
    base2.apply_updates(&updates, "t", "r2");
    assert_eq!(base2.pool(&"A".into(), STOCK), Some(3));
    let outlet = base2.get(&"outlet".into(), &"A".into(), STOCK).unwrap();
    assert_eq!((outlet.value.clone(), outlet.version), (Some(qty(5)), 2));
    // The sale is not counted twice: the outlet is still asked for -2.
    let p = plan(&rules, &s(3, 5), &base2);
    assert_eq!(p.changes[0].delta, Some(-2));
    assert_eq!(p.changes[0].to, Some(qty(3)));
}

#[test]
fn extreme_values_are_conflicts_not_panics() {
    let rules = vec![merge(STOCK, &["shop", "outlet"], Seed::Max)];
    let s = |a: i64, b: i64| {
        vec![
            Snapshot::new("shop", vec![rec("A", &[(STOCK, qty(a))])]),
            Snapshot::new("outlet", vec![rec("A", &[(STOCK, qty(b))])]),
        ]
    };
    let p = plan(&rules, &s(i64::MAX, i64::MIN), &BaseView::default());
    assert!(p.changes.is_empty(), "{:?}", p.changes);
    assert_eq!(p.conflicts[0].reason, "the stock change overflows");
    let base = settle_all(
        &plan(&rules, &s(0, 0), &BaseView::default()),
        &BaseView::default(),
    );
    let p = plan(&rules, &s(i64::MAX, i64::MAX), &base);
    assert_eq!(p.conflicts[0].reason, "the merged quantity overflows");

    let price_rules = vec![truth(
        PRICE,
        "erp",
        &[("shop", Transform::default())],
        OnDrift::Overwrite,
    )];
    let guards = Guards {
        max_changes: None,
        max_price_change: Some("50".parse().unwrap()),
    };
    let snaps = vec![
        Snapshot::new(
            "erp",
            vec![rec(
                "A",
                &[(PRICE, Value::Money(rust_decimal::Decimal::MAX))],
            )],
        ),
        Snapshot::new(
            "shop",
            vec![rec(
                "A",
                &[(PRICE, Value::Money(rust_decimal::Decimal::MIN))],
            )],
        ),
    ];
    let p = plan_with(&price_rules, &guards, &snaps, &BaseView::default());
    assert_eq!(p.changes.len(), 1);
    assert_eq!(p.guards[0].value, "0%", "an unmeasurable move is left out");
}

#[test]
fn unmanaged_stock_is_missing_not_unset() {
    let rules = vec![truth(
        STOCK,
        "erp",
        &[("shop", Transform::default())],
        OnDrift::Overwrite,
    )];
    let s = |erp: Option<Value>, shop: Option<Value>| {
        vec![
            Snapshot::new("erp", vec![rec("A", &[]).with(STOCK, erp)]),
            Snapshot::new("shop", vec![rec("A", &[]).with(STOCK, shop)]),
        ]
    };
    // The shop does not manage stock: nothing is written to it.
    assert!(
        plan(&rules, &s(Some(qty(5)), None), &BaseView::default())
            .changes
            .is_empty()
    );
    // The ERP has no quantity: the shop's is not cleared.
    assert!(
        plan(&rules, &s(None, Some(qty(5))), &BaseView::default())
            .changes
            .is_empty()
    );
    assert_eq!(
        plan(&rules, &s(Some(qty(4)), Some(qty(5))), &BaseView::default())
            .changes
            .len(),
        1
    );
}

#[test]
fn changes_conflicts_and_flagged_drift_are_ordered_by_field_name() {
    use skusync_model::{FieldName, Record};
    // Declared in `FieldName` order (price, stock, name): the plan must list
    // them by name (`name` < `price.regular` < `stock.quantity`).
    let mut rules = vec![
        truth(
            PRICE,
            "erp",
            &[("shop", Transform::default())],
            OnDrift::Flag,
        ),
        truth(
            STOCK,
            "erp",
            &[("shop", Transform::default())],
            OnDrift::Overwrite,
        ),
        truth(
            NAME,
            "erp",
            &[("shop", Transform::default())],
            OnDrift::Flag,
        ),
    ];
    let erp =
        |p: &str, q: i64, n: &str| rec("A", &[(PRICE, money(p)), (STOCK, qty(q)), (NAME, text(n))]);
    let snaps = |e: Record, s: Record| {
        vec![
            Snapshot::new("erp", vec![e]),
            Snapshot::new("shop", vec![s]),
        ]
    };
    let p = plan(
        &rules,
        &snaps(erp("2.00", 3, "New"), erp("1.00", 2, "Old")),
        &BaseView::default(),
    );
    let fields: Vec<&str> = p.changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["name", "price.regular", "stock.quantity"]);

    // Flagged drift: both price and name edited on the shop since the base.
    let base = settle_all(&p, &BaseView::default());
    let p = plan(
        &rules,
        &snaps(erp("2.00", 3, "New"), erp("9.00", 3, "Edited")),
        &base,
    );
    let flagged: Vec<&str> = p.flagged_drift.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(flagged, ["name", "price.regular"]);

    // Conflicts: `newest` on stock.status and status, both sides disagree.
    rules.push(newest(FieldName::StockStatus, &["erp", "shop"], &[]));
    rules.push(newest(FieldName::Status, &["erp", "shop"], &[]));
    let word = |f: FieldName, w: &str| Value::from_json(f, &serde_json::json!(w)).unwrap();
    let with = |r: Record, st: &str, s: &str| {
        r.with(FieldName::StockStatus, word(FieldName::StockStatus, st))
            .with(FieldName::Status, word(FieldName::Status, s))
    };
    let p = plan(
        &rules,
        &snaps(
            with(erp("2.00", 3, "New"), "instock", "publish"),
            with(erp("2.00", 3, "New"), "outofstock", "draft"),
        ),
        &base,
    );
    let conflicts: Vec<&str> = p.conflicts.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(conflicts, ["status", "stock.status"]);
}

#[test]
fn max_changes_percentage_counts_changes_per_matched_sku() {
    let rules = price_rule(OnDrift::Overwrite);
    // Five matched SKUs; only A moves, and it needs two writes (shop and
    // outlet): 2 changes ÷ 5 SKUs = 40%, above 20% (the share of SKUs
    // with a change would be 20%, not above).
    let skus = ["A", "B", "C", "D", "E"];
    let side = |src: &str, price: &dyn Fn(&str) -> &'static str| {
        Snapshot::new(
            src,
            skus.iter()
                .map(|s| rec(s, &[(PRICE, money(price(s)))]))
                .collect(),
        )
    };
    let snaps = vec![
        side("erp", &|s| if s == "A" { "80.00" } else { "72.00" }),
        side("shop", &|_| "72.00"),
        side("outlet", &|_| "64.80"),
    ];
    let guards = Guards {
        max_changes: Some(Limit::Percent("20".parse().unwrap())),
        max_price_change: None,
    };
    let p = plan_with(&rules, &guards, &snaps, &BaseView::default());
    assert_eq!((p.summary.matched, p.changes.len()), (5, 2));
    assert_eq!(
        serde_json::to_string(&p.guards).unwrap(),
        r#"[{"name":"max_changes","limit":"20%","value":"40%","tripped":true}]"#
    );
    // 40% allows exactly those two changes.
    let guards = Guards {
        max_changes: Some(Limit::Percent("40".parse().unwrap())),
        max_price_change: None,
    };
    let p = plan_with(&rules, &guards, &snaps, &BaseView::default());
    assert!(!p.guards[0].tripped, "{:?}", p.guards);
}

#[test]
fn money_is_written_with_the_targets_scale() {
    let rules = vec![truth(
        PRICE,
        "erp",
        &[
            ("shop", Transform::default()),
            ("outlet", outlet_transform()),
        ],
        OnDrift::Overwrite,
    )];
    let to = |erp: &str, shop: Option<&str>| {
        let shop_rec = match shop {
            Some(p) => rec("A", &[(PRICE, money(p))]),
            None => rec("A", &[]).with(PRICE, None),
        };
        let snaps = vec![
            Snapshot::new("erp", vec![rec("A", &[(PRICE, money(erp))])]),
            Snapshot::new("shop", vec![shop_rec.clone()]),
            Snapshot::new("outlet", vec![rec("A", &[(PRICE, money("1"))])]),
        ];
        let p = plan(&rules, &snaps, &BaseView::default());
        // Applying the plan converges: the next run writes nothing.
        let applied = |target: &str, r: skusync_model::Record| {
            p.changes
                .iter()
                .filter(|c| c.target.as_str() == target)
                .fold(r, |r, c| r.with(c.field, c.to.clone()))
        };
        let next = vec![
            snaps[0].clone(),
            Snapshot::new("shop", vec![applied("shop", shop_rec)]),
            Snapshot::new(
                "outlet",
                vec![applied("outlet", rec("A", &[(PRICE, money("1"))]))],
            ),
        ];
        let again = plan(&rules, &next, &settle_all(&p, &BaseView::default()));
        assert!(again.changes.is_empty(), "{:?}", again.changes);
        let json = |target: &str| {
            p.changes
                .iter()
                .find(|c| c.target.as_str() == target)
                .map(|c| serde_json::to_string(&c.to).unwrap())
        };
        (json("shop"), json("outlet"))
    };
    let s = |v: &str| Some(format!("\"{v}\""));
    // The ERP's `12` into a store holding `10.00`: `12.00`.
    assert_eq!(to("12", Some("10.00")).0, s("12.00"));
    // `20,5` (read as 20.5) into `20.000`: `20.500`.
    assert_eq!(to("20.5", Some("20.000")).0, s("20.500"));
    // Never lose precision: 57.50 into `55` stays `57.50`; 57.00 is `57`.
    assert_eq!(to("57.50", Some("55")).0, s("57.50"));
    assert_eq!(to("57.00", Some("55")).0, s("57"));
    // An unset target: written as computed.
    assert_eq!(to("57.00", None).0, s("57.00"));
    // A `round: 0.01` step is authoritative: the outlet holds `1` (scale 0)
    // and gets 12 × 0.90 = `10.80`.
    assert_eq!(to("12", Some("10.00")).1, s("10.80"));
}

#[test]
fn newest_writes_the_winner_with_each_sides_scale() {
    let rules = vec![newest(PRICE, &["shop", "outlet"], &[])];
    let snaps = |shop: &str, outlet: &str| {
        vec![
            Snapshot::new("shop", vec![rec("A", &[(PRICE, money(shop))])]),
            Snapshot::new("outlet", vec![rec("A", &[(PRICE, money(outlet))])]),
        ]
    };
    let first = plan(&rules, &snaps("10.00", "10"), &BaseView::default());
    assert!(first.changes.is_empty(), "{:?}", first.changes);
    let base = settle_all(&first, &BaseView::default());
    // The outlet (no decimals) changes to 12; the shop keeps two decimals.
    let p = plan(&rules, &snaps("10.00", "12"), &base);
    assert_eq!(p.changes.len(), 1);
    assert_eq!(
        serde_json::to_string(&p.changes[0].to).unwrap(),
        r#""12.00""#
    );
}

#[test]
fn stock_status_is_not_written_where_the_quantity_derives_it() {
    use skusync_model::{FieldName, Record};
    let status = |w: &str| {
        Value::from_json(FieldName::StockStatus, &serde_json::json!(w))
            .unwrap()
            .unwrap()
    };
    let rules = vec![truth(
        FieldName::StockStatus,
        "erp",
        &[("shop", Transform::default())],
        OnDrift::Overwrite,
    )];
    let snaps = |shop: Record| {
        vec![
            Snapshot::new(
                "erp",
                vec![rec("A", &[(FieldName::StockStatus, status("outofstock"))])],
            ),
            Snapshot::new("shop", vec![shop]),
        ]
    };
    // The shop manages stock (it holds a quantity): no write, a conflict
    // that says why.
    let managed = rec(
        "A",
        &[(FieldName::StockStatus, status("instock")), (STOCK, qty(4))],
    );
    let p = plan(&rules, &snaps(managed.clone()), &BaseView::default());
    assert!(p.changes.is_empty(), "{:?}", p.changes);
    assert_eq!(
        serde_json::to_string(&p.conflicts).unwrap(),
        r#"[{"sku":"A","field":"stock.status","values":{"erp":"outofstock","shop":"instock"},"reason":"stock status is derived from the quantity on shop (the item manages stock)"}]"#
    );
    assert_eq!(p.summary.conflicts, 1);
    // The same with `stock.manage: true` and drift after a base.
    let flagged = rec("A", &[(FieldName::StockStatus, status("instock"))])
        .with(FieldName::StockManage, Some(Value::Flag(true)));
    let p = plan(&rules, &snaps(flagged), &BaseView::default());
    assert!(p.changes.is_empty() && p.conflicts.len() == 1, "{p:?}");
    // Not managed: the status is the shop's to set, and is written.
    let unmanaged = rec("A", &[(FieldName::StockStatus, status("instock"))]);
    let p = plan(&rules, &snaps(unmanaged), &BaseView::default());
    assert_eq!(p.changes.len(), 1);
    assert!(p.conflicts.is_empty());

    // `newest`: the outlet's change is not written to the managed shop.
    let rules = vec![newest(FieldName::StockStatus, &["outlet", "shop"], &[])];
    let snaps = |outlet: &str| {
        vec![
            Snapshot::new(
                "outlet",
                vec![rec("A", &[(FieldName::StockStatus, status(outlet))])],
            ),
            Snapshot::new("shop", vec![managed.clone()]),
        ]
    };
    let first = plan(&rules, &snaps("instock"), &BaseView::default());
    assert!(first.changes.is_empty() && first.conflicts.is_empty());
    let base = settle_all(&first, &BaseView::default());
    let p = plan(&rules, &snaps("onbackorder"), &base);
    assert!(p.changes.is_empty(), "{:?}", p.changes);
    assert_eq!(p.conflicts.len(), 1);
    assert_eq!(
        p.conflicts[0].reason,
        "stock status is derived from the quantity on shop (the item manages stock)"
    );
}
