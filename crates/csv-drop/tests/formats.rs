//! One test per file format variant, each reading its fixture under
//! `fixtures/csv/` and comparing every record field by field.

mod common;

use common::*;
use skusync_csv_drop::{
    ColumnRef, DecimalSeparator, Delimiter, DelimiterSetting, Encoding, Header, ThousandsSeparator,
};
use skusync_model::{FieldName, StockStatus, Value};

fn assert_standard(name: &str, delimiter: DelimiterSetting, expect: Delimiter) {
    let mut config = standard(fixture(name));
    config.delimiter = delimiter;
    let parsed = parse_valid(config, name);
    assert_eq!(parsed.delimiter, expect, "{name}");
    assert_eq!(parsed.rows, 3, "{name}");
    assert_eq!(strip_origin(&parsed.records), standard_records(), "{name}");
    // Money keeps the file's scale.
    let price = parsed.records[0].get(FieldName::PriceRegular);
    assert_eq!(
        price.flatten().map(ToString::to_string).as_deref(),
        Some("72.00")
    );
}

#[test]
fn comma() {
    assert_standard(
        "comma.csv",
        DelimiterSetting::Fixed(Delimiter::Comma),
        Delimiter::Comma,
    );
}

#[test]
fn semicolon() {
    assert_standard(
        "semicolon.csv",
        DelimiterSetting::Fixed(Delimiter::Semicolon),
        Delimiter::Semicolon,
    );
}

#[test]
fn tab() {
    assert_standard(
        "tab.csv",
        DelimiterSetting::Fixed(Delimiter::Tab),
        Delimiter::Tab,
    );
}

#[test]
fn pipe() {
    assert_standard(
        "pipe.csv",
        DelimiterSetting::Fixed(Delimiter::Pipe),
        Delimiter::Pipe,
    );
}

#[test]
fn auto_detect_finds_each_delimiter() {
    assert_standard(
        "auto-detect.csv",
        DelimiterSetting::Auto,
        Delimiter::Semicolon,
    );
    assert_standard("comma.csv", DelimiterSetting::Auto, Delimiter::Comma);
    assert_standard("tab.csv", DelimiterSetting::Auto, Delimiter::Tab);
    assert_standard("pipe.csv", DelimiterSetting::Auto, Delimiter::Pipe);
}

#[test]
fn wrong_fixed_delimiter_is_a_missing_column_not_garbage() {
    let mut config = standard(fixture("semicolon.csv"));
    config.delimiter = DelimiterSetting::Fixed(Delimiter::Comma);
    let problems = parse_invalid(config, "semicolon.csv");
    assert_eq!(
        problems[0],
        "semicolon.csv:1: column \"Item\" (sku) is not in the header; found \"Item;Name;Net price;On hand;Status\"; did you mean \"Item;Name;Net price;On hand;Status\"?"
    );
}

#[test]
fn utf8_bom_is_stripped() {
    assert_standard("bom.csv", DelimiterSetting::Auto, Delimiter::Comma);
}

#[test]
fn utf16_with_bom_as_excel_saves_unicode_text() {
    // Excel's "Unicode text": UTF-16LE with a BOM, tab-separated, CRLF.
    assert_standard("utf16-excel.csv", DelimiterSetting::Auto, Delimiter::Tab);
}

#[test]
fn crlf_line_endings() {
    assert_standard("crlf.csv", DelimiterSetting::Auto, Delimiter::Semicolon);
    let parsed = parse_valid(standard(fixture("crlf.csv")), "crlf.csv");
    assert_eq!(
        parsed.records[2]
            .origin
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("crlf.csv:4")
    );
    // No `\r` leaks into the last cell.
    assert_eq!(
        parsed.records[2].get(FieldName::StockStatus),
        Some(Some(&Value::StockStatus(StockStatus::InStock)))
    );
}

