//! Validation of `fields:` entries: the policies (`truth`, `merge: delta`,
//! `newest`), the sources they name, and per-target transforms.

use super::Ctx;
use crate::diag::did_you_mean;
use crate::wire::*;
use rust_decimal::Decimal;
use serde_saphyr::Location;
use skusync_model::{
    FieldKind, FieldName, FieldRule, OnDrift, Policy, Rounding, RoundingMode, Seed, SourceId, Tax,
    Transform,
};
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

/// What a source can do for the field checks, read from its keys even
/// when some of its other options are invalid (so a bad delimiter does not
/// hide a missing column).
pub(super) struct Caps {
    all: bool,
    provides: BTreeSet<FieldName>,
    writes: BTreeSet<FieldName>,
}

impl Caps {
    pub(super) fn of(w: &WireSource) -> Option<Caps> {
        let fields = |m: Option<Vec<&S<String>>>| -> BTreeSet<FieldName> {
            m.into_iter()
                .flatten()
                .filter_map(|k| FieldName::from_str(&k.value).ok())
                .collect()
        };
        match w.kind.as_ref()?.value.trim() {
            "woocommerce" => Some(Caps {
                all: true,
                provides: BTreeSet::new(),
                writes: BTreeSet::new(),
            }),
            "csv" => Some(Caps {
                all: false,
                provides: fields(
                    w.columns
                        .as_ref()
                        .map(|c| c.value.0.iter().map(|(k, _)| k).collect()),
                ),
                writes: fields(
                    w.export
                        .as_ref()
                        .and_then(|e| e.value.columns.as_ref())
                        .map(|c| c.value.0.iter().map(|(k, _)| k).collect()),
                ),
            }),
            _ => None,
        }
    }

    fn provides(&self, field: FieldName) -> bool {
        self.all || self.provides.contains(&field)
    }

    fn can_write(&self, field: FieldName) -> bool {
        self.all || self.writes.contains(&field)
    }
}

/// Sources as the field checks see them.
pub(super) struct Known<'a> {
    pub declared: &'a BTreeSet<String>,
    pub caps: &'a BTreeMap<String, Caps>,
}

impl Known<'_> {
    /// Checks that `s` names a declared source; `None` (with an error) if
    /// not. Returns what the source can do when its kind is known.
    fn source<'k>(
        &'k self,
        ctx: &mut Ctx<'_>,
        s: &S<String>,
        key: &str,
    ) -> Option<(SourceId, Option<&'k Caps>)> {
        let name = s.value.trim();
        if !self.declared.contains(name) {
            let valid: Vec<&str> = self.declared.iter().map(String::as_str).collect();
            ctx.err_help(
                &s.referenced,
                format!("{key}: source `{name}` is not defined"),
                did_you_mean(name, &valid, "sources"),
            );
            return None;
        }
        Some((SourceId::new(name), self.caps.get(name)))
    }
}

