//! The inbox: which drop file to read, whether it is complete, whether it is
//! new, and whether it is plausible; then archiving it.
//!
//! One [`Inbox::read`] call:
//! 1. lists the candidates (the files in the folder matching `pattern`, or
//!    the one configured file), newest first by mtime, then by name;
//! 2. decides which are complete: a marker file `NAME<suffix>` exists, or
//!    size and mtime did not change across `stable_for` (one wait, through
//!    the injected [`Sleeper`], for all candidates). The newest complete file
//!    is chosen; newer incomplete ones are reported as waiting, older ones as
//!    superseded;
//! 3. hashes it (sha256): equal to [`DropMemory::last_checksum`] means
//!    [`ReadOutcome::Unchanged`], without parsing;
//! 4. parses and validates it ([`crate::read`]);
//! 5. checks that size and mtime still match what was found complete; if the
//!    file moved on while it was read, the result is thrown away;
//! 6. applies the truncation guard against [`DropMemory::last_rows`].
//!
//! The inbox keeps no state itself: the caller stores the [`DropMemory`]
//! returned with an accepted file and passes it to the next read. Archiving
//! is a separate call ([`Inbox::archive`]) so that a file is moved only
//! after the run that used it succeeded.

use crate::config::{Completeness, CsvSourceConfig};
use crate::error::CsvDropError;
use crate::problem::Problem;
use crate::read::{Parsed, Prepared, parse};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use skusync_model::{Snapshot, SourceId};
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Waits for the completeness interval. Injected so that tests decide what
/// happens "while" the inbox waits, without sleeping for real.
pub trait Sleeper: Send + Sync {
    /// Blocks for `duration` (or pretends to).
    fn sleep(&self, duration: Duration);
}

/// The real sleeper: `std::thread::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ThreadSleeper;

impl Sleeper for ThreadSleeper {
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

impl<F: Fn(Duration) + Send + Sync> Sleeper for F {
    fn sleep(&self, duration: Duration) {
        self(duration)
    }
}

/// What the inbox remembers between reads of one source. The caller stores
/// it (serde-serialisable) and hands it back; start with `Default`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DropMemory {
    /// `sha256:HEX` of the last accepted file.
    pub last_checksum: Option<String>,
    /// Data rows of the last accepted file (the truncation guard's baseline).
    pub last_rows: Option<u64>,
    /// The last accepted file's name.
    pub last_file: Option<String>,
}

/// Whether the truncation guard applies to this read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TruncationGuard {
    /// Hold back a file with too few rows (default).
    #[default]
    Enforce,
    /// Accept it anyway (an operator confirmed the shorter file is right).
    Override,
}

/// The result of one read of a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadOutcome {
    /// A complete, valid, plausible new file: use its snapshot and store `memory`.
    Accepted {
        /// The records in file order: one per SKU, except that with
        /// `on_invalid: skip` every occurrence of a duplicated SKU is kept
        /// (the engine reports and never writes it).
        snapshot: Snapshot,
        /// The file read.
        file: PathBuf,
        /// Data rows in the file.
        rows: u64,
        /// Rows skipped as invalid (`on_invalid: skip`), with their problems.
        skipped: u64,
        /// Why rows were skipped (at most [`crate::MAX_PROBLEMS`]).
        skipped_problems: Vec<Problem>,
        /// Older matching files that this newer one supersedes (never read).
        superseded: Vec<PathBuf>,
        /// The memory to store for the next read.
        memory: DropMemory,
    },
    /// The newest complete file has the checksum of the last accepted one.
    Unchanged {
        /// The file.
        file: PathBuf,
        /// Older matching files it supersedes.
        superseded: Vec<PathBuf>,
    },
    /// No complete file: either none matches, or all are still being written.
    NoCompleteFile {
        /// Files that match but are not complete yet.
        waiting: Vec<PathBuf>,
    },
    /// The newest complete file is invalid; nothing from it may be used.
    Rejected {
        /// The file.
        file: PathBuf,
        /// The problems, in file order (at most [`crate::MAX_PROBLEMS`]).
        problems: Vec<Problem>,
        /// How many problems there are in all.
        total: usize,
    },
    /// The file has far fewer rows than the last accepted one (truncated
    /// export?): not used, memory unchanged.
    HeldBack {
        /// The file.
        file: PathBuf,
        /// Its data rows.
        rows: u64,
        /// The last accepted file's rows.
        previous_rows: u64,
    },
}

