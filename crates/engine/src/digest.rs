//! `inputs_digest`: a SHA-256 over a canonical encoding of every input.
//!
//! The encoding is independent of read order and of hash-map iteration,
//! and is streamed into the hasher while the engine walks its sorted SKUs
//! (no second sort, no large buffer):
//!
//! 1. the rules digest;
//! 2. for each canonical SKU in order: each source's records of it (source
//!    order; records of one source that share the SKU, a duplicate, sorted
//!    by their encoding), then the SKU's base entries sorted by (field,
//!    side) and its pools sorted by field;
//! 3. records without a SKU, per source, sorted by their encoding;
//! 4. base entries and pools of SKUs no snapshot lists, sorted.
//!
//! Every variable-length part is length-prefixed, so no SKU or name can
//! forge a boundary. Money is encoded with its scale (`20` and `20.00`
//! differ: the plan writes the scale it read). The base bookkeeping
//! (version, time, run) is left out: it does not change a plan.

use sha2::{Digest, Sha256};
use skusync_model::{BaseView, FieldName, Record, RecordKind, SideBase, Sku, Value};
use smallvec::SmallVec;

/// Streams the canonical encoding into SHA-256.
pub(crate) struct Digester {
    h: Sha256,
    buf: Vec<u8>,
    /// Base SKUs (values, pools) seen while walking the rows.
    seen_values: usize,
    seen_pools: usize,
}

fn put_str(buf: &mut Vec<u8>, s: &str) {
    buf.extend_from_slice(&(s.len() as u64).to_le_bytes());
    buf.extend_from_slice(s.as_bytes());
}

/// Like [`put_str`] for the text `d` displays as, without building it.
fn put_display(buf: &mut Vec<u8>, d: &impl std::fmt::Display) {
    use std::io::Write as _;
    let at = buf.len();
    buf.extend_from_slice(&0u64.to_le_bytes());
    // Writing into a Vec cannot fail.
    let _ = write!(buf, "{d}");
    let len = (buf.len() - at - 8) as u64;
    buf[at..at + 8].copy_from_slice(&len.to_le_bytes());
}

fn field_tag(f: FieldName) -> u8 {
    FieldName::ALL.iter().position(|x| *x == f).unwrap_or(255) as u8
}

fn put_value(buf: &mut Vec<u8>, v: Option<&Value>) {
    match v {
        None => buf.push(0),
        Some(Value::Money(d)) => {
            buf.push(1);
            buf.extend_from_slice(&d.serialize());
        }
        Some(Value::Quantity(q)) => {
            buf.push(2);
            buf.extend_from_slice(&q.to_le_bytes());
        }
        Some(Value::Text(t)) => {
            buf.push(3);
            put_str(buf, t);
        }
        Some(Value::Flag(b)) => buf.extend_from_slice(&[4, u8::from(*b)]),
        Some(Value::StockStatus(s)) => {
            buf.push(5);
            put_str(buf, s.as_str());
        }
        Some(Value::Backorders(s)) => {
            buf.push(6);
            put_str(buf, s.as_str());
        }
        Some(Value::Status(s)) => {
            buf.push(7);
            put_str(buf, s.as_str());
        }
    }
}

fn put_record(buf: &mut Vec<u8>, r: &Record) {
    buf.push(b'R');
    put_str(buf, r.sku.as_str());
    match r.remote {
        Some(id) => {
            buf.push(1);
            buf.extend_from_slice(&id.id.to_le_bytes());
            match id.parent_id {
                Some(p) => {
                    buf.push(1);
                    buf.extend_from_slice(&p.to_le_bytes());
                }
                None => buf.push(0),
            }
        }
        None => buf.push(0),
    }
    buf.push(match r.kind {
        RecordKind::Simple => 0,
        RecordKind::Variable => 1,
        RecordKind::Variation => 2,
        RecordKind::Other => 3,
    });
    buf.extend_from_slice(&(r.fields.len() as u64).to_le_bytes());
    for (f, v) in &r.fields {
        buf.push(field_tag(f));
        put_value(buf, v.as_ref());
    }
    match &r.origin {
        Some(o) => {
            buf.push(1);
            put_display(buf, o);
        }
        None => buf.push(0),
    }
}

