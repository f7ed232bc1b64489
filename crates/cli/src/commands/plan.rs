//! `skusync plan`: a dry run. Reads every source, prints what would change.

use crate::args::{PlanArgs, ReportArgs};
use crate::output::{self, Ui};
use crate::pipeline;
use anyhow::Result;
use skusync_rules::RuleSet;

/// Runs `skusync plan` and returns the exit code.
pub async fn run(args: PlanArgs, ui: &Ui) -> Result<u8> {
    let rules = skusync_rules::load(&args.rules, &skusync_rules::process_env)?;
    plan_and_report(&rules, &args.report, ui).await
}

/// Plans with `rules`, prints the report as asked, and returns the exit
/// code (shared by `plan` and `demo`).
pub async fn plan_and_report(rules: &RuleSet, report: &ReportArgs, ui: &Ui) -> Result<u8> {
    let plan = pipeline::plan(rules, ui).await?;
    output::emit(&plan, report)?;
    Ok(exit_code(&plan, report.detailed_exitcode))
}

/// 0, or 2 with `--detailed-exitcode` when changes are planned.
fn exit_code(plan: &skusync_model::Plan, detailed: bool) -> u8 {
    if detailed && !plan.changes.is_empty() {
        2
    } else {
        0
    }
}
