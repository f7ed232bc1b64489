//! Writing: batch updates of at most 100 items per request, per endpoint
//! (`/products/batch` for products, `/products/{parent}/variations/batch`
//! for each parent's variations), with per-item outcomes mapped back.
//!
//! Each item's changes and its `_skusync_write` marker travel in one update
//! entry. Relative stock changes are sent as `inventory_delta`, absolute
//! ones as `stock_quantity`.
//!
//! # The re-send rule
//! A batch is re-sent only when it certainly was not applied: the
//! connection could not be opened, the host answered 429, or WooCommerce
//! refused the whole request before running it (413 too many items: the
//! batch is split and sent again). A batch answered by a 5xx, a timeout or
//! a dropped connection may have been applied, wholly or partly: its items
//! are reported [`ItemOutcome::Unknown`], the items of later batches
//! [`ItemOutcome::NotAttempted`], and the write stops. The apply step then
//! reads the markers back ([`WooCommerce::read_markers`]).

use crate::WooCommerce;
use crate::client::{Failure, Req};
use crate::wire::{WireBatchResponse, WireItem};
use serde_json::{Map, Value as Json, json};
use skusync_adapter::{
    AdapterError, FieldWrite, ItemOutcome, MARKER_KEY, StockWrites, WriteItem, WriteMarker,
    WriteReport,
};
use skusync_model::{FieldName, RemoteId, Value};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use tracing::{info, warn};

/// WooCommerce's default batch limit.
pub const MAX_BATCH: usize = 100;

/// Builds one update entry, or says why the item cannot be sent.
pub fn update_entry(item: &WriteItem, stock: StockWrites) -> Result<Json, (String, String)> {
    let refuse = |code: &str, message: String| Err((code.to_string(), message));
    let mut entry = Map::new();
    entry.insert("id".into(), json!(item.remote.id));
    let mut stock_written = false;
    for change in &item.changes {
        let (key, value) = match change {
            FieldWrite::AddStock { delta } => {
                if stock == StockWrites::AbsoluteOnly {
                    return refuse(
                        "relative_stock_disabled",
                        "this store is configured with absolute_stock: true; send stock.quantity as an absolute value".into(),
                    );
                }
                ("inventory_delta", json!(delta))
            }
            FieldWrite::Set { field, value } => {
                let wrong = || {
                    Err((
                        "invalid_value".to_string(),
                        format!(
                            "{field} cannot be set to {}",
                            value.as_ref().map_or("nothing".into(), |v| v.to_string())
                        ),
                    ))
                };
                match (field, value) {
                    (FieldName::PriceRegular, Some(Value::Money(d))) => {
                        ("regular_price", json!(d.to_string()))
                    }
                    (FieldName::PriceRegular, None) => ("regular_price", json!("")),
                    (FieldName::PriceSale, Some(Value::Money(d))) => {
                        ("sale_price", json!(d.to_string()))
                    }
                    (FieldName::PriceSale, None) => ("sale_price", json!("")),
                    (FieldName::StockQuantity, Some(Value::Quantity(q))) => {
                        ("stock_quantity", json!(q))
                    }
                    (FieldName::StockStatus, Some(Value::StockStatus(s))) => {
                        ("stock_status", json!(s.as_str()))
                    }
                    (FieldName::StockManage, Some(Value::Flag(b))) => ("manage_stock", json!(b)),
                    (FieldName::StockBackorders, Some(Value::Backorders(b))) => {
                        ("backorders", json!(b.as_str()))
                    }
                    (FieldName::Name, Some(Value::Text(t))) => ("name", json!(t)),
                    (FieldName::Status, Some(Value::Status(s))) => ("status", json!(s.as_str())),
                    _ => return wrong(),
                }
            }
        };
        if key == "inventory_delta" || key == "stock_quantity" {
            if stock_written {
                return refuse(
                    "conflicting_stock_writes",
                    "the item has two stock changes; send one".into(),
                );
            }
            stock_written = true;
        }
        if entry.insert(key.into(), value).is_some() {
            return refuse(
                "duplicate_field",
                format!("the item changes `{key}` twice; send one change per field"),
            );
        }
    }
    if let Some(marker) = &item.marker {
        entry.insert(
            "meta_data".into(),
            json!([{"key": MARKER_KEY, "value": marker.to_string()}]),
        );
    }
    Ok(Json::Object(entry))
}

