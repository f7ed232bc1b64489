//! The format-neutral reading of a plan that every human format renders.
//!
//! [`PlanView::new`] groups changes by target and then SKU (in plan order),
//! decides which details are worth showing (the base only when it says
//! something, the rule only when it is not the field's own entry), computes
//! inline diffs of text fields, caps long lists and counts everything. The
//! strings here are cleaned of control characters ([`display::clean`]) but
//! not escaped: each format escapes for its own medium. The view is also the
//! context of the HTML template, hence `Serialize`.

use crate::RenderOptions;
use crate::diff::{self, Segment};
use crate::display::{self, clean, count};
use serde::Serialize;
use skusync_model::{Change, Plan, Reason, Value, value::same_opt};
use std::collections::{HashMap, HashSet};

/// The whole report, ready to render.
#[derive(Debug, Clone, Serialize)]
pub struct PlanView {
    /// When the plan was made.
    pub generated_at: String,
    /// The plan's inputs digest.
    pub inputs_digest: String,
    /// The counts line (`3 changes on 2 targets (2 SKUs) · 1 conflict · …`).
    pub headline: String,
    /// The counts line's parts, for formats that wrap it.
    pub headline_parts: Vec<String>,
    /// No changes, conflicts or flagged drift: nothing needs a decision.
    pub in_sync: bool,
    /// Planned changes, grouped.
    pub targets: Vec<TargetView>,
    /// Total planned changes.
    pub change_count: usize,
    /// Conflicts (never capped).
    pub conflicts: Vec<ConflictView>,
    /// Drift that `on_drift: flag` leaves alone (never capped).
    pub flagged: Vec<FlaggedView>,
    /// Identity problems (capped).
    pub identity: Vec<IdentityView>,
    /// Total identity problems.
    pub identity_total: usize,
    /// Identity problems not shown because of the cap.
    pub identity_more: usize,
    /// Unmatched SKUs per source (each capped).
    pub unmatched: Vec<UnmatchedView>,
    /// Total unmatched (source, SKU) pairs listed in the plan.
    pub unmatched_total: usize,
    /// Every guard evaluation, in plan order.
    pub guards: Vec<GuardView>,
    /// The guards that tripped.
    pub tripped: Vec<GuardView>,
}

/// The changes planned for one target.
#[derive(Debug, Clone, Serialize)]
pub struct TargetView {
    /// The target's name.
    pub target: String,
    /// How many changes it gets.
    pub change_count: usize,
    /// The SKUs, in plan order.
    pub skus: Vec<SkuView>,
}

/// The changes planned for one SKU on one target.
#[derive(Debug, Clone, Serialize)]
pub struct SkuView {
    /// The SKU.
    pub sku: String,
    /// Its field changes, in plan order.
    pub changes: Vec<ChangeView>,
}

/// One field change, explained.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeView {
    /// The field name.
    pub field: String,
    /// The value now.
    pub from: String,
    /// The value after the change.
    pub to: String,
    /// `truth`, `drift`, `merge` or `newest`.
    pub reason: &'static str,
    /// True for a drift correction (the target was edited directly).
    pub drift: bool,
    /// The winning source, when there is one.
    pub source: Option<String>,
    /// Short explanations (`Δ -3`, `base 12`, `no base yet`, `rule …`).
    pub notes: Vec<String>,
    /// The inline diff, for text fields with both sides set.
    pub diff: Option<Vec<Segment>>,
}

/// A conflict, with each side's value.
#[derive(Debug, Clone, Serialize)]
pub struct ConflictView {
    /// The SKU.
    pub sku: String,
    /// The field.
    pub field: String,
    /// `(source, value)` pairs in source order.
    pub values: Vec<SideValue>,
    /// Why it is a conflict.
    pub reason: String,
}

/// One side's value in a conflict.
#[derive(Debug, Clone, Serialize)]
pub struct SideValue {
    /// The source.
    pub source: String,
    /// Its value.
    pub value: String,
}

/// Flagged (uncorrected) drift.
#[derive(Debug, Clone, Serialize)]
pub struct FlaggedView {
    /// The target edited directly.
    pub target: String,
    /// The SKU.
    pub sku: String,
    /// The field.
    pub field: String,
    /// What the target holds now.
    pub value: String,
    /// The last agreed value.
    pub base: String,
    /// What the rule wants.
    pub desired: String,
    /// The rules entry.
    pub rule: String,
}

