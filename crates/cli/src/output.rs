//! Where reports and notes go: reports to stdout or `--out FILE` (written
//! atomically), notes for the operator to stderr.

use crate::args::{ColorArg, FormatArg, ReportArgs};
use anyhow::{Context, Result};
use skusync_model::Plan;
use skusync_report::{ColorMode, Format, RenderOptions};
use std::io::{IsTerminal, Write};
use std::path::Path;

/// The operator-facing side channel (stderr).
pub struct Ui {
    /// `--quiet`: no notes, no progress.
    pub quiet: bool,
}

impl Ui {
    /// A note on stderr (which file was read, what was skipped), unless quiet.
    pub fn note(&self, text: &str) {
        if !self.quiet {
            eprintln!("{text}");
        }
    }

    /// A spinner with `message` on stderr while long work runs; `None`
    /// (nothing drawn) when quiet or when stderr is not a terminal.
    pub fn spinner(&self, message: String) -> Option<indicatif::ProgressBar> {
        if self.quiet || !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_message(message);
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Some(bar)
    }
}

fn format(arg: FormatArg) -> Format {
    match arg {
        FormatArg::Text => Format::Text,
        FormatArg::Json => Format::Json,
        FormatArg::Markdown => Format::Markdown,
        FormatArg::Html => Format::Html,
        FormatArg::Csv => Format::Csv,
    }
}

/// Renders the plan as asked and writes it to stdout or `--out`.
pub fn emit(plan: &Plan, args: &ReportArgs) -> Result<()> {
    let to_terminal = args.out.is_none() && std::io::stdout().is_terminal();
    let color = match args.color {
        ColorArg::Always => ColorMode::Ansi,
        ColorArg::Never => ColorMode::Plain,
        ColorArg::Auto if to_terminal && std::env::var_os("NO_COLOR").is_none() => ColorMode::Ansi,
        ColorArg::Auto => ColorMode::Plain,
    };
    let mut options = if args.full {
        RenderOptions::full()
    } else {
        RenderOptions::default()
    };
    options.color = color;
    let report = skusync_report::render(plan, format(args.format), &options)?;
    match &args.out {
        Some(path) => write_atomically(path, report.as_bytes()),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(report.as_bytes())
                .and_then(|()| out.flush())
                .context("cannot write the report to stdout")
        }
    }
}

/// Writes `bytes` to a temporary file next to `path`, syncs it, and renames
/// it over `path`: a reader never sees half a report.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