pub(super) fn field_rule(
    ctx: &mut Ctx<'_>,
    field: FieldName,
    name_at: &Location,
    w: &WireField,
    at: &Location,
    known: &Known<'_>,
) -> Option<FieldRule> {
    let rule = format!("fields.{field}");
    let mut policies: Vec<(&str, Location)> = Vec::new();
    if let Some(t) = &w.truth {
        policies.push(("truth", t.referenced));
    }
    if let Some(m) = &w.merge {
        policies.push(("merge", m.referenced));
    }
    if let Some(n) = &w.newest {
        policies.push(("newest", n.referenced));
    }
    match policies.as_slice() {
        [] => {
            ctx.err_help(
                name_at,
                format!("{rule}: no policy; a field needs exactly one"),
                "add `truth: SOURCE`, `merge: delta` (stock.quantity only) or `newest: [SIDE, SIDE]`",
            );
            return None;
        }
        [_] => {}
        [(first, _), (second, loc), ..] => {
            ctx.err_help(
                loc,
                format!("{rule}: both `{first}` and `{second}` are given; a field has exactly one policy"),
                "keep one of `truth`, `merge` and `newest`",
            );
            return None;
        }
    }
    // `merge: newest` + `sides: [..]` is another spelling of `newest: [..]`.
    let newest_via_merge =
        w.newest.is_none() && w.merge.as_ref().is_some_and(|m| m.value.trim() == "newest");
    let policy_name = if newest_via_merge {
        "newest"
    } else {
        policies[0].0
    };
    // Keys that belong to another policy.
    let belongs: [(&str, Option<Location>, &[&str]); 6] = [
        (
            "on_drift",
            w.on_drift.as_ref().map(|x| x.referenced),
            &["truth"],
        ),
        (
            "targets",
            w.targets.as_ref().map(|x| x.referenced),
            &["truth", "merge"],
        ),
        ("sides", w.sides.as_ref().map(|x| x.referenced), &["merge"]),
        (
            "seed_from",
            w.seed_from.as_ref().map(|x| x.referenced),
            &["merge"],
        ),
        (
            "initial",
            w.initial.as_ref().map(|x| x.referenced),
            &["merge"],
        ),
        (
            "prefer",
            w.prefer.as_ref().map(|x| x.referenced),
            &["newest"],
        ),
    ];
    let mut ok = true;
    for (key, loc, fits) in belongs {
        let Some(loc) = loc else { continue };
        if fits.contains(&policy_name) || (newest_via_merge && key == "sides") {
            continue;
        }
        ok = false;
        let help = match (key, policy_name) {
            ("targets", "newest") => "transforms are not allowed with `newest` (the sides must speak the same units); the sides are the targets".to_string(),
            ("sides", "truth") => "with `truth`, list the targets under `targets:`".to_string(),
            ("sides", "newest") => "with `newest`, the sides are its list: `newest: [shop, outlet]`".to_string(),
            _ => format!("`{key}` belongs to `{}`", fits.join("`/`")),
        };
        ctx.err_help(
            &loc,
            format!("{rule}.{key}: `{key}` does not apply to `{policy_name}`"),
            help,
        );
    }
    let policy = match policy_name {
        "truth" => truth(ctx, field, &rule, w, known),
        "merge" => merge(ctx, field, &rule, w, at, known),
        _ => newest(ctx, field, &rule, w, known),
    };
    let on_drift = match &w.on_drift {
        Some(s) => ctx.word(
            s,
            &format!("{rule}.on_drift"),
            &[("overwrite", OnDrift::Overwrite), ("flag", OnDrift::Flag)],
        ),
        None => Some(OnDrift::Overwrite),
    };
    if !ok {
        return None;
    }
    Some(FieldRule {
        field,
        policy: policy?,
        on_drift: on_drift?,
        rule,
    })
}

fn kind_word(field: FieldName) -> &'static str {
    match field.kind() {
        FieldKind::Money => "money",
        FieldKind::Quantity => "a quantity",
        FieldKind::Text => "text",
        FieldKind::Flag => "a yes/no flag",
        FieldKind::Enum => "a status word",
    }
}

fn cannot_provide(ctx: &mut Ctx<'_>, s: &S<String>, key: &str, field: FieldName) {
    let id = s.value.trim();
    ctx.err_help(
        &s.referenced,
        format!("{key}: csv source `{id}` has no column for `{field}`"),
        format!("map it under `sources.{id}.columns`, e.g. `{field}: \"…\"`"),
    );
}

fn cannot_write(ctx: &mut Ctx<'_>, loc: &Location, key: &str, id: &str, field: FieldName) {
    ctx.err_help(
        loc,
        format!("{key}: csv source `{id}` cannot be written for `{field}`"),
        format!("a csv source is a target only for the fields under `sources.{id}.export.columns`; add `{field}: \"…\"` there"),
    );
}

