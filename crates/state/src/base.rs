//! The base tree: one record per canonical SKU holding every base entry
//! (per side and field) and every merge pool of that SKU.
//!
//! The one design choice a reader must know: a SKU's record is one sled
//! key, so everything recorded for one SKU lands together (a merge's pool
//! and its sides' bases can never be half-written), and loading 100,000
//! SKUs is 100,000 reads, not 700,000. (sled 0.34 also slows to a crawl
//! when one batch inserts hundreds of thousands of small keys.) Key:
//! `s` NUL SKU. Value: the format byte, then JSON:
//! `{"b":[{"f":"price.regular","s":"shop","v":"72.00","n":3,"at":"…","run":"…"}],
//!   "p":[{"f":"stock.quantity","p":12,"at":"…","run":"…"}]}`.

use crate::codec;
use crate::journal::RunId;
use crate::{Forgotten, StateError, StateStore};
use serde::{Deserialize, Serialize};
use skusync_model::{BaseEntry, BaseView, FieldName, Sku, SourceId, StateUpdate, Value};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub(crate) const BASE: &str = "base";

/// One side's stored base entry. Strings are borrowed from the stored
/// bytes when they need no unescaping, so loading allocates little.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredEntry<'a> {
    /// The field.
    f: FieldName,
    /// The side.
    #[serde(borrow)]
    s: Cow<'a, str>,
    /// The value in its text form (`Value`'s `Display`, read back with
    /// `Value::parse`); absent when agreed unset.
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    v: Option<Cow<'a, str>>,
    /// The version.
    n: u64,
    #[serde(borrow)]
    at: Cow<'a, str>,
    #[serde(borrow)]
    run: Cow<'a, str>,
}

/// One stored pool.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredPool<'a> {
    f: FieldName,
    p: i64,
    #[serde(borrow)]
    at: Cow<'a, str>,
    #[serde(borrow)]
    run: Cow<'a, str>,
}

/// Everything stored for one SKU.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct StoredSku<'a> {
    #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
    b: Vec<StoredEntry<'a>>,
    #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
    p: Vec<StoredPool<'a>>,
}

/// Shares the strings a base view repeats (side names, times, run ids), so
/// a view of 600,000 entries holds each once.
#[derive(Default)]
struct Interner {
    sides: HashMap<String, SourceId>,
    strings: HashMap<String, Arc<str>>,
}

impl Interner {
    fn side(&mut self, s: &str) -> SourceId {
        if let Some(id) = self.sides.get(s) {
            return id.clone();
        }
        let id = SourceId::new(s);
        self.sides.insert(s.to_string(), id.clone());
        id
    }

    fn string(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.strings.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.strings.insert(s.to_string(), a.clone());
        a
    }
}

fn sku_key(sku: &Sku) -> Result<Vec<u8>, StateError> {
    codec::key(&["s", sku.as_str()])
}

impl StateStore {
    fn read_sku(&self, key: &[u8]) -> Result<Option<sled::IVec>, StateError> {
        self.base.get(key).map_err(|e| self.db_err(e))
    }

    fn load_into(
        &self,
        view: &mut BaseView,
        interner: &mut Interner,
        key: &[u8],
        value: &[u8],
    ) -> Result<(), StateError> {
        let parts = codec::split(BASE, key)?;
        let [tag, sku] = parts.as_slice() else {
            return Err(StateError::Corrupt {
                tree: BASE,
                key: parts.join("/"),
                reason: "unknown key shape".into(),
            });
        };
        if tag != "s" {
            return Err(StateError::Corrupt {
                tree: BASE,
                key: parts.join("/"),
                reason: "unknown key shape".into(),
            });
        }
        let stored: StoredSku = codec::decode(BASE, key, value)?;
        let sku = Sku::new(sku.as_str());
        for e in stored.b {
            let value = match &e.v {
                None => None,
                Some(text) => Some(Value::parse(e.f, text).map_err(|err| StateError::Corrupt {
                    tree: BASE,
                    key: format!("s/{sku}/{}/{}", e.f, e.s),
                    reason: err.to_string(),
                })?),
            };
            view.insert(
                interner.side(&e.s),
                sku.clone(),
                e.f,
                BaseEntry {
                    value,
                    version: e.n,
                    at: interner.string(&e.at),
                    run: interner.string(&e.run),
                },
            );
        }
        for p in stored.p {
            view.set_pool(sku.clone(), p.f, p.p);
        }
        Ok(())
    }

    /// Every base value and pool.
    pub fn load_base(&self) -> Result<BaseView, StateError> {
        let mut view = BaseView::default();
        let mut interner = Interner::default();
        for kv in self.base.scan_prefix(b"s\0") {
            let (k, v) = kv.map_err(|e| self.db_err(e))?;
            self.load_into(&mut view, &mut interner, &k, &v)?;
        }
        view.shrink_to_fit();
        Ok(view)
    }

