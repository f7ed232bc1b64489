//! Renders a [`Plan`] for people and for programs.
//!
//! Every renderer is pure: it reads a `&Plan` and returns a `String` (or
//! writes to a caller's [`std::io::Write`]). Nothing here prints, reads the
//! clock, looks at the terminal or touches a file; the caller decides where
//! the report goes, whether it is coloured and how wide it may be.
//!
//! # Layout
//! - [`Format`]: the closed set of output formats (`text`, `json`,
//!   `markdown`, `html`, `csv`) and [`render`] / [`render_to`], the one entry
//!   point that dispatches over it.
//! - [`RenderOptions`]: colour ([`ColorMode`]), list caps and width.
//! - `view`: the format-neutral reading of a plan (changes grouped by target
//!   and SKU, capped lists, counts) that every human format renders.
//! - `diff`: inline word/character diffs of text fields, built on `similar`.
//! - `text`, `markdown`, `html`, `csv`: one module per format. JSON is
//!   exactly the plan contract (`serde_json::to_string_pretty`).
//!
//! The one design choice a reader must know: values from stores and files
//! (SKUs, names, sources) are untrusted. Every format escapes them for its
//! medium (control characters in the terminal, pipes and markup in
//! Markdown, HTML through minijinja's auto-escaping, formula prefixes in
//! CSV), so a product name can never rewrite a report.
#![warn(missing_docs)]

mod csv;
mod diff;
mod display;
mod html;
mod markdown;
mod text;
mod view;

use skusync_model::Plan;
use std::fmt;
use std::io::Write;
use std::str::FromStr;

/// An output format for a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// The terminal report people review before a live run.
    Text,
    /// Exactly the plan JSON contract of `DESIGN.md`, pretty-printed.
    Json,
    /// GitHub-flavoured Markdown, for pasting into a ticket or a pull request.
    Markdown,
    /// A standalone HTML page (auto-escaped, no external assets).
    Html,
    /// One CSV row per planned change, for spreadsheets and scripts.
    Csv,
}

impl Format {
    /// Every format, in the order the CLI lists them.
    pub const ALL: [Format; 5] = [
        Format::Text,
        Format::Json,
        Format::Markdown,
        Format::Html,
        Format::Csv,
    ];

    /// The name used on the command line (`--format text`).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Csv => "csv",
        }
    }

    /// The usual file extension for `--out` files in this format.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Text => "txt",
            Format::Json => "json",
            Format::Markdown => "md",
            Format::Html => "html",
            Format::Csv => "csv",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A format name that is not one of [`Format::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown report format `{0}` (valid: text, json, markdown, html, csv)")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    /// Parses a format name, ignoring ASCII case; `md` is accepted for
    /// `markdown`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("md") {
            return Ok(Format::Markdown);
        }
        Format::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(t))
            .ok_or_else(|| UnknownFormat(s.to_string()))
    }
}

/// Whether the text report carries ANSI colour codes.
///
/// The renderer never looks at the terminal: the caller decides (the CLI
/// typically picks [`ColorMode::Ansi`] when stdout is a terminal and
/// `NO_COLOR` is unset). Only [`Format::Text`] is ever coloured; the other
/// formats ignore this setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorMode {
    /// Plain text, no escape codes (files, pipes, CI logs).
    #[default]
    Plain,
    /// ANSI colours and emphasis, for a terminal.
    Ansi,
}

/// How a report is rendered.
///
/// `Default` is what files and pipes want: no colour, lists capped at
/// [`RenderOptions::DEFAULT_MAX_LIST`] entries, no wrapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// Colour for the text report.
    pub color: ColorMode,
    /// How many entries of a long list (unmatched SKUs per source, identity
    /// problems) are shown before "… and N more"; `None` shows everything
    /// (the CLI's `--full`). Changes, conflicts, flagged drift and guards are
    /// never capped: they are what a reviewer must see.
    pub max_list: Option<usize>,
    /// The terminal width the text report may use; `None` never wraps
    /// (long names make long lines). Other formats ignore it.
    pub width: Option<u16>,
}

impl RenderOptions {
    /// The list cap used by [`RenderOptions::default`].
    pub const DEFAULT_MAX_LIST: usize = 20;

    /// Options that show every list entry in full (the CLI's `--full`).
    pub fn full() -> Self {
        RenderOptions {
            max_list: None,
            ..RenderOptions::default()
        }
    }
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            color: ColorMode::Plain,
            max_list: Some(Self::DEFAULT_MAX_LIST),
            width: None,
        }
    }
}

/// Why a report could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Writing to the caller's writer failed.
    #[error("cannot write the {format} report: {source}")]
    Io {
        /// The format being written.
        format: Format,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The plan could not be serialised as JSON.
    #[error("cannot serialise the plan as JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The HTML template failed to render.
    #[error("cannot render the HTML report: {0}")]
    Template(#[from] minijinja::Error),
    /// The CSV writer failed.
    #[error("cannot write the CSV report: {0}")]
    Csv(#[from] ::csv::Error),
}

/// Renders `plan` in `format` and returns the whole report.
///
/// Deterministic: the same plan and options give byte-identical output.
/// Every format ends with a newline.
pub fn render(plan: &Plan, format: Format, options: &RenderOptions) -> Result<String, ReportError> {
    match format {
        Format::Json => render_json(plan),
        Format::Text => Ok(text::render(plan, options)),
        Format::Markdown => Ok(markdown::render(plan, options)),
        Format::Html => html::render(plan, options),
        Format::Csv => csv::render(plan),
    }
}

/// Renders `plan` in `format` into `out` (a file, stdout, a buffer).
pub fn render_to(
    plan: &Plan,
    format: Format,
    options: &RenderOptions,
    out: &mut impl Write,
) -> Result<(), ReportError> {
    let report = render(plan, format, options)?;
    out.write_all(report.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|source| ReportError::Io { format, source })
}

/// Renders the HTML report with an operator's own minijinja template
/// instead of the built-in one.
///
/// The template is auto-escaped as HTML and undefined variables are errors.
/// Its context is the report's view of the plan (`generated_at`,
/// `headline`, `targets[].skus[].changes[]`, `conflicts`, `flagged`,
/// `identity`, `unmatched`, `guards`, `tripped`, …; see `docs/reports.md`).
/// [`HTML_TEMPLATE`] is the built-in template, a starting point to copy.
pub fn render_html_with_template(
    plan: &Plan,
    options: &RenderOptions,
    template: &str,
) -> Result<String, ReportError> {
    html::render_with(plan, options, template)
}

/// The built-in HTML template (minijinja syntax).
pub const HTML_TEMPLATE: &str = html::TEMPLATE;

/// The plan JSON contract: `serde_json::to_string_pretty(plan)` and a
/// trailing newline. Field order is the struct's, so the output is
/// deterministic apart from `generated_at`.
pub fn render_json(plan: &Plan) -> Result<String, ReportError> {
    let mut json = serde_json::to_string_pretty(plan)?;
    json.push('\n');
    Ok(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>(), Ok(f));
            assert_eq!(f.to_string().to_uppercase().parse::<Format>(), Ok(f));
        }
        assert_eq!("md".parse::<Format>(), Ok(Format::Markdown));
        let err = "yaml".parse::<Format>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown report format `yaml` (valid: text, json, markdown, html, csv)"
        );
    }

    #[test]
    fn full_options_show_everything() {
        assert_eq!(RenderOptions::full().max_list, None);
        assert_eq!(RenderOptions::default().max_list, Some(20));
        assert_eq!(RenderOptions::default().color, ColorMode::Plain);
    }
}
