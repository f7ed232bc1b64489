//! Guards: limits evaluated on a plan before anything is written.
//!
//! - `max_changes`: counts changes either way. An absolute limit compares
//!   the count; a percentage compares changes ÷ matched SKUs × 100 (so
//!   `"20%"` with 1,000 matched SKUs allows 200 changes), and `value`
//!   shows that percentage (it can exceed 100%: one SKU may have several
//!   changes).
//! - `max_price_change`: the largest relative move `|to − from| / |from|`
//!   among money changes; a change from an unset or zero price cannot be
//!   measured as a share and is left out.
//!
//! A guard trips when the measured value is strictly above its limit.
//! Measured values are shown rounded to one decimal (trailing zeros
//! dropped: `100%`, `4.3%`); the comparison uses
//! the exact value.

use rust_decimal::{Decimal, RoundingStrategy};
use skusync_model::{Change, FieldKind, GuardResult, Guards, Limit, Value};

fn percent(d: Decimal) -> String {
    format!(
        "{}%",
        d.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)
            .normalize()
    )
}

/// Evaluates the configured guards, in the order `max_changes`, `max_price_change`.
pub(crate) fn evaluate(guards: &Guards, matched: u64, changes: &[Change]) -> Vec<GuardResult> {
    let mut out = Vec::new();
    if let Some(limit) = guards.max_changes {
        let (value, tripped) = match limit {
            Limit::Percent(p) => {
                let count = Decimal::from(changes.len() as u64);
                // No matched SKU means no change either: 0%.
                let share = if matched == 0 {
                    Decimal::ZERO
                } else {
                    count * Decimal::ONE_HUNDRED / Decimal::from(matched)
                };
                (percent(share), share > p)
            }
            Limit::Absolute(n) => {
                let count = changes.len() as u64;
                (count.to_string(), count > n)
            }
        };
        out.push(GuardResult {
            name: "max_changes".into(),
            limit: limit.to_string(),
            value,
            tripped,
        });
    }
    if let Some(limit) = guards.max_price_change {
        let largest = changes
            .iter()
            .filter(|c| c.field.kind() == FieldKind::Money)
            .filter_map(|c| match (&c.from, &c.to) {
                (Some(Value::Money(f)), Some(Value::Money(t))) if !f.is_zero() => t
                    .checked_sub(*f)?
                    .abs()
                    .checked_mul(Decimal::ONE_HUNDRED)?
                    .checked_div(f.abs()),
                _ => None,
            })
            .max()
            .unwrap_or(Decimal::ZERO);
        out.push(GuardResult {
            name: "max_price_change".into(),
            limit: format!("{limit}%"),
            value: percent(largest),
            tripped: largest > limit,
        });
    }
    out
}