fn truth(
    ctx: &mut Ctx<'_>,
    field: FieldName,
    rule: &str,
    w: &WireField,
    known: &Known<'_>,
) -> Option<Policy> {
    let t = w.truth.as_ref()?;
    let key = format!("{rule}.truth");
    let mut ok = true;
    let source = match known.source(ctx, t, &key) {
        Some((id, spec)) => {
            if let Some(spec) = spec
                && !spec.provides(field)
            {
                cannot_provide(ctx, t, &key, field);
                ok = false;
            }
            Some(id)
        }
        None => None,
    };
    let mut targets = BTreeMap::new();
    match &w.targets {
        None => {
            ctx.err_help(
                &t.referenced,
                format!("{rule}: `truth` has no `targets`"),
                "list where the value goes, e.g. `targets: { shop: {} }`",
            );
            ok = false;
        }
        Some(ts) if ts.value.0.is_empty() => {
            ctx.err_help(
                &ts.referenced,
                format!("{rule}.targets: no target is listed"),
                "list where the value goes, e.g. `targets: { shop: {} }`",
            );
            ok = false;
        }
        Some(ts) => {
            for (name, tr) in &ts.value.0 {
                let tkey = format!("{rule}.targets.{}", name.value);
                let Some((id, spec)) = known.source(ctx, name, &format!("{rule}.targets")) else {
                    ok = false;
                    continue;
                };
                if source.as_ref() == Some(&id) {
                    ctx.err_help(
                        &name.referenced,
                        format!("{rule}.targets: `{id}` is the truth for `{field}` and cannot also be its target"),
                        "a source never writes a field to itself; remove it from `targets`",
                    );
                    ok = false;
                    continue;
                }
                if let Some(spec) = spec
                    && !spec.can_write(field)
                {
                    cannot_write(
                        ctx,
                        &name.referenced,
                        &format!("{rule}.targets"),
                        id.as_str(),
                        field,
                    );
                    ok = false;
                }
                match transform(ctx, field, &tkey, tr) {
                    Some(x) => {
                        targets.insert(id, x);
                    }
                    None => ok = false,
                }
            }
        }
    }
    if !ok {
        return None;
    }
    Some(Policy::Truth {
        source: source?,
        targets,
    })
}

/// Sides of `merge`/`newest`: defined, distinct, readable and writable.
fn sides(
    ctx: &mut Ctx<'_>,
    field: FieldName,
    key: &str,
    list: &S<Vec<S<String>>>,
    known: &Known<'_>,
) -> Option<Vec<SourceId>> {
    let mut out = Vec::new();
    let mut ok = true;
    for s in &list.value {
        let Some((id, spec)) = known.source(ctx, s, key) else {
            ok = false;
            continue;
        };
        if out.contains(&id) {
            ctx.err(&s.referenced, format!("{key}: `{id}` is listed twice"));
            ok = false;
            continue;
        }
        if let Some(spec) = spec {
            if !spec.provides(field) {
                cannot_provide(ctx, s, key, field);
                ok = false;
            } else if !spec.can_write(field) {
                cannot_write(ctx, &s.referenced, key, id.as_str(), field);
                ok = false;
            }
        }
        out.push(id);
    }
    if ok && out.len() < 2 {
        ctx.err_help(&list.referenced, format!("{key}: needs at least two sides"), "with one side there is nothing to reconcile; use `truth:` to copy a field from one source to others");
        ok = false;
    }
    ok.then_some(out)
}

