//! Validation problems found in a drop, each naming its file, line and column.
//!
//! A [`Problem`] displays as `FILE:LINE:COLUMN: message` (line and column
//! 1-based; the column is the cell's position in the row), or `FILE:LINE:
//! message` for a whole row, or `FILE: message` for the whole file. The exact
//! wording of every message is listed in `docs/csv.md` and asserted by the
//! fixture tests.

use crate::config::ColumnKey;
use std::fmt;

/// One thing wrong with a drop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file name (without folders), as shown to the operator.
    pub file: String,
    /// The 1-based line the row starts on, when the problem is in a row or
    /// the header.
    pub line: Option<u64>,
    /// The 1-based column of the cell, when the problem is in one cell.
    pub column: Option<usize>,
    /// What is wrong.
    pub kind: ProblemKind,
}

/// What is wrong, with everything the message needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// The file has no header line (or no line at all).
    Empty,
    /// A mapped column name is not in the header.
    MissingColumn {
        /// The mapped key.
        key: ColumnKey,
        /// The name the rules asked for.
        wanted: String,
        /// The header cells found, trimmed.
        found: Vec<String>,
        /// The closest header cell, if one is close enough.
        suggestion: Option<String>,
    },
    /// A mapped column name matches several header cells.
    AmbiguousColumn {
        /// The mapped key.
        key: ColumnKey,
        /// The name the rules asked for.
        wanted: String,
        /// The 1-based columns it matches.
        columns: Vec<usize>,
    },
    /// A mapped column index is past the last column.
    ColumnOutOfRange {
        /// The mapped key.
        key: ColumnKey,
        /// The 1-based index the rules asked for.
        index: usize,
        /// How many columns the first line has.
        width: usize,
    },
    /// A row with a different number of cells than the header (or the first
    /// row, without a header).
    Ragged {
        /// Cells in this row.
        cells: usize,
        /// Cells expected.
        expected: usize,
    },
    /// The SKU cell is empty.
    MissingSku {
        /// The SKU column's header cell (or `column N`).
        column_name: String,
    },
    /// The same SKU on several rows.
    DuplicateSku {
        /// The SKU (trimmed).
        sku: String,
        /// Every line it is on.
        lines: Vec<u64>,
    },
    /// A number cell that is not a number.
    NotANumber {
        /// The cell as written.
        value: String,
        /// The column's header cell (or `column N`).
        column_name: String,
        /// The field.
        key: ColumnKey,
        /// A hint about separators, when the cell suggests one.
        hint: Option<String>,
    },
    /// A stock cell that is a number but not a whole one.
    NotAWholeNumber {
        /// The cell as written.
        value: String,
        /// The column's header cell.
        column_name: String,
        /// The field.
        key: ColumnKey,
    },
    /// A negative stock quantity while negative stock is not allowed.
    NegativeStock {
        /// The cell as written.
        value: String,
        /// The column's header cell.
        column_name: String,
    },
    /// A word that is not one of the field's values.
    UnknownWord {
        /// The cell as written.
        value: String,
        /// The column's header cell.
        column_name: String,
        /// The field.
        key: ColumnKey,
        /// The accepted words: the `values:` keys, then the field's own words.
        valid: String,
    },
    /// A cell that is not valid text in the declared encoding.
    InvalidUtf8 {
        /// The column's header cell.
        column_name: String,
    },
    /// With `on_invalid: skip`: more invalid rows than allowed.
    TooManySkipped {
        /// Invalid rows found.
        skipped: u64,
        /// The cap.
        max: u64,
    },
    /// The CSV syntax could not be read at all.
    Syntax {
        /// The reader's explanation.
        message: String,
    },
}

impl Problem {
    /// A problem about the whole file.
    pub fn file(file: &str, kind: ProblemKind) -> Self {
        Problem {
            file: file.to_string(),
            line: None,
            column: None,
            kind,
        }
    }

    /// A problem about one line.
    pub fn line(file: &str, line: u64, kind: ProblemKind) -> Self {
        Problem {
            file: file.to_string(),
            line: Some(line),
            column: None,
            kind,
        }
    }

    /// A problem about one cell.
    pub fn cell(file: &str, line: u64, column: usize, kind: ProblemKind) -> Self {
        Problem {
            file: file.to_string(),
            line: Some(line),
            column: Some(column),
            kind,
        }
    }

    /// True when the problem concerns a single row (so `on_invalid: skip`
    /// can drop that row); false for problems of the whole file.
    pub fn is_row_problem(&self) -> bool {
        !matches!(
            self.kind,
            ProblemKind::Empty
                | ProblemKind::MissingColumn { .. }
                | ProblemKind::AmbiguousColumn { .. }
                | ProblemKind::ColumnOutOfRange { .. }
                | ProblemKind::TooManySkipped { .. }
                | ProblemKind::Syntax { .. }
        )
    }
}

fn quoted_list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn joined<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(column) = self.column {
            write!(f, ":{column}")?;
        }
        f.write_str(": ")?;
        fmt::Display::fmt(&self.kind, f)
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProblemKind::Empty => f.write_str("the file is empty (no header line)"),
            ProblemKind::MissingColumn {
                key,
                wanted,
                found,
                suggestion,
            } => {
                write!(
                    f,
                    "column \"{wanted}\" ({key}) is not in the header; found {}",
                    quoted_list(found)
                )?;
                if let Some(s) = suggestion {
                    write!(f, "; did you mean \"{s}\"?")?;
                }
                Ok(())
            }
            ProblemKind::AmbiguousColumn {
                key,
                wanted,
                columns,
            } => write!(
                f,
                "column \"{wanted}\" ({key}) matches several header cells: columns {}",
                joined(columns)
            ),
            ProblemKind::ColumnOutOfRange { key, index, width } => write!(
                f,
                "column {index} ({key}) does not exist: the first line has {width} columns"
            ),
            ProblemKind::Ragged { cells, expected } => {
                write!(f, "the row has {cells} cells, expected {expected}")
            }
            ProblemKind::MissingSku { column_name } => {
                write!(f, "missing SKU in column \"{column_name}\"")
            }
            ProblemKind::DuplicateSku { sku, lines } => {
                write!(f, "duplicate SKU \"{sku}\" on lines {}", joined(lines))
            }
            ProblemKind::NotANumber {
                value,
                column_name,
                key,
                hint,
            } => {
                write!(
                    f,
                    "\"{value}\" is not a number in column \"{column_name}\" ({key})"
                )?;
                if let Some(h) = hint {
                    write!(f, "; {h}")?;
                }
                Ok(())
            }
            ProblemKind::NotAWholeNumber {
                value,
                column_name,
                key,
            } => write!(
                f,
                "\"{value}\" is not a whole number in column \"{column_name}\" ({key})"
            ),
            ProblemKind::NegativeStock { value, column_name } => write!(
                f,
                "\"{value}\" is negative stock in column \"{column_name}\" (stock.quantity); allow_negative_stock is false"
            ),
            ProblemKind::UnknownWord {
                value,
                column_name,
                key,
                valid,
            } => write!(
                f,
                "\"{value}\" is not a valid {key} in column \"{column_name}\" (valid: {valid})"
            ),
            ProblemKind::InvalidUtf8 { column_name } => write!(
                f,
                "the cell in column \"{column_name}\" is not valid UTF-8 (is the file windows-1252? set encoding)"
            ),
            ProblemKind::TooManySkipped { skipped, max } => write!(
                f,
                "{skipped} invalid rows, more than max_skipped ({max}): the file is rejected"
            ),
            ProblemKind::Syntax { message } => write!(f, "unreadable CSV: {message}"),
        }
    }
}
