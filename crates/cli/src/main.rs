//! The `skusync` command.
//!
//! # Layout
//! - `args`: the command line (clap), written to teach in `--help`.
//! - `commands/`: one module per command (`plan`, `check`, `demo`).
//! - `pipeline`: rules → sources → snapshots → base → plan, shared by commands.
//! - `csv_source`: reads a csv source (the rules hold csv-drop's config).
//! - `woo_source`: maps a rules-file store onto the WooCommerce adapter.
//! - `output`: writing reports to stdout or a file (atomically).
//!
//! The only crate that uses `anyhow`: library errors become messages here,
//! and messages become exit codes (0 success, 1 error, 2 with
//! `--detailed-exitcode` when changes are planned).

mod args;
mod commands;
mod csv_source;
mod output;
mod pipeline;
mod woo_source;

use args::{Cli, Command};
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.quiet);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let ui = output::Ui { quiet: cli.quiet };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Plan(args) => commands::plan::run(args, &ui).await,
            Command::Check(args) => commands::check::run(args, &ui).await,
            Command::Demo(args) => commands::demo::run(args, &ui).await,
        }
    });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Logs go to stderr, for operators; reports go to stdout, for users.
fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("SKUSYNC_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}