fn merge(
    ctx: &mut Ctx<'_>,
    field: FieldName,
    rule: &str,
    w: &WireField,
    at: &Location,
    known: &Known<'_>,
) -> Option<Policy> {
    let m = w.merge.as_ref()?;
    let mut ok = true;
    if m.value.trim() != "delta" {
        ctx.err_help(
            &m.referenced,
            format!("{rule}.merge: `{}` is not a merge kind", m.value),
            did_you_mean(m.value.trim(), &["delta", "newest"], "merges"),
        );
        return None;
    }
    if field.kind() != FieldKind::Quantity {
        ctx.err_help(
            &m.referenced,
            format!("{rule}.merge: `merge: delta` only fits quantities, and `{field}` is {}", kind_word(field)),
            "use `truth: SOURCE` or `newest: [..]` for this field; `merge: delta` is for stock.quantity",
        );
        return None;
    }
    let sides_key = format!("{rule}.sides");
    let side_list = match &w.sides {
        None => {
            ctx.err_help(
                at,
                format!("{rule}: `merge: delta` needs `sides`"),
                "list the sources that share the stock, e.g. `sides: [shop, outlet]`",
            );
            None
        }
        Some(s) => sides(ctx, field, &sides_key, s, known),
    };
    let seed = match (&w.seed_from, &w.initial) {
        (Some(_), Some(i)) => {
            ctx.err_help(
                &i.referenced,
                format!("{rule}: both `seed_from` and `initial` are given"),
                "keep one: `seed_from: SOURCE` or `initial: min | max | SIDE`",
            );
            None
        }
        (None, None) => {
            ctx.err_help(at, format!("{rule}: `merge: delta` needs `seed_from` or `initial`"), "say where the pool starts on the first run: `seed_from: erp`, or `initial: min | max | SIDE`");
            None
        }
        (Some(s), None) => {
            let key = format!("{rule}.seed_from");
            match known.source(ctx, s, &key) {
                Some((id, spec)) => {
                    if let Some(spec) = spec
                        && !spec.provides(field)
                    {
                        cannot_provide(ctx, s, &key, field);
                        None
                    } else {
                        Some(Seed::From(id))
                    }
                }
                None => None,
            }
        }
        (None, Some(i)) => match i.value.trim() {
            "min" => Some(Seed::Min),
            "max" => Some(Seed::Max),
            side => {
                let listed: Vec<&str> = w
                    .sides
                    .iter()
                    .flat_map(|s| s.value.iter().map(|x| x.value.trim()))
                    .collect();
                if listed.contains(&side) {
                    Some(Seed::From(SourceId::new(side)))
                } else {
                    let mut valid = vec!["min", "max"];
                    valid.extend(listed.iter().copied());
                    ctx.err_help(
                        &i.referenced,
                        format!(
                            "{rule}.initial: `{side}` is neither min, max nor one of the sides"
                        ),
                        did_you_mean(side, &valid, "values"),
                    );
                    None
                }
            }
        },
    };
    let mut transforms = BTreeMap::new();
    if let Some(ts) = &w.targets {
        for (name, tr) in &ts.value.0 {
            let listed = w
                .sides
                .iter()
                .any(|s| s.value.iter().any(|x| x.value.trim() == name.value.trim()));
            if !listed {
                let valid: Vec<&str> = w
                    .sides
                    .iter()
                    .flat_map(|s| s.value.iter().map(|x| x.value.trim()))
                    .collect();
                ctx.err_help(
                    &name.referenced,
                    format!("{rule}.targets: `{}` is not one of the sides", name.value),
                    did_you_mean(name.value.trim(), &valid, "sides"),
                );
                ok = false;
                continue;
            }
            match transform(ctx, field, &format!("{rule}.targets.{}", name.value), tr) {
                Some(x) => {
                    transforms.insert(SourceId::new(name.value.trim()), x);
                }
                None => ok = false,
            }
        }
    }
    if !ok {
        return None;
    }
    Some(Policy::MergeDelta {
        sides: side_list?,
        seed: seed?,
        transforms,
    })
}

