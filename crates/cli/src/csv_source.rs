//! Reads a validated `kind: csv` source for a plan. The rules already hold
//! csv-drop's own [`CsvSourceConfig`], so there is nothing to map.

use anyhow::{Context, Result, bail};
use skusync_csv_drop as drop;
use skusync_csv_drop::{CsvSourceConfig, DropMemory, Inbox, ReadOutcome};
use skusync_model::{Snapshot, SourceId};

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
pub fn read(source: &SourceId, spec: &CsvSourceConfig, memory: &DropMemory) -> Result<CsvRead> {
    if !spec.path.exists() {
        bail!(
            "source `{source}`: {} does not exist: check `path` in the rules (a folder the ERP drops files into, or one file)",
            spec.path.display()
        );
    }
    let inbox = Inbox::new(source.clone(), spec.clone())
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
