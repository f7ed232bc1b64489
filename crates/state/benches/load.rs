//! Records and loads the base state of 100,000 SKUs (600,000 base entries
//! and 100,000 pools) in a temporary sled database, and prints the times.
//!
//! Run: `cargo bench -p skusync-state --bench load` (release profile).
//! Times are wall-clock on whatever else the machine is doing; sled's own
//! background threads take part, so CPU time of one thread would not tell.

use skusync_model::{FieldName, StateUpdate, Value};
use skusync_state::{RunId, StateStore};
use std::time::Instant;

const SKUS: usize = 100_000;

fn main() {
    let Ok(dir) = tempfile::tempdir() else {
        eprintln!("no temporary directory");
        return;
    };
    let mut updates = Vec::with_capacity(SKUS * 7);
    for i in 0..SKUS {
        let sku = skusync_model::Sku::new(format!("SKU-{i:06}"));
        for side in ["shop", "outlet"] {
            for (field, value) in [
                (
                    FieldName::PriceRegular,
                    Some(Value::Money(rust_decimal::Decimal::new(1000 + i as i64, 2))),
                ),
                (
                    FieldName::StockQuantity,
                    Some(Value::Quantity((i % 40) as i64)),
                ),
                (FieldName::Name, Some(Value::Text(format!("Product {i}")))),
            ] {
                updates.push(StateUpdate::Base {
                    side: side.into(),
                    sku: sku.clone(),
                    field,
                    value,
                });
            }
        }
        updates.push(StateUpdate::Pool {
            sku,
            field: FieldName::StockQuantity,
            value: (i % 40) as i64,
        });
    }
    let result = (|| -> Result<(), skusync_state::StateError> {
        let store = StateStore::open(dir.path())?;
        let run = RunId::new("bench-1")?;
        let t = Instant::now();
        store.record(&run, "2026-11-24T10:00:00Z", &updates)?;
        store.flush()?;
        println!(
            "record {} updates (one atomic batch) + flush: {:.3} s",
            updates.len(),
            t.elapsed().as_secs_f64()
        );
        // The next run is a new process: reopen before loading.
        drop(store);
        let store = StateStore::open(dir.path())?;
        let t = Instant::now();
        let view = store.load_base()?;
        println!(
            "load_base: {} entries, {} pools in {:.3} s",
            view.len(),
            view.pools.len(),
            t.elapsed().as_secs_f64()
        );
        let t = Instant::now();
        store.record(
            &RunId::new("bench-2")?,
            "2026-11-24T10:15:00Z",
            &updates[..SKUS / 50 * 7],
        )?;
        println!(
            "record {} updates (2% of SKUs): {:.3} s",
            SKUS / 50 * 7,
            t.elapsed().as_secs_f64()
        );
        Ok(())
    })();
    if let Err(e) = result {
        eprintln!("{e}");
    }
}
