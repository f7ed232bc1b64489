//! The plan: the engine's output, exactly the plan JSON contract of
//! `DESIGN.md` (`plan_version: 1`).
//!
//! Serialising a [`Plan`] with `serde_json` gives the contract's JSON; the
//! fields marked *extension* are additions the contract allows (they are
//! skipped when empty). Changes are ordered by target, then SKU, then the
//! field's name as a string (`name` < `price.regular` < … < `stock.status`).

use crate::field::FieldName;
use crate::record::RemoteId;
use crate::sku::{Sku, SourceId};
use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Why a change is planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// `truth`: the owning source's value propagates.
    Truth,
    /// `drift`: the target was edited directly and is corrected.
    Drift,
    /// `merge`: a `merge: delta` pool moved.
    Merge,
    /// `newest`: the one side that changed propagates.
    Newest,
}

/// One planned field change on one target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The system written to.
    pub target: SourceId,
    /// The canonical SKU.
    pub sku: Sku,
    /// The field.
    pub field: FieldName,
    /// The target's current value.
    pub from: Option<Value>,
    /// The value after the change.
    pub to: Option<Value>,
    /// The last agreed value (`null` on a first run).
    pub base: Option<Value>,
    /// Why.
    pub reason: Reason,
    /// The winning source (the truth, the newest side; `null` for a merge).
    pub source: Option<SourceId>,
    /// The rules entry that decided it (`fields.price.regular`).
    pub rule: String,
    /// For `merge: delta`: the relative write (`to - from`); `null` when
    /// the write is absolute (any other policy, a first-run merge, a side
    /// joining the pool). Always serialised; a missing key reads as `null`.
    pub delta: Option<i64>,
    /// *Extension*: where the item lives in the target, for apply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<RemoteId>,
}

#[derive(Deserialize)]
struct RawChange {
    target: SourceId,
    sku: Sku,
    field: FieldName,
    from: serde_json::Value,
    to: serde_json::Value,
    base: serde_json::Value,
    reason: Reason,
    source: Option<SourceId>,
    rule: String,
    #[serde(default)]
    delta: Option<i64>,
    #[serde(default)]
    remote: Option<RemoteId>,
}

impl<'de> Deserialize<'de> for Change {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = RawChange::deserialize(d)?;
        let typed = |j: &serde_json::Value| {
            Value::from_json(raw.field, j).map_err(serde::de::Error::custom)
        };
        Ok(Change {
            from: typed(&raw.from)?,
            to: typed(&raw.to)?,
            base: typed(&raw.base)?,
            target: raw.target,
            sku: raw.sku,
            field: raw.field,
            reason: raw.reason,
            source: raw.source,
            rule: raw.rule,
            delta: raw.delta,
            remote: raw.remote,
        })
    }
}

/// Two sides changed one field differently and no rule picks a winner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// The canonical SKU.
    pub sku: Sku,
    /// The field.
    pub field: FieldName,
    /// Each side's current value.
    pub values: BTreeMap<SourceId, serde_json::Value>,
    /// Why it is a conflict (`both changed`, `no base and sides disagree`,
    /// `transform for TARGET: …`, `stock status is derived from the
    /// quantity on TARGET (the item manages stock)`).
    pub reason: String,
}

/// A SKU one source lists that no other source has.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Unmatched {
    /// The source listing it.
    pub source: SourceId,
    /// The SKU as listed.
    pub sku: Sku,
}

/// A SKU that cannot be matched safely: never written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityIssue {
    /// The source where the problem is.
    pub source: SourceId,
    /// The SKU (canonical; empty for records without SKU).
    pub sku: Sku,
    /// `duplicate`, `ambiguous` or `empty`.
    pub problem: String,
    /// The remote ids involved (empty for sources without ids).
    #[serde(default)]
    pub ids: Vec<u64>,
    /// *Extension*: where each occurrence was found (file:line), when known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub origins: Vec<String>,
}

/// One guard's evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardResult {
    /// `max_changes`, `max_price_change`, …
    pub name: String,
    /// The configured limit as written (`"20%"`).
    pub limit: String,
    /// The measured value (`"1.2%"`).
    pub value: String,
    /// True when the limit is exceeded: nothing is applied.
    pub tripped: bool,
}

/// The counts at the top of a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// SKUs present in at least two sources.
    pub matched: u64,
    /// Planned changes.
    pub changes: u64,
    /// Conflicts.
    pub conflicts: u64,
    /// Unmatched (source, SKU) pairs.
    pub unmatched: u64,
    /// Drift found (corrected or flagged).
    pub drift: u64,
}

/// A target edited directly that `on_drift: flag` leaves alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlaggedDrift {
    /// The target.
    pub target: SourceId,
    /// The canonical SKU.
    pub sku: Sku,
    /// The field.
    pub field: FieldName,
    /// What the target holds now.
    pub value: serde_json::Value,
    /// The last agreed value.
    pub base: serde_json::Value,
    /// What the rule wants.
    pub desired: serde_json::Value,
    /// The rules entry.
    pub rule: String,
}

