//! The outbox: export files written for the ERP to import, atomically.
//!
//! An export is written to a hidden temporary name in the outbox folder
//! (`.NAME.PID.N.tmp`, which no `*.csv` pattern matches), flushed, fsynced,
//! then renamed (or hard-linked, when replacing is not allowed) to its final
//! name, and the folder is fsynced. A reader of the outbox therefore sees
//! either no file or the whole file, never part of one.
//!
//! The pick-up rule: the ERP "picks up" an export by moving or deleting it.
//! A file in the outbox whose name matches `file_name` (with `{timestamp}`
//! read as any `YYYYMMDDTHHMMSSZ` time) is an export not picked up yet. With
//! `overwrite: false` (the default) nothing is written while such a file
//! exists, so the ERP never misses or reorders an export; with
//! `overwrite: true` the export is written anyway and a file of the same name
//! is replaced.

use crate::config::{
    ColumnKey, CsvSourceConfig, DecimalSeparator, Delimiter, DelimiterSetting, Overwrite,
};
use crate::error::CsvDropError;
use crate::inbox::sync_dir;
use skusync_model::{FieldName, Sku, Value};
use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

/// One row of an export: a SKU and the values to write for it. A field not
/// in `values` (or `None`) is written as an empty cell: "not provided".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRow {
    /// The SKU, as the ERP spells it.
    pub sku: Sku,
    /// The values, by field.
    pub values: BTreeMap<FieldName, Option<Value>>,
}

/// What an export call did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportOutcome {
    /// The file was written completely under its final name.
    Written {
        /// The final path.
        file: PathBuf,
        /// Data rows written.
        rows: usize,
    },
    /// Nothing was written: previous exports are still waiting for the ERP
    /// and `overwrite` is false.
    NotPickedUp {
        /// The exports still in the outbox.
        pending: Vec<PathBuf>,
    },
}

/// A csv source's export side, ready to write.
#[derive(Debug, Clone)]
pub struct Outbox {
    dir: PathBuf,
    file_name: String,
    columns: Vec<(ColumnKey, String)>,
    delimiter: Delimiter,
    decimal: DecimalSeparator,
    overwrite: Overwrite,
    pending_pattern: glob::Pattern,
    /// Per field, WooCommerce value → the file's word (the source's
    /// `values:` reversed; the first file word in sorted order wins).
    words: HashMap<FieldName, Vec<(Value, String)>>,
}

/// The glob matching exactly the names `file_name` can produce:
/// `{timestamp}` stands for `YYYYMMDDTHHMMSSZ`, digit by digit.
pub(crate) fn export_pattern(file_name: &str) -> Result<glob::Pattern, CsvDropError> {
    const STAMP: &str = "[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z";
    glob::Pattern::new(
        &file_name
            .split("{timestamp}")
            .map(glob::Pattern::escape)
            .collect::<Vec<_>>()
            .join(STAMP),
    )
    .map_err(|e| CsvDropError::Config(vec![format!("export.file_name: {e}")]))
}

/// Temp-name counter, so concurrent exports in one process never collide.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

const PENDING_OPTIONS: glob::MatchOptions = glob::MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: true,
};

impl Outbox {
    /// The outbox of `source`; [`CsvDropError::NoExport`] without `export:`.
    pub fn new(source: &CsvSourceConfig) -> Result<Self, CsvDropError> {
        let export = source.export.as_ref().ok_or(CsvDropError::NoExport)?;
        let problems = export.validate();
        if !problems.is_empty() {
            return Err(CsvDropError::Config(problems));
        }
        let delimiter = export.delimiter.unwrap_or(match source.delimiter {
            DelimiterSetting::Fixed(d) => d,
            DelimiterSetting::Auto => Delimiter::Comma,
        });
        let pending_pattern = export_pattern(&export.file_name)?;
        let mut words: HashMap<FieldName, Vec<(Value, String)>> = HashMap::new();
        for (field, map) in &source.values {
            for (file_word, woo_word) in map {
                if let Ok(value) = Value::parse(*field, woo_word) {
                    words
                        .entry(*field)
                        .or_default()
                        .push((value, file_word.clone()));
                }
            }
        }
        Ok(Outbox {
            dir: export.path.clone(),
            file_name: export.file_name.clone(),
            columns: export.columns.clone(),
            delimiter,
            decimal: export.decimal_separator.unwrap_or(source.decimal_separator),
            overwrite: export.overwrite,
            pending_pattern,
            words,
        })
    }

    /// The fields this target accepts (its `export.columns` minus `sku`).
    pub fn fields(&self) -> Vec<FieldName> {
        self.columns
            .iter()
            .filter_map(|(k, _)| match k {
                ColumnKey::Field(f) => Some(*f),
                ColumnKey::Sku => None,
            })
            .collect()
    }

    /// The file name an export made at `now` gets.
    pub fn file_name_at(&self, now: SystemTime) -> String {
        let stamp = chrono::DateTime::<chrono::Utc>::from(now)
            .format("%Y%m%dT%H%M%SZ")
            .to_string();
        self.file_name.replace("{timestamp}", &stamp)
    }

