//! Generated tests of the guarantees in `SEMANTICS.md`: convergence, no
//! ping-pong, delta-merge conservation (with failed writes and sales that
//! land between read and write), missing is never zero, determinism.
//!
//! The tests run plans against an in-memory simulator: each source is a map
//! of SKU → record; applying a plan writes each change's `to` (or adds its
//! `delta` for relative writes, as WooCommerce's `inventory_delta` does) and
//! records the state the engine's `settle` returns into a `BaseView`.
#![allow(clippy::needless_range_loop)]

mod common;

use common::*;
use proptest::prelude::*;
use skusync_engine::{Outcome, settle};
use skusync_model::{
    BaseView, Change, FieldName, FieldRule, OnDrift, Plan, Record, Rounding, RoundingMode, Seed,
    Snapshot, SourceId, Transform, Value,
};
use std::collections::BTreeMap;

const SOURCES: [&str; 3] = ["erp", "outlet", "shop"];

/// Every source's records by SKU.
#[derive(Debug, Clone, PartialEq)]
struct World(BTreeMap<&'static str, BTreeMap<String, Record>>);

impl World {
    fn snapshots(&self) -> Vec<Snapshot> {
        self.0
            .iter()
            .map(|(s, recs)| Snapshot::new(*s, recs.values().cloned().collect()))
            .collect()
    }

    fn value(&self, source: &str, sku: &str, field: FieldName) -> Option<Option<Value>> {
        self.0.get(source)?.get(sku)?.fields.get(field).cloned()
    }

    /// Applies one change as the target would: relative changes add their
    /// delta to whatever the target holds now.
    fn write(&mut self, c: &Change) {
        let rec = self
            .0
            .get_mut(c.target.as_str())
            .and_then(|m| m.get_mut(c.sku.as_str()))
            .expect("a change only targets a listed record");
        match (c.delta, rec.fields.get(c.field)) {
            (Some(d), Some(Some(Value::Quantity(q)))) => {
                let q = *q;
                rec.fields.insert(c.field, Some(Value::Quantity(q + d)));
            }
            _ => {
                rec.fields.insert(c.field, c.to.clone());
            }
        }
    }

    fn edit(&mut self, e: &Edit) {
        let Some(map) = self.0.get_mut(SOURCES[e.source]) else {
            return;
        };
        let sku = sku_name(e.sku);
        match &e.what {
            EditKind::Set(field, v) => {
                map.entry(sku.clone())
                    .or_insert_with(|| Record::new(sku.as_str()))
                    .fields
                    .insert(*field, v.clone());
            }
            EditKind::Sell(n) => {
                if let Some(Some(Value::Quantity(q))) =
                    map.get_mut(&sku).and_then(|r| r.fields.get_mut(STOCK))
                {
                    *q -= n;
                }
            }
            EditKind::DropField(field) => {
                if let Some(r) = map.get_mut(&sku) {
                    r.fields.remove(*field);
                }
            }
            EditKind::DropRecord => {
                map.remove(&sku);
            }
        }
    }
}

fn sku_name(i: usize) -> String {
    format!("SKU-{i}")
}

#[derive(Debug, Clone)]
enum EditKind {
    Set(FieldName, Option<Value>),
    Sell(i64),
    DropField(FieldName),
    DropRecord,
}

#[derive(Debug, Clone)]
struct Edit {
    source: usize,
    sku: usize,
    what: EditKind,
}

fn price_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just("10"),
        Just("10.00"),
        Just("9.5"),
        Just("19.99"),
        Just("0.05"),
        Just("120.40")
    ]
    .prop_map(money)
}

fn name_value() -> impl Strategy<Value = Value> {
    prop_oneof![Just("Tee"), Just("T-shirt"), Just("Shirt")].prop_map(text)
}

fn field_value(field: FieldName) -> BoxedStrategy<Option<Value>> {
    match field {
        FieldName::PriceRegular => price_value().prop_map(Some).boxed(),
        FieldName::StockQuantity => (0i64..30).prop_map(|q| Some(qty(q))).boxed(),
        _ => name_value().prop_map(Some).boxed(),
    }
}

const FIELDS: [FieldName; 3] = [PRICE, STOCK, NAME];