#[test]
fn windows_1252_when_declared() {
    for encoding in [Encoding::Windows1252, Encoding::Latin1] {
        let mut config = standard(fixture("windows-1252.csv"));
        config.encoding = encoding;
        let parsed = parse_valid(config, "windows-1252.csv");
        let names: Vec<_> = parsed
            .records
            .iter()
            .map(|r| r.get(FieldName::Name).flatten().map(ToString::to_string))
            .collect();
        assert_eq!(
            names,
            vec![
                Some("Crème visage 50 ml".to_string()),
                Some("T-shirt Größe M".to_string()),
                Some("Mug « café »".to_string()),
            ]
        );
    }
}

#[test]
fn windows_1252_read_as_utf8_names_the_cell() {
    let problems = parse_invalid(standard(fixture("windows-1252.csv")), "windows-1252.csv");
    assert_eq!(
        problems,
        vec![
            "windows-1252.csv:2:2: the cell in column \"Name\" is not valid UTF-8 (is the file windows-1252? set encoding)",
            "windows-1252.csv:3:2: the cell in column \"Name\" is not valid UTF-8 (is the file windows-1252? set encoding)",
            "windows-1252.csv:4:2: the cell in column \"Name\" is not valid UTF-8 (is the file windows-1252? set encoding)",
        ]
    );
}

