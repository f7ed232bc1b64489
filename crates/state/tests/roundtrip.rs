//! Engine and state together: a plan settled, recorded in sled and loaded
//! back gives the same next plan as the in-memory base (money scales, unset
//! values and pools survive the round trip).

use skusync_engine::{Inputs, Outcome, plan, settle};
use skusync_model::{
    BaseView, FieldName, FieldRule, Guards, MatchRules, OnDrift, Plan, Policy, Record, Seed,
    Snapshot, SourceId, Transform, Value,
};
use skusync_state::{RunId, StateStore};
use std::collections::BTreeMap;
use std::str::FromStr;

fn money(s: &str) -> Option<Value> {
    Some(Value::Money(rust_decimal::Decimal::from_str(s).unwrap()))
}

fn rules() -> Vec<FieldRule> {
    let truth = |field: FieldName| FieldRule {
        field,
        policy: Policy::Truth {
            source: "erp".into(),
            targets: [(SourceId::new("shop"), Transform::default())]
                .into_iter()
                .collect(),
        },
        on_drift: OnDrift::Overwrite,
        rule: format!("fields.{field}"),
    };
    vec![
        truth(FieldName::PriceRegular),
        truth(FieldName::PriceSale),
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
    ]
}

fn snapshots(shop_stock: i64) -> Vec<Snapshot> {
    vec![
        Snapshot::new(
            "erp",
            vec![
                Record::new("A")
                    .with(FieldName::PriceRegular, money("72.00"))
                    .with(FieldName::PriceSale, None)
                    .with(FieldName::StockQuantity, Some(Value::Quantity(10))),
            ],
        ),
        Snapshot::new(
            "shop",
            vec![
                Record::new("A")
                    .with(FieldName::PriceRegular, money("72"))
                    .with(FieldName::PriceSale, money("60.00"))
                    .with(FieldName::StockQuantity, Some(Value::Quantity(shop_stock))),
            ],
        ),
        Snapshot::new(
            "outlet",
            vec![Record::new("A").with(FieldName::StockQuantity, Some(Value::Quantity(10)))],
        ),
    ]
}

fn planned(snaps: &[Snapshot], base: &BaseView) -> Plan {
    plan(&Inputs {
        fields: &rules(),
        matching: &MatchRules::default(),
        guards: &Guards::default(),
        snapshots: snaps,
        base,
        generated_at: "2026-11-24T10:00:00Z",
        rules_digest: "r",
    })
}

#[test]
fn recorded_state_plans_like_the_in_memory_base() {
    let dir = tempfile::tempdir().unwrap();
    let store = StateStore::open(dir.path()).unwrap();
    let run = RunId::new("r1").unwrap();

    let first = planned(&snapshots(10), &store.load_base().unwrap());
    // One change: the sale price becomes unset on the shop.
    assert_eq!(first.changes.len(), 1);
    let updates = settle(&first, |_, _| Outcome::Confirmed);
    store
        .record(&run, "2026-11-24T10:00:01Z", &updates)
        .unwrap();
    let mut memory = BaseView::default();
    memory.apply_updates(&updates, "2026-11-24T10:00:01Z", "r1");
    let loaded = store.load_base().unwrap();
    assert_eq!(loaded, memory);

    // The shop sells 3 and the sale price was written: the next plans from
    // sled and from memory are identical.
    let mut later = snapshots(7);
    later[1].records[0]
        .fields
        .insert(FieldName::PriceSale, None);
    let from_sled = planned(&later, &loaded);
    let from_memory = planned(&later, &memory);
    assert_eq!(from_sled, from_memory);
    assert_eq!(from_sled.changes.len(), 1, "{:?}", from_sled.changes);
    assert_eq!(from_sled.changes[0].target.as_str(), "outlet");
    assert_eq!(from_sled.changes[0].delta, Some(-3));
}