/// A catalog of up to `n` SKUs; each source lists each SKU with most fields.
fn world(n: usize) -> impl Strategy<Value = World> {
    let rec = |i: usize| {
        (
            any::<bool>(),
            proptest::collection::vec(proptest::option::weighted(0.85, any::<u8>()), 3),
            field_value(PRICE),
            field_value(STOCK),
            field_value(NAME),
        )
            .prop_map(move |(listed, present, p, s, nm)| {
                if !listed && i.is_multiple_of(3) {
                    return None;
                }
                let mut r = Record::new(sku_name(i).as_str()).with_remote(i as u64 + 1, None);
                for ((f, v), keep) in FIELDS.iter().zip([p, s, nm]).zip(&present) {
                    if keep.is_some() {
                        r.fields.insert(*f, v);
                    }
                }
                Some(r)
            })
    };
    let per_source = move || {
        (0..n).map(rec).collect::<Vec<_>>().prop_map(|v| {
            v.into_iter()
                .flatten()
                .map(|r| (r.sku.to_string(), r))
                .collect()
        })
    };
    (per_source(), per_source(), per_source()).prop_map(|(a, b, c)| {
        World(
            [("erp", a), ("outlet", b), ("shop", c)]
                .into_iter()
                .collect::<BTreeMap<_, BTreeMap<String, Record>>>(),
        )
    })
}

fn outlet_price_transform() -> impl Strategy<Value = Transform> {
    prop_oneof![
        Just(Transform::default()),
        Just(Transform {
            multiply: Some("0.90".parse().unwrap()),
            round: Some(Rounding {
                step: "0.01".parse().unwrap(),
                mode: RoundingMode::HalfUp,
            }),
            ..Transform::default()
        }),
        Just(Transform {
            add: Some("1.00".parse().unwrap()),
            ..Transform::default()
        }),
    ]
}

/// Rules over the three fields: price truth, stock merge, name newest.
fn rules() -> impl Strategy<Value = Vec<FieldRule>> {
    (
        outlet_price_transform(),
        prop_oneof![Just(OnDrift::Overwrite), Just(OnDrift::Flag)],
        prop_oneof![
            Just(Seed::From("erp".into())),
            Just(Seed::Min),
            Just(Seed::Max),
            Just(Seed::From("shop".into()))
        ],
        proptest::option::of(0i64..3),
        prop_oneof![
            Just(vec![]),
            Just(vec!["shop"]),
            Just(vec!["outlet", "shop"])
        ],
    )
        .prop_map(|(pt, on_drift, seed, buffer, prefer)| {
            let mut stock = merge(STOCK, &["shop", "outlet"], seed);
            if let (Some(b), skusync_model::Policy::MergeDelta { transforms, .. }) =
                (buffer, &mut stock.policy)
            {
                transforms.insert(
                    "outlet".into(),
                    Transform {
                        buffer: Some(b),
                        ..Transform::default()
                    },
                );
            }
            vec![
                truth(
                    PRICE,
                    "erp",
                    &[("shop", Transform::default()), ("outlet", pt)],
                    on_drift,
                ),
                stock,
                newest(NAME, &["shop", "outlet"], &prefer),
            ]
        })
}

fn edit(n: usize) -> impl Strategy<Value = Edit> {
    (
        0..SOURCES.len(),
        0..n,
        prop_oneof![
            4 => (0..FIELDS.len()).prop_flat_map(|f| field_value(FIELDS[f]).prop_map(move |v| EditKind::Set(FIELDS[f], v))),
            3 => (-3i64..6).prop_map(EditKind::Sell),
            1 => (0..FIELDS.len()).prop_map(|f| EditKind::DropField(FIELDS[f])),
            1 => Just(EditKind::DropRecord),
        ],
    )
        .prop_map(|(source, sku, what)| Edit { source, sku, what })
}

/// Applies a plan: writes the changes `fail` lets through, and records the
/// settled state.
fn apply(
    world: &mut World,
    base: &mut BaseView,
    plan: &Plan,
    run: &str,
    mut fail: impl FnMut(&Change) -> bool,
) {
    let outcomes: Vec<Outcome> = plan
        .changes
        .iter()
        .map(|c| {
            if fail(c) {
                Outcome::Failed
            } else {
                world.write(c);
                Outcome::Confirmed
            }
        })
        .collect();
    let updates = settle(plan, |i, _| outcomes[i]);
    base.apply_updates(&updates, "t", run);
}