/// One operator-readable summary (a rejected file lists its problems, one
/// per line), for logs and reports.
impl std::fmt::Display for ReadOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadOutcome::Accepted {
                snapshot,
                file,
                rows,
                skipped,
                ..
            } => {
                write!(
                    f,
                    "{}: accepted, {rows} rows, {} SKUs",
                    file.display(),
                    snapshot.records.len()
                )?;
                if *skipped > 0 {
                    write!(f, ", {skipped} invalid rows skipped")?;
                }
                Ok(())
            }
            ReadOutcome::Unchanged { file, .. } => write!(
                f,
                "{}: unchanged (same checksum as the last accepted file)",
                file.display()
            ),
            ReadOutcome::NoCompleteFile { waiting } if waiting.is_empty() => {
                f.write_str("no drop file")
            }
            ReadOutcome::NoCompleteFile { waiting } => write!(
                f,
                "no complete drop file yet; still being written: {}",
                waiting
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ReadOutcome::Rejected {
                file,
                problems,
                total,
            } => {
                write!(f, "{}: rejected, {total} problems", file.display())?;
                for p in problems {
                    write!(f, "\n  {p}")?;
                }
                if *total > problems.len() {
                    write!(f, "\n  … and {} more", total - problems.len())?;
                }
                Ok(())
            }
            ReadOutcome::HeldBack {
                file,
                rows,
                previous_rows,
            } => write!(
                f,
                "{}: held back, {rows} rows against {previous_rows} in the last accepted file (truncated export?)",
                file.display()
            ),
        }
    }
}

/// Size and modification time of a file: equal twice means unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: SystemTime,
}

fn stamp(path: &Path) -> io::Result<Stamp> {
    let meta = fs::metadata(path)?;
    Ok(Stamp {
        len: meta.len(),
        modified: meta.modified()?,
    })
}

/// A test hook called with the file being read.
#[cfg(test)]
type Hook = Arc<dyn Fn(&Path) + Send + Sync>;

/// One `kind: csv` source, ready to read.
#[derive(Clone)]
pub struct Inbox {
    source: SourceId,
    config: CsvSourceConfig,
    prepared: Prepared,
    pattern: glob::Pattern,
    /// Our own export files, when the outbox is the inbox folder: never
    /// read back as drops.
    own_exports: Option<glob::Pattern>,
    sleeper: Arc<dyn Sleeper>,
    /// Test hook run between parsing and the final stamp check.
    #[cfg(test)]
    after_parse: Option<Hook>,
}

impl std::fmt::Debug for Inbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inbox")
            .field("source", &self.source)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

const MATCH_OPTIONS: glob::MatchOptions = glob::MatchOptions {
    case_sensitive: false,
    require_literal_separator: true,
    require_literal_leading_dot: true,
};

impl Inbox {
    /// An inbox for `source`, after validating `config` (every problem listed).
    pub fn new(source: impl Into<SourceId>, config: CsvSourceConfig) -> Result<Self, CsvDropError> {
        let problems = config.validate();
        if !problems.is_empty() {
            return Err(CsvDropError::Config(problems));
        }
        let pattern = glob::Pattern::new(&config.pattern)
            .map_err(|e| CsvDropError::Config(vec![e.to_string()]))?;
        let own_exports = match &config.export {
            Some(export) if same_folder(&export.path, &config.path) => {
                Some(crate::export::export_pattern(&export.file_name)?)
            }
            _ => None,
        };
        Ok(Inbox {
            source: source.into(),
            prepared: Prepared::new(&config),
            config,
            pattern,
            own_exports,
            sleeper: Arc::new(ThreadSleeper),
            #[cfg(test)]
            after_parse: None,
        })
    }

    /// Replaces the sleeper used for the `stable_for` wait (tests).
    pub fn with_sleeper(mut self, sleeper: impl Sleeper + 'static) -> Self {
        self.sleeper = Arc::new(sleeper);
        self
    }

    /// The configuration.
    pub fn config(&self) -> &CsvSourceConfig {
        &self.config
    }

    /// The source's name.
    pub fn source(&self) -> &SourceId {
        &self.source
    }

    /// Reads the source with the truncation guard enforced.
    pub fn read(&self, memory: &DropMemory) -> Result<ReadOutcome, CsvDropError> {
        self.read_with(memory, TruncationGuard::Enforce)
    }

