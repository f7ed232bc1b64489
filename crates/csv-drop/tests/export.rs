//! The outbox: export files with the configured columns and number format,
//! the pick-up rule, and atomicity under a concurrent reader.

use rust_decimal::Decimal;
use skusync_csv_drop::{
    ColumnKey, ColumnRef, CsvDropError, CsvSourceConfig, DecimalSeparator, Delimiter,
    DelimiterSetting, DropMemory, ExportConfig, ExportOutcome, ExportRow, Inbox, Outbox, Overwrite,
    Parsed, ReadOutcome,
};
use skusync_model::{FieldName, Fields, Sku, StockStatus, Value};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn source(outbox: &Path, file_name: &str, overwrite: Overwrite) -> CsvSourceConfig {
    let mut c = CsvSourceConfig::new(outbox, ColumnRef::Name("Item".into()))
        .column(FieldName::StockQuantity, ColumnRef::Name("On hand".into()))
        .column(FieldName::PriceRegular, ColumnRef::Name("Net price".into()))
        .column(FieldName::StockStatus, ColumnRef::Name("Avail".into()));
    c.delimiter = DelimiterSetting::Fixed(Delimiter::Semicolon);
    c.decimal_separator = DecimalSeparator::Comma;
    c.values.insert(
        FieldName::StockStatus,
        BTreeMap::from([
            ("N".to_string(), "outofstock".to_string()),
            ("Y".to_string(), "instock".to_string()),
        ]),
    );
    c.export = Some(ExportConfig {
        path: outbox.to_path_buf(),
        file_name: file_name.into(),
        columns: vec![
            (ColumnKey::Sku, "Item".into()),
            (ColumnKey::Field(FieldName::StockQuantity), "On hand".into()),
            (
                ColumnKey::Field(FieldName::PriceRegular),
                "Net price".into(),
            ),
            (ColumnKey::Field(FieldName::StockStatus), "Avail".into()),
        ],
        delimiter: None,
        decimal_separator: None,
        overwrite,
    });
    c
}

fn row(sku: &str, qty: Option<i64>, price: Option<&str>, status: Option<StockStatus>) -> ExportRow {
    let mut values = BTreeMap::new();
    if let Some(q) = qty {
        values.insert(FieldName::StockQuantity, Some(Value::Quantity(q)));
    }
    if let Some(p) = price {
        values.insert(
            FieldName::PriceRegular,
            Some(Value::Money(Decimal::from_str(p).unwrap())),
        );
    }
    if let Some(s) = status {
        values.insert(FieldName::StockStatus, Some(Value::StockStatus(s)));
    }
    ExportRow {
        sku: Sku::new(sku),
        values,
    }
}

/// 2026-06-01T08:30:00Z
fn june_first() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_780_302_600)
}

#[test]
fn writes_columns_delimiter_decimal_comma_and_file_words() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::new(&source(
        dir.path(),
        "stock-{timestamp}.csv",
        Overwrite::Never,
    ))
    .unwrap();
    assert_eq!(
        outbox.fields(),
        vec![
            FieldName::StockQuantity,
            FieldName::PriceRegular,
            FieldName::StockStatus
        ]
    );
    let rows = vec![
        row(
            "KREM-50",
            Some(14),
            Some("1234.50"),
            Some(StockStatus::InStock),
        ),
        row("TEE-M", Some(0), None, Some(StockStatus::OutOfStock)),
        row("MUG;1", None, Some("8.5"), Some(StockStatus::OnBackorder)),
    ];
    let outcome = outbox.export(&rows, june_first()).unwrap();
    let file = dir.path().join("stock-20260601T083000Z.csv");
    assert_eq!(
        outcome,
        ExportOutcome::Written {
            file: file.clone(),
            rows: 3
        }
    );
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        "Item;On hand;Net price;Avail\r\n\
         KREM-50;14;1234,50;Y\r\n\
         TEE-M;0;;N\r\n\
         \"MUG;1\";;8,5;onbackorder\r\n"
    );
    // Only the export is in the folder: the temp file is gone.
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn an_export_reads_back_as_the_same_values() {
    let dir = tempfile::tempdir().unwrap();
    let config = source(dir.path(), "stock-{timestamp}.csv", Overwrite::Never);
    let rows = vec![
        row(
            "KREM-50",
            Some(14),
            Some("1234.50"),
            Some(StockStatus::InStock),
        ),
        row("TEE-M", Some(0), None, Some(StockStatus::OutOfStock)),
    ];
    let ExportOutcome::Written { file, .. } = Outbox::new(&config)
        .unwrap()
        .export(&rows, june_first())
        .unwrap()
    else {
        panic!("written expected")
    };
    // Read back with the same mapping (as the ERP would see it).
    let inbox = Inbox::new("erp", config).unwrap();
    let Parsed::Valid(snapshot) = inbox.parse_file(&file).unwrap() else {
        panic!("valid expected")
    };
    for (record, row) in snapshot.records.iter().zip(&rows) {
        assert_eq!(record.sku, row.sku);
        assert_eq!(
            record.fields,
            row.values.clone().into_iter().collect::<Fields>()
        );
    }
    assert_eq!(
        snapshot.records[0]
            .get(FieldName::PriceRegular)
            .flatten()
            .map(ToString::to_string),
        Some("1234.50".to_string()),
        "the scale survives the round trip"
    );
}

