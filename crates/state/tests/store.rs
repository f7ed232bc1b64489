//! The state store against a real sled database in a temporary directory.

use skusync_model::{FieldName, Sku, SourceId, StateUpdate, Value};
use skusync_state::{
    ItemOutcome, JournalBatch, JournalItem, RunId, RunStatus, RunSummary, StateError, StateStore,
    marker,
};
use std::str::FromStr;

fn base(side: &str, sku: &str, field: FieldName, value: Option<Value>) -> StateUpdate {
    StateUpdate::Base {
        side: side.into(),
        sku: sku.into(),
        field,
        value,
    }
}

fn money(s: &str) -> Value {
    Value::Money(rust_decimal::Decimal::from_str(s).unwrap())
}

#[test]
fn records_and_loads_base_with_versions_and_scale() {
    let dir = tempfile::tempdir().unwrap();
    let run1 = RunId::new("r1").unwrap();
    let run2 = RunId::new("r2").unwrap();
    {
        let store = StateStore::open(dir.path()).unwrap();
        store
            .record(
                &run1,
                "2026-11-24T10:00:00Z",
                &[
                    base("shop", "A", FieldName::PriceRegular, Some(money("72.00"))),
                    base("shop", "A", FieldName::PriceSale, None),
                    base(
                        "outlet",
                        "A",
                        FieldName::StockQuantity,
                        Some(Value::Quantity(4)),
                    ),
                    StateUpdate::Pool {
                        sku: "A".into(),
                        field: FieldName::StockQuantity,
                        value: 4,
                    },
                    base(
                        "shop",
                        "B",
                        FieldName::Name,
                        Some(Value::Text("Tee".into())),
                    ),
                ],
            )
            .unwrap();
        store
            .record(
                &run2,
                "2026-11-24T11:00:00Z",
                &[base(
                    "shop",
                    "A",
                    FieldName::PriceRegular,
                    Some(money("75.00")),
                )],
            )
            .unwrap();
        store.flush().unwrap();
    }
    // Reopened: everything persisted.
    let store = StateStore::open(dir.path()).unwrap();
    let view = store.load_base().unwrap();
    assert_eq!(view.len(), 4);
    let shop = SourceId::new("shop");
    let a = Sku::new("A");
    let price = view.get(&shop, &a, FieldName::PriceRegular).unwrap();
    assert_eq!(price.value.as_ref().unwrap().to_string(), "75.00");
    assert_eq!(
        (price.version, &*price.at, &*price.run),
        (2, "2026-11-24T11:00:00Z", "r2")
    );
    let sale = view.get(&shop, &a, FieldName::PriceSale).unwrap();
    assert_eq!((sale.value.clone(), sale.version), (None, 1));
    assert_eq!(view.pool(&a, FieldName::StockQuantity), Some(4));

    let scoped = store.load_base_for([&Sku::new("B")]).unwrap();
    assert_eq!(scoped.len(), 1);
    assert!(scoped.get(&shop, &Sku::new("B"), FieldName::Name).is_some());
    assert_eq!(scoped.pool(&a, FieldName::StockQuantity), None);
}

#[test]
fn a_bad_update_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = StateStore::open(dir.path()).unwrap();
    let run = RunId::new("r1").unwrap();
    let err = store
        .record(
            &run,
            "t",
            &[
                base("shop", "A", FieldName::Name, Some(Value::Text("x".into()))),
                base("shop", "B\0C", FieldName::Name, None),
            ],
        )
        .unwrap_err();
    assert!(matches!(err, StateError::BadKey { .. }), "{err}");
    assert!(store.load_base().unwrap().is_empty());
}

