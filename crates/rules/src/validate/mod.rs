//! Validation: wire structs → [`RuleSet`], collecting every problem.
//!
//! Pure apart from reading the aliases CSV the rules point at. Each check
//! records a [`Diagnostic`] at the offending value's line and column and
//! carries on, so one run reports everything that is wrong. A value that
//! failed its own check is left out of later checks (an undefined source is
//! reported once, not again for every field that names it). Messages quote
//! values as written in the file, before `${VAR}` expansion, so a value taken
//! from the environment is never echoed (URLs excepted: they are addresses).
//!
//! # Layout
//! - this file: the context ([`Ctx`]), the top level, `match`, `guards`, `schedule`;
//! - `sources`: `kind: csv` and `kind: woocommerce`;
//! - `fields`: field policies and transforms.

mod fields;
mod sources;

use crate::diag::{Diagnostic, did_you_mean};
use crate::env::{self, EnvError};
use crate::spec::*;
use crate::wire::*;
use fields::{Caps, Known, field_rule};
use rust_decimal::Decimal;
use serde_saphyr::Location;
use skusync_model::{FieldName, Guards, Limit, MatchRules, NormalizeStep, SourceId};
use sources::source;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// Field names as rules spell them.
pub(super) const FIELD_NAMES: [&str; 8] = [
    "price.regular",
    "price.sale",
    "stock.quantity",
    "stock.status",
    "stock.manage",
    "stock.backorders",
    "name",
    "status",
];

/// The validation context: where we are, and what went wrong so far.
pub(crate) struct Ctx<'a> {
    pub file: &'a Path,
    pub base_dir: &'a Path,
    pub env: &'a dyn Fn(&str) -> Option<String>,
    pub diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn at(&self, loc: &Location, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.file, loc.line(), loc.column(), msg)
    }

    fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn err(&mut self, loc: &Location, msg: impl Into<String>) {
        let d = self.at(loc, msg);
        self.diags.push(d);
    }

    fn err_help(&mut self, loc: &Location, msg: impl Into<String>, help: impl Into<String>) {
        let d = self.at(loc, msg).with_help(help);
        self.diags.push(d);
    }

    /// A string with `${VAR}`s expanded.
    fn text(&mut self, s: &S<String>, key: &str) -> Option<String> {
        match env::expand(&s.value, self.env) {
            Ok(t) => Some(t),
            Err(EnvError::Unset(name)) => {
                self.err_help(
                    &s.referenced,
                    format!("{key}: environment variable `{name}` is not set"),
                    format!("export {name}=… before running skusync"),
                );
                None
            }
            Err(EnvError::Malformed(m)) => {
                self.err_help(
                    &s.referenced,
                    format!("{key}: {m}"),
                    "write `${NAME}`, or `$$` for a literal `$`",
                );
                None
            }
        }
    }

    /// A path: expanded, then resolved against the rules file's folder.
    fn path(&mut self, s: &S<String>, key: &str) -> Option<PathBuf> {
        let t = self.text(s, key)?;
        if t.trim().is_empty() {
            self.err(&s.referenced, format!("{key}: the path is empty"));
            return None;
        }
        let p = PathBuf::from(t);
        Some(if p.is_absolute() {
            p
        } else {
            clean(&self.base_dir.join(p))
        })
    }

    /// A duration such as `500ms`, `2s`, `5m`, `1h`.
    fn duration(&mut self, s: &S<String>, key: &str) -> Option<Duration> {
        let t = self.text(s, key)?;
        match humantime::parse_duration(t.trim()) {
            Ok(d) => Some(d),
            Err(_) => {
                self.err_help(
                    &s.referenced,
                    format!("{key}: `{}` is not a duration", s.value),
                    "write a number and a unit: `500ms`, `2s`, `15m`, `1h`, `1d`",
                );
                None
            }
        }
    }

    /// One of a closed set of words (exact match, case-insensitive).
    fn word<T: Copy>(&mut self, s: &S<String>, key: &str, table: &[(&str, T)]) -> Option<T> {
        let t = self.text(s, key)?;
        let found = table
            .iter()
            .find(|(w, _)| w.eq_ignore_ascii_case(t.trim()))
            .map(|(_, v)| *v);
        if found.is_none() {
            let valid: Vec<&str> = table.iter().map(|(w, _)| *w).collect();
            self.err_help(
                &s.referenced,
                format!("{key}: `{}` is not a valid value", s.value),
                did_you_mean(t.trim(), &valid, "values"),
            );
        }
        found
    }

    /// A decimal written as a string or a YAML number (its literal text).
    fn decimal(&mut self, s: &S<String>, key: &str) -> Option<Decimal> {
        let t = self.text(s, key)?;
        match Decimal::from_str(t.trim()) {
            Ok(d) => Some(d),
            Err(_) => {
                self.err_help(
                    &s.referenced,
                    format!("{key}: `{}` is not a decimal number", s.value),
                    "write it in plain digits, e.g. \"0.90\" (no exponent, no thousands separator)",
                );
                None
            }
        }
    }

    /// A percentage written `"20%"`.
    fn percent(&mut self, s: &S<String>, key: &str) -> Option<Decimal> {
        let t = self.text(s, key)?;
        let Some(num) = t.trim().strip_suffix('%') else {
            self.err_help(
                &s.referenced,
                format!("{key}: `{}` is not a percentage", s.value),
                "write it with a percent sign, e.g. \"50%\"",
            );
            return None;
        };
        match Decimal::from_str(num.trim()) {
            Ok(d) => Some(d),
            Err(_) => {
                self.err_help(
                    &s.referenced,
                    format!("{key}: `{}` is not a percentage", s.value),
                    "write a number and a percent sign, e.g. \"50%\"",
                );
                None
            }
        }
    }
}