fn run(world: &World, base: &BaseView, rules: &[FieldRule]) -> Plan {
    plan(rules, &world.snapshots(), base)
}

const N: usize = 6;

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    /// Apply every change of a plan, with no outside edits: the next plan is empty.
    #[test]
    fn convergence(w in world(N), rules in rules(), edits in proptest::collection::vec(edit(N), 0..8)) {
        let mut w = w;
        let mut base = BaseView::default();
        // A first run from an empty base, then outside edits, then a run.
        let p = run(&w, &base, &rules);
        apply(&mut w, &mut base, &p, "r1", |_| false);
        for e in &edits { w.edit(e); }
        let p = run(&w, &base, &rules);
        apply(&mut w, &mut base, &p, "r2", |_| false);
        let again = run(&w, &base, &rules);
        prop_assert!(again.changes.is_empty(), "not converged: {:?}", again.changes);
    }

    /// Many runs with outside edits only where generated: every run
    /// converges, and a value skusync wrote is never written back.
    #[test]
    fn no_ping_pong(w in world(N), rules in rules(),
                    rounds in proptest::collection::vec(proptest::collection::vec(edit(N), 0..4), 1..8),
                    fails in proptest::collection::vec(any::<bool>(), 64)) {
        let mut w = w;
        let mut base = BaseView::default();
        let mut k = 0usize;
        for (i, edits) in rounds.iter().enumerate() {
            for e in edits { w.edit(e); }
            // Some writes fail; the next runs must still settle down.
            let p = run(&w, &base, &rules);
            apply(&mut w, &mut base, &p, &format!("r{i}"), |_| { k += 1; fails[k % fails.len()] && k.is_multiple_of(3) });
            let mut history: Vec<Vec<Change>> = Vec::new();
            for j in 0..3 {
                let p = run(&w, &base, &rules);
                apply(&mut w, &mut base, &p, &format!("r{i}-{j}"), |_| false);
                history.push(p.changes.clone());
            }
            // After a run where every write succeeds, nothing more moves.
            prop_assert!(history[1].is_empty() && history[2].is_empty(), "still moving: {:?}", history);
        }
    }

    /// Sales s_i on the sides and one completed run: every side holds
    /// t_i(P − Σ s). Failed writes and sales landing between the read and
    /// the write are still counted exactly once; the next run completes.
    #[test]
    fn delta_merge_conservation(start in proptest::collection::vec(0i64..50, N),
                                buffer in proptest::option::of(0i64..3),
                                sales in proptest::collection::vec((0usize..2, 0..N, -4i64..6), 0..20),
                                late in proptest::collection::vec((0usize..2, 0..N, -2i64..4), 0..6),
                                fails in proptest::collection::vec(any::<bool>(), 8)) {
        let sides = ["shop", "outlet"];
        let mut rule = merge(STOCK, &sides, Seed::From("erp".into()));
        let t = |p: i64, side: &str| if side == "outlet" { p - buffer.unwrap_or(0) } else { p };
        if let (Some(b), skusync_model::Policy::MergeDelta { transforms, .. }) = (buffer, &mut rule.policy) {
            transforms.insert("outlet".into(), Transform { buffer: Some(b), ..Transform::default() });
        }
        let rules = vec![rule];
        let mut w = World(BTreeMap::new());
        for s in ["erp", "outlet", "shop"] {
            w.0.insert(s, (0..N).map(|i| (sku_name(i), rec(&sku_name(i), &[(STOCK, qty(start[i] % 7))]).with_remote(i as u64, None))).collect());
        }
        for (i, q) in start.iter().enumerate() {
            w.0.get_mut("erp").unwrap().get_mut(&sku_name(i)).unwrap().fields.insert(STOCK, Some(qty(*q)));
        }
        let mut base = BaseView::default();
        let p = run(&w, &base, &rules);
        apply(&mut w, &mut base, &p, "seed", |_| false);
        for i in 0..N {
            for s in sides {
                prop_assert_eq!(w.value(s, &sku_name(i), STOCK), Some(Some(qty(t(start[i], s)))));
            }
        }
        let mut sold = [0i64; N];
        for &(side, i, n) in &sales {
            w.edit(&Edit { source: if side == 0 { 2 } else { 1 }, sku: i, what: EditKind::Sell(n) });
            sold[i] += n;
        }
        // Plan, then late sales land before the writes; some writes fail.
        let p = run(&w, &base, &rules);
        for &(side, i, n) in &late {
            w.edit(&Edit { source: if side == 0 { 2 } else { 1 }, sku: i, what: EditKind::Sell(n) });
            sold[i] += n;
        }
        let mut k = 0;
        apply(&mut w, &mut base, &p, "sales", |_| { k += 1; fails[k % fails.len()] });
        // Two more runs with every write succeeding: the first completes the
        // merge (failed writes, late sales), the second finds nothing.
        let p = run(&w, &base, &rules);
        apply(&mut w, &mut base, &p, "complete", |_| false);
        let p = run(&w, &base, &rules);
        prop_assert!(p.changes.is_empty(), "{:?}", p.changes);
        for i in 0..N {
            let pool = start[i] - sold[i];
            prop_assert_eq!(base.pool(&sku_name(i).as_str().into(), STOCK), Some(pool));
            for s in sides {
                prop_assert_eq!(w.value(s, &sku_name(i), STOCK), Some(Some(qty(t(pool, s)))), "side {} sku {}", s, i);
            }
        }
    }

    /// Removing a SKU (or a field) from a source never produces a change for
    /// it there, and in a converged world produces no change at all.
    #[test]
    fn missing_is_never_zero(w in world(N), rules in rules(), source in 0..3usize, sku in 0..N, field in proptest::option::of(0..FIELDS.len())) {
        let mut w = w;
        let mut base = BaseView::default();
        let p = run(&w, &base, &rules);
        apply(&mut w, &mut base, &p, "r1", |_| false);
        let conflicts_before = run(&w, &base, &rules).conflicts.len();
        let what = match field { Some(f) => EditKind::DropField(FIELDS[f]), None => EditKind::DropRecord };
        w.edit(&Edit { source, sku, what });
        let p = run(&w, &base, &rules);
        let name = sku_name(sku);
        for c in &p.changes {
            prop_assert!(w.value(c.target.as_str(), c.sku.as_str(), c.field).is_some(), "wrote a missing value: {:?}", c);
        }
        // Unresolved conflicts aside, a converged world stays put.
        if conflicts_before == 0 {
            prop_assert!(p.changes.is_empty(), "removing {} from {} changed: {:?}", name, SOURCES[source], p.changes);
        }
    }

    /// The same inputs, in any order, give byte-identical JSON, and the JSON
    /// reads back as the same plan.
    #[test]
    fn determinism(w in world(N), rules in rules(), edits in proptest::collection::vec(edit(N), 0..6), seed in any::<u64>()) {
        let mut w = w;
        let mut base = BaseView::default();
        let p = run(&w, &base, &rules);
        apply(&mut w, &mut base, &p, "r1", |c| c.sku.as_str().ends_with('1'));
        for e in &edits { w.edit(e); }
        let snaps = w.snapshots();
        let mut shuffled = snaps.clone();
        shuffled.reverse();
        for s in &mut shuffled {
            let len = s.records.len();
            if len > 1 { s.records.rotate_left((seed as usize) % len); }
        }
        let planned = plan(&rules, &snaps, &base);
        let a = serde_json::to_string(&planned).unwrap();
        let b = serde_json::to_string(&plan(&rules, &shuffled, &base.clone())).unwrap();
        prop_assert_eq!(&a, &b);
        // `apply --plan plan.json` reads back exactly what was planned.
        let back: Plan = serde_json::from_str(&a).unwrap();
        prop_assert_eq!(back, planned);
    }
}

#[test]
fn sources_are_sorted_names() {
    // The simulator relies on SourceId order matching SOURCES.
    let mut ids: Vec<SourceId> = SOURCES.iter().map(|s| SourceId::new(*s)).collect();
    ids.sort();
    assert_eq!(
        ids.iter().map(SourceId::as_str).collect::<Vec<_>>(),
        SOURCES
    );
}
