//! Generated tests: whatever a store or a file puts in a SKU, a source name
//! or a product name, every format renders without panicking, the terminal
//! never receives a control character, and a Markdown table row keeps its
//! cells.

use proptest::prelude::*;
use serde_json::json;
use skusync_model::Plan;
use skusync_report::{ColorMode, Format, RenderOptions, render};

fn plan_with(sku: &str, source: &str, old: &str, new: &str) -> Plan {
    serde_json::from_value(json!({
        "plan_version": 1,
        "generated_at": "2026-11-24T10:00:00Z",
        "inputs_digest": "sha256:0",
        "summary": {"matched": 1, "changes": 2, "conflicts": 1, "unmatched": 1, "drift": 1},
        "changes": [
            {"target": source, "sku": sku, "field": "name", "from": old, "to": new,
             "base": old, "reason": "drift", "source": "erp", "rule": "fields.name"},
            {"target": source, "sku": sku, "field": "stock.quantity", "from": 3, "to": 1,
             "base": 3, "reason": "merge", "source": null, "rule": "fields.stock.quantity",
             "delta": -2}
        ],
        "conflicts": [{"sku": sku, "field": "name", "values": {source: old, "erp": new},
                       "reason": "both changed"}],
        "unmatched": [{"source": source, "sku": sku}],
        "identity": [{"source": source, "sku": sku, "problem": "duplicate", "ids": [1, 2],
                      "origins": [old]}],
        "guards": [{"name": "max_changes", "limit": "20%", "value": new, "tripped": true}],
        "flagged_drift": [{"target": source, "sku": sku, "field": "name", "value": old,
                           "base": new, "desired": old, "rule": "fields.name"}]
    }))
    .expect("generated plan is valid")
}

/// Text with the characters that break reports: markup, pipes, quotes,
/// backslashes, control characters, combining marks, wide characters.
fn nasty() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("|".to_string()),
            Just("\\".to_string()),
            Just("<script>".to_string()),
            Just("&amp;".to_string()),
            Just("*_`~[]".to_string()),
            Just("\u{1b}[31m".to_string()),
            Just("\n".to_string()),
            Just("\r\t".to_string()),
            Just("e\u{301}".to_string()),
            Just("日本".to_string()),
            Just("🍮".to_string()),
            Just(" ".to_string()),
            Just("=".to_string()),
            "[a-zA-Z0-9 ]{0,6}",
            any::<char>().prop_map(String::from),
        ],
        0..8,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_value_renders_safely(
        sku in nasty(),
        source in nasty(),
        old in nasty(),
        new in nasty(),
        width in prop::option::of(0u16..200),
        colour in any::<bool>(),
    ) {
        let plan = plan_with(&sku, &source, &old, &new);
        let options = RenderOptions {
            color: if colour { ColorMode::Ansi } else { ColorMode::Plain },
            max_list: Some(1),
            width,
        };
        for format in Format::ALL {
            let out = render(&plan, format, &options);
            prop_assert!(out.is_ok(), "{format}: {out:?}");
        }

        let plain = RenderOptions { color: ColorMode::Plain, ..options.clone() };
        let text = render(&plan, Format::Text, &plain).unwrap_or_default();
        prop_assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "control character reached the terminal: {text:?}"
        );

        let md = render(&plan, Format::Markdown, &plain).unwrap_or_default();
        let mut columns: Option<usize> = None;
        for line in md.lines() {
            if !line.starts_with("| ") {
                columns = None;
                continue;
            }
            let cells = line.matches('|').count() - line.matches("\\|").count();
            match columns {
                None => columns = Some(cells),
                Some(h) => prop_assert_eq!(cells, h, "a value split a cell: {}", line),
            }
        }
        let html = render(&plan, Format::Html, &plain).unwrap_or_default();
        prop_assert!(!html.contains("<script>"), "markup from a value reached the page");
    }
}
