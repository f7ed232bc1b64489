//! The Markdown report: the text report's content as GitHub-flavoured
//! Markdown, for a ticket or a pull request.
//!
//! One table per target (a row per field change, the SKU repeated so rows
//! can be copied alone), then tables for conflicts, flagged drift, identity
//! problems and guards, and a list of unmatched SKUs per source. Every value
//! is escaped ([`escape`]): pipes cannot split a cell, markup in a product
//! name renders as text. Inline diffs use `<del>`/`<ins>`, which GitHub and
//! GitLab render inside tables.

use crate::RenderOptions;
use crate::diff::Segment;
use crate::display::count;
use crate::view::{ChangeView, PlanView};
use skusync_model::Plan;
use std::fmt::Write as _;

/// Renders the Markdown report.
pub fn render(plan: &Plan, options: &RenderOptions) -> String {
    let view = PlanView::new(plan, options);
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_report(&mut out, &view);
    out
}

/// Escapes text for Markdown: backslash before every character that could
/// start markup or split a table cell. An underscore inside a word
/// (`max_changes`) cannot start emphasis in GFM and is left alone.
pub fn escape(s: &str) -> String {
    let special = |c: char| {
        matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&'
        )
    };
    if !s.contains(special) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut prev: Option<char> = None;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let needs = match c {
            '_' => {
                let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
                !(word(prev) && word(chars.peek().copied()))
            }
            c => special(c),
        };
        if needs {
            out.push('\\');
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

fn write_report(out: &mut String, v: &PlanView) -> std::fmt::Result {
    writeln!(out, "## skusync plan (dry run)")?;
    writeln!(out)?;
    writeln!(
        out,
        "Generated {} · inputs {}",
        escape(&v.generated_at),
        escape(&v.inputs_digest)
    )?;
    writeln!(out)?;
    writeln!(out, "**{}**", escape(&v.headline))?;
    writeln!(out)?;
    for g in &v.tripped {
        writeln!(out, "> [!CAUTION]")?;
        writeln!(
            out,
            "> **Guard tripped:** {} is {} (limit {}): nothing will be applied.",
            escape(&g.name),
            escape(&g.value),
            escape(&g.limit)
        )?;
        writeln!(out)?;
    }

    if v.in_sync {
        writeln!(out, "No changes: everything is in sync.")?;
        writeln!(out)?;
    } else if v.change_count == 0 {
        writeln!(out, "No changes planned.")?;
        writeln!(out)?;
    }

    for t in &v.targets {
        writeln!(
            out,
            "### Changes on {} ({}, {})",
            escape(&t.target),
            count(t.change_count, "change", "changes"),
            count(t.skus.len(), "SKU", "SKUs")
        )?;
        writeln!(out)?;
        header(
            out,
            &["SKU", "Field", "Before", "After", "Reason", "Details"],
        )?;
        for s in &t.skus {
            for c in &s.changes {
                row(
                    out,
                    &[
                        escape(&s.sku),
                        escape(&c.field),
                        escape(&c.from),
                        escape(&c.to),
                        reason(c),
                        details(c),
                    ],
                )?;
            }
        }
        writeln!(out)?;
    }

    if !v.conflicts.is_empty() {
        writeln!(
            out,
            "### Conflicts ({}): nothing is written for these",
            v.conflicts.len()
        )?;
        writeln!(out)?;
        header(out, &["SKU", "Field", "Values", "Reason"])?;
        for c in &v.conflicts {
            let values = c
                .values
                .iter()
                .map(|s| format!("{}: {}", escape(&s.source), escape(&s.value)))
                .collect::<Vec<_>>()
                .join("<br>");
            row(
                out,
                &[escape(&c.sku), escape(&c.field), values, escape(&c.reason)],
            )?;
        }
        writeln!(out)?;
    }

    if !v.flagged.is_empty() {
        writeln!(
            out,
            "### Drift flagged ({}): edited directly on the target, left alone",
            v.flagged.len()
        )?;
        writeln!(out)?;
        header(
            out,
            &["Target", "SKU", "Field", "Now", "Base", "Wanted", "Rule"],
        )?;
        for d in &v.flagged {
            row(
                out,
                &[
                    escape(&d.target),
                    escape(&d.sku),
                    escape(&d.field),
                    escape(&d.value),
                    escape(&d.base),
                    escape(&d.desired),
                    escape(&d.rule),
                ],
            )?;
        }
        writeln!(out)?;
    }

    if v.identity_total > 0 {
        writeln!(
            out,
            "### Identity problems ({}): never written",
            v.identity_total
        )?;
        writeln!(out)?;
        header(out, &["Source", "SKU", "Problem", "Ids", "Found at"])?;
        for i in &v.identity {
            row(
                out,
                &[
                    escape(&i.source),
                    escape(&i.sku),
                    escape(&i.problem),
                    escape(&i.ids),
                    escape(&i.origins),
                ],
            )?;
        }
        if v.identity_more > 0 {
            writeln!(out)?;
            writeln!(out, "… and {} more.", v.identity_more)?;
        }
        writeln!(out)?;
    }

    if v.unmatched_total > 0 {
        writeln!(
            out,
            "### Unmatched SKUs ({}): listed by one source only",
            v.unmatched_total
        )?;
        writeln!(out)?;
        for u in &v.unmatched {
            let mut items = u.skus.iter().map(|s| escape(s)).collect::<Vec<_>>();
            if u.more > 0 {
                items.push(format!("… and {} more", u.more));
            }
            writeln!(
                out,
                "- **{}** ({}): {}",
                escape(&u.source),
                u.total,
                items.join(", ")
            )?;
        }
        writeln!(out)?;
    }

    if !v.guards.is_empty() {
        writeln!(out, "### Guards")?;
        writeln!(out)?;
        header(out, &["Guard", "Value", "Limit", "Status"])?;
        for g in &v.guards {
            let status = if g.tripped { "**TRIPPED**" } else { "ok" };
            row(
                out,
                &[
                    escape(&g.name),
                    escape(&g.value),
                    escape(&g.limit),
                    status.to_string(),
                ],
            )?;
        }
        writeln!(out)?;
    }

    let guards = if !v.tripped.is_empty() {
        format!(
            "**{} TRIPPED: nothing will be applied**",
            count(v.tripped.len(), "guard", "guards")
        )
    } else if v.guards.is_empty() {
        "no guards".to_string()
    } else {
        "guards passed".to_string()
    };
    writeln!(out, "**Summary:** {} · {}", escape(&v.headline), guards)
}

fn header(out: &mut String, cols: &[&str]) -> std::fmt::Result {
    writeln!(out, "| {} |", cols.join(" | "))?;
    writeln!(out, "|{}", " --- |".repeat(cols.len()))
}

/// Writes a table row; cells must already be escaped.
fn row(out: &mut String, cells: &[String]) -> std::fmt::Result {
    writeln!(out, "| {} |", cells.join(" | "))
}

fn reason(c: &ChangeView) -> String {
    if c.drift {
        "**DRIFT**".to_string()
    } else {
        c.reason.to_string()
    }
}

/// `from erp · Δ -3 · base 12 · diff: …`.
fn details(c: &ChangeView) -> String {
    let mut parts = Vec::new();
    if let Some(src) = &c.source {
        parts.push(format!("from {}", escape(src)));
    }
    parts.extend(c.notes.iter().map(|n| escape(n)));
    if let Some(diff) = &c.diff {
        let mut d = String::from("diff: ");
        for seg in diff {
            match seg {
                Segment::Same { text } => d.push_str(&escape(text)),
                Segment::Changed { removed, added } => {
                    if !removed.is_empty() {
                        let _ = write!(d, "<del>{}</del>", escape(removed));
                    }
                    if !added.is_empty() {
                        let _ = write!(d, "<ins>{}</ins>", escape(added));
                    }
                }
            }
        }
        parts.push(d);
    }
    parts.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_cells_and_markup_inert() {
        assert_eq!(escape("a|b"), "a\\|b");
        assert_eq!(escape("<b>x</b>"), "\\<b\\>x\\</b\\>");
        assert_eq!(
            escape("*x* _y_ `z` [l](u)"),
            "\\*x\\* \\_y\\_ \\`z\\` \\[l\\](u)"
        );
        assert_eq!(escape("KREM-50 72.00 Crème"), "KREM-50 72.00 Crème");
        assert_eq!(escape("max_price_change _x_"), "max_price_change \\_x\\_");
    }
}
