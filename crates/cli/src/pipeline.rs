//! The read side of every command: rules → sources → snapshots → base →
//! plan. Nothing here writes to a store, a drop folder or the state.

use crate::output::Ui;
use crate::{csv_source, woo_source};
use anyhow::{Context, Result};
use skusync_csv_drop::DropMemory;
use skusync_model::{BaseView, Plan, Snapshot, SourceId};
use skusync_rules::{RuleSet, SourceSpec};
use skusync_state::StateStore;

/// The name under which a csv source's [`DropMemory`] is kept in the state.
pub const CSV_MEMORY: &str = "csv-drop";

/// Reads every source and computes the plan. Writes nothing: a missing
/// state directory means a first run (empty base), not one to create.
pub async fn plan(rules: &RuleSet, ui: &Ui) -> Result<Plan> {
    let state = if rules.state_dir.exists() {
        // The state's own errors name the folder and say what to do.
        Some(StateStore::open(&rules.state_dir)?)
    } else {
        None
    };
    let base = match &state {
        Some(s) => s.load_base().context("cannot load the base state")?,
        None => BaseView::default(),
    };

    let mut snapshots: Vec<Snapshot> = Vec::new();
    for (id, spec) in &rules.sources {
        match spec {
            SourceSpec::Csv(csv) => {
                let memory = csv_memory(state.as_ref(), id)?;
                let spinner = ui.spinner(format!("{id}: reading {}…", csv.path.display()));
                let read = csv_source::read(id, csv, &memory);
                if let Some(bar) = spinner {
                    bar.finish_and_clear();
                }
                let read = read?;
                ui.note(&read.note);
                snapshots.extend(read.snapshot);
            }
            SourceSpec::WooCommerce(woo) => {
                let snapshot = woo_source::read(id, woo, ui).await?;
                snapshots.push(snapshot);
            }
        }
    }

    let generated_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let rules_digest = rules.digest();
    let plan = skusync_engine::plan(&skusync_engine::Inputs {
        fields: &rules.fields,
        matching: &rules.match_rules,
        guards: &rules.guards,
        snapshots: &snapshots,
        base: &base,
        generated_at: &generated_at,
        rules_digest: &rules_digest,
    });
    Ok(plan)
}

fn csv_memory(state: Option<&StateStore>, id: &SourceId) -> Result<DropMemory> {
    let Some(state) = state else {
        return Ok(DropMemory::default());
    };
    match state.watermark(id, CSV_MEMORY)? {
        Some(json) => serde_json::from_str(&json)
            .with_context(|| format!("the stored drop memory of `{id}` is unreadable")),
        None => Ok(DropMemory::default()),
    }
}
