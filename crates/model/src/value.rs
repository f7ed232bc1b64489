//! Typed field values.
//!
//! Money is [`rust_decimal::Decimal`] with the scale the system stored
//! (`"20"` stays `20`, `"72.00"` stays `72.00`), quantities are integers and
//! statuses are enums. In JSON a value is written the way the plan contract
//! says: money as a string with its scale, quantities as integers, flags as
//! booleans, words as strings; an unset value is `null` (an `Option::None`).

use crate::field::{FieldKind, FieldName};
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A typed value of one field.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// An amount of money, with the scale it was stored with.
    Money(Decimal),
    /// A stock quantity.
    Quantity(i64),
    /// Free text (product names).
    Text(String),
    /// A flag (`stock.manage`).
    Flag(bool),
    /// A stock status.
    StockStatus(StockStatus),
    /// A backorders setting.
    Backorders(Backorders),
    /// A publication status.
    Status(ProductStatus),
}

/// A value that does not fit its field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// The text is not a decimal number.
    #[error("`{0}` is not a number")]
    NotANumber(String),
    /// The text is not a whole number.
    #[error("`{0}` is not a whole number")]
    NotAnInteger(String),
    /// The word is not one of the field's values.
    #[error("`{value}` is not a valid {field} (valid: {valid})")]
    UnknownWord {
        /// The field being parsed.
        field: FieldName,
        /// The value given.
        value: String,
        /// The accepted values, comma separated.
        valid: &'static str,
    },
    /// A JSON value of the wrong type.
    #[error("{field} cannot hold {found}")]
    WrongType {
        /// The field being parsed.
        field: FieldName,
        /// What was found instead.
        found: String,
    },
}

impl Value {
    /// Parses text as a value of `field` (the way rules, CSV cells and plans
    /// spell values). Money keeps the scale written.
    pub fn parse(field: FieldName, text: &str) -> Result<Value, ValueError> {
        let t = text.trim();
        Ok(match field.kind() {
            FieldKind::Money => Value::Money(
                Decimal::from_str(t).map_err(|_| ValueError::NotANumber(t.to_string()))?,
            ),
            FieldKind::Quantity => Value::Quantity(
                t.parse::<i64>()
                    .map_err(|_| ValueError::NotAnInteger(t.to_string()))?,
            ),
            FieldKind::Text => Value::Text(text.to_string()),
            FieldKind::Flag => match t.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => Value::Flag(true),
                "false" | "no" | "0" => Value::Flag(false),
                _ => {
                    return Err(ValueError::UnknownWord {
                        field,
                        value: t.to_string(),
                        valid: "true, false, yes, no, 1, 0",
                    });
                }
            },
            FieldKind::Enum => match field {
                FieldName::StockStatus => {
                    Value::StockStatus(StockStatus::parse(t).ok_or_else(|| {
                        ValueError::UnknownWord {
                            field,
                            value: t.to_string(),
                            valid: StockStatus::VALID,
                        }
                    })?)
                }
                FieldName::StockBackorders => {
                    Value::Backorders(Backorders::parse(t).ok_or_else(|| {
                        ValueError::UnknownWord {
                            field,
                            value: t.to_string(),
                            valid: Backorders::VALID,
                        }
                    })?)
                }
                _ => Value::Status(ProductStatus::parse(t).ok_or_else(|| {
                    ValueError::UnknownWord {
                        field,
                        value: t.to_string(),
                        valid: ProductStatus::VALID,
                    }
                })?),
            },
        })
    }

    /// Reads a value of `field` from its plan-JSON form (`null` is unset).
    pub fn from_json(
        field: FieldName,
        json: &serde_json::Value,
    ) -> Result<Option<Value>, ValueError> {
        use serde_json::Value as J;
        match (json, field.kind()) {
            (J::Null, _) => Ok(None),
            (J::String(s), FieldKind::Money | FieldKind::Text | FieldKind::Enum) => {
                Value::parse(field, s).map(Some)
            }
            (J::Number(n), FieldKind::Quantity) => n
                .as_i64()
                .map(|q| Some(Value::Quantity(q)))
                .ok_or_else(|| ValueError::NotAnInteger(n.to_string())),
            (J::Bool(b), FieldKind::Flag) => Ok(Some(Value::Flag(*b))),
            (other, _) => Err(ValueError::WrongType {
                field,
                found: other.to_string(),
            }),
        }
    }

    /// The quantity, when this is one.
    pub fn as_quantity(&self) -> Option<i64> {
        match self {
            Value::Quantity(q) => Some(*q),
            _ => None,
        }
    }

    /// The amount, when this is money.
    pub fn as_money(&self) -> Option<Decimal> {
        match self {
            Value::Money(d) => Some(*d),
            _ => None,
        }
    }

    /// True when `self` and `other` mean the same thing: money compares by
    /// amount (`20` equals `20.00`), everything else exactly.
    pub fn same_as(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Money(a), Value::Money(b)) => a == b,
            (a, b) => a == b,
        }
    }
}

