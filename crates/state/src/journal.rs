//! The run journal and run history.
//!
//! Apply writes in this order, so that a crash at any point loses nothing
//! and duplicates nothing:
//!
//! 1. [`StateStore::begin_run`]: the run id, its start time and the plan it
//!    applies (opaque JSON, so a crashed run can be settled later);
//! 2. for each batch, [`StateStore::record_batch`] *before* sending it: the
//!    target, the batch id and every item with its marker `RUN:BATCH:ITEM`
//!    (sent in the item's `meta_data` as `_skusync_write`);
//! 3. after the target answers, [`StateStore::record_outcomes`];
//! 4. the base updates ([`StateStore::record`]), then
//!    [`StateStore::complete_run`] with a summary.
//!
//! After a crash, [`StateStore::open_runs`] lists runs that never completed;
//! their batches with [`ItemOutcome::Pending`] items are resolved by
//! re-reading those items' markers, never by re-sending blindly.

use crate::codec;
use crate::{StateError, StateStore};
use serde::{Deserialize, Serialize};
use skusync_model::{FieldName, RemoteId, Sku, SourceId};

pub(crate) const JOURNAL: &str = "journal";
pub(crate) const RUNS: &str = "runs";

/// A run's id: letters, digits, `-`, `_` and `.` (it is part of every write
/// marker, whose parts are separated by `:`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RunId(String);

impl RunId {
    /// Checks and wraps a run id.
    pub fn new(s: impl Into<String>) -> Result<RunId, StateError> {
        let s = s.into();
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if ok {
            Ok(RunId(s))
        } else {
            Err(StateError::BadRunId(s))
        }
    }

    /// The id text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for RunId {
    type Error = StateError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        RunId::new(s)
    }
}

impl From<RunId> for String {
    fn from(r: RunId) -> String {
        r.0
    }
}

impl std::fmt::Display for RunId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The write marker of one item: `RUN:BATCH:ITEM`.
pub fn marker(run: &RunId, batch: &str, item: u32) -> String {
    format!("{run}:{batch}:{item}")
}

/// One item of a journalled batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalItem {
    /// The item's number within the batch.
    pub item: u32,
    /// Its marker, `RUN:BATCH:ITEM`.
    pub marker: String,
    /// The canonical SKU.
    pub sku: Sku,
    /// The field written (one item may carry several fields: one entry each).
    pub field: FieldName,
    /// Where the item lives in the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<RemoteId>,
    /// The change's index in the plan's `changes`.
    pub change: usize,
}

/// What happened to one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ItemOutcome {
    /// Sent (or about to be) and not answered yet: after a crash, re-read
    /// the item's marker to know.
    Pending,
    /// The target confirmed the write.
    Confirmed,
    /// The target refused it.
    Failed {
        /// The target's message (WooCommerce code and text).
        message: String,
    },
    /// Never sent.
    NotSent,
}

/// A batch of writes to one target, as journalled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalBatch {
    /// The target.
    pub target: SourceId,
    /// The batch id (unique within the run; no `:`).
    pub batch: String,
    /// The items.
    pub items: Vec<JournalItem>,
    /// One outcome per item, in item order (all `Pending` until recorded).
    pub outcomes: Vec<ItemOutcome>,
}

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Begun and not completed (running, or crashed).
    Open,
    /// Completed and its state recorded.
    Completed,
    /// Stopped on purpose (guard tripped, refused) after it began.
    Aborted,
}

/// Counts of a finished run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSummary {
    /// Changes in the plan.
    pub planned: u64,
    /// Writes the targets confirmed.
    pub confirmed: u64,
    /// Writes that failed.
    pub failed: u64,
    /// Writes never sent.
    pub not_sent: u64,
    /// A note for people (why it was aborted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One run in the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The run.
    pub run: RunId,
    /// When it began (RFC 3339, UTC).
    pub started_at: String,
    /// When it ended.
    #[serde(default)]
    pub finished_at: Option<String>,
    /// Where it stands.
    pub status: RunStatus,
    /// Its counts, once finished.
    #[serde(default)]
    pub summary: Option<RunSummary>,
}

impl StateStore {
    fn get_run(&self, run: &RunId) -> Result<Option<RunRecord>, StateError> {
        let k = codec::key(&[run.as_str()])?;
        match self.runs.get(&k).map_err(|e| self.db_err(e))? {
            Some(v) => codec::decode(RUNS, &k, &v).map(Some),
            None => Ok(None),
        }
    }

    fn put_run(&self, rec: &RunRecord) -> Result<(), StateError> {
        let k = codec::key(&[rec.run.as_str()])?;
        self.runs
            .insert(k, codec::encode(rec)?)
            .map_err(|e| self.db_err(e))?;
        Ok(())
    }

