//! The terminal report: what an operator reads before letting skusync write
//! to a live store.
//!
//! Layout, top to bottom: a header (when, inputs digest), the counts line,
//! a loud banner for each tripped guard, the changes grouped by target and
//! SKU (`before → after`, reason, source, base and delta where they say
//! something, inline diffs of names), then conflicts, flagged drift,
//! identity problems, unmatched SKUs per source, guards, and a closing
//! summary line. Columns are aligned with `comfy-table`.
//!
//! Markers never depend on colour: drift reads `DRIFT`, a tripped guard
//! `TRIPPED`, and removed/added text `[-removed-]{+added+}`. With
//! [`ColorMode::Ansi`] the same text is also coloured with `console`.

use crate::diff::Segment;
use crate::display::count;
use crate::view::{ChangeView, GuardView, PlanView};
use crate::{ColorMode, RenderOptions};
use comfy_table::{ColumnConstraint, ContentArrangement, Table, Width, presets};
use console::Style;
use skusync_model::Plan;
use std::fmt::Write as _;

/// The widest a value column grows before its content wraps, so that one
/// long product name does not push every reason off the screen.
const VALUE_COLUMN: u16 = 50;

/// Renders the text report.
pub fn render(plan: &Plan, options: &RenderOptions) -> String {
    let view = PlanView::new(plan, options);
    let paint = Paint(options.color);
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_report(&mut out, &view, &paint, options);
    out
}

/// Styles text when colour is on; identity otherwise.
struct Paint(ColorMode);

impl Paint {
    fn style(&self, style: Style, text: &str) -> String {
        match self.0 {
            ColorMode::Plain => text.to_string(),
            ColorMode::Ansi => style.force_styling(true).apply_to(text).to_string(),
        }
    }
    fn heading(&self, t: &str) -> String {
        self.style(Style::new().bold(), t)
    }
    fn removed(&self, t: &str) -> String {
        self.style(Style::new().red(), t)
    }
    fn added(&self, t: &str) -> String {
        self.style(Style::new().green(), t)
    }
    fn warn(&self, t: &str) -> String {
        self.style(Style::new().yellow().bold(), t)
    }
    fn alarm(&self, t: &str) -> String {
        self.style(Style::new().red().bold(), t)
    }
    fn good(&self, t: &str) -> String {
        self.style(Style::new().green(), t)
    }
    fn dim(&self, t: &str) -> String {
        self.style(Style::new().dim(), t)
    }
}

