//! Diagnostics: every problem found in a rules file, with its place.
//!
//! Validation never stops at the first problem: it collects
//! [`Diagnostic`]s into [`RulesErrors`], sorted by position, so an operator
//! fixes a file in one pass. Messages never quote a secret's value.

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in a rules file (or a file it references, like the aliases CSV).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file the problem is in.
    pub file: PathBuf,
    /// 1-based line (0 when the whole file is meant).
    pub line: u64,
    /// 1-based column (0 when the whole line or file is meant).
    pub column: u64,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What would be valid, or a "did you mean" suggestion.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic at `line:column` of `file`.
    pub fn new(file: &Path, line: u64, column: u64, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.to_path_buf(),
            line,
            column,
            message: message.into(),
            help: None,
        }
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a help line when there is one.
    pub fn with_help_opt(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }
}

impl fmt::Display for Diagnostic {
    /// `rules.yaml:12:5: message`, then `  help: …` on its own line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
        }
        write!(f, ": {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// Every problem found in a rules file; never empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RulesErrors {
    /// The problems, ordered by file, line and column.
    pub diagnostics: Vec<Diagnostic>,
}

impl RulesErrors {
    /// Wraps one diagnostic.
    pub fn one(d: Diagnostic) -> Self {
        RulesErrors {
            diagnostics: vec![d],
        }
    }

    /// How many problems were found.
    pub fn len(&self) -> usize {
        self.diagnostics.len()
    }

    /// Always false (kept for clippy's `len_without_is_empty`).
    pub fn is_empty(&self) -> bool {
        self.diagnostics.is_empty()
    }

    /// The messages alone, in order (handy in tests and summaries).
    pub fn messages(&self) -> Vec<String> {
        self.diagnostics.iter().map(|d| d.to_string()).collect()
    }
}

impl fmt::Display for RulesErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.diagnostics.len();
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        if n > 1 {
            write!(f, "\n{n} problems found")?;
        }
        Ok(())
    }
}

/// The closest candidate to `word` for a "did you mean" help line: among
/// the candidates that look alike (Jaro-Winkler ≥ 0.8, or at most two edits
/// away for words longer than two characters), the one fewest edits away.
pub fn closest<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let lower = word.to_lowercase();
    candidates
        .into_iter()
        .filter_map(|c| {
            let edits = strsim::levenshtein(&lower, &c.to_lowercase());
            let similarity = strsim::jaro_winkler(&lower, &c.to_lowercase());
            let alike = similarity >= 0.8 || (word.len() > 2 && edits <= 2);
            // An abbreviation (`rnd` for `round`) beats an equally distant word.
            let abbreviates = is_subsequence(&lower, &c.to_lowercase());
            alike.then_some((edits, !abbreviates, similarity, c))
        })
        // Fewest edits; among equals an abbreviation, then the most alike.
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)).then(b.2.total_cmp(&a.2)))
        .map(|(_, _, _, c)| c)
}

/// True when the characters of `short` appear in `long` in order.
fn is_subsequence(short: &str, long: &str) -> bool {
    let mut rest = long.chars();
    short.chars().all(|c| rest.any(|l| l == c))
}

/// A help line: "did you mean `x`?" when a candidate is close, followed by
/// the list of valid words.
pub fn did_you_mean(word: &str, valid: &[&str], what: &str) -> String {
    let list = valid
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ");
    match closest(word, valid.iter().copied()) {
        Some(c) => format!("did you mean `{c}`? valid {what}: {list}"),
        None => format!("valid {what}: {list}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_has_place_and_help() {
        let d = Diagnostic::new(Path::new("rules.yaml"), 12, 5, "unknown key `truht`")
            .with_help("did you mean `truth`?");
        assert_eq!(
            d.to_string(),
            "rules.yaml:12:5: unknown key `truht`\n  help: did you mean `truth`?"
        );
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            closest("truht", ["truth", "merge", "newest"]),
            Some("truth")
        );
        assert_eq!(closest("zzz", ["truth", "merge", "newest"]), None);
        assert_eq!(closest("rnd", ["add", "round", "rounding"]), Some("round"));
        assert_eq!(
            did_you_mean("shpo", &["erp", "shop"], "sources"),
            "did you mean `shop`? valid sources: `erp`, `shop`"
        );
    }
}