/// Whether WooCommerce's per-item error may go away if sent again.
fn item_error_retryable(code: &str, status: Option<u16>) -> bool {
    code == "woocommerce_rest_product_not_created" || status.is_some_and(|s| s >= 500)
}

/// Parses "Unable to accept more than N items for this request."
fn limit_from_message(message: &str) -> Option<usize> {
    message
        .split_whitespace()
        .find_map(|w| w.parse::<usize>().ok())
        .filter(|n| *n > 0)
}

impl WooCommerce {
    /// Writes `items` in batches; one outcome per item, in order. See the
    /// module doc for when a batch is re-sent.
    pub async fn write_items(&self, items: &[WriteItem]) -> WriteReport {
        let client = &self.client;
        let start = client.requests();
        let mut outcomes: Vec<Option<ItemOutcome>> = vec![None; items.len()];
        // Endpoint → (index, entry), in input order.
        let mut groups: BTreeMap<Option<u64>, Vec<(usize, Json)>> = BTreeMap::new();
        for (i, item) in items.iter().enumerate() {
            match update_entry(item, self.config.stock_writes) {
                Ok(entry) => groups
                    .entry(item.remote.parent_id)
                    .or_default()
                    .push((i, entry)),
                Err((code, message)) => {
                    outcomes[i] = Some(ItemOutcome::Failed {
                        code,
                        message,
                        retryable: false,
                    })
                }
            }
        }
        let mut stopped = false;
        'groups: for (parent, entries) in groups {
            let route = match parent {
                None => "/products/batch".to_string(),
                Some(p) => format!("/products/{p}/variations/batch"),
            };
            let mut pending: &[(usize, Json)] = &entries;
            while !pending.is_empty() {
                if stopped {
                    break 'groups;
                }
                let limit = self.batch_limit.load(Ordering::Relaxed).max(1);
                let take = pending.len().min(limit);
                let (chunk, rest) = pending.split_at(take);
                match self.send_batch(&route, chunk).await {
                    BatchResult::Done(results) => {
                        for (idx, outcome) in results {
                            outcomes[idx] = Some(outcome);
                        }
                        pending = rest;
                    }
                    BatchResult::TooMany(limit) => {
                        let new = limit
                            .unwrap_or(take / 2)
                            .clamp(1, take.saturating_sub(1).max(1));
                        warn!(store = %client.name(), route = %route, limit = new, "the store accepts fewer items per batch; splitting");
                        self.batch_limit.store(new, Ordering::Relaxed);
                        if take == 1 {
                            for (idx, _) in chunk {
                                outcomes[*idx] = Some(ItemOutcome::Failed {
                                    code: "woocommerce_rest_request_entity_too_large".into(),
                                    message: "the store refuses even one item per batch".into(),
                                    retryable: false,
                                });
                            }
                            pending = rest;
                        }
                    }
                    BatchResult::Stop(results) => {
                        for (idx, outcome) in results {
                            outcomes[idx] = Some(outcome);
                        }
                        stopped = true;
                        pending = rest;
                    }
                }
            }
        }
        let outcomes: Vec<ItemOutcome> = outcomes
            .into_iter()
            .map(|o| o.unwrap_or(ItemOutcome::NotAttempted))
            .collect();
        let report = WriteReport {
            outcomes,
            requests: client.requests() - start,
        };
        info!(
            store = %client.name(),
            items = items.len(),
            written = report.written(),
            unknown = report.unknown().len(),
            requests = report.requests,
            "write"
        );
        report
    }

    async fn send_batch(&self, route: &str, chunk: &[(usize, Json)]) -> BatchResult {
        let client = &self.client;
        let body = json!({"update": chunk.iter().map(|(_, e)| e).collect::<Vec<_>>()});
        let req = Req::post(route, serde_json::to_vec(&body).unwrap_or_default());
        let all = |outcome: ItemOutcome| chunk.iter().map(|(i, _)| (*i, outcome.clone())).collect();
        let resp = match client.send(&req).await {
            Ok(r) => r,
            Err(f) if f.not_sent() => {
                let e = f.to_error(client.name(), client.timeout());
                return BatchResult::Stop(all(ItemOutcome::Failed {
                    code: "connection_failed".into(),
                    message: e.to_string(),
                    retryable: true,
                }));
            }
            Err(f) => {
                let reason = match &f {
                    Failure::Timeout => format!(
                        "no answer within {}s; the batch may have been applied",
                        client.timeout().as_secs()
                    ),
                    other => format!(
                        "{}; the batch may have been applied",
                        other.to_error(client.name(), client.timeout())
                    ),
                };
                warn!(store = %client.name(), route, items = chunk.len(), "batch outcome unknown");
                return BatchResult::Stop(all(ItemOutcome::Unknown { reason }));
            }
        };
        if resp.status == 413 {
            let limit = resp.wc_error().and_then(|e| limit_from_message(&e.message));
            return BatchResult::TooMany(limit);
        }
        if resp.status == 429 {
            return BatchResult::Stop(all(ItemOutcome::Failed {
                code: "rate_limited".into(),
                message: "the host kept answering 429 Too Many Requests".into(),
                retryable: true,
            }));
        }
        if resp.status >= 500 || (resp.ok() && resp.host_page().is_some()) {
            let e = resp.to_error(client.name());
            warn!(store = %client.name(), route, status = resp.status, items = chunk.len(), "batch outcome unknown");
            return BatchResult::Stop(all(ItemOutcome::Unknown {
                reason: format!("{e}; the batch may have been applied"),
            }));
        }
        if !resp.ok() {
            // WooCommerce refused the request as a whole before running it.
            let e = resp.to_error(client.name());
            let code = match &e {
                AdapterError::Http { code: Some(c), .. } => c.clone(),
                _ => format!("http_{}", resp.status),
            };
            let outcome = ItemOutcome::Failed {
                code,
                message: e.to_string(),
                retryable: false,
            };
            // An authentication failure will fail every other batch too.
            return if resp.status == 401 || resp.status == 403 {
                BatchResult::Stop(all(outcome))
            } else {
                BatchResult::Done(all(outcome))
            };
        }
        let decoded: WireBatchResponse = match serde_json::from_slice(&resp.body) {
            Ok(d) => d,
            Err(e) => {
                return BatchResult::Stop(all(ItemOutcome::Unknown {
                    reason: format!(
                        "the batch answer could not be read ({e}); it may have been applied"
                    ),
                }));
            }
        };
        let mut results = Vec::with_capacity(chunk.len());
        for (pos, (idx, entry)) in chunk.iter().enumerate() {
            let id = entry.get("id").and_then(Json::as_u64).unwrap_or(0);
            let found = decoded
                .update
                .get(pos)
                .filter(|e| e.id == id)
                .or_else(|| decoded.update.iter().find(|e| e.id == id));
            let writes_stock =
                entry.get("stock_quantity").is_some() || entry.get("inventory_delta").is_some();
            let outcome = match found {
                Some(e) => match &e.error {
                    // WooCommerce saves the item but drops a quantity for an
                    // item that does not manage its own stock.
                    None if writes_stock
                        && e.manage_stock.as_ref().is_some_and(|m| *m != Json::Bool(true)) =>
                    {
                        ItemOutcome::Failed {
                            code: "stock_not_managed".into(),
                            message: "WooCommerce saved the item but ignored the stock change: the item does not manage its own stock (turn on \"Manage stock?\" for it; its other fields were saved)".into(),
                            retryable: false,
                        }
                    }
                    None => ItemOutcome::Written,
                    Some(err) => ItemOutcome::Failed {
                        code: err.code.clone(),
                        message: err.message.clone(),
                        retryable: item_error_retryable(&err.code, err.status()),
                    },
                },
                None => ItemOutcome::Unknown {
                    reason: "the batch answer has no result for this item".into(),
                },
            };
            results.push((*idx, outcome));
        }
        BatchResult::Done(results)
    }

    /// Reads back the `_skusync_write` marker of each item. Reads only.
    pub async fn markers(
        &self,
        items: &[RemoteId],
    ) -> Result<BTreeMap<RemoteId, Option<WriteMarker>>, AdapterError> {
        let client = &self.client;
        let mut groups: BTreeMap<Option<u64>, Vec<RemoteId>> = BTreeMap::new();
        for r in items {
            groups.entry(r.parent_id).or_default().push(*r);
        }
        let mut out = BTreeMap::new();
        for (parent, ids) in groups {
            let route = match parent {
                None => "/products".to_string(),
                Some(p) => format!("/products/{p}/variations"),
            };
            for chunk in ids.chunks(MAX_BATCH) {
                let include = chunk
                    .iter()
                    .map(|r| r.id.to_string())
                    .collect::<Vec<_>>()
                    .join(",");
                let req = Req::get(
                    route.clone(),
                    &[
                        ("include", include),
                        ("per_page", MAX_BATCH.to_string()),
                        ("_fields", "id,meta_data".into()),
                    ],
                );
                let resp = client
                    .send(&req)
                    .await
                    .map_err(|f| f.to_error(client.name(), client.timeout()))?;
                if resp.status == 404 && parent.is_some() {
                    continue; // the parent is gone, and its variations with it
                }
                if !resp.ok() {
                    return Err(resp.to_error(client.name()));
                }
                let list: Vec<WireItem> =
                    serde_json::from_slice(&resp.body).map_err(|e| AdapterError::Decode {
                        store: client.name().to_string(),
                        what: format!("GET {route} (markers)"),
                        detail: e.to_string(),
                    })?;
                for item in list {
                    if let Some(r) = chunk.iter().find(|r| r.id == item.id) {
                        out.insert(*r, item.marker());
                    }
                }
            }
        }
        Ok(out)
    }
}