fn write_report(
    out: &mut String,
    v: &PlanView,
    p: &Paint,
    options: &RenderOptions,
) -> std::fmt::Result {
    writeln!(
        out,
        "{} generated {} · inputs {}",
        p.heading("skusync plan (dry run)"),
        v.generated_at,
        p.dim(&short_digest(&v.inputs_digest))
    )?;
    write_parts(out, "", &v.headline_parts, options.width)?;
    for g in &v.tripped {
        writeln!(
            out,
            "{}",
            p.alarm(&format!(
                "!! GUARD TRIPPED: {} is {} (limit {}): nothing will be applied",
                g.name, g.value, g.limit
            ))
        )?;
    }
    writeln!(out)?;

    if v.in_sync {
        writeln!(out, "{}", p.good("No changes: everything is in sync."))?;
        writeln!(out)?;
    } else if v.change_count == 0 {
        writeln!(out, "No changes planned.")?;
        writeln!(out)?;
    }

    for t in &v.targets {
        writeln!(
            out,
            "{}",
            p.heading(&format!(
                "Changes on {} ({}, {})",
                t.target,
                count(t.change_count, "change", "changes"),
                count(t.skus.len(), "SKU", "SKUs")
            ))
        )?;
        let mut rows = Vec::new();
        for s in &t.skus {
            for (i, c) in s.changes.iter().enumerate() {
                let sku = if i == 0 { s.sku.clone() } else { String::new() };
                rows.push(vec![sku, c.field.clone(), values(c, p), why(c, p)]);
            }
        }
        write_table(out, rows, options, &[(2, VALUE_COLUMN)])?;
        writeln!(out)?;
    }

    if !v.conflicts.is_empty() {
        writeln!(
            out,
            "{}",
            p.warn(&format!(
                "Conflicts ({}): nothing is written for these (the reason is on each line)",
                v.conflicts.len()
            ))
        )?;
        let rows = v
            .conflicts
            .iter()
            .map(|c| {
                let values = c
                    .values
                    .iter()
                    .map(|s| format!("{} {}", s.source, s.value))
                    .collect::<Vec<_>>()
                    .join(" · ");
                vec![c.sku.clone(), c.field.clone(), values, c.reason.clone()]
            })
            .collect();
        write_table(out, rows, options, &[(2, VALUE_COLUMN)])?;
        writeln!(out)?;
    }

    if !v.flagged.is_empty() {
        writeln!(
            out,
            "{}",
            p.warn(&format!(
                "DRIFT flagged ({}): edited directly on the target, left alone (on_drift: flag)",
                v.flagged.len()
            ))
        )?;
        let rows = v
            .flagged
            .iter()
            .map(|d| {
                vec![
                    d.target.clone(),
                    d.sku.clone(),
                    d.field.clone(),
                    format!("now {} · base {} · wanted {}", d.value, d.base, d.desired),
                    d.rule.clone(),
                ]
            })
            .collect();
        write_table(out, rows, options, &[])?;
        writeln!(out)?;
    }

    if v.identity_total > 0 {
        writeln!(
            out,
            "{}",
            p.warn(&format!(
                "Identity problems ({}): these SKUs are never written",
                v.identity_total
            ))
        )?;
        let rows = v
            .identity
            .iter()
            .map(|i| {
                vec![
                    i.source.clone(),
                    i.sku.clone(),
                    i.problem.clone(),
                    i.ids.clone(),
                    i.origins.clone(),
                ]
            })
            .collect();
        write_table(out, rows, options, &[])?;
        if v.identity_more > 0 {
            writeln!(
                out,
                "  … and {} more (show all with --full)",
                v.identity_more
            )?;
        }
        writeln!(out)?;
    }

    if v.unmatched_total > 0 {
        writeln!(
            out,
            "{}",
            p.heading(&format!(
                "Unmatched SKUs ({}): listed by one source only, never guessed",
                v.unmatched_total
            ))
        )?;
        let width = options.width.map_or(100, usize::from);
        for u in &v.unmatched {
            let mut items = u.skus.clone();
            if u.more > 0 {
                items.push(format!("… and {} more (show all with --full)", u.more));
            }
            write_wrapped(
                out,
                &format!("  {} ({}): ", u.source, u.total),
                &items,
                width,
            )?;
        }
        writeln!(out)?;
    }

    if !v.guards.is_empty() {
        writeln!(out, "{}", p.heading("Guards"))?;
        let rows = v.guards.iter().map(|g| guard_row(g, p)).collect();
        write_table(out, rows, options, &[])?;
        writeln!(out)?;
    }

    let guards = if !v.tripped.is_empty() {
        p.alarm(&format!(
            "{} TRIPPED: nothing will be applied",
            count(v.tripped.len(), "guard", "guards")
        ))
    } else if v.guards.is_empty() {
        "no guards".to_string()
    } else {
        "guards passed".to_string()
    };
    let mut parts = v.headline_parts.clone();
    parts.push(guards);
    write_parts(out, &p.heading("Summary:"), &parts, options.width)
}

/// Writes `parts` joined by ` · ` after `prefix`; with a width, wraps
/// between parts (indented by two spaces).
fn write_parts(
    out: &mut String,
    prefix: &str,
    parts: &[String],
    width: Option<u16>,
) -> std::fmt::Result {
    let Some(width) = width.map(usize::from) else {
        let sep = if prefix.is_empty() { "" } else { " " };
        return writeln!(out, "{prefix}{sep}{}", parts.join(" · "));
    };
    let mut line = prefix.to_string();
    for (i, part) in parts.iter().enumerate() {
        let piece = if i + 1 < parts.len() {
            format!("{part} ·")
        } else {
            part.clone()
        };
        let used = console::measure_text_width(&line);
        if used > 2 && used + 1 + console::measure_text_width(&piece) > width {
            writeln!(out, "{line}")?;
            line = "  ".to_string();
        } else if used > 0 {
            line.push(' ');
        }
        line.push_str(&piece);
    }
    writeln!(out, "{line}")
}

