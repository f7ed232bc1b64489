//! Parse-speed benchmark of the CSV inbox against the csv crate's own raw
//! `ByteRecord` parsing, on one generated 1,000,000-row ERP export.
//!
//! Run: `cargo bench -p skusync-csv-drop --bench parse` (optionally
//! `-- ROWS`). The file is generated in a temporary folder (never
//! committed). Each figure is the best of three runs; peak memory is the
//! process's `VmHWM`, reset before each phase through `/proc/self/clear_refs`
//! (Linux). Prints a Markdown table for `docs/benchmarks.md`.

use skusync_csv_drop::{
    ColumnRef, CsvSourceConfig, DecimalSeparator, Delimiter, DelimiterSetting, DropMemory, Inbox,
    Parsed, ReadOutcome,
};
use skusync_model::FieldName;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;
use std::time::{Duration, Instant};

const RUNS: usize = 3;

fn generate(path: &Path, rows: usize) -> std::io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    writeln!(out, "Item;EAN;Name;Net price;On hand;Status;Warehouse")?;
    for i in 0..rows {
        let cents = (i * 37) % 100_000;
        writeln!(
            out,
            "SKU-{i:07};{ean};\"Product {i}, size {size}\";{euros},{cents:02};{qty};{status};W{wh}",
            ean = 4_000_000_000_000u64 + i as u64,
            size = ["S", "M", "L", "XL"][i % 4],
            euros = cents / 100 + 1,
            cents = cents % 100,
            qty = (i * 7) % 500,
            status = if i % 5 == 0 { "N" } else { "Y" },
            wh = i % 3,
        )?;
    }
    out.flush()
}

