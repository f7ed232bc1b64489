//! Matching: joins every source's records by canonical SKU.
//!
//! A record's canonical SKU is its SKU normalised with the match rules, then
//! aliased. A canonical SKU is *clean* when every source lists it at most
//! once; otherwise it is an identity problem (`duplicate`: the same kind of
//! item twice; `ambiguous`: items of different kinds, e.g. a variation and a
//! simple product) and the whole SKU is left out of planning, in every
//! source, so nothing is ever written to it. Records without a SKU are
//! reported as `empty`, one issue per source listing every occurrence.
//!
//! The one design choice a reader must know: the index maps each canonical
//! SKU to the few (source, record) pairs that hold it, and is then sorted by
//! SKU once, so everything downstream walks SKUs in a deterministic order
//! without another lookup.

use foldhash::{HashMap, HashMapExt};
use smallvec::SmallVec;

/// Where one canonical SKU occurs: (source index, record). Inline for up to
/// three sources, so the index does not allocate once per SKU.
pub(crate) type Occurrences<'a> = SmallVec<[(usize, &'a Record); 3]>;
use skusync_model::{
    IdentityIssue, MatchRules, Record, RecordKind, Sku, Snapshot, SourceId, Unmatched,
};

/// One canonical SKU and where it occurs (source index, record).
pub(crate) struct SkuRow<'a> {
    /// The canonical SKU.
    pub sku: Sku,
    /// (source index, record), sorted by source index; at most one per
    /// source for a clean SKU.
    pub records: Occurrences<'a>,
    /// False when the SKU has an identity problem: it is never planned.
    pub clean: bool,
}

/// The joined catalog.
pub(crate) struct Catalog<'a> {
    /// The sources, sorted by name; a source's index is its position.
    pub sources: Vec<&'a SourceId>,
    /// Every canonical SKU, sorted; only the `clean` ones are planned.
    pub rows: Vec<SkuRow<'a>>,
    /// Records without a SKU, by source index.
    pub empty: Vec<(usize, Vec<&'a Record>)>,
    /// Identity problems, sorted by source, SKU, problem.
    pub identity: Vec<IdentityIssue>,
    /// SKUs only one source lists, sorted by source, SKU.
    pub unmatched: Vec<Unmatched>,
    /// Clean SKUs listed by at least two sources.
    pub matched: u64,
}

impl<'a> Catalog<'a> {
    /// The index of a source, if any snapshot came from it.
    pub fn source_index(&self, id: &SourceId) -> Option<usize> {
        self.sources.binary_search(&id).ok()
    }
}

/// Applies the normalisation steps without allocating when they change
/// nothing (the common case of already-clean SKUs).
fn canonical(rules: &MatchRules, aliases: Option<&HashMap<&Sku, &Sku>>, sku: &Sku) -> Sku {
    let n = if rules.normalize.is_empty() {
        sku.clone()
    } else {
        rules.normalize(sku)
    };
    match aliases.and_then(|a| a.get(&n)) {
        Some(alias) => rules.normalize(alias),
        None => n,
    }
}