/// Validates the parsed file into a [`RuleSet`], or every problem found.
pub(crate) fn validate(ctx: &mut Ctx<'_>, w: WireRules) -> Option<RuleSet> {
    let top = Location::UNKNOWN;
    let version = match &w.version {
        None => {
            ctx.push(
                Diagnostic::new(ctx.file, 1, 1, "`version` is missing")
                    .with_help("add `version: 1` as the first line"),
            );
            None
        }
        Some(v) if v.value.trim() == "1" => Some(1),
        Some(v) => {
            ctx.err_help(
                &v.referenced,
                format!(
                    "version: `{}` is not a rules version this skusync knows",
                    v.value
                ),
                "the only version is 1: `version: 1`",
            );
            None
        }
    };
    let _ = top;

    let state_dir = match &w.state_dir {
        Some(s) => ctx.path(s, "state_dir"),
        None => Some(clean(&ctx.base_dir.join(".skusync"))),
    };

    // Sources.
    let mut sources: BTreeMap<SourceId, SourceSpec> = BTreeMap::new();
    let mut declared: BTreeSet<String> = BTreeSet::new();
    match &w.sources {
        None => ctx.push(
            Diagnostic::new(ctx.file, 1, 1, "`sources` is missing").with_help(
                "declare at least one source under `sources:` (kind: csv or kind: woocommerce)",
            ),
        ),
        Some(s) if s.value.0.is_empty() => ctx.err_help(
            &s.referenced,
            "sources: no source is declared",
            "declare at least one source (kind: csv or kind: woocommerce)",
        ),
        Some(s) => {
            for (name, src) in &s.value.0 {
                declared.insert(name.value.clone());
                if !is_source_name(&name.value) {
                    ctx.err_help(
                        &name.referenced,
                        format!("sources: `{}` is not a valid source name", name.value),
                        "use letters, digits, `_` and `-`, starting with a letter (e.g. `erp`, `shop_de`)",
                    );
                    continue;
                }
                if let Some(spec) = source(ctx, &name.value, src) {
                    sources.insert(SourceId::new(name.value.clone()), spec);
                }
            }
        }
    }

    // Match rules.
    let match_rules = match &w.match_ {
        Some(m) => match_rules(ctx, &m.value, &declared),
        None => Some(MatchRules::default()),
    };

    // Fields.
    let mut fields = Vec::new();
    match &w.fields {
        None => ctx.push(
            Diagnostic::new(ctx.file, 1, 1, "`fields` is missing")
                .with_help("say which source owns which field, e.g. `fields: { price.regular: { truth: erp, targets: { shop: {} } } }`"),
        ),
        Some(f) if f.value.0.is_empty() => ctx.err_help(
            &f.referenced,
            "fields: no field rule is declared",
            "add at least one field rule",
        ),
        Some(f) => {
            let caps: BTreeMap<String, Caps> = w
                .sources
                .iter()
                .flat_map(|s| s.value.0.iter())
                .filter_map(|(name, src)| {
                    Caps::of(src.value.as_ref()?).map(|c| (name.value.clone(), c))
                })
                .collect();
            let known = Known {
                declared: &declared,
                caps: &caps,
            };
            for (name, rule) in &f.value.0 {
                let Ok(field) = FieldName::from_str(&name.value) else {
                    ctx.err_help(
                        &name.referenced,
                        format!("fields: `{}` is not a field skusync knows", name.value),
                        did_you_mean(&name.value, &FIELD_NAMES, "fields"),
                    );
                    continue;
                };
                let empty = WireField::default();
                let wire = rule.value.as_ref().unwrap_or(&empty);
                if let Some(r) = field_rule(ctx, field, &name.referenced, wire, &rule.referenced, &known) {
                    fields.push(r);
                }
            }
        }
    }
    fields.sort_by_key(|r| r.field);

    let guards = match &w.guards {
        Some(g) => guards(ctx, &g.value),
        None => Some(Guards::default()),
    };

    let schedule = match &w.schedule {
        Some(s) => schedule(ctx, &s.value, &s.referenced),
        None => Some(None),
    };

    if !ctx.diags.is_empty() {
        return None;
    }
    Some(RuleSet {
        version: version?,
        state_dir: state_dir?,
        sources,
        match_rules: match_rules?,
        fields,
        guards: guards?,
        schedule: schedule?,
        file: ctx.file.to_path_buf(),
    })
}

