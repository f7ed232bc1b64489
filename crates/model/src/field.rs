//! Field names: the closed set of product fields skusync can reconcile.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A reconcilable field, written in rules and plans as `price.regular` etc.
///
/// The order of the variants is the order changes are listed in a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FieldName {
    /// `price.regular`: the regular price (money).
    PriceRegular,
    /// `price.sale`: the sale price (money, may be unset).
    PriceSale,
    /// `stock.quantity`: the stock on hand (integer quantity).
    StockQuantity,
    /// `stock.status`: `instock`, `outofstock` or `onbackorder`.
    StockStatus,
    /// `stock.manage`: whether the system tracks a quantity (boolean).
    StockManage,
    /// `stock.backorders`: `no`, `notify` or `yes`.
    StockBackorders,
    /// `name`: the product title (text).
    Name,
    /// `status`: the publication status (`publish`, `draft`, …).
    Status,
}

/// What kind of value a field holds; decides which transforms and policies fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A `Decimal` amount of money.
    Money,
    /// An integer quantity.
    Quantity,
    /// Free text.
    Text,
    /// A boolean flag.
    Flag,
    /// One of a closed set of words (stock status, backorders, product status).
    Enum,
}

impl FieldName {
    /// Every field, in plan order.
    pub const ALL: [FieldName; 8] = [
        FieldName::PriceRegular,
        FieldName::PriceSale,
        FieldName::StockQuantity,
        FieldName::StockStatus,
        FieldName::StockManage,
        FieldName::StockBackorders,
        FieldName::Name,
        FieldName::Status,
    ];

    /// The name used in rules files and plans, e.g. `price.regular`.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldName::PriceRegular => "price.regular",
            FieldName::PriceSale => "price.sale",
            FieldName::StockQuantity => "stock.quantity",
            FieldName::StockStatus => "stock.status",
            FieldName::StockManage => "stock.manage",
            FieldName::StockBackorders => "stock.backorders",
            FieldName::Name => "name",
            FieldName::Status => "status",
        }
    }

    /// The kind of value this field holds.
    pub fn kind(self) -> FieldKind {
        match self {
            FieldName::PriceRegular | FieldName::PriceSale => FieldKind::Money,
            FieldName::StockQuantity => FieldKind::Quantity,
            FieldName::StockManage => FieldKind::Flag,
            FieldName::Name => FieldKind::Text,
            FieldName::StockStatus | FieldName::StockBackorders | FieldName::Status => {
                FieldKind::Enum
            }
        }
    }
}

impl fmt::Display for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A field name that is not one of [`FieldName::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown field `{0}` (valid fields: price.regular, price.sale, stock.quantity, stock.status, stock.manage, stock.backorders, name, status)"
)]
pub struct UnknownField(pub String);

impl FromStr for FieldName {
    type Err = UnknownField;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FieldName::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| UnknownField(s.to_string()))
    }
}

impl Serialize for FieldName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for FieldName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in FieldName::ALL {
            assert_eq!(f.as_str().parse::<FieldName>(), Ok(f));
        }
        assert!("price".parse::<FieldName>().is_err());
    }
}
