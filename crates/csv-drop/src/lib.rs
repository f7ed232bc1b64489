//! skusync's ERP/WMS file drops: read the CSV exports an ERP drops into a
//! folder as a source, and write export files back as a target.
//!
//! The one promise of this crate: skusync never acts on a half-written or
//! malformed file. An [`Inbox`] returns records only from a file that is
//! complete (stable size and mtime, or a marker file), valid in every row
//! (or within the `on_invalid: skip` cap), not suspiciously shorter than the
//! last accepted one, and not identical to it. Everything else is an
//! explicit [`ReadOutcome`], never a silent success. The operator's guide is
//! `docs/csv.md`.
//!
//! # Layout
//! - [`config`]: [`CsvSourceConfig`] and [`ExportConfig`], the `kind: csv`
//!   options of `rules.yaml` as plain types (the rules crate validates straight
//!   into them).
//! - [`inbox`]: picking the newest complete file, checksum memory
//!   ([`DropMemory`]), the truncation guard and archiving.
//! - [`read`]: streaming parse and validation of one file into records.
//! - [`problem`]: validation problems, displayed as `file:line:column: message`.
//! - `number`: decimal comma and thousands separators.
//! - [`export`]: the [`Outbox`], atomic export files.
//! - [`target`]: [`CsvTarget`], the outbox behind the adapter crate's `Target` contract.
//! - [`error`]: the error type, [`CsvDropError`].
#![warn(missing_docs)]

pub mod config;
pub mod error;
pub mod export;
pub mod inbox;
mod number;
pub mod problem;
pub mod read;
pub mod target;

pub use config::{
    ColumnKey, ColumnRef, Completeness, CsvSourceConfig, DEFAULT_MAX_SKIPPED, DecimalSeparator,
    Delimiter, DelimiterSetting, Encoding, ExportConfig, Header, NegativeStock, OnInvalid,
    Overwrite, ThousandsSeparator,
};
pub use error::CsvDropError;
pub use export::{ExportOutcome, ExportRow, Outbox};
pub use inbox::{DropMemory, Inbox, ReadOutcome, Sleeper, ThreadSleeper, TruncationGuard};
pub use problem::{Problem, ProblemKind};
pub use read::{MAX_PROBLEMS, Parsed, ParsedFile};
pub use target::CsvTarget;
