//! skusync's state, kept in sled under `state_dir`: what makes two-way sync
//! loop-free and an apply safe to resume.
//!
//! - **Base values**: per (target, canonical SKU, field) the last agreed
//!   value, its version (bumped at each agreement), the time and the run
//!   that recorded it; and the **merge pools** of `merge: delta` fields.
//!   [`StateStore::load_base`] hands the engine a plain
//!   [`BaseView`](skusync_model::BaseView);
//!   [`StateStore::record`] writes a run's
//!   [`StateUpdate`](skusync_model::StateUpdate)s in one atomic
//!   batch.
//! - **Watermarks**: opaque strings per (source, name) that adapters keep
//!   between runs (an incremental-read watermark, a CSV drop memory).
//! - **Journal**: each run's batches, recorded *before* they are sent, with
//!   every item's marker `RUN:BATCH:ITEM`, then their outcomes; the plan the
//!   run applies, so a crashed run can be settled. See [`journal`].
//! - **History**: one [`RunRecord`] per run.
//!
//! The one design choice a reader must know: one process at a time holds
//! the database (sled's file lock). A second process gets
//! [`StateError::Locked`] naming the `state_dir`, never a half-shared
//! database. Every stored value starts with a format byte; an unknown one
//! is refused, not guessed. Secrets are never stored: nothing here takes
//! one.
//!
//! # Layout
//! - [`StateStore`]: open, watermarks, flush.
//! - `base`: base values and pools, one record per SKU (load, record,
//!   forget).
//! - [`journal`]: run ids, markers, batches, outcomes, history.
//! - `codec`: key and value encodings.
#![warn(missing_docs)]

mod base;
mod codec;
pub mod journal;

pub use journal::{
    ItemOutcome, JournalBatch, JournalItem, RunId, RunRecord, RunStatus, RunSummary, marker,
};

use skusync_model::SourceId;
use std::path::{Path, PathBuf};

/// What can go wrong with the state store.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Another process (another `skusync run`, `serve` or `apply`) holds
    /// the database.
    #[error(
        "the state in {dir} is locked by another skusync process (a run, apply or serve in progress); wait for it to finish or stop it"
    )]
    Locked {
        /// The state directory.
        dir: PathBuf,
    },
    /// sled could not open the database.
    #[error("cannot open the state in {dir}: {source}")]
    Open {
        /// The state directory.
        dir: PathBuf,
        /// sled's error.
        source: sled::Error,
    },
    /// A read or write failed.
    #[error("state database error in {dir}: {source}")]
    Db {
        /// The state directory.
        dir: PathBuf,
        /// sled's error.
        source: sled::Error,
    },
    /// A stored value or key cannot be read.
    #[error("corrupt state entry {key} in {tree}: {reason}")]
    Corrupt {
        /// The tree (`base`, `journal`, …).
        tree: &'static str,
        /// The key, with `/` between its parts.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// A value written by a newer (or unknown) format.
    #[error(
        "state entry {key} in {tree} has format {found}, this skusync reads format {}; upgrade skusync",
        codec::FORMAT
    )]
    UnsupportedFormat {
        /// The tree.
        tree: &'static str,
        /// The key.
        key: String,
        /// The format byte found.
        found: u8,
    },
    /// A key part (SKU, source, run id) holds a NUL byte.
    #[error("`{part}` cannot be stored: it contains a NUL byte")]
    BadKey {
        /// The offending part, escaped.
        part: String,
    },
    /// A value could not be encoded.
    #[error("cannot encode a state value: {reason}")]
    Encode {
        /// Why.
        reason: String,
    },
    /// A run id with characters that would break write markers.
    #[error("`{0}` is not a valid run id (use letters, digits, `-`, `_` and `.`)")]
    BadRunId(String),
    /// No journal for this run.
    #[error("no run `{0}` in the journal")]
    UnknownRun(String),
}

/// How often, and how far apart, a held lock is tried again on open.
const LOCK_ATTEMPTS: u32 = 20;
const LOCK_RETRY: std::time::Duration = std::time::Duration::from_millis(25);
const WATERMARKS: &str = "watermarks";

