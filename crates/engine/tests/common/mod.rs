//! Builders shared by the engine's integration tests.
#![allow(dead_code)]

use rust_decimal::Decimal;
use skusync_model::{
    BaseView, FieldName, FieldRule, Guards, MatchRules, OnDrift, Plan, Policy, Record, Seed,
    Snapshot, SourceId, Transform, Value,
};
use std::collections::BTreeMap;
use std::str::FromStr;

pub const PRICE: FieldName = FieldName::PriceRegular;
pub const STOCK: FieldName = FieldName::StockQuantity;
pub const NAME: FieldName = FieldName::Name;

pub fn money(s: &str) -> Value {
    Value::Money(Decimal::from_str(s).unwrap())
}

pub fn qty(q: i64) -> Value {
    Value::Quantity(q)
}

pub fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

pub fn rec(sku: &str, fields: &[(FieldName, Value)]) -> Record {
    let mut r = Record::new(sku);
    for (f, v) in fields {
        r = r.with(*f, Some(v.clone()));
    }
    r
}

pub fn truth(
    field: FieldName,
    source: &str,
    targets: &[(&str, Transform)],
    on_drift: OnDrift,
) -> FieldRule {
    FieldRule {
        field,
        policy: Policy::Truth {
            source: source.into(),
            targets: targets
                .iter()
                .map(|(t, tr)| (SourceId::new(*t), tr.clone()))
                .collect(),
        },
        on_drift,
        rule: format!("fields.{field}"),
    }
}

pub fn merge(field: FieldName, sides: &[&str], seed: Seed) -> FieldRule {
    FieldRule {
        field,
        policy: Policy::MergeDelta {
            sides: sides.iter().map(|s| SourceId::new(*s)).collect(),
            seed,
            transforms: BTreeMap::new(),
        },
        on_drift: OnDrift::Overwrite,
        rule: format!("fields.{field}"),
    }
}

pub fn newest(field: FieldName, sides: &[&str], prefer: &[&str]) -> FieldRule {
    FieldRule {
        field,
        policy: Policy::Newest {
            sides: sides.iter().map(|s| SourceId::new(*s)).collect(),
            prefer: prefer.iter().map(|s| SourceId::new(*s)).collect(),
        },
        on_drift: OnDrift::Overwrite,
        rule: format!("fields.{field}"),
    }
}

pub fn plan_with(
    rules: &[FieldRule],
    guards: &Guards,
    snaps: &[Snapshot],
    base: &BaseView,
) -> Plan {
    skusync_engine::plan(&skusync_engine::Inputs {
        fields: rules,
        matching: &MatchRules::default(),
        guards,
        snapshots: snaps,
        base,
        generated_at: "2026-11-24T10:00:00Z",
        rules_digest: "test",
    })
}

pub fn plan(rules: &[FieldRule], snaps: &[Snapshot], base: &BaseView) -> Plan {
    plan_with(rules, &Guards::default(), snaps, base)
}

/// Records every change as confirmed and returns the next base.
pub fn settle_all(plan: &Plan, base: &BaseView) -> BaseView {
    let updates = skusync_engine::settle(plan, |_, _| skusync_engine::Outcome::Confirmed);
    let mut next = base.clone();
    next.apply_updates(&updates, "t", "run");
    next
}

/// The plan's changes as compact JSON lines, for exact comparisons.
pub fn change_lines(plan: &Plan) -> Vec<String> {
    plan.changes
        .iter()
        .map(|c| serde_json::to_string(c).unwrap())
        .collect()
}
