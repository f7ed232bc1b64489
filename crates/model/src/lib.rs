//! skusync's shared vocabulary: the words every other crate speaks.
//!
//! Pure data and pure functions, no I/O. Adapters turn what they read into
//! [`Record`]s and [`Snapshot`]s; the rules crate turns `rules.yaml` into
//! [`FieldRule`]s and [`MatchRules`]; the engine turns snapshots, rules and the
//! [`BaseView`] into a [`Plan`]; reports render it and apply executes it.
//!
//! # Layout
//! - [`sku`]: [`Sku`] and [`SourceId`], and SKU normalisation steps.
//! - [`field`]: [`FieldName`] (`price.regular`, `stock.quantity`, …) and its kind.
//! - [`value`]: [`Value`], typed field values (money is `Decimal`, never float).
//! - [`record`]: [`Record`] (one SKU in one system, its [`Fields`] and
//!   [`Origin`]) and [`Snapshot`].
//! - [`policy`]: validated field policies ([`Policy`]), match rules and guards.
//! - [`transform`]: per-target value transforms (multiply, round, tax, buffer…).
//! - [`base`]: the last agreed values the engine compares against.
//! - [`plan`]: the plan, exactly the JSON contract of `DESIGN.md`.
#![warn(missing_docs)]

pub mod base;
pub mod field;
pub mod plan;
pub mod policy;
pub mod record;
pub mod sku;
pub mod transform;
pub mod value;

pub use base::{BaseEntry, BaseMap, BaseView, SideBase, StateUpdate};
pub use field::{FieldKind, FieldName, UnknownField};
pub use plan::{
    Change, Conflict, FlaggedDrift, GuardResult, IdentityIssue, Plan, Reason, Settle, StateIntent,
    Summary, Unmatched,
};
pub use policy::{FieldRule, Guards, Limit, MatchRules, NormalizeStep, OnDrift, Policy, Seed};
pub use record::{Fields, Origin, Record, RecordKind, RemoteId, Snapshot};
pub use sku::{Sku, SourceId};
pub use transform::{Rounding, RoundingMode, Tax, Transform, TransformError};
pub use value::{Backorders, ProductStatus, StockStatus, Value, ValueError};
