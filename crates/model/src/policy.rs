//! Validated field policies, match rules and guards.
//!
//! These are the *domain* types the rules crate builds from `rules.yaml`
//! after validation, and the engine consumes. Invalid combinations (a
//! transform on `newest`, a delta merge on a price) are refused by the rules
//! validator before these are built; see `SEMANTICS.md` for the meaning of
//! each policy.

use crate::field::FieldName;
use crate::sku::{Sku, SourceId};
use crate::transform::Transform;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What to do when a target was edited directly since skusync last agreed
/// with it (drift).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnDrift {
    /// Correct the target and say "drift" in the plan (the default).
    #[default]
    Overwrite,
    /// Only report the drift; write nothing.
    Flag,
}

/// Where a pooled quantity starts on the first run of a `merge: delta`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Seed {
    /// `seed_from: SOURCE` (or `initial: SIDE`): that source's value.
    From(SourceId),
    /// `initial: min`: the smallest present side.
    Min,
    /// `initial: max`: the largest present side.
    Max,
}

/// One field's policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// `truth: SOURCE`: the source owns the field; each target gets its
    /// value through the target's transform.
    Truth {
        /// The owning source.
        source: SourceId,
        /// The targets and their transforms.
        targets: BTreeMap<SourceId, Transform>,
    },
    /// `merge: delta`: a pooled quantity; each side's change since the base
    /// counts once.
    MergeDelta {
        /// The sides sharing the pool (also the targets).
        sides: Vec<SourceId>,
        /// Where the pool starts on the first run.
        seed: Seed,
        /// Per-side transforms (buffer, clamp), identity when absent.
        transforms: BTreeMap<SourceId, Transform>,
    },
    /// `newest`: the one side that changed since the base propagates.
    Newest {
        /// The sides (also the targets).
        sides: Vec<SourceId>,
        /// Conflict resolution order (`prefer:`); empty means conflicts are
        /// only reported.
        prefer: Vec<SourceId>,
    },
}

impl Policy {
    /// The sources this policy writes to.
    pub fn targets(&self) -> Vec<&SourceId> {
        match self {
            Policy::Truth { targets, .. } => targets.keys().collect(),
            Policy::MergeDelta { sides, .. } | Policy::Newest { sides, .. } => {
                sides.iter().collect()
            }
        }
    }

    /// The word used for this policy in plan `reason`s.
    pub fn reason(&self) -> &'static str {
        match self {
            Policy::Truth { .. } => "truth",
            Policy::MergeDelta { .. } => "merge",
            Policy::Newest { .. } => "newest",
        }
    }
}

/// The validated rule for one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldRule {
    /// The field.
    pub field: FieldName,
    /// Its policy.
    pub policy: Policy,
    /// What to do on drift (for `truth`).
    pub on_drift: OnDrift,
    /// The rules entry that declared it, e.g. `fields.price.regular`; plans
    /// name it in each change's `rule`.
    pub rule: String,
}

/// One SKU normalisation step, applied in order before matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NormalizeStep {
    /// Remove leading and trailing whitespace.
    Trim,
    /// Upper-case (Unicode).
    Uppercase,
    /// Lower-case (Unicode).
    Lowercase,
    /// Collapse inner runs of whitespace to one space.
    CollapseSpaces,
}

/// How records from different sources are joined.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MatchRules {
    /// Normalisation steps, in order.
    pub normalize: Vec<NormalizeStep>,
    /// Aliases: (source, SKU as that source spells it, normalised) → canonical SKU.
    pub aliases: BTreeMap<(SourceId, Sku), Sku>,
}

impl MatchRules {
    /// Normalises a SKU with the declared steps. A SKU the steps leave
    /// unchanged is returned as a clone (no allocation).
    pub fn normalize(&self, sku: &Sku) -> Sku {
        let text = sku.as_str();
        let unchanged = self.normalize.iter().all(|step| match step {
            NormalizeStep::Trim => text.trim().len() == text.len(),
            NormalizeStep::Uppercase => {
                text.is_ascii() && !text.bytes().any(|b| b.is_ascii_lowercase())
            }
            NormalizeStep::Lowercase => {
                text.is_ascii() && !text.bytes().any(|b| b.is_ascii_uppercase())
            }
            NormalizeStep::CollapseSpaces => {
                !text.contains("  ")
                    && !text.contains(|c: char| c.is_whitespace() && c != ' ')
                    && text.trim().len() == text.len()
            }
        });
        if unchanged {
            return sku.clone();
        }
        let mut s = text.to_string();
        for step in &self.normalize {
            s = match step {
                NormalizeStep::Trim => s.trim().to_string(),
                NormalizeStep::Uppercase => s.to_uppercase(),
                NormalizeStep::Lowercase => s.to_lowercase(),
                NormalizeStep::CollapseSpaces => s.split_whitespace().collect::<Vec<_>>().join(" "),
            };
        }
        Sku::new(s)
    }

    /// The canonical SKU for a record of `source`: normalised, then aliased.
    pub fn canonical(&self, source: &SourceId, sku: &Sku) -> Sku {
        let n = self.normalize(sku);
        match self.aliases.get(&(source.clone(), n.clone())) {
            Some(alias) => self.normalize(alias),
            None => n,
        }
    }
}

/// A limit given as a share (`"20%"`) or an absolute count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    /// A percentage, e.g. `20` for `"20%"`.
    Percent(Decimal),
    /// An absolute number.
    Absolute(u64),
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Limit::Percent(p) => write!(f, "{p}%"),
            Limit::Absolute(n) => write!(f, "{n}"),
        }
    }
}

/// Limits checked before anything is written.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Guards {
    /// At most this many changes (share of matched SKUs, or a count).
    pub max_changes: Option<Limit>,
    /// At most this relative price move per change, in percent.
    pub max_price_change: Option<Decimal>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_then_alias() {
        let mut rules = MatchRules {
            normalize: vec![NormalizeStep::Trim, NormalizeStep::Uppercase],
            ..MatchRules::default()
        };
        rules
            .aliases
            .insert((SourceId::new("erp"), Sku::new("OLD-1")), Sku::new("new-1"));
        assert_eq!(
            rules.canonical(&"erp".into(), &" old-1 ".into()),
            Sku::new("NEW-1")
        );
        assert_eq!(
            rules.canonical(&"shop".into(), &" old-1 ".into()),
            Sku::new("OLD-1")
        );
    }
}