#[test]
fn decimal_comma_with_thousands_separator() {
    let mut config = standard(fixture("decimal-comma.csv"));
    config.decimal_separator = DecimalSeparator::Comma;
    config.thousands_separator = Some(ThousandsSeparator::Dot);
    let parsed = parse_valid(config, "decimal-comma.csv");
    let prices: Vec<String> = parsed
        .records
        .iter()
        .map(|r| {
            r.get(FieldName::PriceRegular)
                .flatten()
                .map(ToString::to_string)
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(prices, vec!["1234.50", "19.90", "8.5"]);
    assert_eq!(
        parsed.records[0].get(FieldName::StockQuantity),
        Some(Some(&Value::Quantity(1200)))
    );
}

#[test]
fn decimal_comma_file_read_with_dot_explains_the_separator() {
    let problems = parse_invalid(standard(fixture("decimal-comma.csv")), "decimal-comma.csv");
    assert_eq!(
        problems[0],
        "decimal-comma.csv:2:3: \"1.234,50\" is not a number in column \"Net price\" (price.regular); the decimal separator is \".\" (decimal_separator)"
    );
}

#[test]
fn thousands_grouped_cells_without_thousands_separator_say_to_declare_it() {
    // Separators are as declared: `1.234,50` under a decimal comma alone is
    // rejected, with the line to add to the rules.
    let mut config = standard(fixture("decimal-comma.csv"));
    config.decimal_separator = DecimalSeparator::Comma;
    assert_eq!(
        parse_invalid(config, "decimal-comma.csv"),
        vec![
            "decimal-comma.csv:2:3: \"1.234,50\" is not a number in column \"Net price\" (price.regular); \".\" looks like a thousands separator: declare it with thousands_separator: \".\" (the decimal separator is \",\")",
            "decimal-comma.csv:2:4: \"1.200\" is not a number in column \"On hand\" (stock.quantity); \".\" looks like a thousands separator: declare it with thousands_separator: \".\" (the decimal separator is \",\")",
        ]
    );
}

#[test]
fn quoted_cells_with_delimiters_quotes_and_newlines() {
    let parsed = parse_valid(standard(fixture("quoted.csv")), "quoted.csv");
    let mut expected = standard_records();
    expected[0].fields.insert(
        FieldName::Name,
        Some(Value::Text("Face cream, 50 ml".into())),
    );
    expected[1].fields.insert(
        FieldName::Name,
        Some(Value::Text("T-shirt \"M\"\nsecond line".into())),
    );
    assert_eq!(strip_origin(&parsed.records), expected);
    // A record's line is where it starts; the row after a two-line cell is line 5.
    let origins: Vec<_> = parsed
        .records
        .iter()
        .map(|r| {
            r.origin
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(
        origins,
        vec!["quoted.csv:2", "quoted.csv:3", "quoted.csv:5"]
    );
}

#[test]
fn no_header_columns_by_index() {
    let mut config = standard(fixture("header-index.csv"));
    config.header = Header::Absent;
    config.sku = ColumnRef::Index(1);
    for (field, index) in [
        (FieldName::Name, 2),
        (FieldName::PriceRegular, 3),
        (FieldName::StockQuantity, 4),
        (FieldName::StockStatus, 5),
    ] {
        config.columns.insert(field, ColumnRef::Index(index));
    }
    let parsed = parse_valid(config, "header-index.csv");
    assert_eq!(parsed.rows, 3);
    assert_eq!(strip_origin(&parsed.records), standard_records());
    assert_eq!(
        parsed.records[0]
            .origin
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("header-index.csv:1")
    );
}

#[test]
fn extra_columns_ignored_and_headers_trimmed_case_folded() {
    let parsed = parse_valid(standard(fixture("extra-columns.csv")), "extra-columns.csv");
    assert_eq!(strip_origin(&parsed.records), standard_records());
}

#[test]
fn header_name_mixed_with_index() {
    let mut config = standard(fixture("extra-columns.csv"));
    config
        .columns
        .insert(FieldName::StockQuantity, ColumnRef::Index(6));
    let parsed = parse_valid(config, "extra-columns.csv");
    assert_eq!(strip_origin(&parsed.records), standard_records());
}

#[test]
fn empty_cells_are_missing_never_zero() {
    let parsed = parse_valid(standard(fixture("empty-cells.csv")), "empty-cells.csv");
    // The all-empty last row is blank, not data.
    assert_eq!(parsed.rows, 3);
    assert_eq!(
        strip_origin(&parsed.records),
        vec![
            rec(
                "KREM-50",
                Some("Face cream 50 ml"),
                None,
                Some(14),
                Some(StockStatus::InStock)
            ),
            rec(
                "TEE-M",
                None,
                Some("19.90"),
                None,
                Some(StockStatus::OutOfStock)
            ),
            rec("MUG-1", Some("Mug"), Some("8.5"), Some(120), None),
        ]
    );
    assert_eq!(
        parsed.records[1].get(FieldName::StockQuantity),
        None,
        "absent, not Some(None)"
    );
}

#[test]
fn records_carry_file_and_line() {
    let parsed = parse_valid(standard(fixture("comma.csv")), "comma.csv");
    for (i, r) in parsed.records.iter().enumerate() {
        assert_eq!(
            r.origin.as_ref().map(ToString::to_string),
            Some(format!("comma.csv:{}", i + 2))
        );
        assert_eq!(r.remote, None);
        assert_eq!(r.kind, skusync_model::RecordKind::Simple);
    }
}

#[test]
fn trailing_delimiters_add_no_ragged_rows() {
    let mut config = skusync_csv_drop::CsvSourceConfig::new(
        fixture("trailing-delimiter.csv"),
        ColumnRef::Name("Item".into()),
    )
    .column(FieldName::PriceRegular, ColumnRef::Name("Net price".into()))
    .column(FieldName::StockQuantity, ColumnRef::Name("On hand".into()));
    config.decimal_separator = DecimalSeparator::Comma;
    let parsed = parse_valid(config, "trailing-delimiter.csv");
    assert_eq!(
        strip_origin(&parsed.records),
        vec![
            rec("KREM-50", None, Some("72.00"), Some(14), None),
            rec("TEE-M", None, Some("19.90"), Some(0), None),
            rec("MUG-1", None, Some("8.5"), Some(120), None),
        ]
    );
}

#[test]
fn excel_sep_line_names_the_delimiter_and_is_not_the_header() {
    let mut config = skusync_csv_drop::CsvSourceConfig::new(
        fixture("excel-sep.csv"),
        ColumnRef::Name("Item".into()),
    )
    .column(FieldName::PriceRegular, ColumnRef::Name("Net price".into()))
    .column(FieldName::StockQuantity, ColumnRef::Name("On hand".into()));
    config.decimal_separator = DecimalSeparator::Comma;
    // Line numbers still count the `sep=` line.
    assert_eq!(
        parse_invalid(config, "excel-sep.csv"),
        vec!["excel-sep.csv:4:3: \"x\" is not a number in column \"On hand\" (stock.quantity)"]
    );
}
