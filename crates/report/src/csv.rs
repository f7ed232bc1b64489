//! The CSV report: one row per planned change, for spreadsheets and scripts.
//!
//! Columns: `target, sku, field, from, to, base, reason, source, rule,
//! delta`, values spelled as in the plan JSON (money with its scale, unset
//! as an empty cell). Conflicts, unmatched SKUs and the rest live in the
//! JSON plan; this file is the change list only.
//!
//! Spreadsheets run cells that start with `=`, `+`, `-`, `@`, tab or CR as
//! formulas; a text cell (SKU, source, name) starting with one of them is
//! prefixed with `'` so that a hostile product name cannot run in a
//! reviewer's spreadsheet. Numbers (`-3`, `-1.50`) are left as they are.

use crate::ReportError;
use skusync_model::{Plan, Value};

/// The header row.
pub const HEADER: [&str; 10] = [
    "target", "sku", "field", "from", "to", "base", "reason", "source", "rule", "delta",
];

/// Renders the CSV report.
pub fn render(plan: &Plan) -> Result<String, ReportError> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER)?;
    for c in &plan.changes {
        w.write_record([
            text(c.target.as_str()),
            text(c.sku.as_str()),
            c.field.to_string(),
            value(c.from.as_ref()),
            value(c.to.as_ref()),
            value(c.base.as_ref()),
            crate::display::reason_word(c.reason).to_string(),
            c.source
                .as_ref()
                .map(|s| text(s.as_str()))
                .unwrap_or_default(),
            text(&c.rule),
            c.delta.map(|d| d.to_string()).unwrap_or_default(),
        ])?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ReportError::Csv(e.into_error().into()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A value as the plan JSON spells it; empty when unset.
fn value(v: Option<&Value>) -> String {
    match v {
        None => String::new(),
        Some(Value::Text(t)) => text(t),
        Some(other) => other.to_string(),
    }
}

/// Neutralises a text cell a spreadsheet would run as a formula.
fn text(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(text("-SKU"), "'-SKU");
        assert_eq!(text("KREM-50"), "KREM-50");
        assert_eq!(value(Some(&Value::Quantity(-3))), "-3");
        assert_eq!(value(None), "");
    }
}
