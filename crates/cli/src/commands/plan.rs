//! `skusync plan`: a dry run. Reads every source, prints what would change.

use crate::args::PlanArgs;
use crate::output::{self, Ui};
use crate::pipeline;
use anyhow::Result;

/// Runs `skusync plan` and returns the exit code.
pub async fn run(args: PlanArgs, ui: &Ui) -> Result<u8> {
    let rules = skusync_rules::load(&args.rules, &skusync_rules::process_env)?;
    let planned = pipeline::plan(&rules, ui).await?;
    output::emit(&planned.plan, &args.report)?;
    Ok(exit_code(&planned.plan, args.report.detailed_exitcode))
}

/// 0, or 2 with `--detailed-exitcode` when changes are planned.
pub fn exit_code(plan: &skusync_model::Plan, detailed: bool) -> u8 {
    if detailed && !plan.changes.is_empty() {
        2
    } else {
        0
    }
}