/// Compares two optional values with [`Value::same_as`]; two unset values agree.
pub fn same_opt(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.same_as(b),
        (None, None) => true,
        _ => false,
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Money(d) => write!(f, "{d}"),
            Value::Quantity(q) => write!(f, "{q}"),
            Value::Text(t) => f.write_str(t),
            Value::Flag(b) => write!(f, "{b}"),
            Value::StockStatus(s) => f.write_str(s.as_str()),
            Value::Backorders(b) => f.write_str(b.as_str()),
            Value::Status(s) => f.write_str(s.as_str()),
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Money(d) => s.serialize_str(&d.to_string()),
            Value::Quantity(q) => s.serialize_i64(*q),
            Value::Text(t) => s.serialize_str(t),
            Value::Flag(b) => s.serialize_bool(*b),
            Value::StockStatus(v) => s.serialize_str(v.as_str()),
            Value::Backorders(v) => s.serialize_str(v.as_str()),
            Value::Status(v) => s.serialize_str(v.as_str()),
        }
    }
}

macro_rules! word_enum {
    ($(#[$doc:meta])* $name:ident valid $valid:literal { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// The accepted words, comma separated (for error messages).
            pub const VALID: &'static str = $valid;

            /// The word WooCommerce uses.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the word, ignoring ASCII case and surrounding spaces.
            pub fn parse(s: &str) -> Option<Self> {
                let s = s.trim();
                $(if s.eq_ignore_ascii_case($text) { return Some($name::$variant); })+
                None
            }
        }
    };
}

word_enum!(
    /// WooCommerce's `stock_status`.
    StockStatus valid "instock, outofstock, onbackorder" {
        /// `instock`
        InStock => "instock",
        /// `outofstock`
        OutOfStock => "outofstock",
        /// `onbackorder`
        OnBackorder => "onbackorder",
    }
);

word_enum!(
    /// WooCommerce's `backorders`.
    Backorders valid "no, notify, yes" {
        /// `no`
        No => "no",
        /// `notify`
        Notify => "notify",
        /// `yes`
        Yes => "yes",
    }
);

word_enum!(
    /// WooCommerce's post `status`.
    ProductStatus valid "publish, draft, pending, private, future, trash" {
        /// `publish`
        Publish => "publish",
        /// `draft`
        Draft => "draft",
        /// `pending`
        Pending => "pending",
        /// `private`
        Private => "private",
        /// `future`
        Future => "future",
        /// `trash`
        Trash => "trash",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_keeps_scale_in_json() {
        let v = Value::parse(FieldName::PriceRegular, "72.00").unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), "\"72.00\"");
        let w = Value::parse(FieldName::PriceRegular, "72").unwrap();
        assert!(v.same_as(&w));
        assert_eq!(v, w, "money compares by amount");
        assert_ne!(v.to_string(), w.to_string());
    }

    #[test]
    fn json_round_trip_by_field() {
        for (field, json) in [
            (FieldName::PriceSale, serde_json::json!("9.5")),
            (FieldName::StockQuantity, serde_json::json!(-3)),
            (FieldName::StockManage, serde_json::json!(true)),
            (FieldName::StockStatus, serde_json::json!("onbackorder")),
            (FieldName::StockBackorders, serde_json::json!("notify")),
            (FieldName::Status, serde_json::json!("draft")),
            (FieldName::Name, serde_json::json!("Tee — M")),
        ] {
            let v = Value::from_json(field, &json).unwrap().unwrap();
            assert_eq!(serde_json::to_value(&v).unwrap(), json);
        }
        assert_eq!(
            Value::from_json(FieldName::Name, &serde_json::Value::Null),
            Ok(None)
        );
        assert!(Value::from_json(FieldName::StockQuantity, &serde_json::json!("3")).is_err());
    }

    #[test]
    fn bad_words_name_the_valid_ones() {
        let e = Value::parse(FieldName::StockStatus, "available").unwrap_err();
        assert_eq!(
            e.to_string(),
            "`available` is not a valid stock.status (valid: instock, outofstock, onbackorder)"
        );
    }
}