/// The state database of one `state_dir`.
pub struct StateStore {
    dir: PathBuf,
    db: sled::Db,
    base: sled::Tree,
    watermarks: sled::Tree,
    journal: sled::Tree,
    runs: sled::Tree,
}

impl std::fmt::Debug for StateStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateStore")
            .field("dir", &self.dir)
            .finish()
    }
}

/// Something [`StateStore::forget_source`] / [`StateStore::forget_sku`] removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Forgotten {
    /// Base entries removed.
    pub base: u64,
    /// Pools removed.
    pub pools: u64,
    /// Watermarks removed.
    pub watermarks: u64,
}

impl StateStore {
    /// Opens (or creates) the state under `dir`, in sled's low-space mode.
    /// Fails with [`StateError::Locked`] when another process holds it.
    ///
    /// sled releases its file lock from background threads shortly after a
    /// store is dropped, so a lock that is still held is retried for up to
    /// half a second before it is reported: reopening in the same process
    /// works, and another process holding the state is reported promptly.
    pub fn open(dir: impl AsRef<Path>) -> Result<StateStore, StateError> {
        let dir = dir.as_ref().to_path_buf();
        let mut attempts = 0;
        let db = loop {
            let opened = sled::Config::new()
                .path(&dir)
                .mode(sled::Mode::LowSpace)
                .open();
            match opened {
                Ok(db) => break db,
                Err(sled::Error::Io(e)) if e.to_string().contains("could not acquire lock") => {
                    attempts += 1;
                    if attempts >= LOCK_ATTEMPTS {
                        return Err(StateError::Locked { dir });
                    }
                    std::thread::sleep(LOCK_RETRY);
                }
                Err(source) => return Err(StateError::Open { dir, source }),
            }
        };
        let tree = |name: &str| {
            db.open_tree(name).map_err(|source| StateError::Open {
                dir: dir.clone(),
                source,
            })
        };
        Ok(StateStore {
            base: tree(base::BASE)?,
            watermarks: tree(WATERMARKS)?,
            journal: tree(journal::JOURNAL)?,
            runs: tree(journal::RUNS)?,
            db,
            dir,
        })
    }

    /// The state directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub(crate) fn db_err(&self, source: sled::Error) -> StateError {
        StateError::Db {
            dir: self.dir.clone(),
            source,
        }
    }

    /// A source's watermark `name` (opaque to the store).
    pub fn watermark(&self, source: &SourceId, name: &str) -> Result<Option<String>, StateError> {
        let k = codec::key(&[source.as_str(), name])?;
        match self.watermarks.get(&k).map_err(|e| self.db_err(e))? {
            Some(v) => codec::decode(WATERMARKS, &k, &v).map(Some),
            None => Ok(None),
        }
    }

    /// Sets a source's watermark `name`.
    pub fn set_watermark(
        &self,
        source: &SourceId,
        name: &str,
        value: &str,
    ) -> Result<(), StateError> {
        let k = codec::key(&[source.as_str(), name])?;
        self.watermarks
            .insert(k, codec::encode(&value)?)
            .map_err(|e| self.db_err(e))?;
        Ok(())
    }

    /// Removes every watermark of `source`; returns how many.
    pub(crate) fn forget_watermarks(&self, source: &SourceId) -> Result<u64, StateError> {
        let mut n = 0;
        let mut batch = sled::Batch::default();
        for kv in self
            .watermarks
            .scan_prefix(codec::prefix(&[source.as_str()])?)
        {
            let (k, _) = kv.map_err(|e| self.db_err(e))?;
            batch.remove(k);
            n += 1;
        }
        self.watermarks
            .apply_batch(batch)
            .map_err(|e| self.db_err(e))?;
        Ok(n)
    }

    /// Flushes everything to disk (call at the end of a run).
    pub async fn flush_async(&self) -> Result<usize, StateError> {
        self.db.flush_async().await.map_err(|e| self.db_err(e))
    }

    /// Flushes everything to disk, blocking.
    pub fn flush(&self) -> Result<usize, StateError> {
        self.db.flush().map_err(|e| self.db_err(e))
    }
}
