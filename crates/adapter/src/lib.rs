//! The adapter contract: what the apply step and the CLI ask of every
//! system skusync writes to, and what each answer means.
//!
//! An adapter reads records from one system (each adapter has its own read
//! API, because a store, a file drop and a GraphQL shop are read differently)
//! and, when it can be written, takes a list of [`WriteItem`]s and answers
//! with one [`ItemOutcome`] per item. The shared vocabulary lives here so
//! that the apply step, the journal and the reports never depend on one
//! adapter's wire types.
//!
//! The one rule a reader must know: **an item whose outcome is not known is
//! never re-sent blindly.** A write request that may have reached the system
//! (a batch POST answered by a 5xx, a dropped connection after the body was
//! sent) is reported as [`ItemOutcome::Unknown`]; the apply step then reads
//! the items' [`WriteMarker`]s back with [`Target::read_markers`] to learn
//! which items were written.
//!
//! Dispatch over the closed set of adapters is by enum in the crates that
//! know them all (the CLI and apply), not by `dyn`: [`Target`] uses plain
//! `impl Future` methods, which an enum forwards without boxing.
//!
//! # Layout
//! - [`WriteMarker`], [`FieldWrite`], [`WriteItem`]: what to write.
//! - [`ItemOutcome`], [`WriteReport`]: what happened, item by item.
//! - [`Capabilities`], [`StockWrites`], [`Markers`]: what a target supports.
//! - [`AdapterError`]: failures of a whole request, with [`AdapterError::is_retryable`].
//! - [`Target`]: the write contract.
#![warn(missing_docs)]

use serde::{Deserialize, Serialize};
use skusync_model::{FieldName, RemoteId, Sku, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::time::Duration;

/// The metadata key under which every write carries its [`WriteMarker`]
/// (WooCommerce `meta_data`).
pub const MARKER_KEY: &str = "_skusync_write";

/// Identifies one item of one batch of one run: `RUN:BATCH:ITEM`.
///
/// Sent in the same update as the value it accompanies, so that after a
/// crash or an unknown outcome, reading the item's marker back tells whether
/// that very write landed (see `SEMANTICS.md`, "Writes that survive a crash").
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct WriteMarker {
    run: String,
    batch: String,
    item: u32,
}

/// A marker part that would make `RUN:BATCH:ITEM` ambiguous.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkerError {
    /// The run or batch id is empty or contains `:`.
    #[error("marker part `{0}` must be non-empty and must not contain `:`")]
    BadPart(String),
    /// The text is not `RUN:BATCH:ITEM`.
    #[error("`{0}` is not a skusync write marker (RUN:BATCH:ITEM)")]
    NotAMarker(String),
}

impl WriteMarker {
    /// A marker for item `item` of batch `batch` in run `run`.
    ///
    /// Fails when `run` or `batch` is empty or contains `:`.
    pub fn new(
        run: impl Into<String>,
        batch: impl Into<String>,
        item: u32,
    ) -> Result<Self, MarkerError> {
        let (run, batch) = (run.into(), batch.into());
        for part in [&run, &batch] {
            if part.is_empty() || part.contains(':') {
                return Err(MarkerError::BadPart(part.clone()));
            }
        }
        Ok(WriteMarker { run, batch, item })
    }

    /// Parses `RUN:BATCH:ITEM` as read back from a system.
    pub fn parse(text: &str) -> Result<Self, MarkerError> {
        let bad = || MarkerError::NotAMarker(text.to_string());
        let mut parts = text.split(':');
        let (Some(run), Some(batch), Some(item), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let item = item.parse().map_err(|_| bad())?;
        WriteMarker::new(run, batch, item).map_err(|_| bad())
    }

    /// The run id.
    pub fn run(&self) -> &str {
        &self.run
    }

    /// The batch id within the run.
    pub fn batch(&self) -> &str {
        &self.batch
    }

    /// The item number within the batch.
    pub fn item(&self) -> u32 {
        self.item
    }
}

impl fmt::Display for WriteMarker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.run, self.batch, self.item)
    }
}

/// One field change inside a [`WriteItem`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldWrite {
    /// Set `field` to `value` (absolute). `None` clears the field (an empty
    /// sale price); for `stock.quantity` it is refused by adapters that
    /// cannot clear a quantity.
    Set {
        /// The field written.
        field: FieldName,
        /// The new value; `None` unsets it.
        value: Option<Value>,
    },
    /// Add `delta` to the stock quantity (relative, `merge: delta`). Only
    /// sent to targets whose [`Capabilities::stock_writes`] is
    /// [`StockWrites::Relative`].
    AddStock {
        /// Units to add (negative to remove).
        delta: i64,
    },
}

impl FieldWrite {
    /// The field this change touches.
    pub fn field(&self) -> FieldName {
        match self {
            FieldWrite::Set { field, .. } => *field,
            FieldWrite::AddStock { .. } => FieldName::StockQuantity,
        }
    }
}

