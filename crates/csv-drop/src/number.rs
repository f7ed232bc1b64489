//! Numbers as ERPs write them: decimal comma, thousands separators.
//!
//! A cell is normalised to `[-]DIGITS[.DIGITS]` before it becomes a
//! `Decimal` (money keeps the scale written: `1.234,50` is `1234.50`) or an
//! `i64` (stock). The grammar is strict: thousands separators only between
//! groups of three digits of the integer part, at most one decimal
//! separator, no exponent, no currency sign. Nothing here uses floats.

use crate::config::{DecimalSeparator, ThousandsSeparator};
use rust_decimal::Decimal;
use std::str::FromStr;

/// Why a cell is not the number its field needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NumberError {
    /// Not a number at all; maybe with a hint about separators.
    NotANumber(Option<String>),
    /// A number with a non-zero fraction where a whole number is needed.
    NotWhole,
}

/// How the numbers of one source are written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NumberFormat {
    pub(crate) decimal: DecimalSeparator,
    pub(crate) thousands: Option<ThousandsSeparator>,
}

impl NumberFormat {
    /// Writes the canonical form of `s` (already trimmed, not empty) into
    /// `out`: optional `-`, integer digits, optional `.` and fraction digits.
    /// Returns the position of the `.` in `out`, if any.
    fn normalise(&self, s: &str, out: &mut String) -> Result<Option<usize>, NumberError> {
        out.clear();
        let decimal = self.decimal.char();
        let mut chars = s.chars().peekable();
        match chars.peek() {
            Some('-') => {
                out.push('-');
                chars.next();
            }
            Some('+') => {
                chars.next();
            }
            _ => {}
        }
        let mut digits = 0usize;
        // Grouping state of the integer part: length of the current group and
        // whether a thousands separator was seen.
        let mut group = 0usize;
        let mut grouped = false;
        let mut point = None;
        let mut fraction_digits = 0usize;
        for c in chars {
            if c.is_ascii_digit() {
                out.push(c);
                digits += 1;
                if point.is_some() {
                    fraction_digits += 1;
                } else {
                    group += 1;
                }
            } else if c == decimal && point.is_none() {
                if grouped && group != 3 {
                    return Err(self.not_a_number(s));
                }
                point = Some(out.len());
                out.push('.');
            } else if point.is_none() && self.thousands.is_some_and(|t| t.matches(c)) {
                // First group 1-3 digits, later groups exactly 3.
                if group == 0 || group > 3 || (grouped && group != 3) {
                    return Err(self.not_a_number(s));
                }
                grouped = true;
                group = 0;
            } else {
                return Err(self.not_a_number(s));
            }
        }
        if digits == 0 || (grouped && point.is_none() && group != 3) {
            return Err(self.not_a_number(s));
        }
        if point.is_some() && fraction_digits == 0 {
            return Err(self.not_a_number(s));
        }
        Ok(point)
    }

    /// A "not a number" error, with a hint when the cell uses the other
    /// decimal separator: to declare it as the thousands separator when the
    /// cell reads as thousands-grouped with it (`1.234,56`, `1.234.567`
    /// under a decimal comma), else that the decimal separator is another.
    fn not_a_number(&self, s: &str) -> NumberError {
        let decimal = self.decimal.char();
        let other = match self.decimal {
            DecimalSeparator::Dot => ',',
            DecimalSeparator::Comma => '.',
        };
        let other_is_thousands = self.thousands.is_some_and(|t| t.matches(other));
        let hint = (s.contains(other) && !other_is_thousands).then(|| {
            if grouped_by(s, other, decimal) {
                format!(
                    "\"{other}\" looks like a thousands separator: declare it with \
                     thousands_separator: \"{other}\" (the decimal separator is \"{decimal}\")"
                )
            } else {
                format!("the decimal separator is \"{decimal}\" (decimal_separator)")
            }
        });
        NumberError::NotANumber(hint)
    }

