//! Validation of `sources:` entries: `kind: csv` and `kind: woocommerce`.

use super::{Ctx, FIELD_NAMES};
use crate::diag::did_you_mean;
use crate::env;
use crate::spec::*;
use crate::wire::*;
use rust_decimal::Decimal;
use secrecy::SecretString;
use serde_saphyr::Location;
use skusync_csv_drop::{
    ColumnKey, ColumnRef, Completeness, CsvSourceConfig, DEFAULT_MAX_SKIPPED, DecimalSeparator,
    Delimiter, DelimiterSetting, Encoding, ExportConfig, Header, NegativeStock, OnInvalid,
    Overwrite, ThousandsSeparator,
};
use skusync_model::{FieldKind, FieldName, Value};
use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

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

pub(super) fn source(
    ctx: &mut Ctx<'_>,
    id: &str,
    src: &S<Option<WireSource>>,
) -> Option<SourceSpec> {
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

const DELIMITERS: &[(&str, DelimiterSetting)] = &[
    ("auto", DelimiterSetting::Auto),
    (",", DelimiterSetting::Fixed(Delimiter::Comma)),
    (";", DelimiterSetting::Fixed(Delimiter::Semicolon)),
    ("\\t", DelimiterSetting::Fixed(Delimiter::Tab)),
    ("|", DelimiterSetting::Fixed(Delimiter::Pipe)),
];

const DECIMALS: &[(&str, DecimalSeparator)] =
    &[(".", DecimalSeparator::Dot), (",", DecimalSeparator::Comma)];

fn delimiter(ctx: &mut Ctx<'_>, s: &S<String>, key: &str, auto: bool) -> Option<DelimiterSetting> {
    // A double-quoted "\t" arrives as a tab character.
    if s.value == "\t" {
        return Some(DelimiterSetting::Fixed(Delimiter::Tab));
    }
    let table: Vec<(&str, DelimiterSetting)> = DELIMITERS
        .iter()
        .copied()
        .filter(|(_, d)| auto || *d != DelimiterSetting::Auto)
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

/// The text of `s` (at `key`) as a name inside a folder: not blank and
/// without `/` or `\`; otherwise an error saying it is not `what`, with
/// `help`.
fn file_name_in_folder(
    ctx: &mut Ctx<'_>,
    s: &S<String>,
    key: &str,
    what: &str,
    help: &str,
) -> Option<String> {
    match ctx.text(s, key) {
        Some(t) if t.trim().is_empty() || t.contains('/') || t.contains('\\') => {
            ctx.err_help(
                &s.referenced,
                format!("{key}: `{}` is not {what}", s.value),
                help,
            );
            None
        }
        t => t,
    }
}

fn csv_source(
    ctx: &mut Ctx<'_>,
    id: &str,
    w: &WireSource,
    at: &Location,
) -> Option<CsvSourceConfig> {
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
        Some(s) => file_name_in_folder(
            ctx,
            s,
            &p("pattern"),
            "a file-name pattern",
            "a glob for file names in the folder, e.g. \"stock-*.csv\"",
        ),
        None => Some("*.csv".to_string()),
    };
    let delim = match &w.delimiter {
        Some(s) => delimiter(ctx, s, &p("delimiter"), true),
        None => Some(DelimiterSetting::Auto),
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
                (Some(t), Some(d)) if t.char() == d.char() => {
                    ctx.err_help(
                        &s.referenced,
                        format!(
                            "{}: `{}` is also the decimal separator",
                            p("thousands_separator"),
                            t.char()
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
        Some(h) if !h.value => Header::Absent,
        _ => Header::Present,
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
                    WireColumn::Name(n) if header == Header::Absent => {
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
                        words.insert(from.value.clone(), v.to_string());
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
                Some(_) => {
                    ctx.err_help(&m.referenced, format!("sources.{id}.complete.marker: `{}` is not a marker suffix", m.value), "e.g. \".done\": the ERP writes `stock.csv.done` when `stock.csv` is complete");
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
        (Some(false), None) => Some((OnInvalid::Reject, DEFAULT_MAX_SKIPPED)),
        (Some(false), Some(m)) => {
            ctx.err_help(
                &m.referenced,
                format!("{}: only applies with `on_invalid: skip`", p("max_skipped")),
                "with `on_invalid: reject` any invalid row rejects the file",
            );
            None
        }
        (Some(true), None) => Some((OnInvalid::Skip, DEFAULT_MAX_SKIPPED)),
        (Some(true), Some(m)) => match u64::try_from(m.value) {
            Ok(n) => Some((OnInvalid::Skip, n)),
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
    let (on_invalid, max_skipped) = on_invalid?;
    Some(CsvSourceConfig {
        path: path?,
        pattern: pattern?,
        delimiter: delim?,
        decimal_separator: decimal?,
        thousands_separator: thousands?,
        encoding: encoding?,
        header,
        sku: sku_column?,
        columns,
        values,
        complete: complete?,
        on_invalid,
        max_skipped,
        negative_stock,
        min_rows_ratio: min_rows? / Decimal::ONE_HUNDRED,
        archive: archive?,
        export: export?,
    })
}

fn csv_export(
    ctx: &mut Ctx<'_>,
    id: &str,
    w: &WireExport,
    at: &Location,
    source_delim: Option<DelimiterSetting>,
    source_decimal: Option<DecimalSeparator>,
) -> Option<ExportConfig> {
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
        Some(s) => file_name_in_folder(
            ctx,
            s,
            &p("file_name"),
            "a file name",
            "e.g. \"stock-{timestamp}.csv\"",
        ),
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
            Some(DelimiterSetting::Fixed(d)) => Some(d),
            _ => None,
        },
        None => match source_delim {
            Some(DelimiterSetting::Fixed(d)) => Some(d),
            _ => Some(Delimiter::Comma),
        },
    };
    let decimal = match &w.decimal_separator {
        Some(s) => ctx.word(s, &p("decimal_separator"), DECIMALS),
        None => Some(source_decimal.unwrap_or_default()),
    };
    let overwrite = match &w.overwrite {
        Some(b) if b.value => Overwrite::Replace,
        _ => Overwrite::Never,
    };
    if !ok {
        return None;
    }
    Some(ExportConfig {
        path: path?,
        file_name: file_name?,
        columns,
        delimiter: Some(delimiter?),
        decimal_separator: Some(decimal?),
        overwrite,
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
            ctx.err_help(
                at,
                format!("sources.{id}: a woocommerce source needs `url`"),
                "the store's address, e.g. `url: https://shop.example.com`",
            );
            None
        }
        Some(s) => ctx
            .text(s, &p("url"))
            .and_then(|t| match url::Url::parse(t.trim()) {
                Err(e) => {
                    ctx.err_help(
                        &s.referenced,
                        format!("{}: `{t}` is not a URL ({e})", p("url")),
                        "e.g. https://shop.example.com",
                    );
                    None
                }
                Ok(u) if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() => {
                    ctx.err_help(
                        &s.referenced,
                        format!("{}: `{t}` is not an http(s) address", p("url")),
                        "e.g. https://shop.example.com",
                    );
                    None
                }
                Ok(u) if !u.username().is_empty() || u.password().is_some() => {
                    ctx.err_help(
                        &s.referenced,
                        format!("{}: the URL carries credentials", p("url")),
                        "give the keys in consumer_key/consumer_secret instead",
                    );
                    None
                }
                Ok(u) if u.path() != "/" || u.query().is_some() || u.fragment().is_some() => {
                    let (msg, help) = url_path_advice(t.trim(), &u);
                    ctx.err_help(&s.referenced, format!("{}: {msg}", p("url")), help);
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

/// Path segments that show an address was copied from inside WordPress or
/// WooCommerce (admin, REST API, login, shop pages); whatever comes before
/// one of them is the folder WordPress is installed in. Keep in step with
/// `WP_INNER` in the WooCommerce adapter's `url.rs`.
const WP_INNER: [&str; 14] = [
    "wp-admin",
    "wp-json",
    "wp-login.php",
    "wp-content",
    "wp-includes",
    "index.php",
    "xmlrpc.php",
    "shop",
    "product",
    "product-category",
    "product-tag",
    "cart",
    "checkout",
    "my-account",
];

/// The error and help for a store URL with a path (or query, fragment):
/// known WordPress/WooCommerce pages are stripped, what stands before them
/// is offered as `wp_subfolder`; another path may be a sub-folder install.
fn url_path_advice(typed: &str, u: &url::Url) -> (String, String) {
    let origin = u.origin().ascii_serialization();
    let segments: Vec<&str> = u.path().split('/').filter(|s| !s.is_empty()).collect();
    let inner = segments
        .iter()
        .position(|s| WP_INNER.contains(&s.to_ascii_lowercase().as_str()));
    match inner {
        _ if segments.is_empty() => (
            format!("`{typed}` has a query or fragment; give scheme and host only"),
            format!("use `url: {origin}`"),
        ),
        Some(0) => (
            format!("`{typed}` is a page inside WordPress, not the store's address"),
            format!("use `url: {origin}`"),
        ),
        Some(i) => {
            let folder = format!("/{}", segments[..i].join("/"));
            (
                format!("`{typed}` is a page inside WordPress, not the store's address"),
                format!(
                    "use `url: {origin}` and `wp_subfolder: {folder}` (WordPress appears to be installed in `{folder}`)"
                ),
            )
        }
        None => {
            let path = format!("/{}", segments.join("/"));
            (
                format!("`{typed}` has a path; give scheme and host only"),
                format!(
                    "use `url: {origin}`; if WordPress itself is installed in `{path}`, add `wp_subfolder: {path}`"
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::parse_str;
    use std::path::Path;

    /// The errors of a rules file whose csv source `erp` has `pattern` and
    /// an export with `file_name`.
    fn errors(pattern: &str, file_name: &str) -> String {
        let text = format!(
            "version: 1\nsources:\n  erp:\n    kind: csv\n    path: ./drops\n    pattern: \"{pattern}\"\n    columns: {{ sku: Item, stock.quantity: Qty }}\n    export:\n      path: ./outbox\n      file_name: \"{file_name}\"\nfields:\n"
        );
        match parse_str(&text, Path::new("rules.yaml"), Path::new("/r"), &|_| None) {
            Ok(_) => String::new(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_pattern_or_export_file_name_with_a_folder_is_refused() {
        let both = errors("in/stock-*.csv", "out\\\\stock.csv");
        assert!(
            both.contains("sources.erp.pattern: `in/stock-*.csv` is not a file-name pattern"),
            "{both}"
        );
        assert!(
            both.contains("a glob for file names in the folder, e.g. \"stock-*.csv\""),
            "{both}"
        );
        assert!(
            both.contains("sources.erp.export.file_name: `out\\stock.csv` is not a file name"),
            "{both}"
        );
        assert!(both.contains("e.g. \"stock-{timestamp}.csv\""), "{both}");
        let blank = errors(" ", "stock.csv");
        assert!(
            blank.contains("sources.erp.pattern: ` ` is not a file-name pattern"),
            "{blank}"
        );
        assert!(!blank.contains("export.file_name"), "{blank}");
    }
}