fn newest(
    ctx: &mut Ctx<'_>,
    field: FieldName,
    rule: &str,
    w: &WireField,
    known: &Known<'_>,
) -> Option<Policy> {
    let (n, key) = match (&w.newest, &w.sides) {
        (Some(n), _) => (n, format!("{rule}.newest")),
        (None, Some(s)) => (s, format!("{rule}.sides")),
        (None, None) => {
            let at = w.merge.as_ref().map(|m| m.referenced)?;
            ctx.err_help(
                &at,
                format!("{rule}: `merge: newest` needs `sides`"),
                "list the sources, e.g. `sides: [shop, outlet]` (or write `newest: [shop, outlet]`)",
            );
            return None;
        }
    };
    let side_list = sides(ctx, field, &key, n, known);
    let mut prefer = Vec::new();
    let mut ok = true;
    if let Some(p) = &w.prefer {
        let listed: Vec<&str> = n.value.iter().map(|x| x.value.trim()).collect();
        for s in &p.value {
            let name = s.value.trim();
            if !listed.contains(&name) {
                ctx.err_help(
                    &s.referenced,
                    format!("{rule}.prefer: `{name}` is not one of the sides"),
                    did_you_mean(name, &listed, "sides"),
                );
                ok = false;
                continue;
            }
            let id = SourceId::new(name);
            if prefer.contains(&id) {
                ctx.err(
                    &s.referenced,
                    format!("{rule}.prefer: `{name}` is listed twice"),
                );
                ok = false;
                continue;
            }
            prefer.push(id);
        }
    }
    if !ok {
        return None;
    }
    Some(Policy::Newest {
        sides: side_list?,
        prefer,
    })
}

