//! The aliases file of `match.aliases`: `source,sku,canonical` rows.
//!
//! A CSV with that header; each row says "what `source` calls `sku` is
//! `canonical` everywhere else". The SKU is stored normalised with the
//! rules' `normalize` steps (as the engine looks it up); problems name the
//! aliases file and its line.

use crate::diag::{Diagnostic, did_you_mean};
use crate::validate::Ctx;
use serde_saphyr::Location;
use skusync_model::{MatchRules, Sku, SourceId};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Reads the aliases file at `path` (named at `at` in the rules).
pub(crate) fn load(
    ctx: &mut Ctx<'_>,
    path: &Path,
    at: &Location,
    rules: &MatchRules,
    declared: &BTreeSet<String>,
) -> Option<BTreeMap<(SourceId, Sku), Sku>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            ctx.diags.push(
                Diagnostic::new(ctx.file, at.line(), at.column(), format!("match.aliases: cannot read `{}`: {e}", path.display()))
                    .with_help("a CSV file with the header `source,sku,canonical`, relative to the rules file's folder"),
            );
            return None;
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let at_line = |line: u64, msg: String| Diagnostic::new(path, line, 0, msg);
    let mut errors = Vec::new();
    match reader.headers() {
        Ok(h) if h.iter().collect::<Vec<_>>() == ["source", "sku", "canonical"] => {}
        Ok(h) => errors.push(
            at_line(
                1,
                format!("the header is `{}`", h.iter().collect::<Vec<_>>().join(",")),
            )
            .with_help("the first line must be `source,sku,canonical`"),
        ),
        Err(e) => errors.push(at_line(1, format!("cannot read the header: {e}"))),
    }
    let mut out: BTreeMap<(SourceId, Sku), (Sku, u64)> = BTreeMap::new();
    if errors.is_empty() {
        let valid: Vec<&str> = declared.iter().map(String::as_str).collect();
        for row in reader.records() {
            let row = match row {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    errors.push(at_line(line, format!("not a valid CSV row: {e}")));
                    continue;
                }
            };
            let line = row.position().map_or(0, |p| p.line());
            if row.len() != 3 {
                errors.push(at_line(
                    line,
                    format!("{} cells; expected 3 (source,sku,canonical)", row.len()),
                ));
                continue;
            }
            let (source, sku, canonical) = (&row[0], &row[1], &row[2]);
            if !declared.contains(source) {
                errors.push(
                    at_line(
                        line,
                        format!("source `{source}` is not defined in the rules"),
                    )
                    .with_help(did_you_mean(source, &valid, "sources")),
                );
                continue;
            }
            if sku.is_empty() || canonical.is_empty() {
                errors.push(at_line(
                    line,
                    "the sku and the canonical sku must not be empty".to_string(),
                ));
                continue;
            }
            let key = (SourceId::new(source), rules.normalize(&Sku::new(sku)));
            match out.get(&key) {
                Some((prev, prev_line)) if *prev != Sku::new(canonical) => {
                    errors.push(at_line(
                        line,
                        format!("`{source}` SKU `{sku}` already has the alias `{prev}` (line {prev_line})"),
                    ));
                }
                Some(_) => {}
                None => {
                    out.insert(key, (Sku::new(canonical), line));
                }
            }
        }
    }
    if !errors.is_empty() {
        ctx.diags.extend(errors);
        return None;
    }
    Some(out.into_iter().map(|(k, (v, _))| (k, v)).collect())
}
