//! Command-line arguments (clap derive). `--help` is written to teach: each
//! command says what it reads, what it writes and how it exits.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Keep inventory and prices consistent between WooCommerce stores and ERP/WMS CSV drops.
///
/// Per field, rules.yaml declares one source of truth (or a merge rule for
/// pooled stock). `skusync plan` shows exactly what would change and why,
/// writing nothing; scheduled runs apply the changes in rate-limited batches.
/// Start with `skusync demo` to see a dry run against an emulated store.
#[derive(Debug, Parser)]
#[command(
    name = "skusync",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,

    /// More log output on stderr (-v info, -vv debug, -vvv trace). Logs never contain keys or secrets.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// No progress bars and no log output except errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read every source, compute the changes the rules ask for, and report them. Writes nothing.
    ///
    /// Reads each source named in the rules (WooCommerce stores with a read-only key
    /// are enough; the newest complete CSV drop), compares with the last agreed
    /// values in the state directory, and prints a dry-run report: per target and
    /// SKU, each field's `before → after` and the reason (truth, drift, merge,
    /// newest), then conflicts, unmatched SKUs and guard results.
    ///
    /// Exit codes: 0 success; 1 error; with --detailed-exitcode, 2 when changes are planned.
    Plan(PlanArgs),

    /// Validate the rules, then test every source: each store's connection and key, each drop folder.
    ///
    /// The rules are checked first (every problem at once, with file:line:column);
    /// nothing is contacted when they are invalid. Then each WooCommerce store gets
    /// one cheap authenticated read (and, with --write, a probe that the key may
    /// write, which changes nothing), and each CSV source's newest complete file is
    /// parsed and validated. Every failure names its likely cause and the fix.
    ///
    /// Exit codes: 0 when everything works; 1 otherwise.
    Check(CheckArgs),

    /// Run the embedded example: an emulated WooCommerce store and a bundled ERP CSV drop, as a dry run.
    ///
    /// Starts the WooCommerce emulator in-process, seeded with the demo catalog,
    /// reads the demo ERP export (semicolon-separated, decimal comma) and prints
    /// the plan `skusync plan` would show for the demo rules. Nothing leaves this machine.
    Demo(DemoArgs),
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// For people in a terminal: grouped by target and SKU, with diffs.
    Text,
    /// The plan JSON contract, for programs and `apply --plan`.
    Json,
    /// GitHub-flavoured Markdown, for tickets and reviews.
    Markdown,
    /// A standalone HTML page (auto-escaped), for sharing.
    Html,
    /// One row per change, for spreadsheets.
    Csv,
}

/// Options shared by commands that print a plan.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Report format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,

    /// Write the report to FILE instead of stdout (written atomically).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Exit with 2 when changes are planned (0 when in sync, 1 on error).
    #[arg(long)]
    pub detailed_exitcode: bool,

    /// Show every unmatched SKU and identity problem instead of the first 20.
    #[arg(long)]
    pub full: bool,

    /// Colour in the text report: auto (when stdout is a terminal), always, never.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

/// Colour choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// When stdout is a terminal and NO_COLOR is unset.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// `skusync plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The rules file (see rules.example.yaml and docs/rules.md).
    #[arg(long, value_name = "FILE", default_value = "rules.yaml")]
    pub rules: PathBuf,

    /// Report options.
    #[command(flatten)]
    pub report: ReportArgs,
}

/// `skusync check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The rules file (see rules.example.yaml and docs/rules.md).
    #[arg(long, value_name = "FILE", default_value = "rules.yaml")]
    pub rules: PathBuf,

    /// Also prove that each store's key may write (an empty batch request: nothing changes).
    #[arg(long)]
    pub write: bool,
}

/// `skusync demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Report options.
    #[command(flatten)]
    pub report: ReportArgs,
}
