//! Maps a validated `kind: csv` source from the rules onto the csv-drop
//! adapter's own configuration, and reads it for a plan.

use anyhow::{Context, Result, bail};
use skusync_csv_drop as drop;
use skusync_csv_drop::{DropMemory, Inbox, ReadOutcome};
use skusync_model::{Snapshot, SourceId};
use skusync_rules as rules;
use std::collections::BTreeMap;

/// The csv-drop configuration for a rules-file csv source.
pub fn config(spec: &rules::CsvSpec) -> drop::CsvSourceConfig {
    let column = |c: &rules::ColumnRef| match c {
        rules::ColumnRef::Name(n) => drop::ColumnRef::Name(n.clone()),
        rules::ColumnRef::Index(i) => drop::ColumnRef::Index(*i),
    };
    let key = |k: &rules::ColumnKey| match k {
        rules::ColumnKey::Sku => drop::ColumnKey::Sku,
        rules::ColumnKey::Field(f) => drop::ColumnKey::Field(*f),
    };
    let decimal = |d: rules::DecimalSeparator| match d {
        rules::DecimalSeparator::Dot => drop::DecimalSeparator::Dot,
        rules::DecimalSeparator::Comma => drop::DecimalSeparator::Comma,
    };
    let delimiter = |b: u8| {
        drop::Delimiter::ALL
            .into_iter()
            .find(|d| d.byte() == b)
            .unwrap_or(drop::Delimiter::Comma)
    };
    let mut config = drop::CsvSourceConfig::new(spec.path.clone(), column(&spec.sku_column));
    config.pattern = spec.pattern.clone();
    config.delimiter = match spec.delimiter {
        rules::Delimiter::Auto => drop::DelimiterSetting::Auto,
        rules::Delimiter::Byte(b) => drop::DelimiterSetting::Fixed(delimiter(b)),
    };
    config.decimal_separator = decimal(spec.decimal_separator);
    config.thousands_separator = spec.thousands_separator.map(|t| match t {
        rules::ThousandsSeparator::Dot => drop::ThousandsSeparator::Dot,
        rules::ThousandsSeparator::Comma => drop::ThousandsSeparator::Comma,
        rules::ThousandsSeparator::Space => drop::ThousandsSeparator::Space,
        rules::ThousandsSeparator::Apostrophe => drop::ThousandsSeparator::Apostrophe,
    });
    config.encoding = match spec.encoding {
        rules::Encoding::Utf8 => drop::Encoding::Utf8,
        rules::Encoding::Windows1252 => drop::Encoding::Windows1252,
        rules::Encoding::Latin1 => drop::Encoding::Latin1,
    };
    config.header = match spec.header {
        rules::HeaderRow::Present => drop::Header::Present,
        rules::HeaderRow::Absent => drop::Header::Absent,
    };
    config.columns = spec.columns.iter().map(|(f, c)| (*f, column(c))).collect();
    config.values = spec
        .values
        .iter()
        .map(|(f, words)| {
            let words: BTreeMap<String, String> = words
                .iter()
                .map(|(from, to)| (from.clone(), to.to_string()))
                .collect();
            (*f, words)
        })
        .collect();
    config.complete = match &spec.complete {
        rules::Completeness::StableFor(d) => drop::Completeness::StableFor(*d),
        rules::Completeness::Marker(m) => drop::Completeness::Marker(m.clone()),
    };
    match spec.on_invalid {
        rules::OnInvalid::Reject => config.on_invalid = drop::OnInvalid::Reject,
        rules::OnInvalid::Skip { max_skipped } => {
            config.on_invalid = drop::OnInvalid::Skip;
            if let Some(max) = max_skipped {
                config.max_skipped = max;
            }
        }
    }
    config.negative_stock = match spec.negative_stock {
        rules::NegativeStock::Reject => drop::NegativeStock::Reject,
        rules::NegativeStock::Allow => drop::NegativeStock::Allow,
    };
    config.min_rows_ratio = spec.min_rows_percent / rust_decimal::Decimal::ONE_HUNDRED;
    config.archive = spec.archive.clone();
    config.export = spec.export.as_ref().map(|e| drop::ExportConfig {
        path: e.path.clone(),
        file_name: e.file_name.clone(),
        columns: e.columns.iter().map(|(k, h)| (key(k), h.clone())).collect(),
        delimiter: Some(delimiter(e.delimiter)),
        decimal_separator: Some(decimal(e.decimal_separator)),
        overwrite: match e.existing {
            rules::ExistingExport::Keep => drop::Overwrite::Never,
            rules::ExistingExport::Overwrite => drop::Overwrite::Replace,
        },
    });
    config
}