#[test]
fn a_second_process_is_told_the_state_is_locked() {
    let dir = tempfile::tempdir().unwrap();
    let _held = StateStore::open(dir.path()).unwrap();
    let err = StateStore::open(dir.path()).unwrap_err();
    assert!(matches!(err, StateError::Locked { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(&dir.path().display().to_string()), "{msg}");
    assert!(msg.contains("locked by another skusync process"), "{msg}");
}

#[test]
fn watermarks_are_opaque_strings_per_source() {
    let dir = tempfile::tempdir().unwrap();
    let store = StateStore::open(dir.path()).unwrap();
    let shop = SourceId::new("shop");
    assert_eq!(store.watermark(&shop, "modified_after").unwrap(), None);
    store
        .set_watermark(&shop, "modified_after", "2026-11-24T10:00:00")
        .unwrap();
    store
        .set_watermark(&"erp".into(), "drops", r#"{"seen":["a.csv"]}"#)
        .unwrap();
    assert_eq!(
        store.watermark(&shop, "modified_after").unwrap().as_deref(),
        Some("2026-11-24T10:00:00")
    );
    assert_eq!(
        store.watermark(&"erp".into(), "drops").unwrap().as_deref(),
        Some(r#"{"seen":["a.csv"]}"#)
    );
}

#[test]
fn forget_a_source_or_a_sku() {
    let dir = tempfile::tempdir().unwrap();
    let store = StateStore::open(dir.path()).unwrap();
    let run = RunId::new("r1").unwrap();
    store
        .record(
            &run,
            "t",
            &[
                base(
                    "shop",
                    "A",
                    FieldName::StockQuantity,
                    Some(Value::Quantity(1)),
                ),
                base(
                    "shopx",
                    "A",
                    FieldName::StockQuantity,
                    Some(Value::Quantity(1)),
                ),
                base(
                    "shop",
                    "B",
                    FieldName::StockQuantity,
                    Some(Value::Quantity(2)),
                ),
                base(
                    "outlet",
                    "B",
                    FieldName::StockQuantity,
                    Some(Value::Quantity(2)),
                ),
                StateUpdate::Pool {
                    sku: "B".into(),
                    field: FieldName::StockQuantity,
                    value: 2,
                },
            ],
        )
        .unwrap();
    store.set_watermark(&"shop".into(), "w", "1").unwrap();
    let f = store.forget_source(&"shop".into()).unwrap();
    assert_eq!((f.base, f.pools, f.watermarks), (2, 0, 1));
    let view = store.load_base().unwrap();
    assert_eq!(view.len(), 2, "shopx and outlet stay");
    let f = store.forget_sku(&"B".into()).unwrap();
    assert_eq!((f.base, f.pools), (1, 1));
    let view = store.load_base().unwrap();
    assert_eq!(view.len(), 1);
    assert_eq!(view.pool(&"B".into(), FieldName::StockQuantity), None);
}

#[test]
fn journal_records_batches_before_outcomes_and_lists_open_runs() {
    let dir = tempfile::tempdir().unwrap();
    let run = RunId::new("20261124T100000Z-1").unwrap();
    {
        let store = StateStore::open(dir.path()).unwrap();
        store
            .begin_run(&run, "2026-11-24T10:00:00Z", r#"{"plan_version":1}"#)
            .unwrap();
        let item = |i: u32, sku: &str| JournalItem {
            item: i,
            marker: marker(&run, "b1", i),
            sku: sku.into(),
            field: FieldName::StockQuantity,
            remote: None,
            change: i as usize,
        };
        store
            .record_batch(
                &run,
                &JournalBatch {
                    target: "shop".into(),
                    batch: "b1".into(),
                    items: vec![item(0, "A"), item(1, "B")],
                    outcomes: vec![],
                },
            )
            .unwrap();
        // Crash here: the batch is journalled, outcomes pending.
    }
    let store = StateStore::open(dir.path()).unwrap();
    let open = store.open_runs().unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].run, run);
    assert_eq!(store.run_plan(&run).unwrap(), r#"{"plan_version":1}"#);
    let batches = store.batches(&run).unwrap();
    assert_eq!(batches[0].items[1].marker, "20261124T100000Z-1:b1:1");
    assert_eq!(
        batches[0].outcomes,
        vec![ItemOutcome::Pending, ItemOutcome::Pending]
    );

    store
        .record_outcomes(
            &run,
            "b1",
            &[
                ItemOutcome::Confirmed,
                ItemOutcome::Failed {
                    message: "woocommerce_rest_invalid_id (400)".into(),
                },
            ],
        )
        .unwrap();
    assert_eq!(
        store.batches(&run).unwrap()[0].outcomes[0],
        ItemOutcome::Confirmed
    );
    store
        .complete_run(
            &run,
            "2026-11-24T10:00:05Z",
            RunStatus::Completed,
            RunSummary {
                planned: 2,
                confirmed: 1,
                failed: 1,
                ..RunSummary::default()
            },
        )
        .unwrap();
    assert!(store.open_runs().unwrap().is_empty());
    let history = store.history().unwrap();
    assert_eq!(history[0].status, RunStatus::Completed);
    assert_eq!(history[0].summary.as_ref().unwrap().failed, 1);
    assert_eq!(store.prune_journal().unwrap(), 2);
    assert!(store.batches(&run).unwrap().is_empty());
    assert_eq!(store.history().unwrap().len(), 1);
}

#[test]
fn run_ids_cannot_break_markers() {
    assert!(RunId::new("a:b").is_err());
    assert!(RunId::new("").is_err());
    assert!(RunId::new("run-1_2.3").is_ok());
}