    /// Reads the source (see the module docs for the steps).
    pub fn read_with(
        &self,
        memory: &DropMemory,
        guard: TruncationGuard,
    ) -> Result<ReadOutcome, CsvDropError> {
        let candidates = self.candidates()?;
        if candidates.is_empty() {
            return Ok(ReadOutcome::NoCompleteFile {
                waiting: Vec::new(),
            });
        }
        let complete = self.completeness(&candidates)?;
        let Some(chosen) = complete.iter().position(Option::is_some) else {
            tracing::debug!(source = %self.source, waiting = candidates.len(), "no complete drop yet");
            return Ok(ReadOutcome::NoCompleteFile {
                waiting: candidates.into_iter().map(|(p, _)| p).collect(),
            });
        };
        let Some(seen) = complete[chosen] else {
            return Ok(ReadOutcome::NoCompleteFile {
                waiting: Vec::new(),
            });
        };
        let mut candidates = candidates
            .into_iter()
            .zip(complete)
            .map(|((path, _), seen)| (path, seen.is_some()));
        let mut waiting: Vec<PathBuf> = candidates.by_ref().take(chosen).map(|(p, _)| p).collect();
        let file = candidates.next().map(|(p, _)| p).unwrap_or_default();
        // Older complete files are superseded (archived with this one);
        // older files still being written are left alone.
        let superseded: Vec<PathBuf> = candidates
            .filter(|(_, complete)| *complete)
            .map(|(p, _)| p)
            .collect();

        let checksum = match checksum(&file) {
            Ok(c) => c,
            Err(CsvDropError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
                // Picked up by someone else since it was listed.
                return Ok(ReadOutcome::NoCompleteFile { waiting });
            }
            Err(e) => return Err(e),
        };
        if memory.last_checksum.as_deref() == Some(checksum.as_str()) {
            tracing::debug!(source = %self.source, file = %file.display(), "drop unchanged");
            return Ok(ReadOutcome::Unchanged { file, superseded });
        }
        let name = file_name(&file);
        let handle = File::open(&file).map_err(|e| CsvDropError::io(&file, e))?;
        let parsed = parse(&self.prepared, &name, handle, Some(seen.len))
            .map_err(|e| CsvDropError::io(&file, e))?;
        #[cfg(test)]
        if let Some(hook) = &self.after_parse {
            hook(&file);
        }

        // The file must still be exactly what was found complete.
        match stamp(&file) {
            Ok(now) if now == seen => {}
            _ => {
                tracing::warn!(source = %self.source, file = %file.display(), "drop changed while it was read; waiting");
                waiting.push(file);
                return Ok(ReadOutcome::NoCompleteFile { waiting });
            }
        }

        let parsed = match parsed {
            Parsed::Invalid {
                problems, total, ..
            } => {
                tracing::warn!(source = %self.source, file = %file.display(), problems = total, "drop rejected");
                return Ok(ReadOutcome::Rejected {
                    file,
                    problems,
                    total,
                });
            }
            Parsed::Valid(parsed) => parsed,
        };
        if guard == TruncationGuard::Enforce
            && let Some(previous_rows) = memory.last_rows
            && Decimal::from(parsed.rows)
                < self.config.min_rows_ratio * Decimal::from(previous_rows)
        {
            tracing::warn!(source = %self.source, file = %file.display(), rows = parsed.rows, previous_rows, "drop held back: too few rows");
            return Ok(ReadOutcome::HeldBack {
                file,
                rows: parsed.rows,
                previous_rows,
            });
        }
        tracing::info!(source = %self.source, file = %file.display(), rows = parsed.rows, records = parsed.records.len(), skipped = parsed.skipped, "drop accepted");
        Ok(ReadOutcome::Accepted {
            snapshot: Snapshot::new(self.source.clone(), parsed.records),
            memory: DropMemory {
                last_checksum: Some(checksum),
                last_rows: Some(parsed.rows),
                last_file: Some(name),
            },
            file,
            rows: parsed.rows,
            skipped: parsed.skipped,
            skipped_problems: parsed.skipped_problems,
            superseded,
        })
    }

