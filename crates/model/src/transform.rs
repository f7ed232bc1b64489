//! Per-target value transforms, computed in `Decimal`, never in floats.
//!
//! A [`Transform`] converts the value the engine wants a target to hold
//! (the truth's value, or the merged pool) into what is written to that
//! target. Its steps run in a fixed order, whatever order the rules file
//! lists them in:
//!
//! 1. tax: `tax: {rate: "0.19", to: inclusive}` multiplies by `1 + rate`,
//!    `to: exclusive` divides by it;
//! 2. `multiply`;
//! 3. `add`;
//! 4. `round` to a step (`"0.01"`, `"0.05"`, `"1"`) with a rounding mode;
//! 5. `buffer` (stock only): subtract a safety stock;
//! 6. `clamp_zero` (stock only): never write a negative quantity.
//!
//! Money keeps the scale of its round step, or the input's scale when there
//! is no rounding (after a multiply, at least the input's scale is kept and
//! extra digits are rounded half-up to the input scale + 2, so a plan never
//! carries 28 digits). Quantities stay integers: a multiply on stock rounds
//! with the declared mode (default: toward zero, never selling stock we lack).

use crate::value::Value;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// How a value is rounded to its step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// Half away from zero (`2.345 → 2.35`): the shop-keeper's rounding.
    #[default]
    HalfUp,
    /// Half to even (banker's rounding).
    HalfEven,
    /// Always up (toward +∞).
    Up,
    /// Always down (toward −∞).
    Down,
}

/// Rounding to a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rounding {
    /// The step, e.g. `0.01`, `0.05`, `1`. Always positive.
    pub step: Decimal,
    /// The mode.
    pub mode: RoundingMode,
}

/// A tax conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tax {
    /// The source is net; the target shows gross: multiply by `1 + rate`.
    AddRate(Decimal),
    /// The source is gross; the target shows net: divide by `1 + rate`.
    RemoveRate(Decimal),
}

/// A target's transform. The default is the identity.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Transform {
    /// Tax conversion, first.
    pub tax: Option<Tax>,
    /// Multiplier.
    pub multiply: Option<Decimal>,
    /// Addend (money or whole quantities).
    pub add: Option<Decimal>,
    /// Rounding.
    pub round: Option<Rounding>,
    /// Safety stock subtracted from quantities.
    pub buffer: Option<i64>,
    /// Never write a negative quantity.
    pub clamp_zero: bool,
}

/// A transform that cannot apply to a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransformError {
    /// The arithmetic overflowed `Decimal` or `i64`.
    #[error("the transform overflows on {0}")]
    Overflow(String),
    /// The transform has steps that do not fit this kind of value.
    #[error("a {step} transform cannot apply to `{value}`")]
    DoesNotFit {
        /// The step.
        step: &'static str,
        /// The value.
        value: String,
    },
}

impl Transform {
    /// True when this transform changes nothing.
    pub fn is_identity(&self) -> bool {
        *self == Transform::default()
    }

    /// True when the transform only has steps that make sense for stock.
    pub fn fits_quantity(&self) -> bool {
        self.tax.is_none()
    }

    /// True when the transform only has steps that make sense for money.
    pub fn fits_money(&self) -> bool {
        self.buffer.is_none() && !self.clamp_zero
    }

    /// Applies the transform to `value`. Non-numeric values pass through
    /// the identity only.
    pub fn apply(&self, value: &Value) -> Result<Value, TransformError> {
        if self.is_identity() {
            return Ok(value.clone());
        }
        match value {
            Value::Money(d) => self.apply_money(*d).map(Value::Money),
            Value::Quantity(q) => self.apply_quantity(*q).map(Value::Quantity),
            other => Err(TransformError::DoesNotFit {
                step: "numeric",
                value: other.to_string(),
            }),
        }
    }

    fn arith(&self, input: Decimal) -> Result<Decimal, TransformError> {
        let overflow = || TransformError::Overflow(input.to_string());
        let mut d = input;
        if let Some(tax) = self.tax {
            d = match tax {
                Tax::AddRate(r) => d.checked_mul(Decimal::ONE + r).ok_or_else(overflow)?,
                Tax::RemoveRate(r) => d.checked_div(Decimal::ONE + r).ok_or_else(overflow)?,
            };
        }
        if let Some(m) = self.multiply {
            d = d.checked_mul(m).ok_or_else(overflow)?;
        }
        if let Some(a) = self.add {
            d = d.checked_add(a).ok_or_else(overflow)?;
        }
        Ok(d)
    }

    fn apply_money(&self, input: Decimal) -> Result<Decimal, TransformError> {
        if !self.fits_money() {
            return Err(TransformError::DoesNotFit {
                step: "stock buffer/clamp",
                value: input.to_string(),
            });
        }
        let d = self.arith(input)?;
        Ok(match self.round {
            Some(r) => round_to_step(d, r)?,
            None => {
                let d = d
                    .round_dp_with_strategy(
                        input.scale() + 2,
                        RoundingStrategy::MidpointAwayFromZero,
                    )
                    .normalize();
                let mut d = d;
                if d.scale() < input.scale() {
                    d.rescale(input.scale());
                }
                d
            }
        })
    }