fn put_base(buf: &mut Vec<u8>, sku: &Sku, entries: &[SideBase], pools: &[(FieldName, i64)]) {
    if !entries.is_empty() {
        let mut sorted: SmallVec<[&SideBase; 8]> = entries.iter().collect();
        sorted.sort_by(|a, b| (a.field, &a.side).cmp(&(b.field, &b.side)));
        buf.push(b'B');
        put_str(buf, sku.as_str());
        buf.extend_from_slice(&(sorted.len() as u64).to_le_bytes());
        for b in sorted {
            buf.push(field_tag(b.field));
            put_str(buf, b.side.as_str());
            put_value(buf, b.entry.value.as_ref());
        }
    }
    if !pools.is_empty() {
        let mut sorted: SmallVec<[&(FieldName, i64); 4]> = pools.iter().collect();
        sorted.sort();
        buf.push(b'P');
        put_str(buf, sku.as_str());
        buf.extend_from_slice(&(sorted.len() as u64).to_le_bytes());
        for (f, p) in sorted {
            buf.push(field_tag(*f));
            buf.extend_from_slice(&p.to_le_bytes());
        }
    }
}

/// Hashes a group of records sorted by their encoding.
fn put_sorted_records(h: &mut Sha256, recs: &[&Record]) {
    let mut enc: Vec<Vec<u8>> = recs
        .iter()
        .map(|r| {
            let mut b = Vec::new();
            put_record(&mut b, r);
            b
        })
        .collect();
    enc.sort();
    for e in enc {
        h.update(&e);
    }
}

impl Digester {
    /// Starts with the rules digest.
    pub fn new(rules_digest: &str) -> Self {
        let mut h = Sha256::new();
        let mut buf = Vec::with_capacity(4096);
        buf.extend_from_slice(b"skusync-inputs/1");
        put_str(&mut buf, rules_digest);
        h.update(&buf);
        buf.clear();
        Digester {
            h,
            buf,
            seen_values: 0,
            seen_pools: 0,
        }
    }

    /// One canonical SKU: its records (sorted by source index) and its base.
    pub fn row(
        &mut self,
        sku: &Sku,
        records: &[(usize, &Record)],
        entries: &[SideBase],
        pools: &[(FieldName, i64)],
    ) {
        self.buf.push(b'S');
        put_str(&mut self.buf, sku.as_str());
        let mut i = 0;
        while i < records.len() {
            let src = records[i].0;
            let mut j = i + 1;
            while j < records.len() && records[j].0 == src {
                j += 1;
            }
            self.buf.extend_from_slice(&(src as u64).to_le_bytes());
            if j - i == 1 {
                put_record(&mut self.buf, records[i].1);
            } else {
                self.h.update(&self.buf);
                self.buf.clear();
                let group: Vec<&Record> = records[i..j].iter().map(|(_, r)| *r).collect();
                put_sorted_records(&mut self.h, &group);
            }
            i = j;
        }
        self.seen_values += usize::from(!entries.is_empty());
        self.seen_pools += usize::from(!pools.is_empty());
        put_base(&mut self.buf, sku, entries, pools);
        if self.buf.len() >= 3072 {
            self.h.update(&self.buf);
            self.buf.clear();
        }
    }

    /// Finishes with records without SKU and base entries of SKUs no
    /// snapshot lists (`listed` tells whether a SKU was walked).
    pub fn finish(
        mut self,
        empty: &[(usize, Vec<&Record>)],
        base: &BaseView,
        listed: impl Fn(&Sku) -> bool,
    ) -> String {
        self.h.update(&self.buf);
        self.buf.clear();
        for (src, recs) in empty {
            self.h.update(b"E");
            self.h.update((*src as u64).to_le_bytes());
            put_sorted_records(&mut self.h, recs);
        }
        let values_left = base.values.values().filter(|v| !v.is_empty()).count() > self.seen_values;
        let pools_left = base.pools.values().filter(|v| !v.is_empty()).count() > self.seen_pools;
        if values_left || pools_left {
            let mut rest: Vec<&Sku> = base
                .values
                .keys()
                .chain(base.pools.keys())
                .filter(|s| !listed(s))
                .collect();
            rest.sort();
            rest.dedup();
            self.h.update(b"L");
            for sku in rest {
                let entries = base.entries_of(sku);
                let pools = base.pools.get(sku).map(Vec::as_slice).unwrap_or(&[]);
                put_base(&mut self.buf, sku, entries, pools);
                self.h.update(&self.buf);
                self.buf.clear();
            }
        }
        format!("sha256:{}", hex::encode(self.h.finalize()))
    }
}
