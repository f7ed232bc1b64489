//! The three field policies of `SEMANTICS.md`, applied to one SKU at a time.
//!
//! Each function reads the SKU's records (one per source at most, already
//! matched) and its base entries, and appends to the [`Out`] accumulator:
//! changes, conflicts, flagged drift and the state intents apply records
//! afterwards. A side whose value is *missing* (the source does not list
//! the SKU, or does not provide the field) takes no part: nothing is read
//! from it and nothing is written to it.

use skusync_model::value::same_opt;
use skusync_model::{
    BaseEntry, Change, Conflict, FieldName, FieldRule, FlaggedDrift, OnDrift, Reason, Record, Seed,
    Settle, SideBase, Sku, SourceId, StateIntent, Transform, Value,
};
use smallvec::SmallVec;
use std::collections::BTreeMap;

/// A per-SKU list of sides: inline for the usual handful, so planning a
/// SKU does not allocate.
type Sides<T> = SmallVec<[T; 4]>;

/// What the policies produce, in generation order (sorted at the end).
#[derive(Default)]
pub(crate) struct Out {
    pub changes: Vec<Change>,
    pub conflicts: Vec<Conflict>,
    pub flagged: Vec<FlaggedDrift>,
    pub intents: Vec<StateIntent>,
    pub drift: u64,
}

/// One SKU's view: its records by source index and its base entries.
pub(crate) struct SkuCtx<'a, 'r> {
    pub sku: &'a Sku,
    /// Record per source index (`None`: the source does not list the SKU).
    pub records: &'a [Option<&'r Record>],
    pub base: &'a [SideBase],
    pub pools: Option<&'a [(FieldName, i64)]>,
}

impl<'a, 'r> SkuCtx<'a, 'r> {
    /// The side's value of `field`: `None` when missing, `Some(None)` when
    /// provided but unset. An unset stock quantity is missing (the side
    /// does not manage stock: `stock_quantity: null`), never "unset".
    fn value(&self, src: Option<usize>, field: FieldName) -> Option<Option<&'r Value>> {
        let rec: &'r Record = self.records.get(src?).copied().flatten()?;
        match rec.get(field)? {
            None if field == FieldName::StockQuantity => None,
            v => Some(v),
        }
    }

    /// True when `field` is `stock.status` and the side manages stock (it
    /// holds a quantity, or `stock.manage` is true): WooCommerce derives
    /// the status from the quantity there, so a written status would not
    /// stick and would be planned again on every run.
    fn status_is_derived(&self, src: Option<usize>, field: FieldName) -> bool {
        field == FieldName::StockStatus
            && (self.quantity(src, FieldName::StockQuantity).is_some()
                || matches!(
                    self.value(src, FieldName::StockManage),
                    Some(Some(Value::Flag(true)))
                ))
    }

    fn record(&self, src: Option<usize>) -> Option<&'r Record> {
        self.records.get(src?).copied().flatten()
    }

    fn base(&self, side: &SourceId, field: FieldName) -> Option<&'a BaseEntry> {
        self.base
            .iter()
            .find(|b| b.field == field && &b.side == side)
            .map(|b| &b.entry)
    }

    fn pool(&self, field: FieldName) -> Option<i64> {
        self.pools?
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, p)| *p)
    }

    /// A quantity side value: anything but a provided integer is missing.
    fn quantity(&self, src: Option<usize>, field: FieldName) -> Option<i64> {
        match self.value(src, field) {
            Some(Some(Value::Quantity(q))) => Some(*q),
            _ => None,
        }
    }
}

/// A rule with its sources resolved to indices once per plan.
pub(crate) struct Resolved<'a> {
    pub rule: &'a FieldRule,
    pub kind: ResolvedKind<'a>,
}

