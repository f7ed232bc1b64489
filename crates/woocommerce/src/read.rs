//! Reading a store: every product and every variation, full or incremental.
//!
//! Lists are read with `per_page=100&orderby=id&order=asc` (the order that
//! neither skips nor repeats items while pages are read), `_fields` limited
//! to what the asked fields need. Page 1 tells the page count
//! (`X-WP-TotalPages`); the other pages are then read in parallel, at most
//! `concurrency` requests at a time across the whole read. Items are
//! de-duplicated by id. Variations are read per variable product, whose
//! `variations` id list says whether it has any (no request for a variable
//! product without variations), so a full read costs exactly
//! `ceil(products/100) + Σ ceil(variations_p/100)` requests.
//!
//! Incremental reads ask for `modified_after = watermark − overlap` with
//! `dates_are_gmt=true` (the watermark is WooCommerce's own
//! `date_modified_gmt`, so the store's clock is compared with itself). The
//! variations of every variable product are asked the same way, so an
//! incremental read still costs one request per variable product. The
//! watermark is returned to the caller to keep in state.

use crate::WooCommerce;
use crate::client::{Client, Req};
use crate::wire::{Listing, ReadProblem, WireItem, wire_fields};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use skusync_adapter::AdapterError;
use skusync_model::{FieldName, Record, Snapshot};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tracing::info;

/// Items per page (WooCommerce's maximum).
pub const PER_PAGE: u64 = 100;

/// What the state keeps between reads of one store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watermark {
    /// The newest `date_modified_gmt` seen (the store's clock, UTC).
    pub modified_gmt: DateTime<Utc>,
    /// When the last full read happened (the caller's clock).
    pub last_full: DateTime<Utc>,
}

/// Which items a read asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadMode {
    /// Everything.
    Full,
    /// Items modified since the watermark (minus the configured overlap).
    Since(Watermark),
}

/// What a read covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    /// Every item of the store: an item not listed does not exist.
    Full,
    /// Only items modified after this instant: an item not listed may
    /// exist unchanged (merge with the previous snapshot).
    ChangedSince(DateTime<Utc>),
}

/// The result of [`WooCommerce::read`].
#[derive(Debug, Clone)]
pub struct ReadOutput {
    /// The records read, products first then variations, by id.
    pub snapshot: Snapshot,
    /// Full or partial.
    pub coverage: Coverage,
    /// The watermark to store for the next read (`None` when the store is
    /// empty and there was none before).
    pub watermark: Option<Watermark>,
    /// Items that could not be used fully (no SKU, odd values).
    pub problems: Vec<ReadProblem>,
    /// HTTP requests this read cost (retries included).
    pub requests: u64,
}

fn gmt(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

impl WooCommerce {
    /// Chooses the read mode from the configuration and the stored
    /// watermark: full when configured, when there is no watermark, or when
    /// the last full read is `full_every` old.
    pub fn choose_mode(&self, previous: Option<&Watermark>, now: DateTime<Utc>) -> ReadMode {
        match (self.config.read, previous) {
            (crate::config::ReadPolicy::Full, _) | (_, None) => ReadMode::Full,
            (crate::config::ReadPolicy::Incremental, Some(w)) => {
                let age = now.signed_duration_since(w.last_full);
                match chrono::Duration::from_std(self.config.full_every) {
                    Ok(every) if age < every => ReadMode::Since(*w),
                    _ => ReadMode::Full,
                }
            }
        }
    }

    /// Reads the products and variations the store holds, mapping `fields`.
    /// Reads only: never writes. `now` is the caller's clock, stored as the
    /// time of a full read.
    pub async fn read(
        &self,
        fields: &[FieldName],
        mode: ReadMode,
        now: DateTime<Utc>,
    ) -> Result<ReadOutput, AdapterError> {
        let client = self.client.clone();
        let start = client.requests();
        let sem = Arc::new(Semaphore::new(self.config.concurrency.max(1)));
        let since = match mode {
            ReadMode::Full => None,
            ReadMode::Since(w) => {
                let overlap = chrono::Duration::from_std(self.config.overlap).unwrap_or_default();
                Some(w.modified_gmt - overlap)
            }
        };
        let product_fields = wire_fields(fields, Listing::Products, false);
        let variation_fields = wire_fields(fields, Listing::Variations { parent: 0 }, false);
        let mut filter: Vec<(&str, String)> = vec![];
        if let Some(s) = since {
            filter.push(("modified_after", gmt(s)));
            filter.push(("dates_are_gmt", "true".into()));
        }

        let mut query = vec![("_fields", product_fields)];
        query.extend(filter.iter().cloned());
        let products = list(&client, &sem, "/products".into(), query).await?;

        // Which variable products to read variations of.
        let parents: Vec<(u64, Option<usize>)> = match since {
            None => products
                .iter()
                .filter(|p| p.kind.as_deref() == Some("variable"))
                .map(|p| (p.id, p.variations.as_ref().map(Vec::len)))
                .collect(),
            Some(_) => {
                let q = vec![
                    ("type", "variable".to_string()),
                    ("_fields", "id,type,variations".to_string()),
                ];
                list(&client, &sem, "/products".into(), q)
                    .await?
                    .into_iter()
                    .filter(|p| p.kind.as_deref().is_none_or(|k| k == "variable"))
                    .map(|p| (p.id, p.variations.as_ref().map(Vec::len)))
                    .collect()
            }
        };

        let mut tasks = JoinSet::new();
        for (parent, count) in parents {
            if count == Some(0) {
                continue;
            }
            let (client, sem) = (client.clone(), sem.clone());
            let mut q = vec![("_fields", variation_fields.clone())];
            q.extend(filter.iter().cloned());
            tasks.spawn(async move {
                let route = format!("/products/{parent}/variations");
                (parent, list(&client, &sem, route, q).await)
            });
        }
        let mut variations: BTreeMap<u64, Vec<WireItem>> = BTreeMap::new();
        let mut problems = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            let (parent, result) = joined.map_err(|e| AdapterError::Decode {
                store: client.name().to_string(),
                what: "a variations read".into(),
                detail: e.to_string(),
            })?;
            match result {
                Ok(items) => {
                    variations.insert(parent, items);
                }
                // The parent was deleted while we read.
                Err(AdapterError::Http { status: 404, .. }) => problems.push(ReadProblem {
                    origin: format!("#{parent}"),
                    sku: None,
                    message: "was deleted while its variations were read".into(),
                }),
                Err(e) => return Err(e),
            }
        }

        let mut newest: Option<DateTime<Utc>> = None;
        let mut records: Vec<Record> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let all =
            products
                .iter()
                .map(|p| (Listing::Products, p))
                .chain(variations.iter().flat_map(|(parent, items)| {
                    items
                        .iter()
                        .map(move |v| (Listing::Variations { parent: *parent }, v))
                }));
        for (listing, item) in all {
            if !seen.insert(item.id) {
                continue;
            }
            if let Some(m) = item.modified() {
                newest = Some(newest.map_or(m, |n| n.max(m)));
            }
            records.push(item.to_record(listing, fields, &mut problems));
        }
        // Returned to the caller, who reports them; logged for -v only.
        for p in &problems {
            info!(store = %client.name(), item = %p.origin, sku = p.sku.as_deref().unwrap_or(""), problem = %p.message, "item problem");
        }
        let previous = match mode {
            ReadMode::Full => None,
            ReadMode::Since(w) => Some(w),
        };
        let watermark = match (newest, previous) {
            (Some(n), prev) => Some(Watermark {
                modified_gmt: prev.map_or(n, |p| p.modified_gmt.max(n)),
                last_full: prev.map_or(now, |p| p.last_full),
            }),
            (None, Some(p)) => Some(p),
            (None, None) => None,
        };
        let requests = client.requests() - start;
        info!(
            store = %client.name(),
            records = records.len(),
            requests,
            mode = if since.is_some() { "incremental" } else { "full" },
            "read"
        );
        Ok(ReadOutput {
            snapshot: Snapshot::new(client.name(), records),
            coverage: match since {
                None => Coverage::Full,
                Some(s) => Coverage::ChangedSince(s),
            },
            watermark,
            problems,
            requests,
        })
    }
}