enum BatchResult {
    /// Every item of the chunk has its outcome; go on.
    Done(Vec<(usize, ItemOutcome)>),
    /// 413: split and send again (the store's limit, when it said).
    TooMany(Option<usize>),
    /// Outcomes for the chunk; stop writing.
    Stop(Vec<(usize, ItemOutcome)>),
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;
    use skusync_model::{Sku, StockStatus};

    fn item(changes: Vec<FieldWrite>) -> WriteItem {
        WriteItem {
            sku: Sku::new("A-1"),
            remote: RemoteId {
                id: 41,
                parent_id: None,
            },
            changes,
            marker: Some(WriteMarker::new("run1", "b1", 3).unwrap()),
        }
    }

    #[test]
    fn entries_carry_values_and_marker_together() {
        let e = update_entry(
            &item(vec![
                FieldWrite::Set {
                    field: FieldName::PriceRegular,
                    value: Some(Value::Money(Decimal::new(7200, 2))),
                },
                FieldWrite::Set {
                    field: FieldName::PriceSale,
                    value: None,
                },
                FieldWrite::AddStock { delta: -3 },
                FieldWrite::Set {
                    field: FieldName::StockStatus,
                    value: Some(Value::StockStatus(StockStatus::InStock)),
                },
            ]),
            StockWrites::Relative,
        )
        .unwrap();
        assert_eq!(
            e,
            json!({"id": 41, "regular_price": "72.00", "sale_price": "", "inventory_delta": -3,
                   "stock_status": "instock",
                   "meta_data": [{"key": "_skusync_write", "value": "run1:b1:3"}]})
        );
        let abs = update_entry(
            &item(vec![FieldWrite::Set {
                field: FieldName::StockQuantity,
                value: Some(Value::Quantity(12)),
            }]),
            StockWrites::AbsoluteOnly,
        )
        .unwrap();
        assert_eq!(abs["stock_quantity"], json!(12));
    }

