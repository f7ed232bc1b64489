//! The plain configuration of a `kind: csv` source and its export target.
//!
//! These structs carry exactly the options of `rules.yaml`'s `kind: csv`
//! (see `docs/csv.md`); the rules crate parses the YAML and validates it
//! straight into [`CsvSourceConfig`] (which is why these derive `Serialize`:
//! the rules digest covers them). Paths arrive already resolved, durations as
//! [`Duration`]. Modes are enums, never bools. [`CsvSourceConfig::validate`]
//! reports every inconsistency at once.

use rust_decimal::Decimal;
use serde::Serialize;
use skusync_model::{FieldKind, FieldName, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// A field delimiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Delimiter {
    /// `,`
    Comma,
    /// `;`
    Semicolon,
    /// a tab (`"\t"`)
    Tab,
    /// `|`
    Pipe,
}

impl Delimiter {
    /// Every delimiter, in the order auto-detection prefers them on a tie.
    pub const ALL: [Delimiter; 4] = [
        Delimiter::Comma,
        Delimiter::Semicolon,
        Delimiter::Tab,
        Delimiter::Pipe,
    ];

    /// The delimiter byte.
    pub fn byte(self) -> u8 {
        match self {
            Delimiter::Comma => b',',
            Delimiter::Semicolon => b';',
            Delimiter::Tab => b'\t',
            Delimiter::Pipe => b'|',
        }
    }

    /// How `rules.yaml` spells it (`","`, `";"`, `"\t"`, `"|"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Delimiter::Comma => ",",
            Delimiter::Semicolon => ";",
            Delimiter::Tab => "\\t",
            Delimiter::Pipe => "|",
        }
    }
}

/// How the source's delimiter is chosen (`delimiter:`; default `auto`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DelimiterSetting {
    /// Detect it from the first line of each file (default).
    #[default]
    Auto,
    /// Always this delimiter.
    Fixed(Delimiter),
}

/// The decimal separator of numbers (`decimal_separator:`; default `.`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecimalSeparator {
    /// `12.50` (default).
    #[default]
    Dot,
    /// `12,50`.
    Comma,
}

impl DecimalSeparator {
    /// The separator character.
    pub fn char(self) -> char {
        match self {
            DecimalSeparator::Dot => '.',
            DecimalSeparator::Comma => ',',
        }
    }
}

/// A thousands separator (`thousands_separator:`; optional).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ThousandsSeparator {
    /// `1.234,56`
    Dot,
    /// `1,234.56`
    Comma,
    /// `1 234,56` (a non-breaking or narrow no-break space counts too).
    Space,
    /// `1'234.56`
    Apostrophe,
}

impl ThousandsSeparator {
    /// True when `c` is this separator.
    pub fn matches(self, c: char) -> bool {
        match self {
            ThousandsSeparator::Dot => c == '.',
            ThousandsSeparator::Comma => c == ',',
            ThousandsSeparator::Space => matches!(c, ' ' | '\u{a0}' | '\u{202f}'),
            ThousandsSeparator::Apostrophe => matches!(c, '\'' | '\u{2019}'),
        }
    }

    /// The separator as written in rules (`"."`, `","`, `" "`, `"'"`).
    pub fn char(self) -> char {
        match self {
            ThousandsSeparator::Dot => '.',
            ThousandsSeparator::Comma => ',',
            ThousandsSeparator::Space => ' ',
            ThousandsSeparator::Apostrophe => '\'',
        }
    }
}

/// The text encoding of the files (`encoding:`; default UTF-8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark (default).
    #[default]
    Utf8,
    /// Windows-1252 (Western European Windows "ANSI").
    Windows1252,
    /// ISO-8859-1; decoded as Windows-1252, its superset for every printable
    /// character (what browsers and `encoding_rs` do).
    Latin1,
}

/// Whether the first line is a header (`header:`; default true).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Header {
    /// The first line names the columns (default).
    #[default]
    Present,
    /// Every line is data; columns must be given by index.
    Absent,
}

/// Where a mapped column is found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnRef {
    /// A header cell, matched after trimming and case-folding.
    Name(String),
    /// A 1-based column index.
    Index(usize),
}

impl fmt::Display for ColumnRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnRef::Name(n) => write!(f, "\"{n}\""),
            ColumnRef::Index(i) => write!(f, "{i}"),
        }
    }
}

