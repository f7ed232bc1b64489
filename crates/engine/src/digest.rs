//! `inputs_digest`: a SHA-256 over a canonical form of every input.
//!
//! The canonical form is independent of read order and of hash-map
//! iteration: each snapshot's records are serialised one per line and the
//! lines sorted; snapshots are taken in source order; base entries and
//! pools are sorted by SKU, field and side. Strings are written as JSON
//! strings so no separator can be forged by a SKU or a name. Base
//! bookkeeping (version, time, run) is left out: it does not change a plan.

use sha2::{Digest, Sha256};
use skusync_model::{BaseView, Record, RecordKind, Snapshot};
use std::io::Write;

fn kind(k: RecordKind) -> &'static str {
    match k {
        RecordKind::Simple => "simple",
        RecordKind::Variable => "variable",
        RecordKind::Variation => "variation",
        RecordKind::Other => "other",
    }
}

fn record_line(r: &Record, buf: &mut Vec<u8>) {
    // Writing to a Vec cannot fail; serde_json of strings and values cannot either.
    let _ = serde_json::to_writer(&mut *buf, r.sku.as_str());
    match r.remote {
        Some(id) => {
            let _ = write!(buf, "\t{}/{}", id.id, id.parent_id.unwrap_or(0));
        }
        None => buf.extend_from_slice(b"\t-"),
    }
    let _ = write!(buf, "\t{}", kind(r.kind));
    for (f, v) in &r.fields {
        let _ = write!(buf, "\t{}=", f.as_str());
        let _ = serde_json::to_writer(&mut *buf, v);
    }
    buf.push(b'\t');
    let _ = serde_json::to_writer(&mut *buf, &r.origin);
    buf.push(b'\n');
}

/// `sha256:` + hex over (rules digest, snapshots, base).
pub(crate) fn inputs_digest(rules_digest: &str, snapshots: &[Snapshot], base: &BaseView) -> String {
    let mut h = Sha256::new();
    h.update(b"skusync-inputs/1\nrules\t");
    h.update(rules_digest.as_bytes());
    h.update(b"\n");

    let mut order: Vec<&Snapshot> = snapshots.iter().collect();
    order.sort_by(|a, b| a.source.cmp(&b.source));
    let mut buf = Vec::new();
    let mut lines: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < order.len() {
        // Snapshots of the same source are one source.
        let source = &order[i].source;
        buf.clear();
        lines.clear();
        while i < order.len() && &order[i].source == source {
            for r in &order[i].records {
                let start = buf.len();
                record_line(r, &mut buf);
                lines.push((start, buf.len()));
            }
            i += 1;
        }
        lines.sort_unstable_by(|a, b| buf[a.0..a.1].cmp(&buf[b.0..b.1]));
        h.update(b"source\t");
        h.update(source.as_str().as_bytes());
        h.update(format!("\t{}\n", lines.len()).as_bytes());
        for &(s, e) in &lines {
            h.update(&buf[s..e]);
        }
    }

    let mut entries: Vec<(&str, &str, &str, Option<&skusync_model::Value>)> = base
        .values
        .iter()
        .flat_map(|(sku, list)| {
            list.iter().map(move |b| {
                (
                    sku.as_str(),
                    b.field.as_str(),
                    b.side.as_str(),
                    b.entry.value.as_ref(),
                )
            })
        })
        .collect();
    entries.sort_unstable_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
    h.update(format!("base\t{}\n", entries.len()).as_bytes());
    for (sku, field, side, value) in entries {
        buf.clear();
        let _ = serde_json::to_writer(&mut buf, sku);
        let _ = write!(buf, "\t{field}\t");
        let _ = serde_json::to_writer(&mut buf, side);
        buf.push(b'\t');
        let _ = serde_json::to_writer(&mut buf, &value);
        buf.push(b'\n');
        h.update(&buf);
    }
    let mut pools: Vec<(&str, &str, i64)> = base
        .pools
        .iter()
        .flat_map(|(sku, list)| {
            list.iter()
                .map(move |(f, p)| (sku.as_str(), f.as_str(), *p))
        })
        .collect();
    pools.sort_unstable();
    h.update(format!("pools\t{}\n", pools.len()).as_bytes());
    for (sku, field, p) in pools {
        buf.clear();
        let _ = serde_json::to_writer(&mut buf, sku);
        let _ = writeln!(buf, "\t{field}\t{p}");
        h.update(&buf);
    }
    format!("sha256:{}", hex::encode(h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use skusync_model::{FieldName, Value};

    #[test]
    fn order_independent_and_sensitive_to_values() {
        let a = Record::new("A").with(FieldName::StockQuantity, Some(Value::Quantity(1)));
        let b = Record::new("B").with(FieldName::StockQuantity, Some(Value::Quantity(2)));
        let s1 = vec![
            Snapshot::new("shop", vec![a.clone(), b.clone()]),
            Snapshot::new("erp", vec![]),
        ];
        let s2 = vec![
            Snapshot::new("erp", vec![]),
            Snapshot::new("shop", vec![b.clone(), a.clone()]),
        ];
        let base = BaseView::default();
        let d1 = inputs_digest("r", &s1, &base);
        assert!(d1.starts_with("sha256:") && d1.len() == 7 + 64);
        assert_eq!(d1, inputs_digest("r", &s2, &base));
        assert_ne!(d1, inputs_digest("r2", &s1, &base));
        let b3 = b.with(FieldName::StockQuantity, Some(Value::Quantity(3)));
        let s3 = vec![
            Snapshot::new("shop", vec![a, b3]),
            Snapshot::new("erp", vec![]),
        ];
        assert_ne!(d1, inputs_digest("r", &s3, &base));
        let mut base2 = BaseView::default();
        base2.set_pool("A".into(), FieldName::StockQuantity, 4);
        assert_ne!(d1, inputs_digest("r", &s1, &base2));
    }
}
