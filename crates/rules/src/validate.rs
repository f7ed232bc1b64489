//! Validation: wire structs → [`RuleSet`], collecting every problem.
//!
//! Pure apart from reading the aliases CSV the rules point at. Each check
//! records a [`Diagnostic`] at the offending value's line and column and
//! carries on, so one run reports everything that is wrong. A value that
//! failed its own check is left out of later checks (an undefined source is
//! reported once, not again for every field that names it).

use crate::diag::{Diagnostic, did_you_mean};
use crate::env::{self, EnvError};
use crate::spec::*;
use crate::wire::*;
use rust_decimal::Decimal;
use secrecy::SecretString;
use serde_saphyr::Location;
use skusync_model::{
    FieldKind, FieldName, FieldRule, Guards, Limit, MatchRules, NormalizeStep, OnDrift, Policy,
    Rounding, RoundingMode, Seed, SourceId, Tax, Transform, Value,
};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// Field names as rules spell them.
const FIELD_NAMES: [&str; 8] = [
    "price.regular",
    "price.sale",
    "stock.quantity",
    "stock.status",
    "stock.manage",
    "stock.backorders",
    "name",
    "status",
];

const CSV_KEYS: &[&str] = &[
    "kind",
    "path",
    "pattern",
    "delimiter",
    "decimal_separator",
    "thousands_separator",
    "encoding",
    "header",
    "columns",
    "values",
    "complete",
    "on_invalid",
    "max_skipped",
    "allow_negative_stock",
    "min_rows_ratio",
    "archive",
    "export",
];