/// Everything to write to one item (product or variation) of a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteItem {
    /// The SKU, for messages and the journal.
    pub sku: Sku,
    /// Where the item lives (a variation carries its parent's id).
    pub remote: RemoteId,
    /// The field changes, all sent in one update of the item.
    pub changes: Vec<FieldWrite>,
    /// The marker sent with the changes (strongly recommended: without it
    /// an unknown outcome cannot be resolved).
    pub marker: Option<WriteMarker>,
}

/// What happened to one [`WriteItem`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ItemOutcome {
    /// The target confirmed the write: the base state may be updated.
    Written,
    /// The target refused this item (the others are unaffected).
    Failed {
        /// The system's error code (`woocommerce_rest_product_invalid_id`)
        /// or an adapter code (`unsupported_field`).
        code: String,
        /// The system's message, for people.
        message: String,
        /// True when sending the same item again later may succeed
        /// (the item was certainly not applied).
        retryable: bool,
    },
    /// The item was not sent (an earlier request failed in a way that
    /// stopped the write, or the write was cancelled). Certainly not applied.
    NotAttempted,
    /// The request carrying the item may or may not have been applied (a
    /// 5xx or a dropped connection after sending). Never re-send it blindly:
    /// read its marker back with [`Target::read_markers`].
    Unknown {
        /// What happened, for the journal and the report.
        reason: String,
    },
}

impl ItemOutcome {
    /// True for [`ItemOutcome::Written`].
    pub fn is_written(&self) -> bool {
        matches!(self, ItemOutcome::Written)
    }
}

/// The answer to [`Target::write`]: one outcome per item, in the order of
/// the items given.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WriteReport {
    /// `outcomes[i]` belongs to `items[i]`.
    pub outcomes: Vec<ItemOutcome>,
    /// How many HTTP requests (or files) the write cost.
    pub requests: u64,
}

impl WriteReport {
    /// How many items were confirmed written.
    pub fn written(&self) -> usize {
        self.outcomes.iter().filter(|o| o.is_written()).count()
    }

    /// Indexes of items whose outcome is unknown and must be verified.
    pub fn unknown(&self) -> Vec<usize> {
        self.outcomes
            .iter()
            .enumerate()
            .filter(|(_, o)| matches!(o, ItemOutcome::Unknown { .. }))
            .map(|(i, _)| i)
            .collect()
    }
}

/// How a target takes stock changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockWrites {
    /// Relative writes ([`FieldWrite::AddStock`]) are applied server-side
    /// against the current value (WooCommerce `inventory_delta`).
    Relative,
    /// Only absolute values: the apply step re-reads right before writing.
    AbsoluteOnly,
}

/// Whether a target stores [`WriteMarker`]s with its writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Markers {
    /// Markers are stored with the item and can be read back.
    Stored,
    /// Markers are ignored (e.g. an export file, written atomically).
    Unsupported,
}

/// What a target supports; the apply step plans its batches from this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// Relative or absolute stock writes.
    pub stock_writes: StockWrites,
    /// The most items one request may carry (WooCommerce: 100). The adapter
    /// splits larger writes itself; this tells the apply step how the
    /// journal's batches will map to requests.
    pub max_batch: usize,
    /// Whether markers can be read back.
    pub markers: Markers,
}

/// A failure of a whole request or operation (per-item failures are
/// [`ItemOutcome::Failed`] instead).
///
/// Messages never contain credentials or URLs with credentials.
#[derive(Debug, thiserror::Error)]
pub enum AdapterError {
    /// The adapter's configuration cannot work (bad URL, unreadable CA file).
    #[error("{store}: {message}")]
    Config {
        /// The source name.
        store: String,
        /// What is wrong and what to write instead.
        message: String,
    },
    /// No connection could be made (DNS, refused, TLS handshake, reset).
    #[error("{store}: cannot connect: {detail}")]
    Connect {
        /// The source name.
        store: String,
        /// The cause, for people.
        detail: String,
    },
    /// No answer in time.
    #[error("{store}: no answer within {}s", after.as_secs())]
    Timeout {
        /// The source name.
        store: String,
        /// The time waited.
        after: Duration,
    },
    /// The system answered with an error status and a JSON error body (or
    /// none).
    #[error("{store}: HTTP {status}{}: {message}", code.as_deref().map(|c| format!(" {c}")).unwrap_or_default())]
    Http {
        /// The source name.
        store: String,
        /// The HTTP status.
        status: u16,
        /// The system's error code (`woocommerce_rest_authentication_error`).
        code: Option<String>,
        /// The system's message.
        message: String,
    },
    /// The host (not the application) answered: an HTML page or other
    /// non-JSON body (firewall, proxy, maintenance page, blocked route).
    #[error("{store}: HTTP {status} with a web page instead of JSON ({detail})")]
    HostPage {
        /// The source name.
        store: String,
        /// The HTTP status.
        status: u16,
        /// The page's title or first words.
        detail: String,
    },
    /// A response could not be understood.
    #[error("{store}: unreadable response from {what}: {detail}")]
    Decode {
        /// The source name.
        store: String,
        /// Which request (`GET /wc/v3/products page 3`).
        what: String,
        /// What did not fit.
        detail: String,
    },
    /// A write request may have been applied; its items are reported
    /// [`ItemOutcome::Unknown`] (returned as an error only where no per-item
    /// report is possible).
    #[error("{store}: outcome unknown: {detail}")]
    OutcomeUnknown {
        /// The source name.
        store: String,
        /// What happened.
        detail: String,
    },
}

