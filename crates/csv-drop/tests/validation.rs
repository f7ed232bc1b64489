//! One test per validation error, each with its fixture under
//! `fixtures/csv/`, asserting the exact `file:line:column: message` text
//! (the wording documented in `docs/csv.md`).

mod common;

use common::*;
use skusync_csv_drop::{
    ColumnRef, CsvSourceConfig, DecimalSeparator, Inbox, NegativeStock, OnInvalid, Parsed,
    ProblemKind,
};
use skusync_model::FieldName;

/// Item, Net price, On hand.
fn price_stock(name: &str) -> CsvSourceConfig {
    CsvSourceConfig::new(fixture(name), ColumnRef::Name("Item".into()))
        .column(FieldName::PriceRegular, ColumnRef::Name("Net price".into()))
        .column(FieldName::StockQuantity, ColumnRef::Name("On hand".into()))
}

#[test]
fn unparsable_numbers() {
    assert_eq!(
        parse_invalid(standard(fixture("bad-number.csv")), "bad-number.csv"),
        vec![
            "bad-number.csv:3:3: \"19,90\" is not a number in column \"Net price\" (price.regular); the decimal separator is \".\" (decimal_separator)",
            "bad-number.csv:4:4: \"12,5x\" is not a number in column \"On hand\" (stock.quantity); the decimal separator is \".\" (decimal_separator)",
            "bad-number.csv:5:3: \"abc\" is not a number in column \"Net price\" (price.regular)",
        ]
    );
}

#[test]
fn unparsable_number_with_decimal_comma() {
    let mut config = standard(fixture("bad-number.csv"));
    config.decimal_separator = DecimalSeparator::Comma;
    assert_eq!(
        parse_invalid(config, "bad-number.csv"),
        vec![
            "bad-number.csv:2:3: \"72.00\" is not a number in column \"Net price\" (price.regular); the decimal separator is \",\" (decimal_separator)",
            "bad-number.csv:4:3: \"8.5\" is not a number in column \"Net price\" (price.regular); the decimal separator is \",\" (decimal_separator)",
            "bad-number.csv:4:4: \"12,5x\" is not a number in column \"On hand\" (stock.quantity)",
            "bad-number.csv:5:3: \"abc\" is not a number in column \"Net price\" (price.regular)",
        ]
    );
}

#[test]
fn non_integer_stock() {
    // `120.00` is a whole number; `2.5` is not.
    assert_eq!(
        parse_invalid(
            price_stock("non-integer-stock.csv"),
            "non-integer-stock.csv"
        ),
        vec![
            "non-integer-stock.csv:3:3: \"2.5\" is not a whole number in column \"On hand\" (stock.quantity)"
        ]
    );
}

#[test]
fn negative_stock_unless_allowed() {
    assert_eq!(
        parse_invalid(price_stock("negative-stock.csv"), "negative-stock.csv"),
        vec![
            "negative-stock.csv:3:3: \"-3\" is negative stock in column \"On hand\" (stock.quantity); allow_negative_stock is false"
        ]
    );
    let mut config = price_stock("negative-stock.csv");
    config.negative_stock = NegativeStock::Allow;
    let parsed = parse_valid(config, "negative-stock.csv");
    assert_eq!(
        parsed.records[1].get(FieldName::StockQuantity),
        Some(Some(&skusync_model::Value::Quantity(-3)))
    );
}

#[test]
fn unknown_status_word() {
    let mut config = CsvSourceConfig::new(
        fixture("unknown-status.csv"),
        ColumnRef::Name("Item".into()),
    )
    .column(FieldName::StockQuantity, ColumnRef::Name("On hand".into()))
    .column(FieldName::StockStatus, ColumnRef::Name("Status".into()));
    config.values = standard(fixture("x")).values;
    assert_eq!(
        parse_invalid(config, "unknown-status.csv"),
        vec![
            "unknown-status.csv:3:3: \"Maybe\" is not a valid stock.status in column \"Status\" (valid: N, Y, instock, outofstock, onbackorder)"
        ]
    );
}