/// The whole plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Always 1 for this format.
    pub plan_version: u32,
    /// When the plan was made (RFC 3339, UTC); the only non-deterministic field.
    pub generated_at: String,
    /// `sha256:…` over every input (snapshots, rules, base): apply refuses
    /// a plan whose inputs changed.
    pub inputs_digest: String,
    /// Counts.
    pub summary: Summary,
    /// The changes, ordered by target, SKU, field name (as a string).
    pub changes: Vec<Change>,
    /// Conflicts, ordered by SKU, field name (as a string).
    pub conflicts: Vec<Conflict>,
    /// Unmatched SKUs, ordered by source, SKU.
    pub unmatched: Vec<Unmatched>,
    /// SKUs that cannot be matched safely.
    pub identity: Vec<IdentityIssue>,
    /// Guard evaluations.
    pub guards: Vec<GuardResult>,
    /// *Extension*: drift that `on_drift: flag` only reports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flagged_drift: Vec<FlaggedDrift>,
    /// *Extension*: what apply records in the base state besides each
    /// confirmed change's `to`, ordered by SKU, field (see [`StateIntent`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub state: Vec<StateIntent>,
}

impl Default for Plan {
    /// An empty plan of the current format (`plan_version: 1`).
    fn default() -> Self {
        Plan {
            plan_version: 1,
            generated_at: String::new(),
            inputs_digest: String::new(),
            summary: Summary::default(),
            changes: Vec::new(),
            conflicts: Vec::new(),
            unmatched: Vec::new(),
            identity: Vec::new(),
            guards: Vec::new(),
            flagged_drift: Vec::new(),
            state: Vec::new(),
        }
    }
}

/// When the agreements and pool of a [`StateIntent`] are recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Settle {
    /// `truth`: each agreement is recorded after the apply, whatever the
    /// outcome of the (sku, field)'s writes (each target stands alone).
    Each,
    /// `newest`: the agreements (the winning sides) are recorded only when
    /// every change of the (sku, field) was confirmed; otherwise the
    /// winners stay "changed" and the next run propagates again.
    AllConfirmed,
    /// `merge: delta`: recorded once the (sku, field)'s writes are settled,
    /// in one update: the pool, the agreements, `b := to` for confirmed
    /// changes and `b := from` for failed or unsent ones.
    Pool,
}

/// What apply must record in the base state for one (SKU, field) besides
/// `b := to` for each confirmed change: sides that needed no write (their
/// value agrees with the desired one) and, for `merge: delta`, the new pool.
///
/// The engine's `settle` function turns a plan plus per-change outcomes
/// into the exact updates; apply should call it rather than re-implement it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateIntent {
    /// The canonical SKU.
    pub sku: Sku,
    /// The field.
    pub field: FieldName,
    /// When it is recorded.
    pub settle: Settle,
    /// `b_i := value` for sides that needed no write, sorted by side (one
    /// entry per side). In JSON, a map from side to value.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "agreed_as_map"
    )]
    pub agreed: Vec<(SourceId, Option<Value>)>,
    /// `P := pool` (`merge: delta` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<i64>,
}

fn agreed_as_map<S: serde::Serializer>(
    agreed: &[(SourceId, Option<Value>)],
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(agreed.len()))?;
    for (side, value) in agreed {
        m.serialize_entry(side, value)?;
    }
    m.end()
}

#[derive(Deserialize)]
struct RawIntent {
    sku: Sku,
    field: FieldName,
    settle: Settle,
    #[serde(default)]
    agreed: BTreeMap<SourceId, serde_json::Value>,
    #[serde(default)]
    pool: Option<i64>,
}

impl<'de> Deserialize<'de> for StateIntent {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = RawIntent::deserialize(d)?;
        let mut agreed = Vec::with_capacity(raw.agreed.len());
        for (side, j) in raw.agreed {
            let v = Value::from_json(raw.field, &j).map_err(serde::de::Error::custom)?;
            agreed.push((side, v));
        }
        Ok(StateIntent {
            sku: raw.sku,
            field: raw.field,
            settle: raw.settle,
            agreed,
            pool: raw.pool,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn change_serialises_as_the_contract_says() {
        let c = Change {
            target: "shop".into(),
            sku: "KREM-50".into(),
            field: FieldName::PriceRegular,
            from: Some(Value::Money(
                rust_decimal::Decimal::from_str("69.00").unwrap(),
            )),
            to: Some(Value::Money(
                rust_decimal::Decimal::from_str("72.00").unwrap(),
            )),
            base: None,
            reason: Reason::Truth,
            source: Some("erp".into()),
            rule: "fields.price.regular".into(),
            delta: None,
            remote: None,
        };
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(
            json,
            r#"{"target":"shop","sku":"KREM-50","field":"price.regular","from":"69.00","to":"72.00","base":null,"reason":"truth","source":"erp","rule":"fields.price.regular","delta":null}"#
        );
        let back: Change = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
        // A plan written before `delta` was always serialised still reads.
        let without = json.replace(r#","delta":null"#, "");
        assert!(!without.contains("delta"), "{without}");
        let back: Change = serde_json::from_str(&without).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn state_intents_round_trip_typed() {
        let agreed = vec![
            (SourceId::new("outlet"), None),
            (
                SourceId::new("shop"),
                Some(Value::Money(
                    rust_decimal::Decimal::from_str("9.50").unwrap(),
                )),
            ),
        ];
        let plan = Plan {
            state: vec![StateIntent {
                sku: "A".into(),
                field: FieldName::PriceSale,
                settle: Settle::Each,
                agreed,
                pool: None,
            }],
            ..Plan::default()
        };
        let json = serde_json::to_string(&plan).unwrap();
        assert!(json.contains(r#""state":[{"sku":"A","field":"price.sale","settle":"each","agreed":{"outlet":null,"shop":"9.50"}}]"#), "{json}");
        let back: Plan = serde_json::from_str(&json).unwrap();
        assert_eq!(back, plan);
        let empty = serde_json::to_string(&Plan::default()).unwrap();
        assert!(!empty.contains("state"), "{empty}");
    }
}
