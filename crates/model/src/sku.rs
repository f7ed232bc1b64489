//! SKUs and source names.
//!
//! A [`Sku`] is kept exactly as a system spelled it; matching across systems
//! happens on the *normalised* form produced by [`crate::MatchRules`].

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// A stock keeping unit as one system (or the normaliser) spells it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sku(Arc<str>);

impl Sku {
    /// Wraps a SKU string as given (no normalisation).
    pub fn new(s: impl Into<String>) -> Self {
        Sku(Arc::from(s.into()))
    }

    /// The SKU text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when the SKU is empty or only whitespace: such records are
    /// reported, never matched.
    pub fn is_blank(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Display for Sku {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Sku {
    fn from(s: &str) -> Self {
        Sku(Arc::from(s))
    }
}

/// The name of a source as declared under `sources:` in `rules.yaml`
/// (`erp`, `shop`, `outlet`). Sources are also the targets written to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceId(Arc<str>);

impl SourceId {
    /// Wraps a source name.
    pub fn new(s: impl Into<String>) -> Self {
        SourceId(Arc::from(s.into()))
    }

    /// The source name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! string_serde {
    ($t:ident) => {
        impl Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map($t::new)
            }
        }
    };
}

string_serde!(Sku);
string_serde!(SourceId);

impl From<&str> for SourceId {
    fn from(s: &str) -> Self {
        SourceId(Arc::from(s))
    }
}