/// The policy with source indices (`None`: no snapshot from that source).
pub(crate) enum ResolvedKind<'a> {
    Truth {
        source: &'a SourceId,
        src: Option<usize>,
        targets: Vec<(&'a SourceId, Option<usize>, &'a Transform)>,
    },
    Merge {
        sides: Vec<(&'a SourceId, Option<usize>, Option<&'a Transform>)>,
        seed: SeedAt,
    },
    Newest {
        sides: Vec<(&'a SourceId, Option<usize>)>,
        prefer: &'a [SourceId],
    },
}

/// Where a first-run pool comes from.
pub(crate) enum SeedAt {
    From(Option<usize>),
    Min,
    Max,
}

impl<'a> Resolved<'a> {
    pub fn new(rule: &'a FieldRule, index: &dyn Fn(&SourceId) -> Option<usize>) -> Self {
        use skusync_model::Policy;
        let kind = match &rule.policy {
            Policy::Truth { source, targets } => ResolvedKind::Truth {
                source,
                src: index(source),
                targets: targets
                    .iter()
                    .filter(|(t, _)| *t != source)
                    .map(|(t, tr)| (t, index(t), tr))
                    .collect(),
            },
            Policy::MergeDelta {
                sides,
                seed,
                transforms,
            } => {
                let mut s: Vec<&SourceId> = sides.iter().collect();
                s.sort();
                s.dedup();
                ResolvedKind::Merge {
                    sides: s
                        .into_iter()
                        .map(|id| (id, index(id), transforms.get(id)))
                        .collect(),
                    seed: match seed {
                        Seed::From(id) => SeedAt::From(index(id)),
                        Seed::Min => SeedAt::Min,
                        Seed::Max => SeedAt::Max,
                    },
                }
            }
            Policy::Newest { sides, prefer } => {
                let mut s: Vec<&SourceId> = sides.iter().collect();
                s.sort();
                s.dedup();
                ResolvedKind::Newest {
                    sides: s.into_iter().map(|id| (id, index(id))).collect(),
                    prefer,
                }
            }
        };
        Resolved { rule, kind }
    }

    /// Plans this rule's field for one SKU.
    pub fn plan(&self, ctx: &SkuCtx<'_, '_>, out: &mut Out) {
        match &self.kind {
            ResolvedKind::Truth {
                source,
                src,
                targets,
            } => truth(self.rule, source, *src, targets, ctx, out),
            ResolvedKind::Merge { sides, seed } => merge(self.rule, sides, seed, ctx, out),
            ResolvedKind::Newest { sides, prefer } => newest(self.rule, sides, prefer, ctx, out),
        }
    }
}

fn json(v: Option<&Value>) -> serde_json::Value {
    match v {
        Some(v) => serde_json::to_value(v).unwrap_or(serde_json::Value::Null),
        None => serde_json::Value::Null,
    }
}

/// The value to write to a target, with the target's scale: when both the
/// desired value and the target's current value are money and no `round`
/// step decides the scale, the amount is written with the target's scale
/// when that scale holds it exactly, and with its own scale when it needs
/// more decimals: `12` into a store holding `10.00` is `12.00`, `57.00`
/// into `55` is `57`, `57.50` into `55` stays `57.50`. Never loses
/// precision; anything else (a target holding no money, a `round` step) is
/// kept as computed.
fn fit_scale(desired: Option<Value>, current: Option<&Value>, round: bool) -> Option<Value> {
    match (desired, current) {
        (Some(Value::Money(d)), Some(Value::Money(c))) if !round => {
            let mut fitted = d.normalize();
            let scale = if fitted.scale() <= c.scale() {
                c.scale()
            } else {
                d.scale()
            };
            fitted.rescale(scale);
            // `rescale` rounds when the scale cannot be represented; keep
            // the computed amount rather than a different one.
            Some(Value::Money(if fitted == d { fitted } else { d }))
        }
        (desired, _) => desired,
    }
}

