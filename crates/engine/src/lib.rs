//! Computes a [`Plan`] from snapshots, the base state and the rules.
//! Pure: no I/O, no clock, no sled; time is passed in.
//!
//! The engine joins every source's records by canonical SKU, applies each
//! field's policy (`truth`, `merge: delta`, `newest`, exactly as
//! `SEMANTICS.md` defines them) against the base state, evaluates the
//! guards and returns a plan whose every list is sorted, so the same inputs
//! give byte-identical JSON (apart from `generated_at`).
//!
//! # Layout
//! - [`plan`] with [`Inputs`]: the one entry point.
//! - `matching`: canonical SKUs, identity problems, unmatched SKUs.
//! - `policies`: the three field policies, one SKU at a time.
//! - `guards`: `max_changes`, `max_price_change`.
//! - `digest`: `inputs_digest` over a canonical form of the inputs.
//! - [`settle`]: after an apply, the state updates to record for what the
//!   targets confirmed (the plan's `state` extension says what, the apply's
//!   [`Outcome`]s say which).
//!
//! The one design choice a reader must know: the plan carries everything
//! apply needs to update the base state afterwards (each change's `from`
//! and `to`, plus `state` intents for sides that needed no write and for
//! merge pools), so `apply --plan plan.json` never has to re-plan.
#![warn(missing_docs)]

mod digest;
mod guards;
mod matching;
mod policies;
mod settle;

pub use settle::{Outcome, settle};

use policies::{Out, Resolved, SkuCtx};
use skusync_model::{BaseView, FieldRule, Guards, MatchRules, Plan, Record, Snapshot, Summary};

/// Everything a plan is computed from.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// The validated field rules.
    pub fields: &'a [FieldRule],
    /// How SKUs are matched across sources.
    pub matching: &'a MatchRules,
    /// The guards to evaluate.
    pub guards: &'a Guards,
    /// One snapshot per source (snapshots of the same source are joined).
    pub snapshots: &'a [Snapshot],
    /// The base state: last agreed values and merge pools.
    pub base: &'a BaseView,
    /// When the plan is made (RFC 3339, UTC); copied into the plan as is.
    pub generated_at: &'a str,
    /// A digest of the rules (e.g. of the validated rules' canonical form),
    /// folded into `inputs_digest`.
    pub rules_digest: &'a str,
}

/// Computes the plan. Never fails: a value a transform cannot convert is
/// reported as a conflict for its (SKU, field), and identity problems are
/// listed, not raised.
pub fn plan(inputs: &Inputs<'_>) -> Plan {
    let catalog = matching::join(inputs.matching, inputs.snapshots);
    let index = |id: &skusync_model::SourceId| catalog.source_index(id);
    let rules: Vec<Resolved> = inputs
        .fields
        .iter()
        .map(|r| Resolved::new(r, &index))
        .collect();

    let mut out = Out::default();
    let mut digest = digest::Digester::new(inputs.rules_digest);
    let mut records: Vec<Option<&Record>> = vec![None; catalog.sources.len()];
    for row in &catalog.rows {
        let base = inputs.base.entries_of(&row.sku);
        let pools = inputs.base.pools.get(&row.sku).map(Vec::as_slice);
        digest.row(&row.sku, &row.records, base, pools.unwrap_or(&[]));
        if !row.clean {
            continue;
        }
        records.iter_mut().for_each(|r| *r = None);
        for &(src, rec) in &row.records {
            records[src] = Some(rec);
        }
        let ctx = SkuCtx {
            sku: &row.sku,
            records: &records,
            base,
            pools,
        };
        for rule in &rules {
            rule.plan(&ctx, &mut out);
        }
    }
    let inputs_digest = digest.finish(&catalog.empty, inputs.base, |sku| {
        catalog.rows.binary_search_by(|r| r.sku.cmp(sku)).is_ok()
    });

    let Out {
        mut changes,
        mut conflicts,
        mut flagged,
        mut intents,
        drift,
    } = out;
    // Fields are ordered by their names as the plan spells them
    // (`name` < `price.regular` < … < `stock.status`), not by `FieldName`'s
    // declaration order: a reader checking the order sees only the strings.
    changes.sort_by(|a, b| {
        (&a.target, &a.sku, a.field.as_str()).cmp(&(&b.target, &b.sku, b.field.as_str()))
    });
    conflicts.sort_by(|a, b| (&a.sku, a.field.as_str()).cmp(&(&b.sku, b.field.as_str())));
    flagged.sort_by(|a, b| {
        (&a.target, &a.sku, a.field.as_str()).cmp(&(&b.target, &b.sku, b.field.as_str()))
    });
    intents.sort_by(|a, b| (&a.sku, a.field.as_str()).cmp(&(&b.sku, b.field.as_str())));

    let guards = guards::evaluate(inputs.guards, catalog.matched, &changes);
    Plan {
        plan_version: 1,
        generated_at: inputs.generated_at.to_string(),
        inputs_digest,
        summary: Summary {
            matched: catalog.matched,
            changes: changes.len() as u64,
            conflicts: conflicts.len() as u64,
            unmatched: catalog.unmatched.len() as u64,
            drift,
        },
        changes,
        conflicts,
        unmatched: catalog.unmatched,
        identity: catalog.identity,
        guards,
        flagged_drift: flagged,
        state: intents,
    }
}
