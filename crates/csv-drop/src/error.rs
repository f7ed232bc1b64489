//! Errors of the csv-drop adapter: configuration, I/O, archive and export.
//!
//! Problems with a file's *content* are not errors: they are
//! [`crate::Problem`]s inside [`crate::ReadOutcome::Rejected`]. An error here
//! means the drop could not be looked at, moved or written at all.

use skusync_model::{FieldName, Sku};
use std::io;
use std::path::PathBuf;

/// Why a drop could not be read, archived or exported.
#[derive(Debug, thiserror::Error)]
pub enum CsvDropError {
    /// The source configuration is inconsistent (every problem listed).
    #[error("invalid csv source configuration: {}", .0.join("; "))]
    Config(Vec<String>),
    /// The configured path does not exist, nor does the folder it would be in.
    #[error("{path}: no such folder or file (and its folder does not exist either)")]
    PathMissing {
        /// The configured path.
        path: PathBuf,
    },
    /// Reading, listing or writing a path failed.
    #[error("{path}: {source}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// Moving a processed file to the archive failed.
    #[error("cannot archive {from} to {to}: {source}")]
    Archive {
        /// The processed file.
        from: PathBuf,
        /// Where it was to go.
        to: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// The source has no `export:` section, so it cannot be a target.
    #[error("this csv source has no export section: it cannot be written to")]
    NoExport,
    /// An export row carries a field the export does not list.
    #[error("cannot export {field} for SKU {sku}: export.columns does not list it")]
    FieldNotExported {
        /// The row's SKU.
        sku: Sku,
        /// The field.
        field: FieldName,
    },
}

impl CsvDropError {
    /// Wraps an I/O error with its path.
    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        CsvDropError::Io {
            path: path.into(),
            source,
        }
    }
}
