//! Settling a plan: what to record in the base state after an apply.
//!
//! Apply reports one [`Outcome`] per change; [`settle`] turns the plan and
//! those outcomes into the exact [`StateUpdate`]s of `SEMANTICS.md`:
//!
//! - a confirmed change records `b := to`;
//! - a failed or unsent `merge` change records `b := from` (its delta is
//!   already inside the new pool, so it must not be counted again; the next
//!   run writes the target again); other failed changes record nothing;
//! - each [`StateIntent`] records its agreements (sides that needed no
//!   write) and, for `merge: delta`, the new pool; `newest` agreements only
//!   when every change of that (SKU, field) was confirmed.
//!
//! Recording a `merge` (SKU, field) must be one atomic state update, and
//! only once every one of its changes has a known outcome (after a crash,
//! the journal and the write markers decide which writes landed).

use skusync_model::{Change, FieldName, Plan, Reason, Settle, Sku, StateUpdate};
use std::collections::HashMap;

/// What happened to one planned change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The target confirmed the write.
    Confirmed,
    /// The target refused it or the write failed.
    Failed,
    /// The write was never sent (guard, abort, crash before the batch).
    NotSent,
}

/// The state updates for `plan` given each change's outcome (called with
/// the change's index in `plan.changes`). The order is deterministic:
/// changes first, in plan order, then intents.
pub fn settle(plan: &Plan, mut outcome: impl FnMut(usize, &Change) -> Outcome) -> Vec<StateUpdate> {
    let mut updates = Vec::new();
    let mut all_confirmed: HashMap<(&Sku, FieldName), bool> = HashMap::new();
    for (i, c) in plan.changes.iter().enumerate() {
        let o = outcome(i, c);
        let ok = all_confirmed.entry((&c.sku, c.field)).or_insert(true);
        *ok &= o == Outcome::Confirmed;
        let value = match (o, c.reason) {
            (Outcome::Confirmed, _) => Some(c.to.clone()),
            (Outcome::Failed | Outcome::NotSent, Reason::Merge) => Some(c.from.clone()),
            _ => None,
        };
        if let Some(value) = value {
            updates.push(StateUpdate::Base {
                side: c.target.clone(),
                sku: c.sku.clone(),
                field: c.field,
                value,
            });
        }
    }
    for intent in &plan.state {
        let record_agreed = match intent.settle {
            Settle::Each | Settle::Pool => true,
            Settle::AllConfirmed => all_confirmed
                .get(&(&intent.sku, intent.field))
                .copied()
                .unwrap_or(true),
        };
        if record_agreed {
            for (side, value) in &intent.agreed {
                updates.push(StateUpdate::Base {
                    side: side.clone(),
                    sku: intent.sku.clone(),
                    field: intent.field,
                    value: value.clone(),
                });
            }
        }
        if let Some(pool) = intent.pool {
            updates.push(StateUpdate::Pool {
                sku: intent.sku.clone(),
                field: intent.field,
                value: pool,
            });
        }
    }
    updates
}
