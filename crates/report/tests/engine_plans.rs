//! Reports of plans the engine really computes (not hand-built): the text
//! and Markdown reports must explain what the engine decided, and the JSON
//! report must read back as the same plan.

use rust_decimal::Decimal;
use skusync_engine::{Inputs, plan};
use skusync_model::{
    BaseView, FieldName, FieldRule, Guards, Limit, MatchRules, OnDrift, Plan, Policy, Record, Seed,
    Snapshot, Transform, Value,
};
use skusync_report::{Format, RenderOptions, render};
use std::collections::BTreeMap;
use std::str::FromStr;

fn money(s: &str) -> Option<Value> {
    Decimal::from_str(s).ok().map(Value::Money)
}

fn rules() -> Vec<FieldRule> {
    let targets = |names: &[&str]| {
        names
            .iter()
            .map(|n| ((*n).into(), Transform::default()))
            .collect::<BTreeMap<_, _>>()
    };
    vec![
        FieldRule {
            field: FieldName::PriceRegular,
            policy: Policy::Truth {
                source: "erp".into(),
                targets: targets(&["shop"]),
            },
            on_drift: OnDrift::Overwrite,
            rule: "fields.price.regular".into(),
        },
        FieldRule {
            field: FieldName::StockQuantity,
            policy: Policy::MergeDelta {
                sides: vec!["shop".into(), "outlet".into()],
                seed: Seed::From("erp".into()),
                transforms: BTreeMap::new(),
            },
            on_drift: OnDrift::Overwrite,
            rule: "fields.stock.quantity".into(),
        },
        FieldRule {
            field: FieldName::Name,
            policy: Policy::Truth {
                source: "shop".into(),
                targets: targets(&["outlet"]),
            },
            on_drift: OnDrift::Overwrite,
            rule: "fields.name".into(),
        },
    ]
}

/// A first run: no base, the shop and the outlet disagree with the ERP.
fn first_run() -> Plan {
    let erp = Snapshot::new(
        "erp",
        vec![
            Record::new("KREM-50")
                .with(FieldName::PriceRegular, money("72.00"))
                .with(FieldName::StockQuantity, Some(Value::Quantity(12))),
            Record::new("ERP-ONLY").with(FieldName::PriceRegular, money("1.00")),
        ],
    );
    let shop = Snapshot::new(
        "shop",
        vec![
            Record::new("KREM-50")
                .with_remote(41, None)
                .with(FieldName::PriceRegular, money("69.00"))
                .with(FieldName::StockQuantity, Some(Value::Quantity(10)))
                .with(FieldName::Name, Some(Value::Text("Krem 50 ml".into()))),
        ],
    );
    let outlet = Snapshot::new(
        "outlet",
        vec![
            Record::new("KREM-50")
                .with_remote(7, None)
                .with(FieldName::StockQuantity, Some(Value::Quantity(11)))
                .with(FieldName::Name, Some(Value::Text("Krem 50ml".into()))),
        ],
    );
    let fields = rules();
    let guards = Guards {
        max_changes: Some(Limit::Percent(Decimal::from(20))),
        max_price_change: Some(Decimal::from(50)),
    };
    plan(&Inputs {
        fields: &fields,
        matching: &MatchRules::default(),
        guards: &guards,
        snapshots: &[erp, shop, outlet],
        base: &BaseView::default(),
        generated_at: "2026-11-24T10:00:00Z",
        rules_digest: "sha256:rules",
    })
}

#[test]
fn text_explains_the_engines_decisions() {
    let p = first_run();
    assert!(!p.changes.is_empty(), "the engine planned changes: {p:?}");
    let out = render(&p, Format::Text, &RenderOptions::default()).unwrap();
    for change in &p.changes {
        assert!(
            out.contains(&format!("Changes on {}", change.target)),
            "{out}"
        );
        assert!(out.contains(change.field.as_str()), "{out}");
    }
    assert!(out.contains("69.00 → 72.00"), "{out}");
    assert!(out.contains("4 changes on 2 targets (1 SKU)"), "{out}");
    assert!(
        out.contains("10 → 12        merge (absolute write, no base yet)"),
        "{out}"
    );
    assert!(out.contains("truth from erp (no base yet)"), "{out}");
    assert!(out.contains("~ Krem 50{+ +}ml"), "{out}");
    assert!(out.contains("erp (1): ERP-ONLY"), "{out}");
    assert!(
        out.contains("TRIPPED"),
        "1 of 1 matched SKU changes: over 20%: {out}"
    );
    let md = render(&p, Format::Markdown, &RenderOptions::default()).unwrap();
    assert!(
        md.contains("| KREM-50 | price.regular | 69.00 | 72.00 | truth |"),
        "{md}"
    );
}

#[test]
fn json_report_reads_back_as_the_engines_plan() {
    let p = first_run();
    let out = render(&p, Format::Json, &RenderOptions::default()).unwrap();
    let back: Plan = serde_json::from_str(&out).unwrap();
    assert_eq!(back.changes, p.changes);
    assert_eq!(back.summary, p.summary);
    assert_eq!(back.unmatched, p.unmatched);
    assert_eq!(back.guards, p.guards);
}