/// A SKU that cannot be matched safely.
#[derive(Debug, Clone, Serialize)]
pub struct IdentityView {
    /// The source.
    pub source: String,
    /// The SKU (`(no SKU)` for empty ones).
    pub sku: String,
    /// `duplicate`, `ambiguous`, `empty`.
    pub problem: String,
    /// Remote ids, `#41, #97`; empty when none.
    pub ids: String,
    /// Where the occurrences were found; empty when unknown.
    pub origins: String,
}

/// One source's unmatched SKUs.
#[derive(Debug, Clone, Serialize)]
pub struct UnmatchedView {
    /// The source.
    pub source: String,
    /// How many it lists.
    pub total: usize,
    /// The ones shown.
    pub skus: Vec<String>,
    /// How many are not shown because of the cap.
    pub more: usize,
}

/// One guard evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct GuardView {
    /// The guard.
    pub name: String,
    /// The limit as written.
    pub limit: String,
    /// The measured value.
    pub value: String,
    /// Exceeded: nothing is applied.
    pub tripped: bool,
}

impl PlanView {
    /// Reads `plan` with `options`' list cap.
    pub fn new(plan: &Plan, options: &RenderOptions) -> PlanView {
        let cap = options.max_list.unwrap_or(usize::MAX);
        let targets = group_changes(&plan.changes);

        let conflicts = plan
            .conflicts
            .iter()
            .map(|c| ConflictView {
                sku: clean(c.sku.as_str()),
                field: c.field.to_string(),
                values: c
                    .values
                    .iter()
                    .map(|(s, v)| SideValue {
                        source: clean(s.as_str()),
                        value: display::json_value(c.field, v),
                    })
                    .collect(),
                reason: clean(&c.reason),
            })
            .collect::<Vec<_>>();

        let flagged = plan
            .flagged_drift
            .iter()
            .map(|d| FlaggedView {
                target: clean(d.target.as_str()),
                sku: clean(d.sku.as_str()),
                field: d.field.to_string(),
                value: display::json_value(d.field, &d.value),
                base: display::json_value(d.field, &d.base),
                desired: display::json_value(d.field, &d.desired),
                rule: clean(&d.rule),
            })
            .collect::<Vec<_>>();

        let identity = plan
            .identity
            .iter()
            .take(cap)
            .map(|i| IdentityView {
                source: clean(i.source.as_str()),
                sku: if i.sku.is_blank() {
                    "(no SKU)".to_string()
                } else {
                    clean(i.sku.as_str())
                },
                problem: clean(&i.problem),
                ids: i
                    .ids
                    .iter()
                    .map(|id| format!("#{id}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                // A store's origin is `#id`, already shown with the ids.
                origins: clean(
                    &i.origins
                        .iter()
                        .filter(|o| !i.ids.iter().any(|id| **o == format!("#{id}")))
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            })
            .collect::<Vec<_>>();

        let mut unmatched: Vec<UnmatchedView> = Vec::new();
        for u in &plan.unmatched {
            let source = clean(u.source.as_str());
            let group = match unmatched.iter_mut().find(|g| g.source == source) {
                Some(g) => g,
                None => {
                    unmatched.push(UnmatchedView {
                        source,
                        total: 0,
                        skus: Vec::new(),
                        more: 0,
                    });
                    let last = unmatched.len() - 1;
                    &mut unmatched[last]
                }
            };
            group.total += 1;
            if group.skus.len() < cap {
                group.skus.push(clean(u.sku.as_str()));
            } else {
                group.more += 1;
            }
        }

        let guards = plan
            .guards
            .iter()
            .map(|g| GuardView {
                name: clean(&g.name),
                limit: clean(&g.limit),
                value: clean(&g.value),
                tripped: g.tripped,
            })
            .collect::<Vec<_>>();
        let tripped = guards.iter().filter(|g| g.tripped).cloned().collect();

        let change_count = plan.changes.len();
        let sku_count = plan
            .changes
            .iter()
            .map(|c| c.sku.as_str())
            .collect::<HashSet<_>>()
            .len();
        let headline_parts = headline(plan, targets.len(), sku_count);
        PlanView {
            generated_at: clean(&plan.generated_at),
            inputs_digest: clean(&plan.inputs_digest),
            headline: headline_parts.join(" · "),
            headline_parts,
            in_sync: change_count == 0 && conflicts.is_empty() && flagged.is_empty(),
            targets,
            change_count,
            conflicts,
            flagged,
            identity_total: plan.identity.len(),
            identity_more: plan.identity.len().saturating_sub(identity.len()),
            identity,
            unmatched_total: plan.unmatched.len(),
            unmatched,
            guards,
            tripped,
        }
    }
}

/// The parts of the counts line.
fn headline(plan: &Plan, targets: usize, skus: usize) -> Vec<String> {
    let s = &plan.summary;
    let mut parts = Vec::new();
    let changes = usize::try_from(s.changes).unwrap_or(usize::MAX);
    if changes == 0 {
        parts.push("no changes".to_string());
    } else {
        parts.push(format!(
            "{} on {} ({})",
            count(changes, "change", "changes"),
            count(targets, "target", "targets"),
            count(skus, "SKU", "SKUs"),
        ));
    }
    let as_usize = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    parts.push(count(as_usize(s.conflicts), "conflict", "conflicts"));
    parts.push(format!("{} drift", s.drift));
    parts.push(format!("{} unmatched", s.unmatched));
    parts.push(count(
        plan.identity.len(),
        "identity problem",
        "identity problems",
    ));
    parts.push(count(as_usize(s.matched), "matched SKU", "matched SKUs"));
    parts
}

/// Groups changes by target, then SKU, keeping the order of first
/// appearance (the plan's order: target, SKU, field).
fn group_changes(changes: &[Change]) -> Vec<TargetView> {
    let mut targets: Vec<TargetView> = Vec::new();
    let mut target_index: HashMap<&str, usize> = HashMap::new();
    let mut sku_index: HashMap<(&str, &str), usize> = HashMap::new();
    for c in changes {
        let t = *target_index.entry(c.target.as_str()).or_insert_with(|| {
            targets.push(TargetView {
                target: clean(c.target.as_str()),
                change_count: 0,
                skus: Vec::new(),
            });
            targets.len() - 1
        });
        let target = &mut targets[t];
        target.change_count += 1;
        let s = *sku_index
            .entry((c.target.as_str(), c.sku.as_str()))
            .or_insert_with(|| {
                target.skus.push(SkuView {
                    sku: clean(c.sku.as_str()),
                    changes: Vec::new(),
                });
                target.skus.len() - 1
            });
        target.skus[s].changes.push(change_view(c));
    }
    targets
}

/// Explains one change.
fn change_view(c: &Change) -> ChangeView {
    let mut notes = Vec::new();
    match (c.reason, c.delta) {
        (_, Some(d)) => notes.push(format!("Δ {}", display::signed(d))),
        // A first run or a side joining the pool: the pool's value is
        // written as is, not as a relative change.
        (Reason::Merge, None) => notes.push("absolute write".to_string()),
        _ => {}
    }
    match &c.base {
        None => notes.push("no base yet".to_string()),
        Some(base) if c.reason == Reason::Merge || !same_opt(Some(base), c.from.as_ref()) => {
            notes.push(format!("base {}", display::value(Some(base))));
        }
        Some(_) => {}
    }
    if c.reason == Reason::Drift {
        notes.push(format!("{} was edited directly", clean(c.target.as_str())));
    }
    if c.rule.strip_prefix("fields.") != Some(c.field.as_str()) {
        notes.push(format!("rule {}", clean(&c.rule)));
    }
    let diff = match (&c.from, &c.to) {
        (Some(Value::Text(old)), Some(Value::Text(new))) => Some(
            diff::inline(old, new)
                .into_iter()
                .map(|s| match s {
                    Segment::Same { text } => Segment::Same { text: clean(&text) },
                    Segment::Changed { removed, added } => Segment::Changed {
                        removed: clean(&removed),
                        added: clean(&added),
                    },
                })
                .collect(),
        ),
        _ => None,
    };
    ChangeView {
        field: c.field.to_string(),
        from: display::value(c.from.as_ref()),
        to: display::value(c.to.as_ref()),
        reason: display::reason_word(c.reason),
        drift: c.reason == Reason::Drift,
        source: c.source.as_ref().map(|s| clean(s.as_str())),
        notes,
        diff,
    }
}