/// The digest cut to `sha256:` and 12 hex digits (the JSON report has it
/// in full); shorter digests are shown as they are.
fn short_digest(digest: &str) -> String {
    const KEEP: usize = "sha256:".len() + 12;
    match digest.char_indices().nth(KEEP) {
        Some((cut, _)) => format!("{}…", &digest[..cut]),
        None => digest.to_string(),
    }
}

/// `before → after` (on two lines when too long for one), plus the inline
/// diff of a text field on its own line.
fn values(c: &ChangeView, p: &Paint) -> String {
    let mut s = format!("{} → {}", c.from, c.to);
    if console::measure_text_width(&s) > usize::from(VALUE_COLUMN) {
        s = format!("{}\n→ {}", c.from, c.to);
    }
    if let Some(diff) = &c.diff {
        s.push_str("\n~ ");
        for seg in diff {
            match seg {
                Segment::Same { text } => s.push_str(text),
                Segment::Changed { removed, added } => {
                    if !removed.is_empty() {
                        s.push_str(&p.removed(&format!("[-{removed}-]")));
                    }
                    if !added.is_empty() {
                        s.push_str(&p.added(&format!("{{+{added}+}}")));
                    }
                }
            }
        }
    }
    s
}

/// `truth from erp`, `merge (Δ -3, base 12)`, `DRIFT corrected from erp (base …)`.
fn why(c: &ChangeView, p: &Paint) -> String {
    let mut s = if c.drift {
        p.warn("DRIFT corrected")
    } else {
        c.reason.to_string()
    };
    if let Some(src) = &c.source {
        s.push_str(" from ");
        s.push_str(src);
    }
    if !c.notes.is_empty() {
        s.push_str(&format!(" ({})", c.notes.join(", ")));
    }
    s
}

fn guard_row(g: &GuardView, p: &Paint) -> Vec<String> {
    let status = if g.tripped {
        p.alarm("TRIPPED")
    } else {
        p.good("ok")
    };
    vec![
        status,
        g.name.clone(),
        format!("{} (limit {})", g.value, g.limit),
    ]
}

/// Writes rows as an aligned, borderless table indented by two spaces;
/// `caps` bounds the width of some columns (`(index, max)`), whose content
/// then wraps.
fn write_table(
    out: &mut String,
    rows: Vec<Vec<String>>,
    options: &RenderOptions,
    caps: &[(usize, u16)],
) -> std::fmt::Result {
    let mut table = Table::new();
    table.load_style(presets::NOTHING);
    match options.width {
        Some(w) => {
            table
                .set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(w.saturating_sub(2));
        }
        None => {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    table.add_rows(rows);
    for col in table.column_iter_mut() {
        col.set_padding((0, 2));
    }
    for &(index, max) in caps {
        if let Some(col) = table.column_mut(index) {
            col.set_constraint(ColumnConstraint::UpperBoundary(Width::Fixed(max + 2)));
        }
    }
    for line in table.lines() {
        writeln!(out, "  {}", line.trim_end())?;
    }
    Ok(())
}

/// Writes `items` comma-separated after `prefix`, wrapping at `width`
/// columns with a hanging indent.
fn write_wrapped(
    out: &mut String,
    prefix: &str,
    items: &[String],
    width: usize,
) -> std::fmt::Result {
    let indent = " ".repeat(4);
    let mut line = prefix.to_string();
    let mut fresh = true;
    for (i, item) in items.iter().enumerate() {
        let piece = if i + 1 < items.len() {
            format!("{item},")
        } else {
            item.clone()
        };
        let needed = console::measure_text_width(&piece) + usize::from(!fresh);
        if !fresh && console::measure_text_width(&line) + needed > width {
            writeln!(out, "{line}")?;
            line = indent.clone();
            fresh = true;
        }
        if !fresh {
            line.push(' ');
        }
        line.push_str(&piece);
        fresh = false;
    }
    writeln!(out, "{line}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_shortened_for_the_terminal() {
        assert_eq!(
            short_digest("sha256:bb591b38d5f6ea89d06c084c14d37e7dbd694bddf3d86f38b4859815088f7296"),
            "sha256:bb591b38d5f6…"
        );
        assert_eq!(short_digest("sha256:4f2a9c0e"), "sha256:4f2a9c0e");
        assert_eq!(short_digest(""), "");
    }
}