const WOO_KEYS: &[&str] = &[
    "kind",
    "url",
    "wp_subfolder",
    "consumer_key",
    "consumer_secret",
    "auth",
    "ca_cert",
    "rate_limit",
    "concurrency",
    "timeout",
    "read",
    "full_every",
    "overlap",
    "absolute_stock",
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
            self.base_dir.join(p)
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
                    format!("{key}: `{t}` is not a duration"),
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
                format!("{key}: `{t}` is not a valid value"),
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
                    format!("{key}: `{t}` is not a decimal number"),
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
                format!("{key}: `{t}` is not a percentage"),
                "write it with a percent sign, e.g. \"50%\"",
            );
            return None;
        };
        match Decimal::from_str(num.trim()) {
            Ok(d) => Some(d),
            Err(_) => {
                self.err_help(
                    &s.referenced,
                    format!("{key}: `{t}` is not a percentage"),
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
        None => Some(ctx.base_dir.join(".skusync")),
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

/// The keys present in a source, with where their values are.
fn present_keys(w: &WireSource) -> Vec<(&'static str, Location)> {
    macro_rules! keys {
        ($($k:ident),*) => {{
            let mut v = Vec::new();
            $( if let Some(x) = &w.$k { v.push((stringify!($k), x.referenced)); } )*
            v
        }};
    }
    keys!(
        path,
        pattern,
        delimiter,
        decimal_separator,
        thousands_separator,
        encoding,
        header,
        columns,
        values,
        complete,
        on_invalid,
        max_skipped,
        allow_negative_stock,
        min_rows_ratio,
        archive,
        export,
        url,
        wp_subfolder,
        consumer_key,
        consumer_secret,
        auth,
        ca_cert,
        rate_limit,
        concurrency,
        timeout,
        read,
        full_every,
        overlap,
        absolute_stock
    )
}

fn source(ctx: &mut Ctx<'_>, id: &str, src: &S<Option<WireSource>>) -> Option<SourceSpec> {
    let empty = WireSource::default();
    let w = src.value.as_ref().unwrap_or(&empty);
    let Some(kind) = &w.kind else {
        ctx.err_help(
            &src.referenced,
            format!("sources.{id}: `kind` is missing"),
            "add `kind: csv` or `kind: woocommerce`",
        );
        return None;
    };
    let (kind_name, allowed) = match kind.value.trim() {
        "csv" => ("csv", CSV_KEYS),
        "woocommerce" => ("woocommerce", WOO_KEYS),
        other => {
            ctx.err_help(
                &kind.referenced,
                format!("sources.{id}.kind: `{other}` is not a source kind"),
                did_you_mean(other, &["csv", "woocommerce"], "kinds"),
            );
            return None;
        }
    };
    let mut misplaced = false;
    for (key, loc) in present_keys(w) {
        if !allowed.contains(&key) {
            misplaced = true;
            ctx.err_help(
                &loc,
                format!("sources.{id}.{key}: `{key}` is not an option of a {kind_name} source"),
                format!(
                    "options of a {kind_name} source: {}",
                    allowed[1..].join(", ")
                ),
            );
        }
    }
    let spec = if kind_name == "csv" {
        csv_source(ctx, id, w, &src.referenced).map(SourceSpec::Csv)
    } else {
        woo_source(ctx, id, w, &src.referenced).map(SourceSpec::WooCommerce)
    };
    if misplaced { None } else { spec }
}

const DELIMITERS: &[(&str, Delimiter)] = &[
    ("auto", Delimiter::Auto),
    (",", Delimiter::Byte(b',')),
    (";", Delimiter::Byte(b';')),
    ("\\t", Delimiter::Byte(b'\t')),
    ("|", Delimiter::Byte(b'|')),
];

const DECIMALS: &[(&str, DecimalSeparator)] =
    &[(".", DecimalSeparator::Dot), (",", DecimalSeparator::Comma)];

fn delimiter(ctx: &mut Ctx<'_>, s: &S<String>, key: &str, auto: bool) -> Option<Delimiter> {
    // A double-quoted "\t" arrives as a tab character.
    if s.value == "\t" {
        return Some(Delimiter::Byte(b'\t'));
    }
    let table: Vec<(&str, Delimiter)> = DELIMITERS
        .iter()
        .copied()
        .filter(|(_, d)| auto || *d != Delimiter::Auto)
        .collect();
    ctx.word(s, key, &table)
}

fn column_key(ctx: &mut Ctx<'_>, k: &S<String>, key: &str) -> Option<ColumnKey> {
    if k.value == "sku" {
        return Some(ColumnKey::Sku);
    }
    match FieldName::from_str(&k.value) {
        Ok(f) => Some(ColumnKey::Field(f)),
        Err(_) => {
            let mut valid = vec!["sku"];
            valid.extend(FIELD_NAMES);
            ctx.err_help(
                &k.referenced,
                format!("{key}: `{}` is neither `sku` nor a field", k.value),
                did_you_mean(&k.value, &valid, "columns"),
            );
            None
        }
    }
}

fn csv_source(ctx: &mut Ctx<'_>, id: &str, w: &WireSource, at: &Location) -> Option<CsvSpec> {
    let p = |k: &str| format!("sources.{id}.{k}");
    let mut ok = true;
    let path = match &w.path {
        Some(s) => ctx.path(s, &p("path")),
        None => {
            ctx.err_help(
                at,
                format!("sources.{id}: a csv source needs `path`"),
                "`path: ./drops/erp` (a folder where files are dropped) or one file",
            );
            None
        }
    };
    let pattern = match &w.pattern {
        Some(s) => match ctx.text(s, &p("pattern")) {
            Some(t) if t.trim().is_empty() || t.contains('/') || t.contains('\\') => {
                ctx.err_help(
                    &s.referenced,
                    format!("{}: `{t}` is not a file-name pattern", p("pattern")),
                    "a glob for file names in the folder, e.g. \"stock-*.csv\"",
                );
                None
            }
            t => t,
        },
        None => Some("*.csv".to_string()),
    };
    let delim = match &w.delimiter {
        Some(s) => delimiter(ctx, s, &p("delimiter"), true),
        None => Some(Delimiter::Auto),
    };
    let decimal = match &w.decimal_separator {
        Some(s) => ctx.word(s, &p("decimal_separator"), DECIMALS),
        None => Some(DecimalSeparator::Dot),
    };
    let thousands = match &w.thousands_separator {
        Some(s) => {
            let t = if s.value == " " {
                Some(ThousandsSeparator::Space)
            } else {
                ctx.word(
                    s,
                    &p("thousands_separator"),
                    &[
                        (".", ThousandsSeparator::Dot),
                        (",", ThousandsSeparator::Comma),
                        ("'", ThousandsSeparator::Apostrophe),
                        ("space", ThousandsSeparator::Space),
                    ],
                )
            };
            match (t, decimal) {
                (Some(t), Some(d)) if t.as_char() == d.as_char() => {
                    ctx.err_help(
                        &s.referenced,
                        format!(
                            "{}: `{}` is also the decimal separator",
                            p("thousands_separator"),
                            t.as_char()
                        ),
                        "the thousands separator must differ from `decimal_separator`",
                    );
                    ok = false;
                    None
                }
                (t, _) => t.map(Some),
            }
        }
        None => Some(None),
    };
    let encoding = match &w.encoding {
        Some(s) => ctx.word(
            s,
            &p("encoding"),
            &[
                ("utf-8", Encoding::Utf8),
                ("utf8", Encoding::Utf8),
                ("windows-1252", Encoding::Windows1252),
                ("cp1252", Encoding::Windows1252),
                ("latin-1", Encoding::Latin1),
                ("latin1", Encoding::Latin1),
                ("iso-8859-1", Encoding::Latin1),
            ],
        ),
        None => Some(Encoding::Utf8),
    };
    let header = match &w.header {
        Some(h) if !h.value => HeaderRow::Absent,
        _ => HeaderRow::Present,
    };

    // Columns.
    let mut sku_column = None;
    let mut columns = BTreeMap::new();
    match &w.columns {
        None => {
            ctx.err_help(
                at,
                format!("sources.{id}: a csv source needs `columns`"),
                "map `sku` and each field to a header name or a 1-based index, e.g. `columns: { sku: \"Item\", stock.quantity: \"On hand\" }`",
            );
            ok = false;
        }
        Some(cols) => {
            let mut seen: BTreeMap<String, String> = BTreeMap::new();
            for (k, v) in &cols.value.0 {
                let key = format!("sources.{id}.columns.{}", k.value);
                let ck = column_key(ctx, k, &p("columns"));
                let cr = match &v.value {
                    WireColumn::Index(i) if *i >= 1 => {
                        usize::try_from(*i).ok().map(ColumnRef::Index)
                    }
                    WireColumn::Index(i) => {
                        ctx.err_help(
                            &v.referenced,
                            format!("{key}: column {i} does not exist"),
                            "indexes start at 1",
                        );
                        None
                    }
                    WireColumn::Name(n) if n.trim().is_empty() => {
                        ctx.err(&v.referenced, format!("{key}: the header name is empty"));
                        None
                    }
                    WireColumn::Name(n) if header == HeaderRow::Absent => {
                        ctx.err_help(
                            &v.referenced,
                            format!("{key}: `{n}` is a header name, but `header: false` says the file has no header row"),
                            "give the column's 1-based index instead",
                        );
                        None
                    }
                    WireColumn::Name(n) => Some(ColumnRef::Name(n.clone())),
                };
                let (Some(ck), Some(cr)) = (ck, cr) else {
                    ok = false;
                    continue;
                };
                let norm = match &cr {
                    ColumnRef::Name(n) => format!("name:{}", n.trim().to_lowercase()),
                    ColumnRef::Index(i) => format!("index:{i}"),
                };
                if let Some(prev) = seen.insert(norm, k.value.clone()) {
                    ctx.err_help(
                        &v.referenced,
                        format!("{key}: the same column is already mapped to `{prev}`"),
                        "each column holds one thing: map every field to its own column",
                    );
                    ok = false;
                }
                match ck {
                    ColumnKey::Sku => sku_column = Some(cr),
                    ColumnKey::Field(f) => {
                        columns.insert(f, cr);
                    }
                }
            }
            if sku_column.is_none() && ok {
                ctx.err_help(
                    &cols.referenced,
                    format!("sources.{id}.columns: `sku` is missing"),
                    "say which column holds the SKU, e.g. `sku: \"Item\"`",
                );
                ok = false;
            }
        }
    }

    // Word mapping.
    let mut values = BTreeMap::new();
    if let Some(vals) = &w.values {
        for (k, map) in &vals.value.0 {
            let key = format!("sources.{id}.values.{}", k.value);
            let Ok(field) = FieldName::from_str(&k.value) else {
                ctx.err_help(
                    &k.referenced,
                    format!("sources.{id}.values: `{}` is not a field", k.value),
                    did_you_mean(&k.value, &FIELD_NAMES, "fields"),
                );
                ok = false;
                continue;
            };
            if !matches!(field.kind(), FieldKind::Enum | FieldKind::Flag) {
                ctx.err_help(
                    &k.referenced,
                    format!("{key}: `{field}` is not a word field"),
                    "word mappings are for stock.status, stock.backorders, stock.manage and status",
                );
                ok = false;
                continue;
            }
            if w.columns
                .as_ref()
                .is_some_and(|c| !c.value.0.iter().any(|(k, _)| k.value == field.as_str()))
            {
                ctx.err_help(
                    &k.referenced,
                    format!("{key}: `{field}` has no column in `columns`"),
                    format!("map it first: `columns: {{ {field}: \"…\" }}`"),
                );
                ok = false;
            }
            let mut words = BTreeMap::new();
            for (from, to) in &map.value.0 {
                match Value::parse(field, &to.value) {
                    Ok(v) => {
                        words.insert(from.value.clone(), v);
                    }
                    Err(e) => {
                        ctx.err(&to.referenced, format!("{key}.{}: {e}", from.value));
                        ok = false;
                    }
                }
            }
            values.insert(field, words);
        }
    }

    let complete = match &w.complete {
        None => Some(Completeness::StableFor(Duration::from_secs(2))),
        Some(c) => match (&c.value.stable_for, &c.value.marker) {
            (Some(_), Some(m)) => {
                ctx.err_help(
                    &m.referenced,
                    format!("sources.{id}.complete: `stable_for` and `marker` are both given"),
                    "choose one way to recognise a complete file",
                );
                None
            }
            (Some(d), None) => ctx
                .duration(d, &p("complete.stable_for"))
                .map(Completeness::StableFor),
            (None, Some(m)) => match ctx.text(m, &p("complete.marker")) {
                Some(t) if !t.trim().is_empty() && !t.contains('/') => {
                    Some(Completeness::Marker(t))
                }
                Some(t) => {
                    ctx.err_help(&m.referenced, format!("sources.{id}.complete.marker: `{t}` is not a marker suffix"), "e.g. \".done\": the ERP writes `stock.csv.done` when `stock.csv` is complete");
                    None
                }
                None => None,
            },
            (None, None) => {
                ctx.err_help(
                    &c.referenced,
                    format!("sources.{id}.complete: give `stable_for` or `marker`"),
                    "e.g. `complete: { stable_for: 2s }`",
                );
                None
            }
        },
    };

    let on_invalid = match &w.on_invalid {
        Some(s) => ctx.word(s, &p("on_invalid"), &[("reject", false), ("skip", true)]),
        None => Some(false),
    };
    let on_invalid = match (on_invalid, &w.max_skipped) {
        (None, _) => None,
        (Some(false), None) => Some(OnInvalid::Reject),
        (Some(false), Some(m)) => {
            ctx.err_help(
                &m.referenced,
                format!("{}: only applies with `on_invalid: skip`", p("max_skipped")),
                "with `on_invalid: reject` any invalid row rejects the file",
            );
            None
        }
        (Some(true), None) => Some(OnInvalid::Skip { max_skipped: None }),
        (Some(true), Some(m)) => match u64::try_from(m.value) {
            Ok(n) => Some(OnInvalid::Skip {
                max_skipped: Some(n),
            }),
            Err(_) => {
                ctx.err_help(
                    &m.referenced,
                    format!("{}: `{}` is negative", p("max_skipped"), m.value),
                    "a count of rows, 0 or more",
                );
                None
            }
        },
    };
    let negative_stock = match &w.allow_negative_stock {
        Some(b) if b.value => NegativeStock::Allow,
        _ => NegativeStock::Reject,
    };
    let min_rows = match &w.min_rows_ratio {
        Some(s) => match ctx.percent(s, &p("min_rows_ratio")) {
            Some(v) if v < Decimal::ZERO || v > Decimal::ONE_HUNDRED => {
                ctx.err_help(
                    &s.referenced,
                    format!("{}: `{}` is out of range", p("min_rows_ratio"), s.value),
                    "between \"0%\" (disabled) and \"100%\"",
                );
                None
            }
            v => v,
        },
        None => Some(Decimal::from(50)),
    };
    let archive = match &w.archive {
        Some(s) => ctx.path(s, &p("archive")).map(Some),
        None => Some(None),
    };
    let export = match &w.export {
        Some(e) => csv_export(ctx, id, &e.value, &e.referenced, delim, decimal).map(Some),
        None => Some(None),
    };

    if !ok {
        return None;
    }
    Some(CsvSpec {
        path: path?,
        pattern: pattern?,
        delimiter: delim?,
        decimal_separator: decimal?,
        thousands_separator: thousands?,
        encoding: encoding?,
        header,
        sku_column: sku_column?,
        columns,
        values,
        complete: complete?,
        on_invalid: on_invalid?,
        negative_stock,
        min_rows_percent: min_rows?,
        archive: archive?,
        export: export?,
    })
}

fn csv_export(
    ctx: &mut Ctx<'_>,
    id: &str,
    w: &WireExport,
    at: &Location,
    source_delim: Option<Delimiter>,
    source_decimal: Option<DecimalSeparator>,
) -> Option<CsvExport> {
    let p = |k: &str| format!("sources.{id}.export.{k}");
    let mut ok = true;
    let path = match &w.path {
        Some(s) => ctx.path(s, &p("path")),
        None => {
            ctx.err_help(
                at,
                format!("sources.{id}.export: `path` is missing"),
                "the outbox folder the ERP imports from, e.g. `path: ./drops/erp/outbox`",
            );
            None
        }
    };
    let file_name = match &w.file_name {
        Some(s) => match ctx.text(s, &p("file_name")) {
            Some(t) if t.trim().is_empty() || t.contains('/') || t.contains('\\') => {
                ctx.err_help(
                    &s.referenced,
                    format!("{}: `{t}` is not a file name", p("file_name")),
                    "e.g. \"stock-{timestamp}.csv\"",
                );
                None
            }
            t => t,
        },
        None => Some(format!("{id}-{{timestamp}}.csv")),
    };
    let mut columns = Vec::new();
    match &w.columns {
        None => {
            ctx.err_help(at, format!("sources.{id}.export: `columns` is missing"), "list the header cells in order, e.g. `columns: { sku: \"Item\", stock.quantity: \"On hand\" }`");
            ok = false;
        }
        Some(cols) => {
            for (k, v) in &cols.value.0 {
                let Some(ck) = column_key(ctx, k, &p("columns")) else {
                    ok = false;
                    continue;
                };
                if v.value.trim().is_empty() {
                    ctx.err(
                        &v.referenced,
                        format!("{}.{}: the header name is empty", p("columns"), k.value),
                    );
                    ok = false;
                    continue;
                }
                columns.push((ck, v.value.clone()));
            }
            if ok && !columns.iter().any(|(k, _)| *k == ColumnKey::Sku) {
                ctx.err_help(
                    &cols.referenced,
                    format!("{}: `sku` is missing", p("columns")),
                    "the export needs a SKU column, e.g. `sku: \"Item\"`",
                );
                ok = false;
            }
        }
    }
    let delimiter = match &w.delimiter {
        Some(s) => match delimiter(ctx, s, &p("delimiter"), false) {
            Some(Delimiter::Byte(b)) => Some(b),
            _ => None,
        },
        None => match source_delim {
            Some(Delimiter::Byte(b)) => Some(b),
            _ => Some(b','),
        },
    };
    let decimal = match &w.decimal_separator {
        Some(s) => ctx.word(s, &p("decimal_separator"), DECIMALS),
        None => Some(source_decimal.unwrap_or_default()),
    };
    let existing = match &w.overwrite {
        Some(b) if b.value => ExistingExport::Overwrite,
        _ => ExistingExport::Keep,
    };
    if !ok {
        return None;
    }
    Some(CsvExport {
        path: path?,
        file_name: file_name?,
        columns,
        delimiter: delimiter?,
        decimal_separator: decimal?,
        existing,
    })
}

fn secret(
    ctx: &mut Ctx<'_>,
    id: &str,
    key: &str,
    s: Option<&S<String>>,
    at: &Location,
) -> Option<(SecretString, String)> {
    let suggested = format!(
        "{}_{}",
        id.to_uppercase().replace('-', "_"),
        if key == "consumer_key" {
            "KEY"
        } else {
            "SECRET"
        }
    );
    let Some(s) = s else {
        ctx.err_help(
            at,
            format!("sources.{id}: `{key}` is missing"),
            format!("`{key}: ${{{suggested}}}` (the value comes from the environment)"),
        );
        return None;
    };
    let Some(var) = env::sole_reference(&s.value) else {
        // Never quote the value: it may be the secret itself.
        ctx.err_help(
            &s.referenced,
            format!("sources.{id}.{key}: secrets must come from the environment, not from the rules file"),
            format!("write `{key}: ${{{suggested}}}` and set {suggested} in the environment"),
        );
        return None;
    };
    match (ctx.env)(var) {
        Some(v) if !v.trim().is_empty() => Some((SecretString::from(v), var.to_string())),
        Some(_) => {
            ctx.err(
                &s.referenced,
                format!("sources.{id}.{key}: environment variable `{var}` is empty"),
            );
            None
        }
        None => {
            ctx.err_help(
                &s.referenced,
                format!("sources.{id}.{key}: environment variable `{var}` is not set"),
                format!("export {var}=… before running skusync"),
            );
            None
        }
    }
}

fn woo_source(ctx: &mut Ctx<'_>, id: &str, w: &WireSource, at: &Location) -> Option<WooSpec> {
    let p = |k: &str| format!("sources.{id}.{k}");
    let mut https = true;
    let url = match &w.url {
        None => {
            ctx.err_help(at, format!("sources.{id}: a woocommerce source needs `url`"), "the store's address, e.g. `url: https://shop.example.com`");
            None
        }
        Some(s) => ctx.text(s, &p("url")).and_then(|t| match url::Url::parse(t.trim()) {
            Err(e) => {
                ctx.err_help(&s.referenced, format!("{}: `{t}` is not a URL ({e})", p("url")), "e.g. https://shop.example.com");
                None
            }
            Ok(u) if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() => {
                ctx.err_help(&s.referenced, format!("{}: `{t}` is not an http(s) address", p("url")), "e.g. https://shop.example.com");
                None
            }
            Ok(u) if !u.username().is_empty() || u.password().is_some() => {
                ctx.err_help(&s.referenced, format!("{}: the URL carries credentials", p("url")), "give the keys in consumer_key/consumer_secret instead");
                None
            }
            Ok(u) if u.path() != "/" || u.query().is_some() || u.fragment().is_some() => {
                ctx.err_help(
                    &s.referenced,
                    format!("{}: `{t}` has a path; give scheme and host only", p("url")),
                    format!("use `url: {}`; if WordPress lives in a sub-folder, add `wp_subfolder: {}`", u.origin().ascii_serialization(), u.path().trim_end_matches('/')),
                );
                None
            }
            Ok(u) => {
                https = u.scheme() == "https";
                Some(u.origin().ascii_serialization())
            }
        }),
    };
    let wp_subfolder = match &w.wp_subfolder {
        Some(s) => match ctx.text(s, &p("wp_subfolder")) {
            Some(t) => {
                let t = t.trim().trim_end_matches('/').to_string();
                if !t.starts_with('/') || t.contains("//") || t.contains('?') || t.contains('#') {
                    ctx.err_help(
                        &s.referenced,
                        format!("{}: `{t}` is not a sub-folder", p("wp_subfolder")),
                        "e.g. `/blog`",
                    );
                    None
                } else {
                    Some(Some(t))
                }
            }
            None => None,
        },
        None => Some(None),
    };
    let key = secret(ctx, id, "consumer_key", w.consumer_key.as_ref(), at);
    let sec = secret(ctx, id, "consumer_secret", w.consumer_secret.as_ref(), at);
    let auth = match &w.auth {
        Some(s) => {
            let a = ctx.word(
                s,
                &p("auth"),
                &[
                    ("auto", WooAuth::Auto),
                    ("basic", WooAuth::Basic),
                    ("query", WooAuth::Query),
                    ("oauth1", WooAuth::OAuth1),
                ],
            );
            match a {
                Some(a @ (WooAuth::Basic | WooAuth::Query)) if !https => {
                    ctx.err_help(&s.referenced, format!("{}: `{}` sends the keys in clear over http", p("auth"), s.value), "WooCommerce accepts basic and query auth only over https; use `auth: oauth1` (or `auto`) for http stores");
                    let _ = a;
                    None
                }
                a => a,
            }
        }
        None => Some(WooAuth::Auto),
    };
    let ca_cert = match &w.ca_cert {
        Some(s) => ctx.path(s, &p("ca_cert")).map(Some),
        None => Some(None),
    };
    let rate_limit = match &w.rate_limit {
        None => Some(RateLimit {
            per_second: 5,
            burst: 5,
        }),
        Some(r) => {
            let mut get = |v: &Option<S<i64>>, k: &str| match v {
                None => Some(5),
                Some(n) => match u32::try_from(n.value) {
                    Ok(x) if x >= 1 => Some(x),
                    _ => {
                        ctx.err_help(
                            &n.referenced,
                            format!(
                                "{}: `{}` is out of range",
                                p(&format!("rate_limit.{k}")),
                                n.value
                            ),
                            "a whole number of 1 or more",
                        );
                        None
                    }
                },
            };
            let ps = get(&r.value.per_second, "per_second");
            let b = get(&r.value.burst, "burst");
            match (ps, b) {
                (Some(per_second), Some(burst)) => Some(RateLimit { per_second, burst }),
                _ => None,
            }
        }
    };
    let concurrency = match &w.concurrency {
        None => Some(4),
        Some(n) => match u32::try_from(n.value) {
            Ok(x) if (1..=64).contains(&x) => Some(x),
            _ => {
                ctx.err_help(
                    &n.referenced,
                    format!("{}: `{}` is out of range", p("concurrency"), n.value),
                    "between 1 and 64 parallel reads",
                );
                None
            }
        },
    };
    let mut dur = |v: &Option<S<String>>, k: &str, default: u64, zero_ok: bool| match v {
        None => Some(Duration::from_secs(default)),
        Some(s) => match ctx.duration(s, &p(k)) {
            Some(d) if d.is_zero() && !zero_ok => {
                ctx.err_help(
                    &s.referenced,
                    format!("{}: must be longer than zero", p(k)),
                    "e.g. `30s`",
                );
                None
            }
            d => d,
        },
    };
    let timeout = dur(&w.timeout, "timeout", 30, false);
    let full_every = dur(&w.full_every, "full_every", 24 * 3600, false);
    let overlap = dur(&w.overlap, "overlap", 300, true);
    let read = match &w.read {
        Some(s) => ctx.word(
            s,
            &p("read"),
            &[
                ("incremental", ReadMode::Incremental),
                ("full", ReadMode::Full),
            ],
        ),
        None => Some(ReadMode::Incremental),
    };
    let stock_writes = match &w.absolute_stock {
        Some(b) if b.value => StockWrites::Absolute,
        _ => StockWrites::Delta,
    };
    let (consumer_key, consumer_key_var) = key?;
    let (consumer_secret, consumer_secret_var) = sec?;
    Some(WooSpec {
        url: url?,
        wp_subfolder: wp_subfolder?,
        consumer_key,
        consumer_secret,
        consumer_key_var,
        consumer_secret_var,
        auth: auth?,
        ca_cert: ca_cert?,
        rate_limit: rate_limit?,
        concurrency: concurrency?,
        timeout: timeout?,
        read: read?,
        full_every: full_every?,
        overlap: overlap?,
        stock_writes,
    })
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

/// What a source can do for the field checks, read from its keys even
/// when some of its other options are invalid (so a bad delimiter does not
/// hide a missing column).
pub(crate) struct Caps {
    all: bool,
    provides: BTreeSet<FieldName>,
    writes: BTreeSet<FieldName>,
}

impl Caps {
    fn of(w: &WireSource) -> Option<Caps> {
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
struct Known<'a> {
    declared: &'a BTreeSet<String>,
    caps: &'a BTreeMap<String, Caps>,
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

fn field_rule(
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
    let (policy_name, _) = policies[0];
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
        if fits.contains(&policy_name) {
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
            did_you_mean(m.value.trim(), &["delta"], "merges"),
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
    let n = w.newest.as_ref()?;
    let side_list = sides(ctx, field, &format!("{rule}.newest"), n, known);
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
                    ctx.err_help(&c.referenced, format!("schedule.cron: `{t}` is not a valid cron expression ({e})"), "five fields: minute hour day-of-month month day-of-week, e.g. \"*/15 * * * *\"");
                    None
                }
            }
        }
    }
}