    /// The base values and pools of the given canonical SKUs only.
    pub fn load_base_for<'a>(
        &self,
        skus: impl IntoIterator<Item = &'a Sku>,
    ) -> Result<BaseView, StateError> {
        let mut view = BaseView::default();
        let mut interner = Interner::default();
        for sku in skus {
            let k = sku_key(sku)?;
            if let Some(v) = self.base.get(&k).map_err(|e| self.db_err(e))? {
                self.load_into(&mut view, &mut interner, &k, &v)?;
            }
        }
        Ok(view)
    }

    /// Records a run's updates in one atomic batch: each base update bumps
    /// that entry's version by one and stamps `at` and the run; each pool
    /// update replaces the pool. Recording the same updates twice leaves
    /// the same values (only the versions move), so a run that crashed
    /// while recording is completed by recording again.
    pub fn record(&self, run: &RunId, at: &str, updates: &[StateUpdate]) -> Result<(), StateError> {
        let mut by_sku: BTreeMap<&Sku, Vec<&StateUpdate>> = BTreeMap::new();
        for u in updates {
            let sku = match u {
                StateUpdate::Base { sku, .. } | StateUpdate::Pool { sku, .. } => sku,
            };
            by_sku.entry(sku).or_default().push(u);
        }
        let mut batch = sled::Batch::default();
        for (sku, list) in by_sku {
            let key = sku_key(sku)?;
            let old = self.read_sku(&key)?;
            let mut stored: StoredSku = match &old {
                Some(bytes) => codec::decode(BASE, &key, bytes)?,
                None => StoredSku::default(),
            };
            for u in list {
                match u {
                    StateUpdate::Base {
                        side, field, value, ..
                    } => {
                        let v = value.as_ref().map(|v| Cow::Owned(v.to_string()));
                        match stored
                            .b
                            .iter_mut()
                            .find(|e| e.f == *field && e.s == side.as_str())
                        {
                            Some(e) => {
                                e.v = v;
                                e.n += 1;
                                e.at = Cow::Borrowed(at);
                                e.run = Cow::Borrowed(run.as_str());
                            }
                            None => stored.b.push(StoredEntry {
                                f: *field,
                                s: Cow::Borrowed(side.as_str()),
                                v,
                                n: 1,
                                at: Cow::Borrowed(at),
                                run: Cow::Borrowed(run.as_str()),
                            }),
                        }
                    }
                    StateUpdate::Pool { field, value, .. } => {
                        let p = StoredPool {
                            f: *field,
                            p: *value,
                            at: Cow::Borrowed(at),
                            run: Cow::Borrowed(run.as_str()),
                        };
                        match stored.p.iter_mut().find(|e| e.f == *field) {
                            Some(e) => *e = p,
                            None => stored.p.push(p),
                        }
                    }
                }
            }
            batch.insert(key, codec::encode(&stored)?);
        }
        self.base.apply_batch(batch).map_err(|e| self.db_err(e))
    }

    /// Forgets what was agreed with `source` (its base entries, in every
    /// SKU) and its watermarks; pools are shared by all sides and stay.
    /// The next plan treats the source as new (first-run rules for it).
    pub fn forget_source(&self, source: &SourceId) -> Result<Forgotten, StateError> {
        let mut out = Forgotten::default();
        let mut batch = sled::Batch::default();
        for kv in self.base.scan_prefix(b"s\0") {
            let (k, v) = kv.map_err(|e| self.db_err(e))?;
            let mut stored: StoredSku = codec::decode(BASE, &k, &v)?;
            let before = stored.b.len();
            stored.b.retain(|e| e.s.as_ref() != source.as_str());
            let removed = before - stored.b.len();
            if removed > 0 {
                out.base += removed as u64;
                if stored.b.is_empty() && stored.p.is_empty() {
                    batch.remove(k);
                } else {
                    batch.insert(k, codec::encode(&stored)?);
                }
            }
        }
        self.base.apply_batch(batch).map_err(|e| self.db_err(e))?;
        out.watermarks = self.forget_watermarks(source)?;
        Ok(out)
    }

    /// Forgets a canonical SKU: its base entries on every side and its
    /// pools. The next plan treats it as never seen (first run).
    pub fn forget_sku(&self, sku: &Sku) -> Result<Forgotten, StateError> {
        let key = sku_key(sku)?;
        let mut out = Forgotten::default();
        if let Some(bytes) = self.read_sku(&key)? {
            let stored: StoredSku = codec::decode(BASE, &key, &bytes)?;
            out.base = stored.b.len() as u64;
            out.pools = stored.p.len() as u64;
            self.base.remove(&key).map_err(|e| self.db_err(e))?;
        }
        Ok(out)
    }
}