/// The conflict reported instead of a `stock.status` write to a side that
/// manages stock (see [`SkuCtx::status_is_derived`]).
fn derived_status(
    ctx: &SkuCtx<'_, '_>,
    field: FieldName,
    target: &SourceId,
    values: BTreeMap<SourceId, serde_json::Value>,
) -> Conflict {
    Conflict {
        sku: ctx.sku.clone(),
        field,
        values,
        reason: format!(
            "stock status is derived from the quantity on {target} (the item manages stock)"
        ),
    }
}

#[allow(clippy::too_many_arguments)]
fn change(
    rule: &FieldRule,
    target: &SourceId,
    ctx: &SkuCtx<'_, '_>,
    rec: Option<&Record>,
    from: Option<&Value>,
    to: Option<Value>,
    base: Option<&BaseEntry>,
    reason: Reason,
    source: Option<&SourceId>,
    delta: Option<i64>,
) -> Change {
    Change {
        target: target.clone(),
        sku: ctx.sku.clone(),
        field: rule.field,
        from: from.cloned(),
        to,
        base: base.and_then(|b| b.value.clone()),
        reason,
        source: source.cloned(),
        rule: rule.rule.clone(),
        delta,
        remote: rec.and_then(|r| r.remote),
    }
}

/// `truth: S` (SEMANTICS.md, steps 1–4).
fn truth(
    rule: &FieldRule,
    source: &SourceId,
    src: Option<usize>,
    targets: &[(&SourceId, Option<usize>, &Transform)],
    ctx: &SkuCtx<'_, '_>,
    out: &mut Out,
) {
    let field = rule.field;
    let Some(vs) = ctx.value(src, field) else {
        return;
    };
    let mut agreed = Vec::new();
    for &(target, ti, transform) in targets {
        let Some(vi) = ctx.value(ti, field) else {
            continue;
        };
        let desired = match vs {
            None => None,
            Some(v) => match transform.apply(v) {
                Ok(d) => fit_scale(Some(d), vi, transform.round.is_some()),
                Err(e) => {
                    let mut values = BTreeMap::new();
                    values.insert(source.clone(), json(vs));
                    values.insert(target.clone(), json(vi));
                    out.conflicts.push(Conflict {
                        sku: ctx.sku.clone(),
                        field,
                        values,
                        reason: format!("transform for {target}: {e}"),
                    });
                    continue;
                }
            },
        };
        let base = ctx.base(target, field);
        if same_opt(vi, desired.as_ref()) {
            if base.is_none_or(|b| !same_opt(b.value.as_ref(), desired.as_ref())) {
                agreed.push((target.clone(), desired));
            }
            continue;
        }
        let rec = ctx.record(ti);
        let derived = ctx.status_is_derived(ti, field);
        let skip_derived = |out: &mut Out| {
            let mut values = BTreeMap::new();
            values.insert(source.clone(), json(vs));
            values.insert(target.clone(), json(vi));
            out.conflicts
                .push(derived_status(ctx, field, target, values));
        };
        match base {
            Some(b) if !same_opt(vi, b.value.as_ref()) => {
                out.drift += 1;
                match rule.on_drift {
                    OnDrift::Overwrite if derived => skip_derived(out),
                    OnDrift::Overwrite => out.changes.push(change(
                        rule,
                        target,
                        ctx,
                        rec,
                        vi,
                        desired,
                        base,
                        Reason::Drift,
                        Some(source),
                        None,
                    )),
                    OnDrift::Flag => out.flagged.push(FlaggedDrift {
                        target: target.clone(),
                        sku: ctx.sku.clone(),
                        field,
                        value: json(vi),
                        base: json(b.value.as_ref()),
                        desired: json(desired.as_ref()),
                        rule: rule.rule.clone(),
                    }),
                }
            }
            _ if derived => skip_derived(out),
            _ => out.changes.push(change(
                rule,
                target,
                ctx,
                rec,
                vi,
                desired,
                base,
                Reason::Truth,
                Some(source),
                None,
            )),
        }
    }
    if !agreed.is_empty() {
        out.intents.push(StateIntent {
            sku: ctx.sku.clone(),
            field,
            settle: Settle::Each,
            agreed,
            pool: None,
        });
    }
}