    #[test]
    fn impossible_items_are_refused_alone() {
        let refused = |changes, stock| update_entry(&item(changes), stock).unwrap_err().0;
        assert_eq!(
            refused(
                vec![FieldWrite::AddStock { delta: 1 }],
                StockWrites::AbsoluteOnly
            ),
            "relative_stock_disabled"
        );
        assert_eq!(
            refused(
                vec![
                    FieldWrite::AddStock { delta: 1 },
                    FieldWrite::Set {
                        field: FieldName::StockQuantity,
                        value: Some(Value::Quantity(3))
                    }
                ],
                StockWrites::Relative
            ),
            "conflicting_stock_writes"
        );
        assert_eq!(
            refused(
                vec![FieldWrite::Set {
                    field: FieldName::StockQuantity,
                    value: None
                }],
                StockWrites::Relative
            ),
            "invalid_value"
        );
        assert_eq!(
            refused(
                vec![FieldWrite::Set {
                    field: FieldName::PriceRegular,
                    value: Some(Value::Quantity(3))
                }],
                StockWrites::Relative
            ),
            "invalid_value"
        );
    }

    #[test]
    fn limits_are_read_from_the_413_message() {
        assert_eq!(
            limit_from_message("Unable to accept more than 100 items for this request."),
            Some(100)
        );
        assert_eq!(limit_from_message("Too large"), None);
    }
}