    /// Parses one file with this source's options, without the completeness
    /// check, checksum memory or truncation guard (for `skusync check`,
    /// tests and benchmarks).
    pub fn parse_file(&self, path: &Path) -> Result<Parsed, CsvDropError> {
        let handle = File::open(path).map_err(|e| CsvDropError::io(path, e))?;
        let size = handle.metadata().ok().map(|m| m.len());
        parse(&self.prepared, &file_name(path), handle, size).map_err(|e| CsvDropError::io(path, e))
    }

    /// Moves the file of an `Accepted` or `Unchanged` outcome, the files it
    /// superseded, and their marker files into the archive folder (created
    /// if needed). A name already in the archive gets a numbered suffix
    /// (`stock.csv` → `stock.1.csv`); nothing is overwritten. Returns the new
    /// paths; does nothing without `archive:` or for other outcomes.
    pub fn archive(&self, outcome: &ReadOutcome) -> Result<Vec<PathBuf>, CsvDropError> {
        let Some(dir) = &self.config.archive else {
            return Ok(Vec::new());
        };
        let (file, superseded) = match outcome {
            ReadOutcome::Accepted {
                file, superseded, ..
            }
            | ReadOutcome::Unchanged { file, superseded } => (file, superseded),
            _ => return Ok(Vec::new()),
        };
        fs::create_dir_all(dir).map_err(|e| CsvDropError::io(dir, e))?;
        let mut moved = Vec::new();
        for path in std::iter::once(file).chain(superseded) {
            moved.push(move_into(path, dir)?);
            if let Completeness::Marker(suffix) = &self.config.complete {
                let marker = marker_path(path, suffix);
                if marker.exists() {
                    moved.push(move_into(&marker, dir)?);
                }
            }
        }
        sync_dir(dir);
        tracing::info!(source = %self.source, files = moved.len(), archive = %dir.display(), "drops archived");
        Ok(moved)
    }

    /// The candidate files, newest first (mtime, then name), with their stamps.
    fn candidates(&self) -> Result<Vec<(PathBuf, Stamp)>, CsvDropError> {
        let path = &self.config.path;
        let mut found = Vec::new();
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                let entries = fs::read_dir(path).map_err(|e| CsvDropError::io(path, e))?;
                for entry in entries {
                    let entry = entry.map_err(|e| CsvDropError::io(path, e))?;
                    let name = entry.file_name();
                    let Some(name) = name.to_str() else { continue };
                    if !self.pattern.matches_with(name, MATCH_OPTIONS) {
                        continue;
                    }
                    if self
                        .own_exports
                        .as_ref()
                        .is_some_and(|own| own.matches_with(name, EXPORT_MATCH))
                    {
                        continue; // our own export, waiting for the ERP
                    }
                    if let Completeness::Marker(suffix) = &self.config.complete
                        && name.ends_with(suffix.as_str())
                    {
                        continue;
                    }
                    let file = entry.path();
                    match stamp(&file) {
                        Ok(s) if file.is_file() => found.push((file, s)),
                        Ok(_) => {}
                        // Vanished between listing and stat (picked up elsewhere).
                        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                        Err(e) => return Err(CsvDropError::io(&file, e)),
                    }
                }
            }
            Ok(_) => found.push((
                path.clone(),
                stamp(path).map_err(|e| CsvDropError::io(path, e))?,
            )),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let parent_exists = path
                    .parent()
                    .is_some_and(|p| p.as_os_str().is_empty() || p.is_dir());
                if !parent_exists {
                    return Err(CsvDropError::PathMissing { path: path.clone() });
                }
            }
            Err(e) => return Err(CsvDropError::io(path, e)),
        }
        found.sort_by(|(pa, sa), (pb, sb)| {
            sb.modified
                .cmp(&sa.modified)
                .then_with(|| pb.file_name().cmp(&pa.file_name()))
        });
        Ok(found)
    }

    /// For each candidate, the stamp it was found complete with, or `None`.
    fn completeness(
        &self,
        candidates: &[(PathBuf, Stamp)],
    ) -> Result<Vec<Option<Stamp>>, CsvDropError> {
        match &self.config.complete {
            Completeness::Marker(suffix) => Ok(candidates
                .iter()
                .map(|(p, s)| marker_path(p, suffix).is_file().then_some(*s))
                .collect()),
            Completeness::StableFor(interval) => {
                self.sleeper.sleep(*interval);
                Ok(candidates
                    .iter()
                    .map(|(p, before)| match stamp(p) {
                        Ok(after) if after == *before => Some(after),
                        _ => None,
                    })
                    .collect())
            }
        }
    }
}