/// Reads one GET and decodes a JSON list.
async fn page(
    client: &Client,
    sem: &Semaphore,
    route: &str,
    query: &[(&str, String)],
    page: u64,
) -> Result<(Vec<WireItem>, Option<u64>), AdapterError> {
    let mut q: Vec<(&str, String)> = vec![
        ("per_page", PER_PAGE.to_string()),
        ("page", page.to_string()),
        ("orderby", "id".into()),
        ("order", "asc".into()),
    ];
    q.extend(query.iter().cloned());
    let req = Req::get(route, &q);
    let resp = {
        let _permit = sem.acquire().await.map_err(|_| AdapterError::Decode {
            store: client.name().to_string(),
            what: format!("GET {route}"),
            detail: "read cancelled".into(),
        })?;
        client
            .send(&req)
            .await
            .map_err(|f| f.to_error(client.name(), client.timeout()))?
    };
    if !resp.ok() {
        return Err(resp.to_error(client.name()));
    }
    if let Some(p) = resp.host_page() {
        return Err(AdapterError::HostPage {
            store: client.name().to_string(),
            status: resp.status,
            detail: p,
        });
    }
    let items: Vec<WireItem> =
        serde_json::from_slice(&resp.body).map_err(|e| AdapterError::Decode {
            store: client.name().to_string(),
            what: format!("GET {route} page {page}"),
            detail: e.to_string(),
        })?;
    Ok((items, resp.total_pages))
}

/// Reads every page of a list, de-duplicated by id, in id order.
async fn list(
    client: &Arc<Client>,
    sem: &Arc<Semaphore>,
    route: String,
    query: Vec<(&'static str, String)>,
) -> Result<Vec<WireItem>, AdapterError> {
    let (first, total_pages) = page(client, sem, &route, &query, 1).await?;
    let mut by_id: BTreeMap<u64, WireItem> = BTreeMap::new();
    let first_len = first.len() as u64;
    by_id.extend(first.into_iter().map(|i| (i.id, i)));
    match total_pages {
        Some(total) if total > 1 => {
            let mut tasks = JoinSet::new();
            for n in 2..=total {
                let (client, sem, route, query) =
                    (client.clone(), sem.clone(), route.clone(), query.clone());
                tasks.spawn(async move { page(&client, &sem, &route, &query, n).await });
            }
            while let Some(joined) = tasks.join_next().await {
                let (items, _) = joined.map_err(|e| AdapterError::Decode {
                    store: client.name().to_string(),
                    what: format!("GET {route}"),
                    detail: e.to_string(),
                })??;
                by_id.extend(items.into_iter().map(|i| (i.id, i)));
            }
        }
        Some(_) => {}
        None => {
            // No page count: walk until a short page.
            let mut n = 1;
            let mut len = first_len;
            while len == PER_PAGE {
                n += 1;
                let (items, _) = page(client, sem, &route, &query, n).await?;
                len = items.len() as u64;
                by_id.extend(items.into_iter().map(|i| (i.id, i)));
            }
        }
    }
    Ok(by_id.into_values().collect())
}
