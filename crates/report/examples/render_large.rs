//! Renders a large generated plan in every format and prints the time each
//! took (a measurement aid, not a test).

use skusync_model::Plan;
use skusync_report::{Format, RenderOptions, render};
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let mut changes = Vec::with_capacity(n);
    for i in 0..n {
        let target = if i % 2 == 0 { "outlet" } else { "shop" };
        changes.push(serde_json::json!({
            "target": target, "sku": format!("SKU-{:06}", i / 2), "field": "price.regular",
            "from": "10.00", "to": format!("{}.{:02}", 10 + i % 7, i % 100), "base": "10.00",
            "reason": "truth", "source": "erp", "rule": "fields.price.regular"}));
        if i % 10 == 0 && std::env::var_os("NO_NAMES").is_none() {
            changes.push(serde_json::json!({
                "target": target, "sku": format!("SKU-{:06}", i / 2), "field": "name",
                "from": format!("Product number {i} blue"), "to": format!("Product number {i} navy"),
                "base": null, "reason": "truth", "source": "erp", "rule": "fields.name"}));
        }
    }
    let plan: Plan = match serde_json::from_value(serde_json::json!({
        "plan_version": 1, "generated_at": "2026-11-24T10:00:00Z", "inputs_digest": "sha256:0",
        "summary": {"matched": n, "changes": changes.len(), "conflicts": 0, "unmatched": 0, "drift": 0},
        "changes": changes, "conflicts": [], "unmatched": [], "identity": [], "guards": []
    })) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("bad plan: {e}");
            return;
        }
    };
    let only: Option<Format> = std::env::var("FORMAT").ok().and_then(|f| f.parse().ok());
    for f in Format::ALL
        .into_iter()
        .filter(|f| only.is_none_or(|o| o == *f))
    {
        let t = Instant::now();
        match render(&plan, f, &RenderOptions::default()) {
            Ok(out) => println!("{f}: {} bytes in {:?}", out.len(), t.elapsed()),
            Err(e) => println!("{f}: {e}"),
        }
    }
}