/// What reading a csv source for a plan gave.
pub struct CsvRead {
    /// The records, when a complete valid file exists.
    pub snapshot: Option<Snapshot>,
    /// A line for the operator (which file was read, or why none was).
    pub note: String,
}

/// Reads the newest complete file of a csv source, for a plan.
///
/// A rejected or held-back file is an error: its problems are listed and the
/// plan stops, so nothing from a bad export ever reaches the engine. A file
/// identical to the last processed one is still parsed (a plan needs its
/// values to find drift); with no complete file yet the source takes no part.
pub fn read(source: &SourceId, spec: &rules::CsvSpec, memory: &DropMemory) -> Result<CsvRead> {
    if !spec.path.exists() {
        bail!(
            "source `{source}`: {} does not exist: check `path` in the rules (a folder the ERP drops files into, or one file)",
            spec.path.display()
        );
    }
    let inbox = Inbox::new(source.clone(), config(spec))
        .with_context(|| format!("source `{source}`: the csv configuration is invalid"))?;
    let outcome = inbox
        .read(memory)
        .with_context(|| format!("source `{source}`: cannot read {}", spec.path.display()))?;
    match outcome {
        ReadOutcome::Accepted {
            snapshot,
            file,
            rows,
            skipped,
            ..
        } => {
            let skipped = if skipped > 0 {
                format!(", {skipped} invalid rows skipped")
            } else {
                String::new()
            };
            Ok(CsvRead {
                snapshot: Some(snapshot),
                note: format!("{source}: read {} ({rows} rows{skipped})", file.display()),
            })
        }
        ReadOutcome::Unchanged { file, .. } => {
            let parsed = inbox
                .parse_file(&file)
                .with_context(|| format!("source `{source}`: cannot read {}", file.display()))?;
            match parsed {
                drop::Parsed::Valid(p) => Ok(CsvRead {
                    note: format!(
                        "{source}: {} is unchanged since the last run ({} rows)",
                        file.display(),
                        p.rows
                    ),
                    snapshot: Some(Snapshot::new(source.clone(), p.records)),
                }),
                drop::Parsed::Invalid {
                    problems, total, ..
                } => {
                    bail!(rejected(source, &file, &problems, total))
                }
            }
        }
        ReadOutcome::NoCompleteFile { waiting } => Ok(CsvRead {
            snapshot: None,
            note: if waiting.is_empty() {
                format!(
                    "{source}: no file matching `{}` in {}: its fields take no part in this plan",
                    spec.pattern,
                    spec.path.display()
                )
            } else {
                format!(
                    "{source}: {} is still being written: its fields take no part in this plan",
                    waiting[0].display()
                )
            },
        }),
        ReadOutcome::Rejected {
            file,
            problems,
            total,
        } => bail!(rejected(source, &file, &problems, total)),
        ReadOutcome::HeldBack {
            file,
            rows,
            previous_rows,
        } => bail!(
            "source `{source}`: {} has only {rows} rows, far fewer than the {previous_rows} of the last accepted file: \
             it looks truncated and is held back. If the shorter file is right, lower `min_rows_ratio` for this source.",
            file.display()
        ),
    }
}

fn rejected(
    source: &SourceId,
    file: &std::path::Path,
    problems: &[drop::Problem],
    total: usize,
) -> String {
    let mut msg = format!(
        "source `{source}`: {} is rejected: nothing from it is used ({total} problem{}):",
        file.display(),
        if total == 1 { "" } else { "s" }
    );
    for p in problems {
        msg.push_str(&format!("\n  {p}"));
    }
    if total > problems.len() {
        msg.push_str(&format!("\n  … and {} more", total - problems.len()));
    }
    msg
}