#[test]
fn missing_sku() {
    assert_eq!(
        parse_invalid(price_stock("missing-sku.csv"), "missing-sku.csv"),
        vec!["missing-sku.csv:3:1: missing SKU in column \"Item\""]
    );
}

#[test]
fn duplicate_skus_list_every_occurrence() {
    // `KREM-50 ` (trailing space) is the same SKU.
    assert_eq!(
        parse_invalid(price_stock("duplicate-sku.csv"), "duplicate-sku.csv"),
        vec![
            "duplicate-sku.csv:2:1: duplicate SKU \"KREM-50\" on lines 2, 4, 7",
            "duplicate-sku.csv:3:1: duplicate SKU \"TEE-M\" on lines 3, 6",
        ]
    );
}

#[test]
fn missing_mapped_column_names_the_header_and_the_closest() {
    let mut config = price_stock("missing-column.csv");
    config
        .columns
        .insert(FieldName::Name, ColumnRef::Name("Description".into()));
    assert_eq!(
        parse_invalid(config, "missing-column.csv"),
        vec![
            "missing-column.csv:1: column \"On hand\" (stock.quantity) is not in the header; found \"Item\", \"Net price\", \"Onhand\", \"Status\"; did you mean \"Onhand\"?",
            "missing-column.csv:1: column \"Description\" (name) is not in the header; found \"Item\", \"Net price\", \"Onhand\", \"Status\"",
        ]
    );
}

#[test]
fn a_column_name_matching_two_header_cells_is_ambiguous() {
    assert_eq!(
        parse_invalid(price_stock("ambiguous-column.csv"), "ambiguous-column.csv"),
        vec![
            "ambiguous-column.csv:1: column \"Item\" (sku) matches several header cells: columns 1, 4"
        ]
    );
}

#[test]
fn column_index_out_of_range() {
    let mut config = price_stock("missing-column.csv");
    config
        .columns
        .insert(FieldName::StockQuantity, ColumnRef::Index(9));
    assert_eq!(
        parse_invalid(config, "missing-column.csv"),
        vec![
            "missing-column.csv:1: column 9 (stock.quantity) does not exist: the first line has 4 columns"
        ]
    );
}

#[test]
fn ragged_rows() {
    assert_eq!(
        parse_invalid(price_stock("ragged.csv"), "ragged.csv"),
        vec![
            "ragged.csv:3: the row has 2 cells, expected 3",
            "ragged.csv:4: the row has 4 cells, expected 3",
        ]
    );
}

#[test]
fn empty_file() {
    assert_eq!(
        parse_invalid(price_stock("empty.csv"), "empty.csv"),
        vec!["empty.csv: the file is empty (no header line)"]
    );
}

#[test]
fn every_problem_is_reported_not_only_the_first() {
    assert_eq!(
        parse_invalid(price_stock("many-errors.csv"), "many-errors.csv"),
        vec![
            "many-errors.csv:3:2: \"x\" is not a number in column \"Net price\" (price.regular)",
            "many-errors.csv:4:3: \"-1\" is negative stock in column \"On hand\" (stock.quantity); allow_negative_stock is false",
            "many-errors.csv:5:1: missing SKU in column \"Item\"",
        ]
    );
}

#[test]
fn skip_mode_drops_bad_rows_and_counts_them() {
    let mut config = price_stock("many-errors.csv");
    config.on_invalid = OnInvalid::Skip;
    config.max_skipped = 3;
    let parsed = parse_valid(config, "many-errors.csv");
    assert_eq!(parsed.rows, 5);
    assert_eq!(parsed.skipped, 3);
    assert_eq!(parsed.skipped_problems.len(), 3);
    let skus: Vec<_> = parsed.records.iter().map(|r| r.sku.as_str()).collect();
    assert_eq!(skus, vec!["A-1", "A-5"]);
}

