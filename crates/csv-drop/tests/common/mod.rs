//! Helpers shared by the csv-drop integration tests: fixture paths and the
//! standard mapping used by the format fixtures.
#![allow(dead_code)]

use rust_decimal::Decimal;
use skusync_csv_drop::{ColumnRef, CsvSourceConfig, Inbox, Parsed, ParsedFile};
use skusync_model::{FieldName, Record, StockStatus, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;

/// `fixtures/csv/NAME`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/csv")
        .join(name)
}

/// The mapping of the format fixtures: Item, Name, Net price, On hand, Status (Y/N).
pub fn standard(path: PathBuf) -> CsvSourceConfig {
    let mut c = CsvSourceConfig::new(path, ColumnRef::Name("Item".into()))
        .column(FieldName::Name, ColumnRef::Name("Name".into()))
        .column(FieldName::PriceRegular, ColumnRef::Name("Net price".into()))
        .column(FieldName::StockQuantity, ColumnRef::Name("On hand".into()))
        .column(FieldName::StockStatus, ColumnRef::Name("Status".into()));
    c.values.insert(
        FieldName::StockStatus,
        BTreeMap::from([
            ("Y".to_string(), "instock".to_string()),
            ("N".to_string(), "outofstock".to_string()),
        ]),
    );
    c
}

/// Parses a fixture with `config`, expecting a valid file.
pub fn parse_valid(config: CsvSourceConfig, name: &str) -> ParsedFile {
    let inbox = Inbox::new("erp", config).expect("valid config");
    match inbox.parse_file(&fixture(name)).expect("readable") {
        Parsed::Valid(p) => p,
        Parsed::Invalid { problems, .. } => panic!(
            "{name} rejected: {:?}",
            problems.iter().map(ToString::to_string).collect::<Vec<_>>()
        ),
    }
}

/// Parses a fixture with `config`, expecting it rejected; the messages.
pub fn parse_invalid(config: CsvSourceConfig, name: &str) -> Vec<String> {
    let inbox = Inbox::new("erp", config).expect("valid config");
    match inbox.parse_file(&fixture(name)).expect("readable") {
        Parsed::Invalid { problems, .. } => problems.iter().map(ToString::to_string).collect(),
        Parsed::Valid(p) => panic!("{name} accepted: {:?}", p.records),
    }
}

pub fn money(s: &str) -> Value {
    Value::Money(Decimal::from_str(s).expect("decimal literal"))
}

/// A record as the standard fixtures hold it.
pub fn rec(
    sku: &str,
    name: Option<&str>,
    price: Option<&str>,
    stock: Option<i64>,
    status: Option<StockStatus>,
) -> Record {
    let mut r = Record::new(sku);
    if let Some(n) = name {
        r.fields
            .insert(FieldName::Name, Some(Value::Text(n.into())));
    }
    if let Some(p) = price {
        r.fields.insert(FieldName::PriceRegular, Some(money(p)));
    }
    if let Some(q) = stock {
        r.fields
            .insert(FieldName::StockQuantity, Some(Value::Quantity(q)));
    }
    if let Some(s) = status {
        r.fields
            .insert(FieldName::StockStatus, Some(Value::StockStatus(s)));
    }
    r
}

/// Records without their origins, for comparing field contents.
pub fn strip_origin(records: &[Record]) -> Vec<Record> {
    records
        .iter()
        .map(|r| Record {
            origin: None,
            ..r.clone()
        })
        .collect()
}

/// The three records every standard format fixture holds.
pub fn standard_records() -> Vec<Record> {
    vec![
        rec(
            "KREM-50",
            Some("Face cream 50 ml"),
            Some("72.00"),
            Some(14),
            Some(StockStatus::InStock),
        ),
        rec(
            "TEE-M",
            Some("T-shirt M"),
            Some("19.90"),
            Some(0),
            Some(StockStatus::OutOfStock),
        ),
        rec(
            "MUG-1",
            Some("Mug"),
            Some("8.5"),
            Some(120),
            Some(StockStatus::InStock),
        ),
    ]
}