#[test]
fn an_export_in_the_inbox_folder_is_never_read_back_as_a_drop() {
    let dir = tempfile::tempdir().unwrap();
    // One exchange folder both ways: drops `stock-*.csv` in, exports
    // `stock-{timestamp}.csv` out.
    let mut config = source(dir.path(), "stock-{timestamp}.csv", Overwrite::Never);
    config.pattern = "stock-*.csv".into();
    Outbox::new(&config)
        .unwrap()
        .export(&[row("A", Some(1), None, None)], june_first())
        .unwrap();
    let inbox = Inbox::new("erp", config)
        .unwrap()
        .with_sleeper(|_: Duration| {});
    assert_eq!(
        inbox.read(&DropMemory::default()).unwrap(),
        ReadOutcome::NoCompleteFile { waiting: vec![] }
    );
    // The ERP's own drop next to it is read.
    let erp = dir.path().join("stock-erp-0601.csv");
    fs::write(&erp, "Item;On hand;Net price;Avail\nB;2;1,00;Y\n").unwrap();
    let ReadOutcome::Accepted { file, .. } = inbox.read(&DropMemory::default()).unwrap() else {
        panic!("accepted expected")
    };
    assert_eq!(file, erp);
}

#[test]
fn never_overwrite_waits_for_the_erp_to_pick_up() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::new(&source(
        dir.path(),
        "stock-{timestamp}.csv",
        Overwrite::Never,
    ))
    .unwrap();
    let rows = vec![row("A", Some(1), None, None)];
    let first = dir.path().join("stock-20260601T083000Z.csv");
    outbox.export(&rows, june_first()).unwrap();
    // A later export while the first is still there: nothing is written.
    let later = june_first() + Duration::from_secs(900);
    assert_eq!(
        outbox.export(&rows, later).unwrap(),
        ExportOutcome::NotPickedUp {
            pending: vec![first.clone()]
        }
    );
    assert_eq!(outbox.pending().unwrap(), vec![first.clone()]);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    // Files that are not our exports do not block.
    fs::write(dir.path().join("orders.csv"), "x").unwrap();
    // The ERP picks the file up (moves it away): the next export goes out.
    fs::remove_file(&first).unwrap();
    assert!(matches!(
        outbox.export(&rows, later).unwrap(),
        ExportOutcome::Written { .. }
    ));
}

#[test]
fn never_overwrite_refuses_a_file_of_the_same_name() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::new(&source(dir.path(), "stock.csv", Overwrite::Never)).unwrap();
    fs::write(dir.path().join("stock.csv"), "the ERP's unread file").unwrap();
    let outcome = outbox
        .export(&[row("A", Some(1), None, None)], june_first())
        .unwrap();
    assert_eq!(
        outcome,
        ExportOutcome::NotPickedUp {
            pending: vec![dir.path().join("stock.csv")]
        }
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("stock.csv")).unwrap(),
        "the ERP's unread file"
    );
}

#[test]
fn replace_overwrites_the_same_name_and_leaves_others() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::new(&source(dir.path(), "stock.csv", Overwrite::Replace)).unwrap();
    fs::write(dir.path().join("stock.csv"), "old").unwrap();
    outbox
        .export(&[row("A", Some(7), None, None)], june_first())
        .unwrap();
    assert_eq!(
        fs::read_to_string(dir.path().join("stock.csv")).unwrap(),
        "Item;On hand;Net price;Avail\r\nA;7;;\r\n"
    );
}

#[test]
fn a_field_outside_export_columns_is_an_error_not_a_silent_drop() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::new(&source(dir.path(), "stock.csv", Overwrite::Never)).unwrap();
    let mut r = row("A", Some(1), None, None);
    r.values
        .insert(FieldName::Name, Some(Value::Text("Tee".into())));
    let err = outbox.export(&[r], june_first()).unwrap_err();
    assert!(matches!(err, CsvDropError::FieldNotExported { .. }));
    assert_eq!(
        err.to_string(),
        "cannot export name for SKU A: export.columns does not list it"
    );
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_source_without_export_is_not_a_target() {
    let c = CsvSourceConfig::new("x", ColumnRef::Index(1));
    assert!(matches!(Outbox::new(&c), Err(CsvDropError::NoExport)));
}