    /// Parses money, keeping the scale written.
    pub(crate) fn money(&self, s: &str, buf: &mut String) -> Result<Decimal, NumberError> {
        self.normalise(s, buf)?;
        Decimal::from_str(buf).map_err(|_| NumberError::NotANumber(None))
    }

    /// Parses a whole quantity; a fraction of zeros (`12,000` with a decimal
    /// comma, `12.00`) is accepted, any other fraction is [`NumberError::NotWhole`].
    pub(crate) fn quantity(&self, s: &str, buf: &mut String) -> Result<i64, NumberError> {
        let point = self.normalise(s, buf)?;
        let whole = match point {
            Some(p) => {
                if buf[p + 1..].bytes().any(|b| b != b'0') {
                    return Err(NumberError::NotWhole);
                }
                &buf[..p]
            }
            None => &buf[..],
        };
        match whole {
            "" | "-" => Ok(0),
            w => w
                .parse::<i64>()
                .map_err(|_| NumberError::NotANumber(Some("the number is too large".into()))),
        }
    }
}

/// True when `s` reads as a number whose integer part is grouped in
/// thousands by `thousands` (1-3 digits, then one or more `thousands` + 3
/// digits), with an optional sign and an optional `decimal` fraction.
fn grouped_by(s: &str, thousands: char, decimal: char) -> bool {
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, fraction) = match unsigned.split_once(decimal) {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    if fraction.is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    let mut groups = int.split(thousands);
    let first_ok = groups
        .next()
        .is_some_and(|g| (1..=3).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_digit()));
    let mut rest = 0usize;
    for g in groups {
        if g.len() != 3 || !g.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        rest += 1;
    }
    first_ok && rest > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(decimal: DecimalSeparator, thousands: Option<ThousandsSeparator>) -> NumberFormat {
        NumberFormat { decimal, thousands }
    }

    #[test]
    fn decimal_comma_with_thousands_dot() {
        let f = fmt(DecimalSeparator::Comma, Some(ThousandsSeparator::Dot));
        let mut b = String::new();
        assert_eq!(f.money("1.234,56", &mut b).unwrap().to_string(), "1234.56");
        assert_eq!(
            f.money("1.234.567,50", &mut b).unwrap().to_string(),
            "1234567.50"
        );
        assert_eq!(f.money("-0,5", &mut b).unwrap().to_string(), "-0.5");
        assert_eq!(f.money("12", &mut b).unwrap().to_string(), "12");
        assert_eq!(f.quantity("1.234", &mut b), Ok(1234));
        assert_eq!(f.quantity("12,000", &mut b), Ok(12));
        assert_eq!(f.quantity("12,5", &mut b), Err(NumberError::NotWhole));
        for bad in [
            "1.23,4", "12.34", "1..234", ".234", "1.2345", "12,", "abc", "1,2,3", "-", "1e5",
        ] {
            assert!(
                matches!(f.money(bad, &mut b), Err(NumberError::NotANumber(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn dot_decimal_hints_at_comma() {
        let f = fmt(DecimalSeparator::Dot, None);
        let mut b = String::new();
        assert_eq!(f.money("72.00", &mut b).unwrap().to_string(), "72.00");
        assert_eq!(
            f.money("72,00", &mut b),
            Err(NumberError::NotANumber(Some(
                "the decimal separator is \".\" (decimal_separator)".into()
            )))
        );
        assert_eq!(f.money("+3", &mut b).unwrap().to_string(), "3");
        let grouped = Err(NumberError::NotANumber(Some(
            "\",\" looks like a thousands separator: declare it with thousands_separator: \",\" \
             (the decimal separator is \".\")"
                .into(),
        )));
        assert_eq!(f.money("1,234.56", &mut b), grouped);
        assert_eq!(f.quantity("-1,234,567", &mut b).err(), grouped.err());
    }

    #[test]
    fn a_thousands_grouped_cell_without_thousands_separator_says_to_declare_it() {
        let f = fmt(DecimalSeparator::Comma, None);
        let mut b = String::new();
        let grouped = Err(NumberError::NotANumber(Some(
            "\".\" looks like a thousands separator: declare it with thousands_separator: \".\" \
             (the decimal separator is \",\")"
                .into(),
        )));
        for cell in [
            "1.234,56",
            "1.234.567",
            "-12.345,5",
            "1.234",
            "999.000.000,00",
        ] {
            assert_eq!(f.money(cell, &mut b), grouped, "{cell}");
        }
        let decimal = Err(NumberError::NotANumber(Some(
            "the decimal separator is \",\" (decimal_separator)".into(),
        )));
        for cell in [
            "12.34", "1.2345", "1234.567", "1.234,", "1.23.456", ".234", "1.234,5x",
        ] {
            assert_eq!(f.money(cell, &mut b), decimal, "{cell}");
        }
        // A different thousands separator declared: the hint names the one the cell uses.
        let f = fmt(DecimalSeparator::Comma, Some(ThousandsSeparator::Space));
        assert_eq!(f.money("1.234,56", &mut b), grouped);
    }

    #[test]
    fn space_and_apostrophe_thousands() {
        let mut b = String::new();
        let f = fmt(DecimalSeparator::Comma, Some(ThousandsSeparator::Space));
        assert_eq!(f.money("1 234,5", &mut b).unwrap().to_string(), "1234.5");
        assert_eq!(
            f.money("1\u{a0}234,5", &mut b).unwrap().to_string(),
            "1234.5"
        );
        let f = fmt(DecimalSeparator::Dot, Some(ThousandsSeparator::Apostrophe));
        assert_eq!(f.quantity("1'000'000", &mut b), Ok(1_000_000));
        assert!(f.quantity("10'00", &mut b).is_err());
    }

    /// Writes `mantissa × 10^-scale` the way an ERP would: grouped
    /// thousands, the given separators.
    fn erp_format(mantissa: i64, scale: u32, decimal: char, thousands: Option<char>) -> String {
        let d = Decimal::new(mantissa, scale);
        let text = d.abs().to_string();
        let (int, frac) = text
            .split_once('.')
            .map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
        let mut grouped = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0
                && (int.len() - i) % 3 == 0
                && let Some(t) = thousands
            {
                grouped.push(t);
            }
            grouped.push(c);
        }
        let sign = if d.is_sign_negative() && !d.is_zero() {
            "-"
        } else {
            ""
        };
        match frac {
            Some(f) => format!("{sign}{grouped}{decimal}{f}"),
            None => format!("{sign}{grouped}"),
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_cell(cell in "\\PC{0,24}") {
            let mut b = String::new();
            for f in [
                fmt(DecimalSeparator::Comma, Some(ThousandsSeparator::Dot)),
                fmt(DecimalSeparator::Dot, Some(ThousandsSeparator::Space)),
                fmt(DecimalSeparator::Dot, None),
            ] {
                let _ = f.money(&cell, &mut b);
                let _ = f.quantity(&cell, &mut b);
            }
        }

        #[test]
        fn erp_formatted_money_reads_back_exactly(
            mantissa in -10_000_000_000i64..10_000_000_000,
            scale in 0u32..5,
            style in 0usize..4,
        ) {
            let (decimal, thousands, sep) = [
                (DecimalSeparator::Comma, Some(ThousandsSeparator::Dot), Some('.')),
                (DecimalSeparator::Dot, Some(ThousandsSeparator::Comma), Some(',')),
                (DecimalSeparator::Comma, Some(ThousandsSeparator::Space), Some('\u{a0}')),
                (DecimalSeparator::Dot, None, None),
            ][style];
            let text = erp_format(mantissa, scale, decimal.char(), sep);
            let mut b = String::new();
            let read = fmt(decimal, thousands).money(&text, &mut b).unwrap();
            let want = Decimal::new(mantissa, scale);
            proptest::prop_assert_eq!(read, want);
            proptest::prop_assert_eq!(read.scale(), want.scale(), "{}", text);
        }
    }
}
