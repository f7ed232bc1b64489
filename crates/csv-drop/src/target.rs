//! The export side as a `skusync_adapter::Target`, so the apply step writes
//! to a csv source the way it writes to a store.
//!
//! One `write` call is one export file holding every item (a file has no
//! request size limit, and one file per run is what an ERP expects). An
//! item is `Written` once the file is in the outbox under its final name:
//! for a file drop that is the target's confirmation. When the ERP has not
//! picked up the previous export (`overwrite: false`) nothing is written and
//! every item is `NotAttempted`: certainly not applied, planned again next
//! run. Files carry no markers, and the atomic write leaves no unknown
//! outcome: an item is either in the complete file or not written at all.

use crate::error::CsvDropError;
use crate::export::{ExportOutcome, ExportRow, Outbox};
use skusync_adapter::{
    AdapterError, Capabilities, FieldWrite, ItemOutcome, Markers, StockWrites, Target, WriteItem,
    WriteMarker, WriteReport,
};
use skusync_model::{RemoteId, Sku};
use std::collections::BTreeMap;
use std::time::SystemTime;

/// A csv source's outbox as a write target.
#[derive(Debug, Clone)]
pub struct CsvTarget {
    source: String,
    outbox: Outbox,
}

impl CsvTarget {
    /// The target `source` (its name in the rules) writing through `outbox`.
    pub fn new(source: impl Into<String>, outbox: Outbox) -> Self {
        CsvTarget {
            source: source.into(),
            outbox,
        }
    }

    /// Writes `items` as one export file made at `now`.
    pub fn write_at(
        &self,
        items: &[WriteItem],
        now: SystemTime,
    ) -> Result<WriteReport, AdapterError> {
        let exported = self.outbox.fields();
        let mut outcomes: Vec<ItemOutcome> = Vec::with_capacity(items.len());
        // One row per SKU, in first-seen order; items for the same SKU merge.
        let mut rows: Vec<ExportRow> = Vec::new();
        let mut row_of: BTreeMap<Sku, usize> = BTreeMap::new();
        let mut item_row: Vec<Option<usize>> = Vec::with_capacity(items.len());
        for item in items {
            let refused = item.changes.iter().find_map(|change| match change {
                FieldWrite::AddStock { .. } => Some((
                    "unsupported_write",
                    "an export file takes absolute stock values, not deltas".to_string(),
                )),
                FieldWrite::Set { field, .. } if !exported.contains(field) => Some((
                    "unsupported_field",
                    format!("export.columns does not list {field}"),
                )),
                FieldWrite::Set { .. } => None,
            });
            if let Some((code, message)) = refused {
                outcomes.push(ItemOutcome::Failed {
                    code: code.to_string(),
                    message,
                    retryable: false,
                });
                item_row.push(None);
                continue;
            }
            let index = *row_of.entry(item.sku.clone()).or_insert_with(|| {
                rows.push(ExportRow {
                    sku: item.sku.clone(),
                    values: BTreeMap::new(),
                });
                rows.len() - 1
            });
            for change in &item.changes {
                if let FieldWrite::Set { field, value } = change {
                    rows[index].values.insert(*field, value.clone());
                }
            }
            outcomes.push(ItemOutcome::NotAttempted);
            item_row.push(Some(index));
        }
        if rows.is_empty() {
            return Ok(WriteReport {
                outcomes,
                requests: 0,
            });
        }
        let written = match self.outbox.export(&rows, now) {
            Ok(ExportOutcome::Written { .. }) => true,
            Ok(ExportOutcome::NotPickedUp { pending }) => {
                tracing::info!(target_name = %self.source, pending = pending.len(), "export not written: the ERP has not picked up the previous one");
                false
            }
            Err(e) => return Err(self.error(e)),
        };
        if written {
            for (outcome, row) in outcomes.iter_mut().zip(&item_row) {
                if row.is_some() {
                    *outcome = ItemOutcome::Written;
                }
            }
        }
        Ok(WriteReport {
            outcomes,
            requests: u64::from(written),
        })
    }

    fn error(&self, e: CsvDropError) -> AdapterError {
        AdapterError::Config {
            store: self.source.clone(),
            message: e.to_string(),
        }
    }
}

impl Target for CsvTarget {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            stock_writes: StockWrites::AbsoluteOnly,
            max_batch: usize::MAX,
            markers: Markers::Unsupported,
        }
    }

    /// Nothing is written before the file is complete; an I/O error means
    /// no file appeared, so every item is certainly not applied.
    async fn write(&self, items: &[WriteItem]) -> Result<WriteReport, AdapterError> {
        self.write_at(items, SystemTime::now())
    }

    /// Files carry no markers: every item reads back as `None`.
    async fn read_markers(
        &self,
        items: &[RemoteId],
    ) -> Result<BTreeMap<RemoteId, Option<WriteMarker>>, AdapterError> {
        Ok(items.iter().map(|id| (*id, None)).collect())
    }
}