/// One present side of a merge.
struct MergeSide<'s> {
    id: &'s SourceId,
    src: Option<usize>,
    transform: Option<&'s Transform>,
    v: i64,
    base: Option<(&'s BaseEntry, i64)>,
}

/// `merge: delta` (SEMANTICS.md: first run, later runs steps 1–5).
fn merge<'s>(
    rule: &FieldRule,
    sides: &'s [(&SourceId, Option<usize>, Option<&Transform>)],
    seed: &SeedAt,
    ctx: &'s SkuCtx<'_, '_>,
    out: &mut Out,
) {
    let field = rule.field;
    let present: Sides<MergeSide<'s>> = sides
        .iter()
        .filter_map(|&(id, src, transform)| {
            let v = ctx.quantity(src, field)?;
            let base = ctx
                .base(id, field)
                .and_then(|b| b.value.as_ref()?.as_quantity().map(|q| (b, q)));
            Some(MergeSide {
                id,
                src,
                transform,
                v,
                base,
            })
        })
        .collect();
    if present.is_empty() {
        return;
    }
    let overflow = |out: &mut Out, why: String| {
        let values = present
            .iter()
            .map(|s| (s.id.clone(), serde_json::Value::from(s.v)))
            .collect();
        out.conflicts.push(Conflict {
            sku: ctx.sku.clone(),
            field,
            values,
            reason: why,
        });
    };
    let old_pool = ctx.pool(field);
    let (pool, first_run) = match old_pool {
        Some(p) => {
            // P' = P + Σ (v_i − b_i) over present sides with a base.
            let mut acc = Some(p);
            for s in &present {
                if let Some((_, b)) = s.base {
                    acc = acc.and_then(|a| a.checked_add(s.v.checked_sub(b)?));
                }
            }
            match acc {
                Some(p) => (p, false),
                None => return overflow(out, "the merged quantity overflows".to_string()),
            }
        }
        None => {
            let seeded = match seed {
                SeedAt::From(src) => ctx.quantity(*src, field),
                SeedAt::Min => present.iter().map(|s| s.v).min(),
                SeedAt::Max => present.iter().map(|s| s.v).max(),
            };
            match seeded {
                Some(p) => (p, true),
                // The seed does not list the SKU yet: nothing to merge from.
                None => return,
            }
        }
    };
    let mut desired: Sides<i64> = SmallVec::new();
    for s in &present {
        let d = match s.transform {
            None => Ok(pool),
            Some(t) => t
                .apply(&Value::Quantity(pool))
                .map(|v| v.as_quantity().unwrap_or(pool)),
        };
        match d {
            Ok(d) => desired.push(d),
            Err(e) => return overflow(out, format!("transform for {}: {e}", s.id)),
        }
    }
    if present
        .iter()
        .zip(&desired)
        .any(|(s, d)| d.checked_sub(s.v).is_none())
    {
        return overflow(out, "the stock change overflows".to_string());
    }
    let mut agreed = Vec::new();
    let mut changed = false;
    for (s, &d) in present.iter().zip(&desired) {
        if s.v == d {
            if s.base.is_none_or(|(_, b)| b != d) {
                agreed.push((s.id.clone(), Some(Value::Quantity(d))));
            }
            continue;
        }
        changed = true;
        // Relative for a side that is part of the pool; absolute on the
        // first run and for a side joining (no base).
        let delta = if first_run || s.base.is_none() {
            None
        } else {
            Some(d - s.v)
        };
        let from = Value::Quantity(s.v);
        out.changes.push(change(
            rule,
            s.id,
            ctx,
            ctx.record(s.src),
            Some(&from),
            Some(Value::Quantity(d)),
            s.base.map(|(e, _)| e),
            Reason::Merge,
            None,
            delta,
        ));
    }
    if changed || !agreed.is_empty() || old_pool != Some(pool) {
        out.intents.push(StateIntent {
            sku: ctx.sku.clone(),
            field,
            settle: Settle::Pool,
            agreed,
            pool: Some(pool),
        });
    }
}

