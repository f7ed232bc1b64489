//! How single values read in a report, shared by every human format.
//!
//! Values come from stores and files and are untrusted: [`clean`] turns
//! control characters (an ANSI escape in a product name, a newline in a SKU)
//! into visible escapes, so a value can never move the cursor, recolour the
//! terminal or break a table row. Text values are quoted so that leading and
//! trailing spaces stay visible.

use skusync_model::{FieldName, Reason, Value};
use std::fmt::Write as _;

/// What an unset value (`null` in the plan JSON) reads as.
pub const UNSET: &str = "(unset)";

/// Replaces control characters with visible escapes (`\n`, `\t`,
/// `\u{1b}`); everything else, unicode included, is kept as is.
pub fn clean(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// A value as a report shows it: money with its scale (`72.00`), quantities
/// and flags as written, words as WooCommerce spells them, text quoted
/// (`"Tee — M"`), unset as `(unset)`.
pub fn value(v: Option<&Value>) -> String {
    match v {
        None => UNSET.to_string(),
        Some(Value::Text(t)) => quote(t),
        Some(other) => other.to_string(),
    }
}

/// Quotes text, escaping quotes, backslashes and control characters.
pub fn quote(t: &str) -> String {
    let mut out = String::with_capacity(t.len() + 2);
    out.push('"');
    for c in t.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&clean(c.encode_utf8(&mut [0; 4]))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A plan-JSON value of `field` (conflicts, flagged drift) shown like a
/// typed value; JSON that does not fit the field is shown as raw JSON.
pub fn json_value(field: FieldName, j: &serde_json::Value) -> String {
    match Value::from_json(field, j) {
        Ok(v) => value(v.as_ref()),
        Err(_) => clean(&j.to_string()),
    }
}

/// The contract's word for a reason (`truth`, `drift`, `merge`, `newest`).
pub fn reason_word(r: Reason) -> &'static str {
    match r {
        Reason::Truth => "truth",
        Reason::Drift => "drift",
        Reason::Merge => "merge",
        Reason::Newest => "newest",
    }
}

/// A signed delta as `+3` / `-3` / `0`.
pub fn signed(d: i64) -> String {
    if d > 0 {
        format!("+{d}")
    } else {
        d.to_string()
    }
}

/// `n thing` / `n things`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(clean("A\u{1b}[31mB\nC"), "A\\u{1b}[31mB\\nC");
        assert_eq!(clean("Crème brûlée — 50 ml"), "Crème brûlée — 50 ml");
        assert_eq!(quote("say \"hi\"\t"), "\"say \\\"hi\\\"\\t\"");
    }

    #[test]
    fn values_read_as_the_plan_writes_them() {
        let money = Value::Money(rust_decimal::Decimal::from_str("72.00").unwrap());
        assert_eq!(value(Some(&money)), "72.00");
        assert_eq!(value(Some(&Value::Quantity(-3))), "-3");
        assert_eq!(value(Some(&Value::Text(" Tee ".into()))), "\" Tee \"");
        assert_eq!(value(None), "(unset)");
        assert_eq!(
            json_value(FieldName::PriceRegular, &serde_json::json!("9.50")),
            "9.50"
        );
        assert_eq!(
            json_value(FieldName::StockQuantity, &serde_json::json!("x")),
            "\"x\""
        );
        assert_eq!(json_value(FieldName::Name, &serde_json::Value::Null), UNSET);
        assert_eq!(signed(3), "+3");
        assert_eq!(signed(-3), "-3");
        assert_eq!(signed(0), "0");
    }
}