/// Joins the snapshots. Snapshots from the same source are read as one.
pub(crate) fn join<'a>(rules: &MatchRules, snapshots: &'a [Snapshot]) -> Catalog<'a> {
    let mut sources: Vec<&SourceId> = snapshots.iter().map(|s| &s.source).collect();
    sources.sort();
    sources.dedup();

    // Aliases by source, borrowed: (source) -> (normalised SKU -> canonical).
    let mut aliases: HashMap<&SourceId, HashMap<&Sku, &Sku>> = HashMap::new();
    for ((source, from), to) in &rules.aliases {
        aliases.entry(source).or_default().insert(from, to);
    }

    // Most SKUs are listed by every source: the largest snapshot is a good
    // guess of the number of distinct SKUs.
    let largest = snapshots.iter().map(|s| s.records.len()).max().unwrap_or(0);
    let mut index: HashMap<Key, Occurrences> = HashMap::with_capacity(largest);
    let mut empty: Vec<(usize, Vec<&Record>)> = Vec::new();
    let mut order: Vec<usize> = (0..snapshots.len()).collect();
    order.sort_by(|&a, &b| snapshots[a].source.cmp(&snapshots[b].source));
    for si in order {
        let snap = &snapshots[si];
        let src = sources.binary_search(&&snap.source).unwrap_or(0);
        let source_aliases = aliases.get(&snap.source);
        for rec in &snap.records {
            let sku = if rec.sku.is_blank() {
                None
            } else {
                Some(canonical(rules, source_aliases, &rec.sku)).filter(|s| !s.is_blank())
            };
            match sku {
                Some(sku) => index.entry(Key::new(sku)).or_default().push((src, rec)),
                None => match empty.last_mut() {
                    Some((s, list)) if *s == src => list.push(rec),
                    _ => empty.push((src, vec![rec])),
                },
            }
        }
    }

    let mut keyed: Vec<(Key, Occurrences)> = index.into_iter().collect();
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut rows: Vec<SkuRow> = keyed
        .into_iter()
        .map(|(key, records)| SkuRow {
            sku: key.sku,
            records,
            clean: true,
        })
        .collect();

    let mut identity = Vec::new();
    for (src, recs) in &empty {
        identity.push(issue(sources[*src], Sku::new(""), "empty", recs));
    }
    let mut unmatched = Vec::new();
    let mut matched = 0u64;
    for row in rows.iter_mut() {
        let mut clean = true;
        let mut distinct = 0usize;
        let mut i = 0;
        while i < row.records.len() {
            let src = row.records[i].0;
            let mut j = i + 1;
            while j < row.records.len() && row.records[j].0 == src {
                j += 1;
            }
            if j - i > 1 {
                clean = false;
                let recs: Vec<&Record> = row.records[i..j].iter().map(|(_, r)| *r).collect();
                let kind = recs[0].kind;
                let problem = if recs.iter().all(|r| r.kind == kind) {
                    "duplicate"
                } else {
                    "ambiguous"
                };
                identity.push(issue(sources[src], row.sku.clone(), problem, &recs));
            }
            distinct += 1;
            i = j;
        }
        if clean {
            if distinct >= 2 {
                matched += 1;
            } else if let Some((src, rec)) = row.records.first()
                // A variable product is a container: its prices and stock
                // live on its variations, which are matched (or listed)
                // themselves. Listing the parent would only be noise.
                && rec.kind != RecordKind::Variable
            {
                unmatched.push(Unmatched {
                    source: sources[*src].clone(),
                    sku: rec.sku.clone(),
                });
            }
        }
        row.clean = clean;
    }
    identity.sort_by(|a, b| (&a.source, &a.sku, &a.problem).cmp(&(&b.source, &b.sku, &b.problem)));
    unmatched.sort();
    Catalog {
        sources,
        rows,
        empty,
        identity,
        unmatched,
        matched,
    }
}

/// A canonical SKU as an index key, with its first 16 bytes held inline
/// (big-endian, zero-padded) and its length. Hashing, equality and order
/// of SKUs up to 16 bytes never follow the pointer to the text, so looking
/// up 300,000 records and sorting 100,000 SKUs stays in the cache.
struct Key {
    prefix: u128,
    len: usize,
    sku: Sku,
}

impl Key {
    fn new(sku: Sku) -> Key {
        let mut b = [0u8; 16];
        let s = sku.as_str().as_bytes();
        let n = s.len().min(16);
        b[..n].copy_from_slice(&s[..n]);
        Key {
            prefix: u128::from_be_bytes(b),
            len: s.len(),
            sku,
        }
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        self.prefix == other.prefix
            && self.len == other.len
            && (self.len <= 16 || self.sku == other.sku)
    }
}

impl Eq for Key {}

impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.prefix.hash(h);
        self.len.hash(h);
        if self.len > 16 {
            self.sku.as_str().as_bytes()[16..].hash(h);
        }
    }
}