/// One present side of `newest`: (side, source index, value, base).
type NewestSide<'a> = (
    &'a SourceId,
    Option<usize>,
    Option<&'a Value>,
    Option<&'a BaseEntry>,
);

/// `newest` (SEMANTICS.md, steps 1–4).
fn newest(
    rule: &FieldRule,
    sides: &[(&SourceId, Option<usize>)],
    prefer: &[SourceId],
    ctx: &SkuCtx<'_, '_>,
    out: &mut Out,
) {
    let field = rule.field;
    let present: Sides<NewestSide> = sides
        .iter()
        .filter_map(|&(id, src)| Some((id, src, ctx.value(src, field)?, ctx.base(id, field))))
        .collect();
    if present.is_empty() {
        return;
    }
    let preferred = |cands: &[usize]| -> Option<usize> {
        prefer
            .iter()
            .find_map(|p| cands.iter().copied().find(|&i| present[i].0 == p))
    };
    let agree = |cands: &[usize]| {
        cands
            .windows(2)
            .all(|w| same_opt(present[w[0]].2, present[w[1]].2))
    };
    let conflict = |out: &mut Out, reason: &str| {
        out.conflicts.push(Conflict {
            sku: ctx.sku.clone(),
            field,
            values: present
                .iter()
                .map(|(id, _, v, _)| ((*id).clone(), json(*v)))
                .collect(),
            reason: reason.to_string(),
        });
    };
    let established: Sides<usize> = (0..present.len())
        .filter(|&i| present[i].3.is_some())
        .collect();
    let changed: Sides<usize> = established
        .iter()
        .copied()
        .filter(|&i| {
            present[i]
                .3
                .is_some_and(|b| !same_opt(present[i].2, b.value.as_ref()))
        })
        .collect();
    let all: Sides<usize> = (0..present.len()).collect();
    let winner = if !changed.is_empty() {
        if agree(&changed) {
            preferred(&changed).unwrap_or(changed[0])
        } else if let Some(w) = preferred(&changed) {
            w
        } else {
            return conflict(out, "both changed");
        }
    } else if agree(&all) {
        all[0]
    } else if !established.is_empty() && agree(&established) {
        // Unchanged sides that agree teach a side that joined later.
        established[0]
    } else if let Some(w) = preferred(&all) {
        w
    } else if established.is_empty() {
        return conflict(out, "no base and sides disagree");
    } else {
        return conflict(out, "sides disagree and none changed since the base");
    };
    let (win_id, _, x, _) = present[winner];
    let mut agreed = Vec::new();
    for &(id, src, v, base) in &present {
        if same_opt(v, x) {
            if base.is_none_or(|b| !same_opt(b.value.as_ref(), x)) {
                agreed.push((id.clone(), x.cloned()));
            }
            continue;
        }
        if ctx.status_is_derived(src, field) {
            let values = present
                .iter()
                .map(|(id, _, v, _)| ((*id).clone(), json(*v)))
                .collect();
            out.conflicts.push(derived_status(ctx, field, id, values));
            continue;
        }
        out.changes.push(change(
            rule,
            id,
            ctx,
            ctx.record(src),
            v,
            fit_scale(x.cloned(), v, false),
            base,
            Reason::Newest,
            Some(win_id),
            None,
        ));
    }
    if !agreed.is_empty() {
        out.intents.push(StateIntent {
            sku: ctx.sku.clone(),
            field,
            settle: Settle::AllConfirmed,
            agreed,
            pool: None,
        });
    }
}