/// When a file counts as completely written (`complete:`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Completeness {
    /// Size and modification time unchanged for this long (default 2s).
    StableFor(#[serde(serialize_with = "ser_duration")] Duration),
    /// A marker file named after the data file plus this suffix (`.done`)
    /// must exist.
    Marker(String),
}

impl Default for Completeness {
    fn default() -> Self {
        Completeness::StableFor(Duration::from_secs(2))
    }
}

/// What an invalid row does to its file (`on_invalid:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnInvalid {
    /// Any invalid row rejects the whole file (default).
    #[default]
    Reject,
    /// Invalid rows are skipped and counted; more than `max_skipped` rejects
    /// the file anyway.
    Skip,
}

/// Whether negative stock quantities are accepted (`allow_negative_stock:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NegativeStock {
    /// A negative quantity is an invalid row (default).
    #[default]
    Reject,
    /// Negative quantities (backordered stock) are read as they are.
    Allow,
}

/// Whether an export may replace a file the ERP has not picked up yet
/// (`export.overwrite:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Overwrite {
    /// Never (default): while a previous export is still in the outbox,
    /// nothing is written.
    #[default]
    Never,
    /// Write anyway; a file of the same name is replaced atomically.
    Replace,
}

/// The key of a mapped column: the SKU or a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKey {
    /// The `sku` column.
    Sku,
    /// A field column.
    Field(FieldName),
}

impl fmt::Display for ColumnKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnKey::Sku => f.write_str("sku"),
            ColumnKey::Field(name) => f.write_str(name.as_str()),
        }
    }
}

/// A `kind: csv` source: where drops arrive and how to read them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CsvSourceConfig {
    /// A folder (the newest complete file matching `pattern`) or one file.
    pub path: PathBuf,
    /// Glob of file names in the folder (default `*.csv`); matched
    /// case-insensitively; hidden files (leading `.`) never match.
    pub pattern: String,
    /// The delimiter (default auto-detected).
    pub delimiter: DelimiterSetting,
    /// The decimal separator (default `.`).
    pub decimal_separator: DecimalSeparator,
    /// The thousands separator, if the files use one.
    pub thousands_separator: Option<ThousandsSeparator>,
    /// The text encoding (default UTF-8).
    pub encoding: Encoding,
    /// Whether there is a header line (default yes).
    pub header: Header,
    /// The SKU column (required).
    pub sku: ColumnRef,
    /// The field columns: exactly the fields this source provides.
    pub columns: BTreeMap<FieldName, ColumnRef>,
    /// Per field, file words mapped to WooCommerce words
    /// (`stock.status: {Y: instock}`); keys match after trim + case-fold.
    pub values: BTreeMap<FieldName, BTreeMap<String, String>>,
    /// When a file counts as complete.
    pub complete: Completeness,
    /// What an invalid row does.
    pub on_invalid: OnInvalid,
    /// With [`OnInvalid::Skip`]: the most rows skipped before the file is
    /// rejected anyway (default 10).
    pub max_skipped: u64,
    /// Whether negative stock is accepted (default no).
    pub negative_stock: NegativeStock,
    /// Truncation guard: a file with fewer rows than this share (0 to 1) of
    /// the last accepted file's rows is held back (default 0.5; 0 disables).
    pub min_rows_ratio: Decimal,
    /// Where processed files are moved, if anywhere.
    pub archive: Option<PathBuf>,
    /// Present when this source is also a target (an export file).
    pub export: Option<ExportConfig>,
}

/// The default `max_skipped`.
pub const DEFAULT_MAX_SKIPPED: u64 = 10;

impl CsvSourceConfig {
    /// A source at `path` with the SKU in column `sku` and every option at
    /// its documented default.
    pub fn new(path: impl Into<PathBuf>, sku: ColumnRef) -> Self {
        CsvSourceConfig {
            path: path.into(),
            pattern: "*.csv".to_string(),
            delimiter: DelimiterSetting::Auto,
            decimal_separator: DecimalSeparator::Dot,
            thousands_separator: None,
            encoding: Encoding::Utf8,
            header: Header::Present,
            sku,
            columns: BTreeMap::new(),
            values: BTreeMap::new(),
            complete: Completeness::default(),
            on_invalid: OnInvalid::Reject,
            max_skipped: DEFAULT_MAX_SKIPPED,
            negative_stock: NegativeStock::Reject,
            min_rows_ratio: Decimal::new(5, 1),
            archive: None,
            export: None,
        }
    }

