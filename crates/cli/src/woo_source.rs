//! Maps a validated `kind: woocommerce` source from the rules onto the
//! WooCommerce adapter's configuration, and reads a store for a plan.

use crate::output::Ui;
use anyhow::{Context, Result};
use skusync_model::{FieldName, Snapshot, SourceId};
use skusync_rules as rules;
use skusync_woocommerce as woo;

/// The adapter configuration for a rules-file store.
pub fn config(source: &SourceId, spec: &rules::WooSpec) -> woo::WooConfig {
    let mut config = woo::WooConfig::new(
        source.as_str(),
        spec.url.clone(),
        spec.consumer_key.clone(),
        spec.consumer_secret.clone(),
    );
    config.wp_subfolder = spec.wp_subfolder.clone();
    config.auth = match spec.auth {
        rules::WooAuth::Auto => woo::AuthMode::Auto,
        rules::WooAuth::Basic => woo::AuthMode::Basic,
        rules::WooAuth::Query => woo::AuthMode::Query,
        rules::WooAuth::OAuth1 => woo::AuthMode::OAuth1,
    };
    config.ca_cert = spec.ca_cert.clone();
    config.rate_limit = woo::RateLimit {
        per_second: spec.rate_limit.per_second,
        burst: spec.rate_limit.burst,
    };
    config.concurrency = usize::try_from(spec.concurrency).unwrap_or(4);
    config.timeout = spec.timeout;
    config.read = match spec.read {
        rules::ReadMode::Incremental => woo::ReadPolicy::Incremental,
        rules::ReadMode::Full => woo::ReadPolicy::Full,
    };
    config.full_every = spec.full_every;
    config.overlap = spec.overlap;
    config.stock_writes = match spec.stock_writes {
        rules::StockWrites::Delta => skusync_adapter::StockWrites::Relative,
        rules::StockWrites::Absolute => skusync_adapter::StockWrites::AbsoluteOnly,
    };
    config
}

/// Reads every product and variation of a store (a full read: a plan must
/// see every item to tell missing from unchanged).
pub async fn read(source: &SourceId, spec: &rules::WooSpec, ui: &Ui) -> Result<Snapshot> {
    let store = woo::WooCommerce::new(config(source, spec))
        .with_context(|| format!("source `{source}`: cannot set up the store connection"))?;
    for warning in store.warnings() {
        ui.note(&format!("{source}: warning: {warning}"));
    }
    let spinner = ui.spinner(format!("{source}: reading products and variations…"));
    let read = store
        .read(&FieldName::ALL, woo::ReadMode::Full, chrono::Utc::now())
        .await;
    if let Some(bar) = spinner {
        bar.finish_and_clear();
    }
    let output = match read {
        Ok(output) => output,
        Err(e) => return Err(explain(source, spec, &store, e).await),
    };
    ui.note(&format!(
        "{source}: read {} items from {} in {} requests",
        output.snapshot.records.len(),
        spec.url,
        output.requests
    ));
    if !output.problems.is_empty() {
        ui.note(&format!(
            "{source}: {} item{} with problems (items without SKU are also in the plan's identity section):",
            output.problems.len(),
            if output.problems.len() == 1 { "" } else { "s" }
        ));
        const SHOWN: usize = 10;
        for p in output.problems.iter().take(SHOWN) {
            ui.note(&format!("  {}: {}", p.origin, p.message));
        }
        if output.problems.len() > SHOWN {
            ui.note(&format!(
                "  … and {} more (-v lists them all)",
                output.problems.len() - SHOWN
            ));
        }
    }
    Ok(output.snapshot)
}

/// Turns a failed read into a message that names the likely cause and the
/// fix: the connection check (one cheap read) tells a wrong secret from an
/// unknown key, a firewall, a TLS problem…
async fn explain(
    source: &SourceId,
    spec: &rules::WooSpec,
    store: &woo::WooCommerce,
    error: skusync_adapter::AdapterError,
) -> anyhow::Error {
    let diagnosis = store.check(woo::WriteProbe::Skip).await;
    if diagnosis.is_ok() {
        return anyhow::Error::new(error)
            .context(format!("source `{source}`: cannot read the store"));
    }
    anyhow::anyhow!(
        "source `{source}`: cannot read the store: {}\n  likely cause: {}\n  fix: {}\n  \
         (the key comes from ${{{}}}, the secret from ${{{}}}; `skusync check` tests every source)",
        diagnosis.summary,
        diagnosis.cause,
        diagnosis.fix,
        spec.consumer_key_var,
        spec.consumer_secret_var
    )
}