/// Resets the peak-RSS counter (Linux); false when not possible.
fn reset_peak() -> bool {
    fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The process's peak resident memory in MiB since the last reset.
fn peak_mib() -> Option<f64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// CPU time (user + system) of this thread so far, from
/// `/proc/thread-self/stat` (clock ticks, 100 per second on Linux).
fn cpu_time() -> Option<Duration> {
    let stat = fs::read_to_string("/proc/thread-self/stat").ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of stat(5); the slice starts at field 3.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

struct Figure {
    name: &'static str,
    best: Duration,
    cpu: Option<Duration>,
    peak: Option<f64>,
}

/// Times `f` (best of [`RUNS`]); what it returns is dropped after the clock
/// stops, since a caller keeps the records it read.
fn measure<T>(name: &'static str, mut f: impl FnMut() -> (u64, T), expect: u64) -> Figure {
    let mut best = Duration::MAX;
    let mut cpu: Option<Duration> = None;
    let mut peak = None;
    for _ in 0..RUNS {
        let can_reset = reset_peak();
        let cpu_start = cpu_time();
        let start = Instant::now();
        let (n, kept) = f();
        let took = start.elapsed();
        if let (Some(a), Some(b)) = (cpu_start, cpu_time()) {
            let used = b.saturating_sub(a);
            cpu = Some(cpu.map_or(used, |c| c.min(used)));
        }
        if can_reset {
            peak = peak_mib();
        }
        drop(kept);
        assert_eq!(n, expect, "{name}: wrong row count");
        best = best.min(took);
    }
    Figure {
        name,
        best,
        cpu,
        peak,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rows: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("stock-0601.csv");
    generate(&path, rows)?;
    let bytes = fs::metadata(&path)?.len();

    let mut config = CsvSourceConfig::new(dir.path(), ColumnRef::Name("Item".into()))
        .column(FieldName::PriceRegular, ColumnRef::Name("Net price".into()))
        .column(FieldName::StockQuantity, ColumnRef::Name("On hand".into()))
        .column(FieldName::StockStatus, ColumnRef::Name("Status".into()));
    config.delimiter = DelimiterSetting::Fixed(Delimiter::Semicolon);
    config.decimal_separator = DecimalSeparator::Comma;
    config.values.insert(
        FieldName::StockStatus,
        BTreeMap::from([
            ("Y".to_string(), "instock".to_string()),
            ("N".to_string(), "outofstock".to_string()),
        ]),
    );
    let inbox = Inbox::new("erp", config)?.with_sleeper(|_: Duration| {});
    let mut with_names = inbox.config().clone();
    with_names
        .columns
        .insert(FieldName::Name, ColumnRef::Name("Name".into()));
    let inbox_names = Inbox::new("erp", with_names)?.with_sleeper(|_: Duration| {});

    let expect = rows as u64 + 1;
    let mut figures = vec![measure(
        "csv crate, raw `ByteRecord` loop",
        || {
            let file = File::open(&path).expect("bench file");
            let mut reader = csv::ReaderBuilder::new()
                .delimiter(b';')
                .has_headers(false)
                .from_reader(BufReader::with_capacity(64 * 1024, file));
            let mut record = csv::ByteRecord::new();
            let mut n = 0;
            while reader.read_byte_record(&mut record).expect("csv") {
                n += 1;
            }
            (n, ())
        },
        expect,
    )];
    if std::env::args().any(|a| a == "--profile-parse") {
        for _ in 0..5 {
            drop(inbox.parse_file(&path)?);
        }
        return Ok(());
    }
    let checksum = match inbox.read(&DropMemory::default())? {
        ReadOutcome::Accepted { memory, .. } => memory.last_checksum.unwrap_or_default(),
        other => panic!("{other:?}"),
    };
    figures.extend([
        measure(
            "reference: only building 1M model `Record`s (3 fields, origin), no file",
            || {
                let mut records = Vec::new();
                let file: std::sync::Arc<str> = std::sync::Arc::from("stock-0601.csv");
                let mut sku = String::new();
                for i in 0..rows {
                    sku.clear();
                    write!(sku, "SKU-{i:07}").expect("write to a String");
                    let mut r = skusync_model::Record::new(sku.as_str());
                    r.origin = Some(skusync_model::Origin::line(file.clone(), i as u64 + 2));
                    r.fields.insert(
                        FieldName::PriceRegular,
                        Some(skusync_model::Value::Money(rust_decimal::Decimal::new(
                            1990, 2,
                        ))),
                    );
                    r.fields.insert(
                        FieldName::StockQuantity,
                        Some(skusync_model::Value::Quantity(i as i64)),
                    );
                    r.fields.insert(
                        FieldName::StockStatus,
                        Some(skusync_model::Value::StockStatus(
                            skusync_model::StockStatus::InStock,
                        )),
                    );
                    records.push(r);
                }
                (records.len() as u64 + 1, records)
            },
            expect,
        ),
        measure(
            "inbox parse: 4 mapped columns → records",
            || match inbox.parse_file(&path).expect("parse") {
                Parsed::Valid(p) => (p.records.len() as u64 + 1, p),
                Parsed::Invalid { problems, .. } => panic!("{problems:?}"),
            },
            expect,
        ),
        measure(
            "inbox parse: 5 mapped columns incl. quoted name",
            || match inbox_names.parse_file(&path).expect("parse") {
                Parsed::Valid(p) => (p.records.len() as u64 + 1, p),
                Parsed::Invalid { problems, .. } => panic!("{problems:?}"),
            },
            expect,
        ),
        measure(
            "inbox read: list, checksum (sha256), parse, checks",
            || match inbox.read(&DropMemory::default()).expect("read") {
                outcome @ ReadOutcome::Accepted { rows, .. } => (rows + 1, outcome),
                other => panic!("{other:?}"),
            },
            expect,
        ),
        measure(
            "inbox read of an unchanged file (checksum only)",
            || {
                let memory = DropMemory {
                    last_checksum: Some(checksum.clone()),
                    ..DropMemory::default()
                };
                match inbox.read(&memory).expect("read") {
                    ReadOutcome::Unchanged { .. } => (expect, ()),
                    other => panic!("{other:?}"),
                }
            },
            expect,
        ),
    ]);

    let mb = bytes as f64 / 1e6;
    println!(
        "file: {rows} rows, {mb:.1} MB ({} columns, `;`, decimal comma, quoted names)\n",
        7
    );
    println!(
        "| what | wall, best of {RUNS} | CPU, best of {RUNS} | MB/s (CPU) | rows/s (CPU) | × csv crate (CPU) | peak RSS (VmHWM) |"
    );
    println!("|---|---|---|---|---|---|---|");
    let base = figures[0]
        .cpu
        .unwrap_or(figures[0].best)
        .as_secs_f64()
        .max(0.001);
    for f in &figures {
        let cpu = f.cpu.unwrap_or(f.best).as_secs_f64().max(0.001);
        println!(
            "| {} | {:.3} s | {:.2} s | {:.0} | {:.2} M | {:.1} | {} |",
            f.name,
            f.best.as_secs_f64(),
            cpu,
            mb / cpu,
            rows as f64 / cpu / 1e6,
            cpu / base,
            f.peak
                .map(|p| format!("{p:.0} MiB"))
                .unwrap_or_else(|| "n/a".into())
        );
    }
    Ok(())
}