#[test]
fn skip_mode_passes_every_duplicate_occurrence_on() {
    // The engine reports them as `duplicate` identity problems, with each
    // line, and never writes the SKU.
    let mut config = price_stock("duplicate-sku.csv");
    config.on_invalid = OnInvalid::Skip;
    config.max_skipped = 0;
    let parsed = parse_valid(config, "duplicate-sku.csv");
    assert_eq!(parsed.skipped, 0);
    let rows: Vec<_> = parsed
        .records
        .iter()
        .map(|r| (r.sku.as_str(), r.origin.as_ref().map(ToString::to_string)))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("KREM-50", Some("duplicate-sku.csv:2".to_string())),
            ("TEE-M", Some("duplicate-sku.csv:3".to_string())),
            ("KREM-50", Some("duplicate-sku.csv:4".to_string())),
            ("MUG-1", Some("duplicate-sku.csv:5".to_string())),
            ("TEE-M", Some("duplicate-sku.csv:6".to_string())),
            ("KREM-50 ", Some("duplicate-sku.csv:7".to_string())),
        ]
    );
}

#[test]
fn skip_mode_still_rejects_past_max_skipped() {
    let mut config = price_stock("many-errors.csv");
    config.on_invalid = OnInvalid::Skip;
    config.max_skipped = 2;
    let problems = parse_invalid(config, "many-errors.csv");
    assert_eq!(
        problems[0],
        "many-errors.csv: 3 invalid rows, more than max_skipped (2): the file is rejected"
    );
    assert_eq!(problems.len(), 4);
}

#[test]
fn skip_mode_never_skips_a_missing_column() {
    let mut config = price_stock("missing-column.csv");
    config.on_invalid = OnInvalid::Skip;
    config.max_skipped = 1000;
    let problems = parse_invalid(config, "missing-column.csv");
    assert_eq!(problems.len(), 1);
}

#[test]
fn problems_are_capped_but_all_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    let mut text = String::from("Item,Net price,On hand\n");
    for i in 0..250 {
        text.push_str(&format!("S{i},bad,1\n"));
    }
    std::fs::write(&path, text).unwrap();
    let inbox = Inbox::new("erp", price_stock("big.csv")).unwrap();
    let Parsed::Invalid {
        problems,
        total,
        rows,
    } = inbox.parse_file(&path).unwrap()
    else {
        panic!("rejected expected")
    };
    assert_eq!(total, 250);
    assert_eq!(rows, 250);
    assert_eq!(problems.len(), skusync_csv_drop::MAX_PROBLEMS);
    assert!(matches!(problems[0].kind, ProblemKind::NotANumber { .. }));
    assert_eq!(problems[99].line, Some(101));
}

#[test]
fn config_problems_are_listed_together() {
    let mut config = CsvSourceConfig::new("x", ColumnRef::Index(0))
        .column(FieldName::Name, ColumnRef::Name("Name".into()));
    config.header = skusync_csv_drop::Header::Absent;
    config.decimal_separator = DecimalSeparator::Comma;
    config.thousands_separator = Some(skusync_csv_drop::ThousandsSeparator::Comma);
    let err = Inbox::new("erp", config).unwrap_err().to_string();
    assert_eq!(
        err,
        "invalid csv source configuration: thousands_separator must differ from decimal_separator (both are \",\"); columns.sku: column indexes start at 1, not 0; columns.name: \"Name\" is a header name but header is false; give a 1-based index"
    );
}

#[test]
fn values_mapping_to_a_word_woocommerce_does_not_know_is_a_config_error() {
    let mut config = price_stock("x.csv");
    config.values.insert(
        FieldName::StockStatus,
        std::collections::BTreeMap::from([("Y".to_string(), "in stock".to_string())]),
    );
    config.values.insert(
        FieldName::PriceRegular,
        std::collections::BTreeMap::from([("-".to_string(), "0".to_string())]),
    );
    let err = Inbox::new("erp", config).unwrap_err().to_string();
    assert_eq!(
        err,
        "invalid csv source configuration: values.price.regular: only word fields (stock.status, stock.backorders, status, stock.manage) take a values mapping; values.stock.status.\"Y\": `in stock` is not a valid stock.status (valid: instock, outofstock, onbackorder)"
    );
}