    /// Exports in the outbox that the ERP has not picked up yet, sorted.
    pub fn pending(&self) -> Result<Vec<PathBuf>, CsvDropError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(CsvDropError::io(&self.dir, e)),
        };
        let mut pending = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| CsvDropError::io(&self.dir, e))?;
            let name = entry.file_name();
            if name
                .to_str()
                .is_some_and(|n| self.pending_pattern.matches_with(n, PENDING_OPTIONS))
            {
                pending.push(entry.path());
            }
        }
        pending.sort();
        Ok(pending)
    }

    /// Writes `rows` as one export file named for `now` (see the module docs
    /// for atomicity and the pick-up rule). The outbox folder is created if
    /// needed.
    pub fn export(
        &self,
        rows: &[ExportRow],
        now: SystemTime,
    ) -> Result<ExportOutcome, CsvDropError> {
        let exported = self.fields();
        for row in rows {
            if let Some(field) = row.values.keys().find(|f| !exported.contains(f)) {
                return Err(CsvDropError::FieldNotExported {
                    sku: row.sku.clone(),
                    field: *field,
                });
            }
        }
        fs::create_dir_all(&self.dir).map_err(|e| CsvDropError::io(&self.dir, e))?;
        if self.overwrite == Overwrite::Never {
            let pending = self.pending()?;
            if !pending.is_empty() {
                tracing::info!(outbox = %self.dir.display(), pending = pending.len(), "previous export not picked up yet; nothing written");
                return Ok(ExportOutcome::NotPickedUp { pending });
            }
        }
        let name = self.file_name_at(now);
        let target = self.dir.join(&name);
        let temp = self.dir.join(format!(
            ".{name}.{}.{}.tmp",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let result = self
            .write_temp(&temp, rows)
            .and_then(|()| self.publish(&temp, &target));
        if result.is_err() || temp.exists() {
            let _ = fs::remove_file(&temp);
        }
        match result? {
            true => {
                sync_dir(&self.dir);
                tracing::info!(file = %target.display(), rows = rows.len(), "export written");
                Ok(ExportOutcome::Written {
                    file: target,
                    rows: rows.len(),
                })
            }
            false => Ok(ExportOutcome::NotPickedUp {
                pending: vec![target],
            }),
        }
    }

    /// Writes the whole file under the temporary name and fsyncs it.
    fn write_temp(&self, temp: &Path, rows: &[ExportRow]) -> Result<(), CsvDropError> {
        let io_err = |e: io::Error| CsvDropError::io(temp, e);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(temp)
            .map_err(io_err)?;
        let mut writer = csv::WriterBuilder::new()
            .delimiter(self.delimiter.byte())
            .terminator(csv::Terminator::CRLF)
            .from_writer(BufWriter::new(file));
        let csv_err = |e: csv::Error| CsvDropError::io(temp, io::Error::other(e));
        writer
            .write_record(self.columns.iter().map(|(_, header)| header.as_str()))
            .map_err(csv_err)?;
        let mut cells: Vec<String> = Vec::with_capacity(self.columns.len());
        for row in rows {
            cells.clear();
            for (key, _) in &self.columns {
                cells.push(match key {
                    ColumnKey::Sku => row.sku.as_str().to_string(),
                    ColumnKey::Field(field) => match row.values.get(field) {
                        Some(Some(value)) => self.cell(*field, value),
                        _ => String::new(),
                    },
                });
            }
            writer.write_record(&cells).map_err(csv_err)?;
        }
        let buffered = writer
            .into_inner()
            .map_err(|e| io_err(io::Error::other(e.to_string())))?;
        let file: File = buffered
            .into_inner()
            .map_err(|e| io_err(io::Error::other(e.to_string())))?;
        file.sync_all().map_err(io_err)
    }

    /// Moves the temp file to its final name. `Ok(false)` when the final
    /// name exists and replacing is not allowed.
    fn publish(&self, temp: &Path, target: &Path) -> Result<bool, CsvDropError> {
        let io_err = |e: io::Error| CsvDropError::io(target, e);
        match self.overwrite {
            Overwrite::Replace => {
                fs::rename(temp, target).map_err(io_err)?;
                Ok(true)
            }
            Overwrite::Never => match fs::hard_link(temp, target) {
                // A hard link never replaces an existing file: no race with
                // a file that appeared since `pending()` looked.
                Ok(()) => {
                    fs::remove_file(temp).map_err(|e| CsvDropError::io(temp, e))?;
                    Ok(true)
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
                Err(_) => {
                    // File systems without hard links (some shares): check, then rename.
                    if target.exists() {
                        return Ok(false);
                    }
                    fs::rename(temp, target).map_err(io_err)?;
                    Ok(true)
                }
            },
        }
    }

    /// One value as the file writes it.
    fn cell(&self, field: FieldName, value: &Value) -> String {
        if let Some(word) = self
            .words
            .get(&field)
            .and_then(|w| w.iter().find(|(v, _)| v == value))
        {
            return word.1.clone();
        }
        match value {
            Value::Money(d) => {
                let text = d.to_string();
                match self.decimal {
                    DecimalSeparator::Dot => text,
                    DecimalSeparator::Comma => text.replace('.', ","),
                }
            }
            other => other.to_string(),
        }
    }
}