    /// Maps `field` to `column` (builder style).
    pub fn column(mut self, field: FieldName, column: ColumnRef) -> Self {
        self.columns.insert(field, column);
        self
    }

    /// Every inconsistency in the configuration (empty when valid).
    pub fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let (Some(t), DecimalSeparator::Comma) =
            (self.thousands_separator, self.decimal_separator)
            && t == ThousandsSeparator::Comma
        {
            problems.push(
                "thousands_separator must differ from decimal_separator (both are \",\")"
                    .to_string(),
            );
        }
        if let (Some(ThousandsSeparator::Dot), DecimalSeparator::Dot) =
            (self.thousands_separator, self.decimal_separator)
        {
            problems.push(
                "thousands_separator must differ from decimal_separator (both are \".\")"
                    .to_string(),
            );
        }
        let mapped = std::iter::once((ColumnKey::Sku, &self.sku)).chain(
            self.columns
                .iter()
                .map(|(field, col)| (ColumnKey::Field(*field), col)),
        );
        for (key, col) in mapped {
            match col {
                ColumnRef::Index(0) => problems.push(format!(
                    "columns.{key}: column indexes start at 1, not 0"
                )),
                ColumnRef::Name(name) if self.header == Header::Absent => problems.push(format!(
                    "columns.{key}: \"{name}\" is a header name but header is false; give a 1-based index"
                )),
                ColumnRef::Name(name) if name.trim().is_empty() => {
                    problems.push(format!("columns.{key}: the header name is empty"))
                }
                _ => {}
            }
        }
        for (field, words) in &self.values {
            if !matches!(field.kind(), FieldKind::Enum | FieldKind::Flag) {
                problems.push(format!(
                    "values.{field}: only word fields (stock.status, stock.backorders, status, stock.manage) take a values mapping"
                ));
                continue;
            }
            for (word, target) in words {
                if let Err(e) = Value::parse(*field, target) {
                    problems.push(format!("values.{field}.\"{word}\": {e}"));
                }
            }
        }
        if self.min_rows_ratio < Decimal::ZERO || self.min_rows_ratio > Decimal::ONE {
            problems.push(format!(
                "min_rows_ratio must be between 0% and 100%, not {}",
                self.min_rows_ratio
            ));
        }
        if let Err(e) = glob::Pattern::new(&self.pattern) {
            problems.push(format!(
                "pattern \"{}\" is not a valid glob: {e}",
                self.pattern
            ));
        }
        if let Completeness::Marker(suffix) = &self.complete
            && suffix.is_empty()
        {
            problems.push("complete.marker must not be empty (e.g. \".done\")".to_string());
        }
        if let Some(export) = &self.export {
            problems.extend(export.validate());
        }
        problems
    }
}

/// The export side of a csv source (`export:`): a file written for the ERP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportConfig {
    /// The outbox folder.
    pub path: PathBuf,
    /// The file name; `{timestamp}` becomes the UTC time as `YYYYMMDDTHHMMSSZ`.
    pub file_name: String,
    /// The columns, in file order: what each holds and its header cell.
    pub columns: Vec<(ColumnKey, String)>,
    /// The delimiter; `None` means the source's fixed delimiter, else `,`.
    pub delimiter: Option<Delimiter>,
    /// The decimal separator; `None` means the source's.
    pub decimal_separator: Option<DecimalSeparator>,
    /// Whether a file the ERP has not picked up may be replaced.
    pub overwrite: Overwrite,
}

impl ExportConfig {
    /// Every inconsistency in the export configuration.
    pub fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !self.columns.iter().any(|(k, _)| *k == ColumnKey::Sku) {
            problems.push("export.columns: the sku column is required".to_string());
        }
        let name = &self.file_name;
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            problems.push(format!(
                "export.file_name \"{name}\" must be a plain file name (no folders, no leading dot)"
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (key, _) in &self.columns {
            if !seen.insert(*key) {
                problems.push(format!("export.columns: {key} is listed twice"));
            }
        }
        problems
    }
}

/// Serialises a duration as whole milliseconds (for the rules digest).
fn ser_duration<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
