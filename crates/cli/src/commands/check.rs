//! `skusync check`: validate the rules, then test every source and explain
//! each failure (likely cause and fix). Writes nothing anywhere.

use crate::args::CheckArgs;
use crate::output::Ui;
use crate::woo_source;
use anyhow::Result;
use skusync_csv_drop::{CsvSourceConfig, DropMemory, Inbox, ReadOutcome};
use skusync_model::SourceId;
use skusync_rules::SourceSpec;
use skusync_woocommerce::{WooCommerce, WriteProbe};
use std::fmt::Write as _;

/// Runs `skusync check` and returns the exit code.
pub async fn run(args: CheckArgs, _ui: &Ui) -> Result<u8> {
    let rules = skusync_rules::load(&args.rules, &skusync_rules::process_env)?;
    let mut report = format!(
        "rules: {} is valid ({} sources, {} fields)\n",
        args.rules.display(),
        rules.sources.len(),
        rules.fields.len()
    );
    let mut failed = 0;
    for (id, spec) in &rules.sources {
        let (ok, text) = match spec {
            SourceSpec::WooCommerce(woo) => {
                let probe = if args.write {
                    WriteProbe::Probe
                } else {
                    WriteProbe::Skip
                };
                check_store(id, woo, probe).await
            }
            SourceSpec::Csv(csv) => check_drop(id, csv),
        };
        if !ok {
            failed += 1;
        }
        let mark = if ok { "ok  " } else { "FAIL" };
        let _ = write!(report, "{mark} {text}");
        if !report.ends_with('\n') {
            report.push('\n');
        }
    }
    if failed > 0 {
        let _ = writeln!(
            report,
            "{failed} of {} sources failed the check",
            rules.sources.len()
        );
    }
    print!("{report}");
    Ok(if failed > 0 { 1 } else { 0 })
}

async fn check_store(
    id: &SourceId,
    spec: &skusync_rules::WooSpec,
    probe: WriteProbe,
) -> (bool, String) {
    let store = match WooCommerce::new(woo_source::config(id, spec)) {
        Ok(store) => store,
        Err(e) => return (false, format!("{id}: {e}\n")),
    };
    let diagnosis = store.check(probe).await;
    (diagnosis.is_ok(), diagnosis.to_string())
}

fn check_drop(id: &SourceId, spec: &CsvSourceConfig) -> (bool, String) {
    let (ok, text) = check_drop_file(id, spec);
    (ok, format!("{id}: {text}"))
}

fn check_drop_file(id: &SourceId, spec: &CsvSourceConfig) -> (bool, String) {
    let inbox = match Inbox::new(id.clone(), spec.clone()) {
        Ok(inbox) => inbox,
        Err(e) => return (false, format!("{e}\n")),
    };
    match inbox.read(&DropMemory::default()) {
        Err(e) => (false, format!("{e}\n")),
        Ok(ReadOutcome::Accepted {
            file,
            rows,
            skipped,
            ..
        }) => (
            true,
            format!(
                "{} is complete and valid ({rows} rows{})\n",
                file.display(),
                if skipped > 0 {
                    format!(", {skipped} invalid rows would be skipped")
                } else {
                    String::new()
                }
            ),
        ),
        Ok(ReadOutcome::Unchanged { file, .. }) => {
            (true, format!("{} is complete and valid\n", file.display()))
        }
        Ok(ReadOutcome::NoCompleteFile { waiting }) if waiting.is_empty() => (
            true,
            format!(
                "no file matching `{}` in {} yet (the ERP has not dropped one)\n",
                spec.pattern,
                spec.path.display()
            ),
        ),
        Ok(ReadOutcome::NoCompleteFile { waiting }) => (
            true,
            format!("{} is still being written\n", waiting[0].display()),
        ),
        Ok(ReadOutcome::Rejected {
            file,
            problems,
            total,
        }) => {
            let mut text = format!("{} would be rejected ({total} problems):\n", file.display());
            for p in &problems {
                let _ = writeln!(text, "  {p}");
            }
            (false, text)
        }
        Ok(ReadOutcome::HeldBack {
            file,
            rows,
            previous_rows,
        }) => (
            false,
            format!(
                "{} has {rows} rows against {previous_rows} last time: it would be held back\n",
                file.display()
            ),
        ),
    }
}
