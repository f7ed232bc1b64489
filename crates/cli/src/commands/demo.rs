//! `skusync demo`: the embedded example. Starts the WooCommerce emulator
//! in-process with the demo catalog, drops the demo ERP export into a
//! temporary folder, and prints the dry-run plan for the demo rules.
//!
//! Everything it needs is compiled into the binary (`fixtures/demo/`), so
//! it works from any directory and needs no network.

use crate::args::DemoArgs;
use crate::commands::plan::plan_and_report;
use crate::output::Ui;
use anyhow::{Context, Result};
use std::path::Path;

const STORE: &str = include_str!("../../../../fixtures/demo/store.json");
const RULES: &str = include_str!("../../../../fixtures/demo/rules.yaml");
const ERP_FILE: &str = "stock-2026-11-24T0600.csv";
const ERP_EXPORT: &str = include_str!("../../../../fixtures/demo/erp/stock-2026-11-24T0600.csv");

/// Runs the demo and returns the exit code.
pub async fn run(args: DemoArgs, ui: &Ui) -> Result<u8> {
    let seed: serde_json::Value =
        serde_json::from_str(STORE).context("the embedded demo catalog is not valid JSON")?;
    let emulator = skusync_emulator::Emulator::start(skusync_emulator::EmulatorOptions {
        listen: ([127, 0, 0, 1], 0).into(),
        seed: skusync_emulator::Seed::Json(seed),
        ..skusync_emulator::EmulatorOptions::default()
    })
    .await
    .context("cannot start the demo's emulated store")?;

    let dir = tempfile::tempdir().context("cannot create a temporary folder for the demo")?;
    let rules_path = write_demo_files(dir.path())?;
    ui.note(&format!(
        "demo: emulated WooCommerce store at {}, ERP drop in {}",
        emulator.url(),
        dir.path().join("erp").display()
    ));

    let url = emulator.url().to_string();
    let key = emulator.consumer_key().to_string();
    let secret = emulator.consumer_secret().to_string();
    let env = move |name: &str| match name {
        "DEMO_SHOP_URL" => Some(url.clone()),
        "DEMO_SHOP_KEY" => Some(key.clone()),
        "DEMO_SHOP_SECRET" => Some(secret.clone()),
        _ => None,
    };
    let rules = skusync_rules::load(&rules_path, &env)?;
    let code = plan_and_report(&rules, &args.report, ui).await;
    emulator.shutdown().await;
    code
}

/// Writes the rules, the ERP export and its completion marker; returns the
/// rules file's path.
fn write_demo_files(dir: &Path) -> Result<std::path::PathBuf> {
    let erp = dir.join("erp");
    std::fs::create_dir_all(&erp).with_context(|| format!("cannot create {}", erp.display()))?;
    let rules = dir.join("rules.yaml");
    let files = [
        (rules.clone(), RULES),
        (erp.join(ERP_FILE), ERP_EXPORT),
        (erp.join(format!("{ERP_FILE}.done")), ""),
    ];
    for (path, text) in files {
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(rules)
}
