//! skusync's rules file: `rules.yaml` → a validated [`RuleSet`].
//!
//! Two steps, as in uv's settings: the YAML is parsed with serde-saphyr into
//! wire structs that mirror the file (`deny_unknown_fields`, a line and
//! column on every value), then validated, purely, into domain types that
//! cannot hold an invalid combination. Validation reports every problem at
//! once, each with `file:line:column` and what would be valid. Unknown keys
//! are found in a first pass over the whole document and all reported
//! together; other structural YAML problems (bad syntax, a wrong type, a
//! duplicate key) stop the parse, so they come one at a time.
//!
//! Secrets come only through `${VAR}` references; the environment is an
//! injected function, so tests never touch the process environment.
//!
//! # Layout
//! - [`diag`]: [`Diagnostic`] and [`RulesErrors`].
//! - [`spec`]: [`RuleSet`], [`SourceSpec`] and the per-source specs.
//! - `wire`: the serde structs mirroring the YAML.
//! - `keys`: the first pass reporting every unknown key at once.
//! - `validate`: wire → domain, every check of `docs/rules.md` (sources and fields in submodules).
//! - `aliases`: the `match.aliases` CSV.
//! - `env`: `${VAR}` expansion.
#![warn(missing_docs)]

mod aliases;
pub mod diag;
mod env;
mod keys;
pub mod spec;
mod validate;
mod wire;

pub use diag::{Diagnostic, RulesErrors};
pub use spec::*;

use serde_saphyr::{DuplicateKeyPolicy, Error as YamlError};
use std::path::Path;

/// The process environment, for [`load`] outside tests.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Reads, parses and validates the rules file at `path`. Relative paths in
/// it resolve against its folder.
pub fn load(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<RuleSet, RulesErrors> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        RulesErrors::one(Diagnostic::new(
            path,
            0,
            0,
            format!("cannot read the rules file: {e}"),
        ))
    })?;
    let base_dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => Path::new(".").to_path_buf(),
    };
    parse_str(&text, path, &base_dir, env)
}

/// Parses and validates rules text. `file` names it in diagnostics;
/// relative paths resolve against `base_dir`.
pub fn parse_str(
    text: &str,
    file: &Path,
    base_dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<RuleSet, RulesErrors> {
    let options = serde_saphyr::options! {
        duplicate_keys: DuplicateKeyPolicy::Error,
        with_snippet: false,
    };
    // First every unknown key at once, then the typed parse.
    let tree: Option<keys::Node> = serde_saphyr::from_str_with_options(text, options.clone())
        .map_err(|e| RulesErrors::one(yaml_diagnostic(file, &e)))?;
    if let Some(tree) = &tree {
        let unknown = keys::unknown_keys(file, tree);
        if !unknown.is_empty() {
            return Err(RulesErrors {
                diagnostics: unknown,
            });
        }
    }
    let wire: wire::WireRules =
        serde_saphyr::from_str_with_options(text, options).map_err(|e| {
            let mut d = yaml_diagnostic(file, &e);
            // Name the key whose value has the wrong type.
            if let Some(path) = tree
                .as_ref()
                .and_then(|t| keys::path_at(t, d.line, d.column))
            {
                d.message = format!("{path}: {}", d.message);
            }
            RulesErrors::one(d)
        })?;
    let mut ctx = validate::Ctx {
        file,
        base_dir,
        env,
        diags: Vec::new(),
    };
    match validate::validate(&mut ctx, wire) {
        Some(rules) if ctx.diags.is_empty() => Ok(rules),
        _ => {
            let mut diagnostics = ctx.diags;
            diagnostics
                .sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
            diagnostics.dedup();
            if diagnostics.is_empty() {
                diagnostics.push(Diagnostic::new(file, 0, 0, "the rules are invalid"));
            }
            Err(RulesErrors { diagnostics })
        }
    }
}

/// Turns a serde-saphyr error into a diagnostic with our wording.
fn yaml_diagnostic(file: &Path, e: &YamlError) -> Diagnostic {
    let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
    let d = |msg: String| Diagnostic::new(file, line, column, msg);
    match e.without_snippet() {
        YamlError::SerdeUnknownField { field, expected, .. } => {
            d(format!("unknown key `{field}`")).with_help(diag::did_you_mean(field, expected, "keys here"))
        }
        YamlError::DuplicateMappingKey { key: Some(k), .. } => d(format!("duplicate key `{k}`"))
            .with_help("each key may appear once in a mapping (a field has exactly one rule, a source one definition)"),
        other => {
            let msg = other.render_with_formatter(&serde_saphyr::UserMessageFormatter);
            let suffix = format!(" at line {line}, column {column}");
            let msg = msg.strip_suffix(&suffix).unwrap_or(&msg).to_string();
            let help = match msg.as_str() {
                "expected sequence start" => Some("a list belongs here, e.g. `[shop, outlet]`"),
                "expected mapping start" => Some("a mapping (`key: value` lines or `{ key: value }`) belongs here"),
                "expected string scalar" => Some("a single value (a word, a number or a quoted string) belongs here"),
                m if m.starts_with("invalid i64") || m.starts_with("invalid u64") => {
                    Some("a whole number belongs here, e.g. `5`")
                }
                m if m.starts_with("invalid bool") => Some("`true` or `false` belongs here"),
                _ => None,
            };
            d(msg).with_help_opt(help.map(str::to_string))
        }
    }
}