    fn apply_quantity(&self, q: i64) -> Result<i64, TransformError> {
        let d = self.arith(Decimal::from(q))?;
        let d = match self.round {
            Some(r) => round_to_step(d, r)?,
            None => d.round_dp_with_strategy(0, RoundingStrategy::ToZero),
        };
        let mut q = d
            .round_dp_with_strategy(0, RoundingStrategy::ToZero)
            .to_i64()
            .ok_or_else(|| TransformError::Overflow(d.to_string()))?;
        if let Some(b) = self.buffer {
            q = q
                .checked_sub(b)
                .ok_or_else(|| TransformError::Overflow(q.to_string()))?;
        }
        if self.clamp_zero && q < 0 {
            q = 0;
        }
        Ok(q)
    }
}

/// Rounds `d` to a multiple of `r.step` with `r.mode`; the result has the
/// step's scale (`round: "0.01"` writes `"72.00"`).
pub fn round_to_step(d: Decimal, r: Rounding) -> Result<Decimal, TransformError> {
    let overflow = || TransformError::Overflow(d.to_string());
    let units = d.checked_div(r.step).ok_or_else(overflow)?;
    let strategy = match r.mode {
        RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
        RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
        RoundingMode::Up => RoundingStrategy::ToPositiveInfinity,
        RoundingMode::Down => RoundingStrategy::ToNegativeInfinity,
    };
    let units = units.round_dp_with_strategy(0, strategy);
    let mut out = units.checked_mul(r.step).ok_or_else(overflow)?;
    out.rescale(r.step.scale());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn multiply_and_round_to_cents() {
        let t = Transform {
            multiply: Some(dec("0.90")),
            round: Some(Rounding {
                step: dec("0.01"),
                mode: RoundingMode::HalfUp,
            }),
            ..Transform::default()
        };
        assert_eq!(
            t.apply(&Value::Money(dec("72.00"))).unwrap(),
            Value::Money(dec("64.80"))
        );
        assert_eq!(
            t.apply(&Value::Money(dec("19.99"))).unwrap().to_string(),
            "17.99"
        );
    }

    #[test]
    fn round_to_five_cents_modes() {
        let step = dec("0.05");
        let r = |m| {
            round_to_step(dec("1.125"), Rounding { step, mode: m })
                .unwrap()
                .to_string()
        };
        assert_eq!(r(RoundingMode::HalfUp), "1.15");
        assert_eq!(r(RoundingMode::HalfEven), "1.10");
        assert_eq!(r(RoundingMode::Up), "1.15");
        assert_eq!(r(RoundingMode::Down), "1.10");
    }

    #[test]
    fn tax_round_trip() {
        let gross = Transform {
            tax: Some(Tax::AddRate(dec("0.19"))),
            round: Some(Rounding {
                step: dec("0.01"),
                mode: RoundingMode::HalfUp,
            }),
            ..Transform::default()
        };
        assert_eq!(
            gross.apply(&Value::Money(dec("100"))).unwrap().to_string(),
            "119.00"
        );
        let net = Transform {
            tax: Some(Tax::RemoveRate(dec("0.19"))),
            round: Some(Rounding {
                step: dec("0.01"),
                mode: RoundingMode::HalfUp,
            }),
            ..Transform::default()
        };
        assert_eq!(
            net.apply(&Value::Money(dec("119.00"))).unwrap().to_string(),
            "100.00"
        );
    }

    #[test]
    fn stock_buffer_and_clamp() {
        let t = Transform {
            buffer: Some(2),
            clamp_zero: true,
            ..Transform::default()
        };
        assert_eq!(t.apply(&Value::Quantity(5)).unwrap(), Value::Quantity(3));
        assert_eq!(t.apply(&Value::Quantity(1)).unwrap(), Value::Quantity(0));
        let half = Transform {
            multiply: Some(dec("0.5")),
            ..Transform::default()
        };
        assert_eq!(half.apply(&Value::Quantity(5)).unwrap(), Value::Quantity(2));
    }

    #[test]
    fn identity_keeps_scale_and_multiply_keeps_input_scale() {
        assert_eq!(
            Transform::default()
                .apply(&Value::Money(dec("20")))
                .unwrap()
                .to_string(),
            "20"
        );
        let t = Transform {
            multiply: Some(dec("2")),
            ..Transform::default()
        };
        assert_eq!(
            t.apply(&Value::Money(dec("10.50"))).unwrap().to_string(),
            "21.00"
        );
        let t = Transform {
            multiply: Some(dec("1.5")),
            ..Transform::default()
        };
        assert_eq!(
            t.apply(&Value::Money(dec("0.333"))).unwrap().to_string(),
            "0.4995"
        );
    }
}
