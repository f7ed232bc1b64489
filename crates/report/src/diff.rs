//! Inline diffs of text fields (product names), built on `similar`.
//!
//! A name change is shown as one line where the removed and added parts are
//! marked (`Krem [-50ml-]{+50 ml+}` in the terminal). Small edits are
//! diffed by grapheme (a typo, a size letter); larger rewrites by word, so
//! the result reads as whole words rather than letter soup; texts that share
//! nothing but spaces are shown as one replacement.

use serde::Serialize;
use similar::{Algorithm, ChangeTag, TextDiff};

/// One run of an inline diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Segment {
    /// Text both sides share.
    Same {
        /// The shared text.
        text: String,
    },
    /// Text replaced: `removed` was in the old value, `added` is in the new
    /// one (either may be empty for a pure insertion or deletion).
    Changed {
        /// What the old value had here.
        removed: String,
        /// What the new value has here.
        added: String,
    },
}

/// At most this many separate edits are shown at grapheme level.
const MAX_GRAPHEME_EDITS: usize = 2;

/// The inline diff of `old` → `new`.
pub fn inline(old: &str, new: &str) -> Vec<Segment> {
    let by_grapheme = collect(
        TextDiff::configure()
            .algorithm(Algorithm::Myers)
            .diff_graphemes(old, new),
    );
    if edits(&by_grapheme) <= MAX_GRAPHEME_EDITS && shares_words(&by_grapheme) {
        return by_grapheme;
    }
    let by_word = join_across_spaces(collect(
        TextDiff::configure()
            .algorithm(Algorithm::Patience)
            .diff_unicode_words(old, new),
    ));
    if shares_words(&by_word) {
        by_word
    } else {
        vec![Segment::Changed {
            removed: old.to_string(),
            added: new.to_string(),
        }]
    }
}

/// Turns a diff into segments, merging neighbours of the same kind.
fn collect<'a>(diff: TextDiff<'a, 'a, 'a, str>) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    for change in diff.iter_all_changes() {
        let piece = change.value();
        match (change.tag(), out.last_mut()) {
            (ChangeTag::Equal, Some(Segment::Same { text })) => text.push_str(piece),
            (ChangeTag::Equal, _) => out.push(Segment::Same {
                text: piece.to_string(),
            }),
            (ChangeTag::Delete, Some(Segment::Changed { removed, .. })) => removed.push_str(piece),
            (ChangeTag::Insert, Some(Segment::Changed { added, .. })) => added.push_str(piece),
            (ChangeTag::Delete, _) => out.push(Segment::Changed {
                removed: piece.to_string(),
                added: String::new(),
            }),
            (ChangeTag::Insert, _) => out.push(Segment::Changed {
                removed: String::new(),
                added: piece.to_string(),
            }),
        }
    }
    out
}

/// Folds a run of spaces between two edits into one edit, so
/// `[-a-] [-b-]` reads `[-a b-]`.
fn join_across_spaces(segments: Vec<Segment>) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::with_capacity(segments.len());
    let mut iter = segments.into_iter().peekable();
    while let Some(seg) = iter.next() {
        let is_gap = matches!(&seg, Segment::Same { text } if text.trim().is_empty());
        let between_edits = matches!(out.last(), Some(Segment::Changed { .. }))
            && matches!(iter.peek(), Some(Segment::Changed { .. }));
        if let (true, true, Segment::Same { text: gap }) = (is_gap, between_edits, &seg) {
            let next = iter.next();
            if let (
                Some(Segment::Changed { removed, added }),
                Some(Segment::Changed {
                    removed: r2,
                    added: a2,
                }),
            ) = (out.last_mut(), next)
            {
                removed.push_str(gap);
                removed.push_str(&r2);
                added.push_str(gap);
                added.push_str(&a2);
            }
            continue;
        }
        out.push(seg);
    }
    out
}

/// How many separate edits a diff has.
fn edits(segments: &[Segment]) -> usize {
    segments
        .iter()
        .filter(|s| matches!(s, Segment::Changed { .. }))
        .count()
}

/// True when the sides share more than whitespace.
fn shares_words(segments: &[Segment]) -> bool {
    segments
        .iter()
        .any(|s| matches!(s, Segment::Same { text } if !text.trim().is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders segments in the terminal's plain notation, for assertions.
    fn plain(segs: &[Segment]) -> String {
        segs.iter()
            .map(|s| match s {
                Segment::Same { text } => text.clone(),
                Segment::Changed { removed, added } => {
                    let mut out = String::new();
                    if !removed.is_empty() {
                        out.push_str(&format!("[-{removed}-]"));
                    }
                    if !added.is_empty() {
                        out.push_str(&format!("{{+{added}+}}"));
                    }
                    out
                }
            })
            .collect()
    }

    #[test]
    fn small_edits_are_shown_by_grapheme() {
        assert_eq!(plain(&inline("Krem 50ml", "Krem 50 ml")), "Krem 50{+ +}ml");
        assert_eq!(
            plain(&inline("T-shirt, size M", "T-shirt, size L")),
            "T-shirt, size [-M-]{+L+}"
        );
        // A combining accent stays with its letter: the grapheme `é`
        // (e + U+0301) is replaced as a whole, never split.
        assert_eq!(
            plain(&inline("Cafe\u{301} noir", "Cafe noir")),
            "Caf[-e\u{301}-]{+e+} noir"
        );
    }

    #[test]
    fn rewrites_are_shown_by_word() {
        assert_eq!(
            plain(&inline(
                "Organic face cream with shea butter 50 ml",
                "Organic hand lotion with cocoa butter 75 ml"
            )),
            "Organic [-face cream-]{+hand lotion+} with [-shea-]{+cocoa+} butter [-50-]{+75+} ml"
        );
    }

    #[test]
    fn unrelated_texts_are_one_replacement() {
        assert_eq!(
            plain(&inline("Blue mug", "Red cap")),
            "[-Blue mug-]{+Red cap+}"
        );
        assert_eq!(plain(&inline("", "New")), "{+New+}");
        assert_eq!(plain(&inline("Old", "")), "[-Old-]");
    }

    #[test]
    fn reassembling_gives_both_sides_back() {
        let cases = [
            ("Tee — M", "Tee — L"),
            ("Crème brûlée", "Creme brulee"),
            ("a | b <c>", "a || b <d>"),
            ("  padded ", "padded"),
        ];
        for (old, new) in cases {
            let segs = inline(old, new);
            let (mut o, mut n) = (String::new(), String::new());
            for s in &segs {
                match s {
                    Segment::Same { text } => {
                        o.push_str(text);
                        n.push_str(text);
                    }
                    Segment::Changed { removed, added } => {
                        o.push_str(removed);
                        n.push_str(added);
                    }
                }
            }
            assert_eq!((o.as_str(), n.as_str()), (old, new), "{segs:?}");
        }
    }
}