/// How an inbox recognises its own export files (as the outbox does).
const EXPORT_MATCH: glob::MatchOptions = glob::MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: true,
};

/// True when `a` and `b` name the same folder (compared after resolving
/// links when both exist, else as written).
fn same_folder(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// `NAME` + `suffix` next to `path`.
fn marker_path(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// The file name shown in problems and origins.
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// `sha256:HEX` of the file's bytes, streamed.
fn checksum(path: &Path) -> Result<String, CsvDropError> {
    let mut file = File::open(path).map_err(|e| CsvDropError::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CsvDropError::io(path, e)),
        };
        hasher.update(&buf[..n]);
    }
    Ok(format!("sha256:{}", hex::encode(hasher.finalize())))
}

/// Moves `path` into `dir` under a free name; falls back to copy + remove
/// across file systems.
fn move_into(path: &Path, dir: &Path) -> Result<PathBuf, CsvDropError> {
    let name = path.file_name().unwrap_or_default();
    let mut target = dir.join(name);
    let stem = Path::new(name)
        .file_stem()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let ext = Path::new(name)
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let mut n = 1u32;
    while target.exists() {
        target = dir.join(format!("{stem}.{n}{ext}"));
        n += 1;
    }
    let fail = |source| CsvDropError::Archive {
        from: path.to_path_buf(),
        to: target.clone(),
        source,
    };
    if fs::rename(path, &target).is_err() {
        // Different file system (or a share that refuses rename): copy, sync, remove.
        fs::copy(path, &target).map_err(fail)?;
        File::open(&target)
            .and_then(|f| f.sync_all())
            .map_err(fail)?;
        fs::remove_file(path).map_err(fail)?;
    }
    Ok(target)
}

/// Makes a rename in `dir` durable (best effort: not every platform can
/// open a folder for syncing).
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir)
        && let Err(e) = d.sync_all()
    {
        tracing::debug!(dir = %dir.display(), error = %e, "folder sync not supported");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ColumnRef;
    use std::io::Write;

    #[test]
    fn outcomes_read_well() {
        let file = PathBuf::from("drops/stock-0601.csv");
        let held = ReadOutcome::HeldBack {
            file: file.clone(),
            rows: 40,
            previous_rows: 1200,
        };
        assert_eq!(
            held.to_string(),
            "drops/stock-0601.csv: held back, 40 rows against 1200 in the last accepted file (truncated export?)"
        );
        let rejected = ReadOutcome::Rejected {
            file,
            problems: vec![Problem::line(
                "stock-0601.csv",
                3,
                crate::ProblemKind::Ragged {
                    cells: 2,
                    expected: 3,
                },
            )],
            total: 4,
        };
        assert_eq!(
            rejected.to_string(),
            "drops/stock-0601.csv: rejected, 4 problems\n  stock-0601.csv:3: the row has 2 cells, expected 3\n  … and 3 more"
        );
        assert_eq!(
            ReadOutcome::NoCompleteFile { waiting: vec![] }.to_string(),
            "no drop file"
        );
    }

    #[test]
    fn a_file_that_changes_while_it_is_parsed_is_thrown_away() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stock.csv");
        fs::write(&path, "sku,qty\nA,1\nB,2\n").unwrap();
        // A marker says "complete", yet the writer appends once more.
        fs::write(dir.path().join("stock.csv.done"), "").unwrap();
        let mut config = CsvSourceConfig::new(dir.path(), ColumnRef::Name("sku".into()));
        config.complete = Completeness::Marker(".done".into());
        let mut inbox = Inbox::new("erp", config).unwrap();
        inbox.after_parse = Some(Arc::new(|p: &Path| {
            let mut f = fs::OpenOptions::new().append(true).open(p).unwrap();
            f.write_all(b"C,3\n").unwrap();
        }));
        let outcome = inbox.read(&DropMemory::default()).unwrap();
        assert_eq!(
            outcome,
            ReadOutcome::NoCompleteFile {
                waiting: vec![path.clone()]
            }
        );
        // Once it stops changing, the whole file is read.
        inbox.after_parse = None;
        let ReadOutcome::Accepted { rows, .. } = inbox.read(&DropMemory::default()).unwrap() else {
            panic!("accepted expected")
        };
        assert_eq!(rows, 3);
    }
}