    /// Begins a run: records it as open, with the plan it applies.
    pub fn begin_run(
        &self,
        run: &RunId,
        started_at: &str,
        plan_json: &str,
    ) -> Result<(), StateError> {
        self.journal
            .insert(
                codec::key(&[run.as_str(), "plan"])?,
                codec::encode(&plan_json)?,
            )
            .map_err(|e| self.db_err(e))?;
        self.put_run(&RunRecord {
            run: run.clone(),
            started_at: started_at.to_string(),
            finished_at: None,
            status: RunStatus::Open,
            summary: None,
        })
    }

    /// The plan a run applies, as given to [`StateStore::begin_run`].
    pub fn run_plan(&self, run: &RunId) -> Result<String, StateError> {
        let k = codec::key(&[run.as_str(), "plan"])?;
        match self.journal.get(&k).map_err(|e| self.db_err(e))? {
            Some(v) => codec::decode(JOURNAL, &k, &v),
            None => Err(StateError::UnknownRun(run.to_string())),
        }
    }

    /// Records a batch before it is sent. Its outcomes are set to
    /// `Pending` when not given.
    pub fn record_batch(&self, run: &RunId, batch: &JournalBatch) -> Result<(), StateError> {
        if self.get_run(run)?.is_none() {
            return Err(StateError::UnknownRun(run.to_string()));
        }
        let mut b = batch.clone();
        b.outcomes.resize(b.items.len(), ItemOutcome::Pending);
        let k = codec::key(&[run.as_str(), "batch", &batch.batch])?;
        self.journal
            .insert(k, codec::encode(&b)?)
            .map_err(|e| self.db_err(e))?;
        Ok(())
    }

    /// Records the outcomes of a journalled batch (one per item, in order).
    pub fn record_outcomes(
        &self,
        run: &RunId,
        batch: &str,
        outcomes: &[ItemOutcome],
    ) -> Result<(), StateError> {
        let k = codec::key(&[run.as_str(), "batch", batch])?;
        let Some(v) = self.journal.get(&k).map_err(|e| self.db_err(e))? else {
            return Err(StateError::UnknownRun(format!("{run}:{batch}")));
        };
        let mut b: JournalBatch = codec::decode(JOURNAL, &k, &v)?;
        for (slot, o) in b.outcomes.iter_mut().zip(outcomes) {
            *slot = o.clone();
        }
        self.journal
            .insert(k, codec::encode(&b)?)
            .map_err(|e| self.db_err(e))?;
        Ok(())
    }

    /// Every journalled batch of a run, in batch-id order.
    pub fn batches(&self, run: &RunId) -> Result<Vec<JournalBatch>, StateError> {
        let mut out = Vec::new();
        for kv in self
            .journal
            .scan_prefix(codec::prefix(&[run.as_str(), "batch"])?)
        {
            let (k, v) = kv.map_err(|e| self.db_err(e))?;
            out.push(codec::decode(JOURNAL, &k, &v)?);
        }
        Ok(out)
    }

    /// Ends a run with its status and summary.
    pub fn complete_run(
        &self,
        run: &RunId,
        finished_at: &str,
        status: RunStatus,
        summary: RunSummary,
    ) -> Result<(), StateError> {
        let Some(mut rec) = self.get_run(run)? else {
            return Err(StateError::UnknownRun(run.to_string()));
        };
        rec.finished_at = Some(finished_at.to_string());
        rec.status = status;
        rec.summary = Some(summary);
        self.put_run(&rec)
    }

    /// Runs that began and never finished (crashed or still running).
    pub fn open_runs(&self) -> Result<Vec<RunRecord>, StateError> {
        Ok(self
            .history()?
            .into_iter()
            .filter(|r| r.status == RunStatus::Open)
            .collect())
    }

    /// Every run, oldest first (by start time, then id).
    pub fn history(&self) -> Result<Vec<RunRecord>, StateError> {
        let mut out: Vec<RunRecord> = Vec::new();
        for kv in self.runs.iter() {
            let (k, v) = kv.map_err(|e| self.db_err(e))?;
            out.push(codec::decode(RUNS, &k, &v)?);
        }
        out.sort_by(|a, b| (&a.started_at, &a.run).cmp(&(&b.started_at, &b.run)));
        Ok(out)
    }

    /// Drops the journal (plan and batches) of finished runs, keeping their
    /// history records. Returns how many journal entries were removed.
    pub fn prune_journal(&self) -> Result<u64, StateError> {
        let mut n = 0;
        for rec in self.history()? {
            if rec.status == RunStatus::Open {
                continue;
            }
            let mut batch = sled::Batch::default();
            for kv in self
                .journal
                .scan_prefix(codec::prefix(&[rec.run.as_str()])?)
            {
                let (k, _) = kv.map_err(|e| self.db_err(e))?;
                batch.remove(k);
                n += 1;
            }
            self.journal
                .apply_batch(batch)
                .map_err(|e| self.db_err(e))?;
        }
        Ok(n)
    }
}