fn is_source_name(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic())
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
}

fn match_rules(
    ctx: &mut Ctx<'_>,
    w: &WireMatch,
    declared: &BTreeSet<String>,
) -> Option<MatchRules> {
    let mut rules = MatchRules::default();
    let mut ok = true;
    if let Some(steps) = &w.normalize {
        for s in &steps.value {
            match ctx.word(
                s,
                "match.normalize",
                &[
                    ("trim", NormalizeStep::Trim),
                    ("uppercase", NormalizeStep::Uppercase),
                    ("lowercase", NormalizeStep::Lowercase),
                    ("collapse_spaces", NormalizeStep::CollapseSpaces),
                ],
            ) {
                Some(step) => rules.normalize.push(step),
                None => ok = false,
            }
        }
    }
    if let Some(a) = &w.aliases {
        match ctx.path(a, "match.aliases") {
            Some(path) => {
                if let Some(aliases) =
                    crate::aliases::load(ctx, &path, &a.referenced, &rules, declared)
                {
                    rules.aliases = aliases;
                } else {
                    ok = false;
                }
            }
            None => ok = false,
        }
    }
    ok.then_some(rules)
}

fn guards(ctx: &mut Ctx<'_>, w: &WireGuards) -> Option<Guards> {
    let mut g = Guards::default();
    let mut ok = true;
    if let Some(m) = &w.max_changes {
        let t = m.value.trim();
        if t.ends_with('%') {
            match ctx.percent(m, "guards.max_changes") {
                Some(p) if p > Decimal::ZERO && p <= Decimal::ONE_HUNDRED => {
                    g.max_changes = Some(Limit::Percent(p))
                }
                Some(_) => {
                    ctx.err_help(
                        &m.referenced,
                        format!("guards.max_changes: `{t}` is out of range"),
                        "a share above 0% and at most 100%, e.g. \"20%\"",
                    );
                    ok = false;
                }
                None => ok = false,
            }
        } else {
            match t.parse::<i64>() {
                Ok(n) if n >= 1 => g.max_changes = Some(Limit::Absolute(n.unsigned_abs())),
                Ok(_) => {
                    ctx.err_help(
                        &m.referenced,
                        format!("guards.max_changes: `{t}` is out of range"),
                        "at least 1 change (or a share such as \"20%\"); 0 would block every run",
                    );
                    ok = false;
                }
                Err(_) => {
                    ctx.err_help(
                        &m.referenced,
                        format!("guards.max_changes: `{t}` is neither a count nor a percentage"),
                        "e.g. `max_changes: 50` or `max_changes: \"20%\"`",
                    );
                    ok = false;
                }
            }
        }
    }
    if let Some(m) = &w.max_price_change {
        match ctx.percent(m, "guards.max_price_change") {
            Some(p) if p > Decimal::ZERO => g.max_price_change = Some(p),
            Some(_) => {
                ctx.err_help(
                    &m.referenced,
                    format!(
                        "guards.max_price_change: `{}` is out of range",
                        m.value.trim()
                    ),
                    "a move above 0%, e.g. \"50%\"",
                );
                ok = false;
            }
            None => ok = false,
        }
    }
    ok.then_some(g)
}

fn schedule(ctx: &mut Ctx<'_>, w: &WireSchedule, at: &Location) -> Option<Option<Schedule>> {
    match (&w.every, &w.cron) {
        (Some(_), Some(c)) => {
            ctx.err_help(
                &c.referenced,
                "schedule: both `every` and `cron` are given",
                "keep one: `every: 15m` or `cron: \"*/15 * * * *\"`",
            );
            None
        }
        (None, None) => {
            ctx.err_help(
                at,
                "schedule: give `every` or `cron`",
                "e.g. `every: 15m` or `cron: \"*/15 * * * *\"`",
            );
            None
        }
        (Some(e), None) => match ctx.duration(e, "schedule.every") {
            Some(d) if d < Duration::from_secs(1) => {
                ctx.err_help(
                    &e.referenced,
                    format!("schedule.every: `{}` is too short", e.value),
                    "at least 1s; e.g. `every: 15m`",
                );
                None
            }
            Some(d) => Some(Some(Schedule::Every(d))),
            None => None,
        },
        (None, Some(c)) => {
            let t = ctx.text(c, "schedule.cron")?;
            match croner::Cron::from_str(t.trim()) {
                Ok(_) => Some(Some(Schedule::Cron(t.trim().to_string()))),
                Err(e) => {
                    ctx.err_help(&c.referenced, format!("schedule.cron: `{}` is not a valid cron expression ({e})", c.value), "five fields: minute hour day-of-month month day-of-week, e.g. \"*/15 * * * *\"");
                    None
                }
            }
        }
    }
}

/// Drops `.` components (`./rules/./erp` → `rules/erp`) so messages show
/// the paths operators expect; `..` is kept (symlinks make it meaningful).
fn clean(path: &std::path::Path) -> PathBuf {
    let cleaned: PathBuf = path
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    if cleaned.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        cleaned
    }
}