impl AdapterError {
    /// True when the same operation may succeed if tried again later and
    /// trying again cannot duplicate anything: connection failures,
    /// timeouts, 429 and 5xx answers. Configuration, authentication and
    /// decoding errors, and unknown outcomes, are not retryable.
    pub fn is_retryable(&self) -> bool {
        match self {
            AdapterError::Connect { .. } | AdapterError::Timeout { .. } => true,
            AdapterError::Http { status, .. } | AdapterError::HostPage { status, .. } => {
                *status == 429 || (500..600).contains(status)
            }
            AdapterError::Config { .. }
            | AdapterError::Decode { .. }
            | AdapterError::OutcomeUnknown { .. } => false,
        }
    }

    /// The HTTP status, when the system answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            AdapterError::Http { status, .. } | AdapterError::HostPage { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }
}

/// A system skusync can write to.
///
/// Implementations must: never write in any method other than
/// [`Target::write`]; send each item's changes and marker in one update;
/// split items into requests of at most [`Capabilities::max_batch`];
/// report one outcome per item, in order, where one failed item never fails
/// its neighbours; and never re-send a request that may have been applied.
pub trait Target {
    /// What the target supports.
    fn capabilities(&self) -> Capabilities;

    /// Writes `items` and reports one outcome per item, in order.
    ///
    /// `Ok` even when some or all items failed: per-item failures are in the
    /// report. `Err` only when nothing was sent (so every item is certainly
    /// not applied), e.g. the configuration cannot work.
    fn write(
        &self,
        items: &[WriteItem],
    ) -> impl Future<Output = Result<WriteReport, AdapterError>> + Send;

    /// Reads back the current marker of each item (`None`: the item carries
    /// no marker; an item absent from the map no longer exists). Reads only.
    fn read_markers(
        &self,
        items: &[RemoteId],
    ) -> impl Future<Output = Result<BTreeMap<RemoteId, Option<WriteMarker>>, AdapterError>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_round_trips_and_refuses_ambiguity() {
        let m = WriteMarker::new("run1", "b1", 7).unwrap();
        assert_eq!(m.to_string(), "run1:b1:7");
        assert_eq!(WriteMarker::parse("run1:b1:7").unwrap(), m);
        assert!(WriteMarker::new("a:b", "c", 1).is_err());
        assert!(WriteMarker::new("", "c", 1).is_err());
        for bad in ["run1:b1", "run1:b1:x", "a:b:1:2", "::1"] {
            assert!(WriteMarker::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn retryable_errors_are_the_ones_safe_to_repeat() {
        let http = |status| AdapterError::Http {
            store: "shop".into(),
            status,
            code: None,
            message: String::new(),
        };
        assert!(http(429).is_retryable());
        assert!(http(503).is_retryable());
        assert!(!http(401).is_retryable());
        assert!(!http(404).is_retryable());
        assert!(
            !AdapterError::OutcomeUnknown {
                store: "shop".into(),
                detail: "HTTP 502 after sending".into()
            }
            .is_retryable()
        );
        assert!(
            AdapterError::Timeout {
                store: "shop".into(),
                after: Duration::from_secs(30)
            }
            .is_retryable()
        );
    }

    #[test]
    fn http_error_names_status_and_code() {
        let e = AdapterError::Http {
            store: "shop".into(),
            status: 401,
            code: Some("woocommerce_rest_authentication_error".into()),
            message: "Consumer secret is invalid.".into(),
        };
        assert_eq!(
            e.to_string(),
            "shop: HTTP 401 woocommerce_rest_authentication_error: Consumer secret is invalid."
        );
    }

    #[test]
    fn outcomes_serialise_tagged() {
        let o = ItemOutcome::Failed {
            code: "x".into(),
            message: "y".into(),
            retryable: false,
        };
        assert_eq!(
            serde_json::to_string(&o).unwrap(),
            r#"{"outcome":"failed","code":"x","message":"y","retryable":false}"#
        );
        let r = WriteReport {
            outcomes: vec![
                ItemOutcome::Written,
                ItemOutcome::Unknown {
                    reason: "502".into(),
                },
                ItemOutcome::NotAttempted,
            ],
            requests: 1,
        };
        assert_eq!(r.written(), 1);
        assert_eq!(r.unknown(), vec![1]);
    }
}