/// Rows whose last line tells a reader the file is whole.
fn big_export(n: usize, generation: usize) -> Vec<ExportRow> {
    (0..n)
        .map(|i| {
            row(
                &format!("SKU-{i:06}"),
                Some((generation * 1000 + i) as i64),
                Some("19.90"),
                None,
            )
        })
        .collect()
}

#[test]
fn a_concurrent_reader_never_sees_a_half_written_export() {
    const ROWS: usize = 5_000;
    const EXPORTS: usize = 20;
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::new(&source(dir.path(), "stock.csv", Overwrite::Replace)).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(AtomicUsize::new(0));
    let reader = {
        let dir = dir.path().to_path_buf();
        let stop = stop.clone();
        let seen = seen.clone();
        std::thread::spawn(move || {
            // Reads whatever visible (non-hidden) file the outbox holds, as an
            // ERP polling `*.csv` would, until the writer is done.
            while !stop.load(Ordering::SeqCst) {
                for entry in fs::read_dir(&dir).unwrap() {
                    let entry = entry.unwrap();
                    let name = entry.file_name().to_string_lossy().into_owned();
                    if name.starts_with('.') {
                        continue;
                    }
                    let Ok(text) = fs::read_to_string(entry.path()) else {
                        continue; // replaced between listing and opening
                    };
                    let lines: Vec<&str> = text.split("\r\n").collect();
                    assert_eq!(lines.len(), ROWS + 2, "{name}: partial export observed");
                    assert_eq!(lines[ROWS + 1], "", "{name}: ends with a full row");
                    assert!(lines[ROWS].starts_with(&format!("SKU-{:06};", ROWS - 1)));
                    seen.fetch_add(1, Ordering::SeqCst);
                }
            }
        })
    };
    for generation in 0..EXPORTS {
        let outcome = outbox
            .export(&big_export(ROWS, generation), june_first())
            .unwrap();
        assert!(matches!(outcome, ExportOutcome::Written { rows: ROWS, .. }));
    }
    // Let the reader see the final file at least once.
    while seen.load(Ordering::SeqCst) == 0 {
        std::thread::yield_now();
    }
    stop.store(true, Ordering::SeqCst);
    reader.join().expect("the reader saw only whole files");
    assert!(seen.load(Ordering::SeqCst) > 0);
}

mod target {
    use super::*;
    use skusync_adapter::{FieldWrite, ItemOutcome, Target, WriteItem};
    use skusync_csv_drop::CsvTarget;
    use skusync_model::RemoteId;

    fn item(sku: &str, changes: Vec<FieldWrite>) -> WriteItem {
        WriteItem {
            sku: Sku::new(sku),
            remote: RemoteId {
                id: 0,
                parent_id: None,
            },
            changes,
            marker: None,
        }
    }

    fn set(field: FieldName, value: Value) -> FieldWrite {
        FieldWrite::Set {
            field,
            value: Some(value),
        }
    }

    #[test]
    fn items_become_one_export_file_and_refusals_are_per_item() {
        let dir = tempfile::tempdir().unwrap();
        let config = source(dir.path(), "stock-{timestamp}.csv", Overwrite::Never);
        let target = CsvTarget::new("erp", Outbox::new(&config).unwrap());
        let items = vec![
            item("A", vec![set(FieldName::StockQuantity, Value::Quantity(5))]),
            item("B", vec![FieldWrite::AddStock { delta: -2 }]),
            item(
                "A",
                vec![set(
                    FieldName::StockStatus,
                    Value::StockStatus(StockStatus::InStock),
                )],
            ),
            item("C", vec![set(FieldName::Name, Value::Text("Tee".into()))]),
        ];
        let report = target.write_at(&items, june_first()).unwrap();
        assert_eq!(report.requests, 1);
        assert_eq!(report.outcomes[0], ItemOutcome::Written);
        assert!(
            matches!(&report.outcomes[1], ItemOutcome::Failed { code, retryable: false, .. } if code == "unsupported_write")
        );
        assert_eq!(report.outcomes[2], ItemOutcome::Written);
        assert!(
            matches!(&report.outcomes[3], ItemOutcome::Failed { code, .. } if code == "unsupported_field")
        );
        assert_eq!(
            fs::read_to_string(dir.path().join("stock-20260601T083000Z.csv")).unwrap(),
            "Item;On hand;Net price;Avail\r\nA;5;;Y\r\n"
        );
        // The ERP has not picked it up: the next write sends nothing.
        let again = target
            .write_at(&items[..1], june_first() + Duration::from_secs(60))
            .unwrap();
        assert_eq!(again.outcomes, vec![ItemOutcome::NotAttempted]);
        assert_eq!(again.requests, 0);
        assert_eq!(
            target.capabilities().markers,
            skusync_adapter::Markers::Unsupported
        );
    }
}