impl Ord for Key {
    /// The byte order of the SKUs: the prefix decides unless it ties.
    fn cmp(&self, other: &Key) -> std::cmp::Ordering {
        self.prefix
            .cmp(&other.prefix)
            .then_with(|| self.sku.cmp(&other.sku))
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Key) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

fn issue(source: &SourceId, sku: Sku, problem: &str, recs: &[&Record]) -> IdentityIssue {
    let mut occ: Vec<(Option<u64>, Option<String>, RecordKind)> = recs
        .iter()
        .map(|r| {
            let origin = r.origin.as_ref().map(ToString::to_string);
            (r.remote.map(|x| x.id), origin, r.kind)
        })
        .collect();
    occ.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    IdentityIssue {
        source: source.clone(),
        sku,
        problem: problem.to_string(),
        ids: occ.iter().filter_map(|o| o.0).collect(),
        origins: occ.into_iter().filter_map(|o| o.1).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use skusync_model::NormalizeStep;

    fn rec(sku: &str, id: u64, kind: RecordKind) -> Record {
        let mut r = Record::new(sku).with_remote(id, None);
        r.kind = kind;
        r
    }

    #[test]
    fn keys_order_and_compare_like_their_skus() {
        let skus = [
            "",
            "A",
            "A\0",
            "AB",
            "ABCDEFGHIJKLMNOP",
            "ABCDEFGHIJKLMNOPQ",
            "ABCDEFGHIJKLMNOPQR",
            "ABCDEFGHIJKLMNOPR",
            "B",
            "É",
            "ABCDEFGHIJKLMNOP\0",
        ];
        for a in skus {
            for b in skus {
                let (ka, kb) = (Key::new(a.into()), Key::new(b.into()));
                assert_eq!(ka.cmp(&kb), a.cmp(b), "{a:?} vs {b:?}");
                assert_eq!(ka == kb, a == b, "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn normalise_alias_and_identity_problems() {
        let mut rules = MatchRules {
            normalize: vec![NormalizeStep::Trim, NormalizeStep::Uppercase],
            ..MatchRules::default()
        };
        rules
            .aliases
            .insert(("erp".into(), "OLD-1".into()), "a-1".into());
        let snaps = vec![
            Snapshot::new(
                "shop",
                vec![
                    rec(" a-1", 1, RecordKind::Simple),
                    rec("TEE-M", 7, RecordKind::Variation),
                    rec("tee-m ", 3, RecordKind::Simple),
                    rec("DUP", 9, RecordKind::Simple),
                    rec("dup", 4, RecordKind::Simple),
                    rec("  ", 5, RecordKind::Simple),
                    rec("", 6, RecordKind::Simple),
                    rec("ONLY-SHOP", 8, RecordKind::Simple),
                    rec("TEE", 10, RecordKind::Variable),
                ],
            ),
            Snapshot::new(
                "erp",
                vec![
                    Record::new("old-1"),
                    Record::new("TEE-M"),
                    Record::new("DUP"),
                ],
            ),
        ];
        let cat = join(&rules, &snaps);
        assert_eq!(
            cat.sources,
            vec![&SourceId::new("erp"), &SourceId::new("shop")]
        );
        let skus: Vec<&str> = cat
            .rows
            .iter()
            .filter(|r| r.clean)
            .map(|r| r.sku.as_str())
            .collect();
        assert_eq!(skus, vec!["A-1", "ONLY-SHOP", "TEE"]);
        assert_eq!(cat.matched, 1);
        assert_eq!(
            cat.unmatched,
            vec![Unmatched {
                source: "shop".into(),
                sku: "ONLY-SHOP".into()
            }]
        );
        let probs: Vec<(&str, &str, Vec<u64>)> = cat
            .identity
            .iter()
            .map(|i| (i.sku.as_str(), i.problem.as_str(), i.ids.clone()))
            .collect();
        assert_eq!(
            probs,
            vec![
                ("", "empty", vec![5, 6]),
                ("DUP", "duplicate", vec![4, 9]),
                ("TEE-M", "ambiguous", vec![3, 7]),
            ]
        );
    }
}