fn transform(
    ctx: &mut Ctx<'_>,
    field: FieldName,
    key: &str,
    w: &S<Option<WireTransform>>,
) -> Option<Transform> {
    let Some(t) = &w.value else {
        return Some(Transform::default());
    };
    let kind = field.kind();
    let numeric = matches!(kind, FieldKind::Money | FieldKind::Quantity);
    let mut ok = true;
    let mut out = Transform::default();
    // Steps that do not fit the field's kind.
    let steps: [(&str, Option<Location>, bool); 7] = [
        (
            "multiply",
            t.multiply.as_ref().map(|x| x.referenced),
            numeric,
        ),
        ("add", t.add.as_ref().map(|x| x.referenced), numeric),
        ("round", t.round.as_ref().map(|x| x.referenced), numeric),
        (
            "rounding",
            t.rounding.as_ref().map(|x| x.referenced),
            numeric,
        ),
        (
            "tax",
            t.tax.as_ref().map(|x| x.referenced),
            kind == FieldKind::Money,
        ),
        (
            "buffer",
            t.buffer.as_ref().map(|x| x.referenced),
            kind == FieldKind::Quantity,
        ),
        (
            "clamp_zero",
            t.clamp_zero.as_ref().map(|x| x.referenced),
            kind == FieldKind::Quantity,
        ),
    ];
    for (step, loc, fits) in steps {
        let Some(loc) = loc else { continue };
        if fits {
            continue;
        }
        ok = false;
        let help = match kind {
            FieldKind::Money => "prices take multiply, add, round, rounding and tax".to_string(),
            FieldKind::Quantity => {
                "quantities take multiply, add, round, rounding, buffer and clamp_zero".to_string()
            }
            _ => format!(
                "`{field}` is {}: it is copied as it is (`{{}}`)",
                kind_word(field)
            ),
        };
        ctx.err_help(
            &loc,
            format!(
                "{key}.{step}: `{step}` does not fit `{field}` ({})",
                kind_word(field)
            ),
            help,
        );
    }
    if !ok {
        return None;
    }
    if let Some(m) = &t.multiply {
        match ctx.decimal(m, &format!("{key}.multiply")) {
            Some(d) if d <= Decimal::ZERO => {
                ctx.err_help(
                    &m.referenced,
                    format!("{key}.multiply: `{}` must be greater than zero", m.value),
                    "e.g. \"0.90\" for 10% less, \"1.19\" for 19% more",
                );
                ok = false;
            }
            Some(d) => out.multiply = Some(d),
            None => ok = false,
        }
    }
    if let Some(a) = &t.add {
        match ctx.decimal(a, &format!("{key}.add")) {
            Some(d) if kind == FieldKind::Quantity && !d.fract().is_zero() => {
                ctx.err_help(
                    &a.referenced,
                    format!("{key}.add: `{}` is not a whole number", a.value),
                    "quantities add whole units",
                );
                ok = false;
            }
            Some(d) => out.add = Some(d),
            None => ok = false,
        }
    }
    let mode = match &t.rounding {
        Some(r) => {
            if t.round.is_none() {
                ctx.err_help(
                    &r.referenced,
                    format!("{key}.rounding: `rounding` needs `round`"),
                    "give the step too, e.g. `round: \"0.01\"`",
                );
                ok = false;
            }
            ctx.word(
                r,
                &format!("{key}.rounding"),
                &[
                    ("half_up", RoundingMode::HalfUp),
                    ("half_even", RoundingMode::HalfEven),
                    ("up", RoundingMode::Up),
                    ("down", RoundingMode::Down),
                ],
            )
        }
        None => Some(RoundingMode::HalfUp),
    };
    if let Some(r) = &t.round {
        match ctx.decimal(r, &format!("{key}.round")) {
            Some(step) if step <= Decimal::ZERO => {
                ctx.err_help(
                    &r.referenced,
                    format!(
                        "{key}.round: the step `{}` must be greater than zero",
                        r.value
                    ),
                    "e.g. \"0.01\" (cents), \"0.05\", \"1\"",
                );
                ok = false;
            }
            Some(step) if kind == FieldKind::Quantity && !step.fract().is_zero() => {
                ctx.err_help(
                    &r.referenced,
                    format!("{key}.round: `{}` is not a whole step", r.value),
                    "quantities round to whole units, e.g. `round: 5`",
                );
                ok = false;
            }
            Some(step) => match mode {
                Some(mode) => out.round = Some(Rounding { step, mode }),
                None => ok = false,
            },
            None => ok = false,
        }
    } else if mode.is_none() {
        ok = false;
    }
    if let Some(tax) = &t.tax {
        let rate = match &tax.value.rate {
            Some(r) => match ctx.decimal(r, &format!("{key}.tax.rate")) {
                Some(d) if d < Decimal::ZERO || d >= Decimal::ONE => {
                    ctx.err_help(
                        &r.referenced,
                        format!("{key}.tax.rate: `{}` is out of range", r.value),
                        "a rate as a fraction: \"0.19\" for 19%",
                    );
                    None
                }
                d => d,
            },
            None => {
                ctx.err_help(
                    &tax.referenced,
                    format!("{key}.tax: `rate` is missing"),
                    "e.g. `tax: { rate: \"0.19\", to: inclusive }`",
                );
                None
            }
        };
        let to = match &tax.value.to {
            Some(s) => ctx.word(
                s,
                &format!("{key}.tax.to"),
                &[("inclusive", true), ("exclusive", false)],
            ),
            None => {
                ctx.err_help(
                    &tax.referenced,
                    format!("{key}.tax: `to` is missing"),
                    "`to: inclusive` (net → gross) or `to: exclusive` (gross → net)",
                );
                None
            }
        };
        match (rate, to) {
            (Some(r), Some(true)) => out.tax = Some(Tax::AddRate(r)),
            (Some(r), Some(false)) => out.tax = Some(Tax::RemoveRate(r)),
            _ => ok = false,
        }
    }
    if let Some(b) = &t.buffer {
        if b.value < 0 {
            ctx.err_help(
                &b.referenced,
                format!("{key}.buffer: `{}` is negative", b.value),
                "the safety stock held back, 0 or more",
            );
            ok = false;
        } else {
            out.buffer = Some(b.value);
        }
    }
    if let Some(c) = &t.clamp_zero {
        out.clamp_zero = c.value;
    }
    ok.then_some(out)
}
