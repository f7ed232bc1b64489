//! Parsing one drop file into records, validating every row.
//!
//! Streaming: the file is read through `csv::Reader` over a buffered reader
//! (Windows-1252 is transcoded on the fly by `encoding_rs_io`), one reused
//! `ByteRecord` at a time, and only the mapped cells of each row are decoded
//! and parsed. Memory grows with the records kept (one per SKU), never with
//! the file size. Every problem is collected (up to [`MAX_PROBLEMS`] kept,
//! all counted) so an operator fixes a file in one go.

use crate::config::{
    ColumnKey, ColumnRef, CsvSourceConfig, Delimiter, DelimiterSetting, Encoding, Header,
    NegativeStock, OnInvalid,
};
use crate::number::{NumberError, NumberFormat};
use crate::problem::{Problem, ProblemKind};
use skusync_model::{FieldKind, FieldName, Origin, Record, Sku, Value};
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::io::{self, BufRead, BufReader, Read};
use std::sync::Arc;

/// The most problems kept for one file; the rest are only counted.
pub const MAX_PROBLEMS: usize = 100;

/// Buffer size of the streaming reader.
const BUFFER: usize = 64 * 1024;

/// Rows read before the rest of the file's rows are estimated and reserved.
const SAMPLE_ROWS: usize = 1000;

/// The most records reserved ahead from an estimate.
const MAX_RESERVE: usize = 50_000_000;

/// The most bytes looked at for delimiter detection.
const HEAD_LIMIT: u64 = 1024 * 1024;

/// What parsing one file produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// The file is valid (possibly after skipping rows, with `on_invalid: skip`).
    Valid(ParsedFile),
    /// The file is rejected: nothing from it may be used.
    Invalid {
        /// The problems, in file order (at most [`MAX_PROBLEMS`]).
        problems: Vec<Problem>,
        /// How many problems there are in all.
        total: usize,
        /// Data rows read.
        rows: u64,
    },
}

/// The records of a valid file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFile {
    /// One record per SKU, in file order.
    pub records: Vec<Record>,
    /// Data rows in the file (blank rows and the header not counted).
    pub rows: u64,
    /// Rows skipped as invalid (only with `on_invalid: skip`).
    pub skipped: u64,
    /// Why they were skipped (at most [`MAX_PROBLEMS`]).
    pub skipped_problems: Vec<Problem>,
    /// The delimiter used (detected or configured).
    pub delimiter: Delimiter,
}

/// A source configuration compiled for fast row parsing.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    delimiter: DelimiterSetting,
    encoding: Encoding,
    header: Header,
    sku: ColumnRef,
    columns: Vec<(FieldName, ColumnRef)>,
    /// Per field: (case-folded file word, WooCommerce word).
    values: HashMap<FieldName, Vec<(String, String)>>,
    /// Per field: the accepted words, for messages.
    valid_words: HashMap<FieldName, String>,
    numbers: NumberFormat,
    on_invalid: OnInvalid,
    max_skipped: u64,
    negative_stock: NegativeStock,
}

impl Prepared {
    pub(crate) fn new(config: &CsvSourceConfig) -> Self {
        let mut values = HashMap::new();
        let mut valid_words = HashMap::new();
        for (field, map) in &config.values {
            values.insert(
                *field,
                map.iter()
                    .map(|(k, v)| (fold(k), v.clone()))
                    .collect::<Vec<_>>(),
            );
        }
        for field in config.columns.keys() {
            let own = match field {
                FieldName::StockStatus => skusync_model::StockStatus::VALID,
                FieldName::StockBackorders => skusync_model::Backorders::VALID,
                FieldName::Status => skusync_model::ProductStatus::VALID,
                FieldName::StockManage => "true, false, yes, no, 1, 0",
                _ => continue,
            };
            let mut words: Vec<String> = config
                .values
                .get(field)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            words.push(own.to_string());
            valid_words.insert(*field, words.join(", "));
        }
        Prepared {
            delimiter: config.delimiter,
            encoding: config.encoding,
            header: config.header,
            sku: config.sku.clone(),
            columns: config
                .columns
                .iter()
                .map(|(f, c)| (*f, c.clone()))
                .collect(),
            values,
            valid_words,
            numbers: NumberFormat {
                decimal: config.decimal_separator,
                thousands: config.thousands_separator,
            },
            on_invalid: config.on_invalid,
            max_skipped: config.max_skipped,
            negative_stock: config.negative_stock,
        }
    }
}

/// `str::trim` with a fast path for the usual cell that needs no trimming.
fn trim(s: &str) -> &str {
    let plain = |b: &u8| b.is_ascii() && !b.is_ascii_whitespace();
    let bytes = s.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) if plain(first) && plain(last) => s,
        _ => s.trim(),
    }
}

/// Trim + case-fold, the way header cells and `values:` words are matched.
fn fold(s: &str) -> String {
    s.trim().to_lowercase()
}

/// Picks the delimiter that occurs most often outside quotes on the first
/// line of `head`; ties go to the earlier of `,` `;` tab `|`; none at all
/// means `,` (a single-column file).
pub(crate) fn detect_delimiter(head: &[u8]) -> Delimiter {
    let mut counts = [0usize; 4];
    let mut quoted = false;
    for &b in head {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            _ if !quoted => {
                if let Some(i) = Delimiter::ALL.iter().position(|d| d.byte() == b) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let mut best = 0;
    for i in 1..4 {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    Delimiter::ALL[best]
}

/// Parses one drop read from `input`, naming it `file_name` in problems and
/// origins. I/O errors are errors; everything wrong with the content is a
/// problem in [`Parsed::Invalid`] (or a skipped row).
///
/// `size` (the file's length, when known) lets the reader reserve room for
/// the records once instead of growing as it goes.
pub(crate) fn parse(
    prepared: &Prepared,
    file_name: &str,
    input: impl Read,
    size: Option<u64>,
) -> io::Result<Parsed> {
    match prepared.encoding {
        Encoding::Utf8 => {
            let mut buffered = BufReader::with_capacity(BUFFER, input);
            let head = buffered.fill_buf()?;
            if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
                // A UTF-16 byte-order mark (Excel's "Unicode text"): the
                // BOM says what the file is, so it is transcoded to UTF-8.
                let decoder = encoding_rs_io::DecodeReaderBytesBuilder::new()
                    .bom_sniffing(true)
                    .build(buffered);
                return parse_buffered(
                    prepared,
                    file_name,
                    BufReader::with_capacity(BUFFER, decoder),
                    size.map(|s| s / 2),
                );
            }
            parse_buffered(prepared, file_name, buffered, size)
        }
        Encoding::Windows1252 | Encoding::Latin1 => {
            let decoder = encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(encoding_rs::WINDOWS_1252))
                .build(input);
            parse_buffered(
                prepared,
                file_name,
                BufReader::with_capacity(BUFFER, decoder),
                size,
            )
        }
    }
}

/// Everything needed to name a mapped column in messages.
struct Mapped {
    key: ColumnKey,
    field: Option<FieldName>,
    /// 0-based cell index.
    index: usize,
    /// The header cell as written (trimmed), or `column N`.
    name: String,
    /// The `values:` words of the field (case-folded file word, WooCommerce word).
    words: Vec<(String, String)>,
    /// The accepted words, for messages.
    valid: String,
}

impl Mapped {
    fn new(prepared: &Prepared, key: ColumnKey, index: usize, name: String) -> Self {
        let field = match key {
            ColumnKey::Sku => None,
            ColumnKey::Field(f) => Some(f),
        };
        let lookup = |f: &FieldName| {
            (
                prepared.values.get(f).cloned().unwrap_or_default(),
                prepared.valid_words.get(f).cloned().unwrap_or_default(),
            )
        };
        let (words, valid) = field.as_ref().map(lookup).unwrap_or_default();
        Mapped {
            key,
            field,
            index,
            name,
            words,
            valid,
        }
    }

    /// The WooCommerce word for a file word, if `values:` maps it.
    fn word(&self, cell: &str) -> Option<&str> {
        if self.words.is_empty() {
            return None;
        }
        let found = if cell.is_ascii() {
            self.words
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(cell))
        } else {
            let folded = fold(cell);
            self.words.iter().find(|(k, _)| *k == folded)
        };
        found.map(|(_, v)| v.as_str())
    }
}

/// Problems of one file, capped, in the order found.
struct Problems {
    kept: Vec<Problem>,
    total: usize,
}

impl Problems {
    fn push(&mut self, p: Problem) {
        self.total += 1;
        if self.kept.len() < MAX_PROBLEMS {
            self.kept.push(p);
        }
    }
}

/// A row with a SKU: the hash of its trimmed SKU, its line, and its index
/// in the records being built.
#[derive(Clone, Copy)]
struct Occurrence {
    hash: u64,
    line: u64,
    record: u32,
}

fn parse_buffered<R: BufRead>(
    prepared: &Prepared,
    file_name: &str,
    mut input: R,
    size: Option<u64>,
) -> io::Result<Parsed> {
    // The first line, for the BOM and delimiter detection, then chained back.
    // Leading blank lines are read too, so detection sees the first real line.
    let mut head = Vec::new();
    let line_start = loop {
        let start = head.len();
        let n = input
            .by_ref()
            .take(HEAD_LIMIT)
            .read_until(b'\n', &mut head)?;
        if head.starts_with(b"\xEF\xBB\xBF") {
            head.drain(..3);
        }
        let start = start.min(head.len());
        let blank = head[start..].iter().all(u8::is_ascii_whitespace);
        if n == 0 || !blank || head.len() as u64 >= HEAD_LIMIT {
            break start;
        }
    };
    // Excel's `sep=;` first line names the delimiter; it is not the header.
    let excel_sep = head[line_start..]
        .trim_ascii_end()
        .strip_prefix(b"sep=")
        .and_then(|rest| match rest {
            [b] => Delimiter::ALL.into_iter().find(|d| d.byte() == *b),
            _ => None,
        });
    let mut line_offset = 0u64;
    if excel_sep.is_some() {
        line_offset = head.iter().filter(|&&b| b == b'\n').count() as u64;
        head.clear();
    }
    let delimiter = match (prepared.delimiter, excel_sep) {
        (DelimiterSetting::Fixed(d), _) => d,
        (DelimiterSetting::Auto, Some(d)) => d,
        (DelimiterSetting::Auto, None) => detect_delimiter(&head[line_start..]),
    };
    // `\n` ends a record (a `\r` before it is stripped from the last cell):
    // with csv's CRLF terminator, line numbers drift on CRLF files.
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter.byte())
        .has_headers(false)
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .buffer_capacity(BUFFER)
        .from_reader(io::Cursor::new(head).chain(input));
    let mut problems = Problems {
        kept: Vec::new(),
        total: 0,
    };
    let invalid = |problems: Problems, rows: u64| {
        Ok(Parsed::Invalid {
            problems: problems.kept,
            total: problems.total,
            rows,
        })
    };

    let mut record = csv::ByteRecord::new();
    let mut first = read_record(&mut reader, &mut record)?;
    while matches!(first, Ok(Some(_))) && is_blank(&record) {
        first = read_record(&mut reader, &mut record)?;
    }
    let first = match first {
        Ok(line) => line,
        Err(message) => {
            problems.push(Problem::file(file_name, ProblemKind::Syntax { message }));
            return invalid(problems, 0);
        }
    };
    let Some(header_line) = first else {
        problems.push(Problem::file(file_name, ProblemKind::Empty));
        return invalid(problems, 0);
    };
    let header_line = header_line + line_offset;
    let width = record.len();

    // Resolve the mapped columns against the header (or by index).
    let header_cells: Vec<String> = match prepared.header {
        Header::Present => record
            .iter()
            .map(|c| String::from_utf8_lossy(c).trim().to_string())
            .collect(),
        Header::Absent => Vec::new(),
    };
    let folded: Vec<String> = header_cells.iter().map(|c| c.to_lowercase()).collect();
    let wanted = std::iter::once((ColumnKey::Sku, &prepared.sku)).chain(
        prepared
            .columns
            .iter()
            .map(|(f, c)| (ColumnKey::Field(*f), c)),
    );
    let mut mapped = Vec::new();
    for (key, col) in wanted {
        match col {
            ColumnRef::Index(i) => {
                if *i == 0 || *i > width {
                    problems.push(Problem::line(
                        file_name,
                        header_line,
                        ProblemKind::ColumnOutOfRange {
                            key,
                            index: *i,
                            width,
                        },
                    ));
                } else {
                    let name = header_cells
                        .get(i - 1)
                        .filter(|n| !n.is_empty())
                        .cloned()
                        .unwrap_or_else(|| format!("column {i}"));
                    mapped.push(Mapped::new(prepared, key, i - 1, name));
                }
            }
            ColumnRef::Name(name) => {
                let want = fold(name);
                let hits: Vec<usize> = folded
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| **c == want)
                    .map(|(i, _)| i)
                    .collect();
                match hits.as_slice() {
                    [i] => mapped.push(Mapped::new(prepared, key, *i, header_cells[*i].clone())),
                    [] => problems.push(Problem::line(
                        file_name,
                        header_line,
                        ProblemKind::MissingColumn {
                            key,
                            wanted: name.clone(),
                            found: header_cells.clone(),
                            suggestion: closest(&want, &header_cells),
                        },
                    )),
                    many => problems.push(Problem::line(
                        file_name,
                        header_line,
                        ProblemKind::AmbiguousColumn {
                            key,
                            wanted: name.clone(),
                            columns: many.iter().map(|i| i + 1).collect(),
                        },
                    )),
                }
            }
        }
    }
    if problems.total > 0 {
        return invalid(problems, 0);
    }
    let (sku_col, field_cols) = match mapped.split_first() {
        Some(split) => split,
        None => return invalid(problems, 0),
    };

    let mut rows: u64 = 0;
    // Every row with a SKU gets a record (invalid rows too, flagged, so that
    // duplicates are found among all rows). Duplicates are found by sorting
    // the SKU hashes once at the end: sequential, cache-friendly work,
    // instead of a random probe into a growing hash table per row (which
    // measured 3x slower on 1M rows), and no copy of any SKU.
    let mut records: Vec<Record> = Vec::new();
    let mut keep: Vec<bool> = Vec::new();
    let hasher = foldhash::fast::FixedState::default();
    let mut occurrences: Vec<Occurrence> = Vec::new();
    let mut invalid_rows: u64 = 0;
    let mut buf = String::new();
    let mut row_problems: Vec<Problem> = Vec::new();
    let file: Arc<str> = Arc::from(file_name);

    // Without a header the first record is already a data row.
    let mut pending_first = prepared.header == Header::Absent;
    let mut line = header_line;
    loop {
        if !pending_first {
            match read_record(&mut reader, &mut record)? {
                Ok(Some(l)) => line = l + line_offset,
                Ok(None) => break,
                Err(message) => {
                    problems.push(Problem::file(file_name, ProblemKind::Syntax { message }));
                    return invalid(problems, rows);
                }
            }
        }
        pending_first = false;
        if is_blank(&record) {
            continue; // a blank row (`;;;` from spreadsheets): not data
        }
        rows += 1;
        // A trailing delimiter (`A;1;` under `Item;Qty`) adds empty cells:
        // nothing is lost, so the row is not ragged.
        let trailing_empty = record.len() > width
            && record
                .iter()
                .skip(width)
                .all(|c| c.iter().all(u8::is_ascii_whitespace));
        if record.len() != width && !trailing_empty {
            problems.push(Problem::line(
                file_name,
                line,
                ProblemKind::Ragged {
                    cells: record.len(),
                    expected: width,
                },
            ));
            invalid_rows += 1;
            continue;
        }
        row_problems.clear();
        // The SKU.
        let sku = match std::str::from_utf8(strip_cr(&record, sku_col.index)) {
            Ok(s) if trim(s).is_empty() => {
                row_problems.push(Problem::cell(
                    file_name,
                    line,
                    sku_col.index + 1,
                    ProblemKind::MissingSku {
                        column_name: sku_col.name.clone(),
                    },
                ));
                None
            }
            Ok(s) => Some(s),
            Err(_) => {
                row_problems.push(Problem::cell(
                    file_name,
                    line,
                    sku_col.index + 1,
                    ProblemKind::InvalidUtf8 {
                        column_name: sku_col.name.clone(),
                    },
                ));
                None
            }
        };
        // A row with a SKU gets its record now, built in place in `records`
        // (a `Record` is 264 bytes: building it aside and moving it in
        // measured ~10% of a parse). One allocation: the SKU (the origin
        // shares `file`).
        let mut out = match sku {
            Some(s) => {
                let Ok(slot) = u32::try_from(records.len()) else {
                    return Err(io::Error::other("more than 4 billion rows in one file"));
                };
                if records.len() == SAMPLE_ROWS
                    && let Some(size) = size
                {
                    // Room for the rest, estimated from the bytes per row so far.
                    let used = reader.position().byte().max(1);
                    let estimate = size.saturating_mul(SAMPLE_ROWS as u64) / used;
                    let more = usize::try_from(estimate.saturating_sub(SAMPLE_ROWS as u64) + 16)
                        .unwrap_or(0)
                        .min(MAX_RESERVE);
                    records.reserve(more);
                    keep.reserve(more);
                    occurrences.reserve(more);
                }
                occurrences.push(Occurrence {
                    hash: hasher.hash_one(trim(s)),
                    line,
                    record: slot,
                });
                records.push(Record::new(Sku::from(s)));
                let mut r = records.last_mut();
                if let Some(r) = r.as_deref_mut() {
                    r.origin = Some(Origin::line(file.clone(), line));
                }
                r
            }
            None => None,
        };
        for col in field_cols {
            let Some(field) = col.field else { continue };
            let cell = match std::str::from_utf8(&record[col.index]) {
                Ok(c) => trim(c),
                Err(_) => {
                    row_problems.push(Problem::cell(
                        file_name,
                        line,
                        col.index + 1,
                        ProblemKind::InvalidUtf8 {
                            column_name: col.name.clone(),
                        },
                    ));
                    continue;
                }
            };
            if cell.is_empty() {
                continue; // not provided: missing, never zero
            }
            match parse_cell(prepared, field, col, cell, &mut buf) {
                Ok(value) => {
                    if let Some(r) = out.as_mut() {
                        r.fields.insert(field, Some(value));
                    }
                }
                Err(kind) => row_problems.push(Problem::cell(file_name, line, col.index + 1, kind)),
            }
        }
        let valid = row_problems.is_empty();
        if !valid {
            invalid_rows += 1;
            for p in row_problems.drain(..) {
                problems.push(p);
            }
        }
        if out.is_some() {
            keep.push(valid);
        }
    }

    // Duplicates: every occurrence is suspect. With `reject` they reject
    // the file. With `skip` every occurrence is passed on: the engine lists
    // the SKU as a `duplicate` identity problem with each line and never
    // writes it (dropping them here would make the SKU look missing from
    // this source, and the other sources' copies "unmatched").
    let mut dup_list = match prepared.on_invalid {
        OnInvalid::Reject => duplicate_groups(occurrences, &records),
        OnInvalid::Skip => Vec::new(),
    };
    dup_list.sort_by_key(|occ| occ[0].line);
    for occurrences in &dup_list {
        problems.push(Problem::cell(
            file_name,
            occurrences[0].line,
            sku_col.index + 1,
            ProblemKind::DuplicateSku {
                sku: records[occurrences[0].record as usize]
                    .sku
                    .as_str()
                    .trim()
                    .to_string(),
                lines: occurrences.iter().map(|o| o.line).collect(),
            },
        ));
        for o in occurrences {
            let flag = &mut keep[o.record as usize];
            if *flag {
                *flag = false;
                invalid_rows += 1;
            }
        }
    }
    let mut flags = keep.into_iter();
    records.retain(|_| flags.next().unwrap_or(false));
    problems
        .kept
        .sort_by_key(|p| (p.line.unwrap_or(0), p.column.unwrap_or(0)));

    if problems.total == 0 {
        return Ok(Parsed::Valid(ParsedFile {
            records,
            rows,
            skipped: 0,
            skipped_problems: Vec::new(),
            delimiter,
        }));
    }
    match prepared.on_invalid {
        OnInvalid::Reject => invalid(problems, rows),
        OnInvalid::Skip if invalid_rows > prepared.max_skipped => {
            let mut kept = vec![Problem::file(
                file_name,
                ProblemKind::TooManySkipped {
                    skipped: invalid_rows,
                    max: prepared.max_skipped,
                },
            )];
            kept.extend(problems.kept);
            kept.truncate(MAX_PROBLEMS);
            Ok(Parsed::Invalid {
                problems: kept,
                total: problems.total + 1,
                rows,
            })
        }
        OnInvalid::Skip => Ok(Parsed::Valid(ParsedFile {
            records,
            rows,
            skipped: invalid_rows,
            skipped_problems: problems.kept,
            delimiter,
        })),
    }
}

/// Groups the occurrences of every SKU that appears more than once, each
/// group in file order. Sorting by hash brings equal SKUs together; within
/// equal hashes the SKU text decides (hash collisions are not duplicates).
fn duplicate_groups(mut occurrences: Vec<Occurrence>, records: &[Record]) -> Vec<Vec<Occurrence>> {
    occurrences.sort_unstable_by_key(|o| (o.hash, o.record));
    let sku = |o: &Occurrence| trim(records[o.record as usize].sku.as_str());
    let mut groups = Vec::new();
    for same_hash in occurrences.chunk_by(|a, b| a.hash == b.hash) {
        if same_hash.len() < 2 {
            continue;
        }
        let mut rest: Vec<Occurrence> = same_hash.to_vec();
        while let Some(first) = rest.first().copied() {
            let (same, other): (Vec<Occurrence>, Vec<Occurrence>) =
                rest.into_iter().partition(|o| sku(o) == sku(&first));
            if same.len() > 1 {
                groups.push(same);
            }
            rest = other;
        }
    }
    groups
}

/// Reads the next record: `Ok(Ok(Some(line)))` with the 1-based line it
/// starts on, `Ok(Ok(None))` at the end, `Ok(Err(message))` for malformed
/// CSV, `Err` for I/O errors.
///
/// The line is computed here because csv's own record position counts from
/// before any skipped blank lines: the newlines consumed while reading the
/// record, minus those inside its cells and its terminator, are the blank
/// lines before it.
fn read_record<R: Read>(
    reader: &mut csv::Reader<R>,
    record: &mut csv::ByteRecord,
) -> io::Result<Result<Option<u64>, String>> {
    match reader.read_byte_record(record) {
        Ok(false) => Ok(Ok(None)),
        Ok(true) => {
            let start = record.position().map_or(1, |p| p.line());
            let after = reader.position().line();
            let consumed = after.saturating_sub(start);
            let line = if consumed <= 1 {
                start
            } else {
                let inner = record
                    .iter()
                    .map(|c| c.iter().filter(|&&b| b == b'\n').count() as u64)
                    .sum::<u64>();
                let terminator = u64::from(!reader.is_done());
                start + consumed.saturating_sub(inner + terminator)
            };
            Ok(Ok(Some(line)))
        }
        Err(e) => match e.into_kind() {
            csv::ErrorKind::Io(io) => Err(io),
            other => Ok(Err(format!("{other:?}"))),
        },
    }
}

/// True for a row of only empty or whitespace cells.
fn is_blank(record: &csv::ByteRecord) -> bool {
    record.iter().all(|c| c.iter().all(u8::is_ascii_whitespace))
}

/// Cell `i` without the `\r` a CRLF line ending leaves on the last cell.
fn strip_cr(record: &csv::ByteRecord, i: usize) -> &[u8] {
    let cell = &record[i];
    if i + 1 == record.len() {
        cell.strip_suffix(b"\r").unwrap_or(cell)
    } else {
        cell
    }
}

/// Parses one non-empty, trimmed cell as `field`.
fn parse_cell(
    prepared: &Prepared,
    field: FieldName,
    col: &Mapped,
    cell: &str,
    buf: &mut String,
) -> Result<Value, ProblemKind> {
    let key = col.key;
    let number_problem = |e: NumberError| match e {
        NumberError::NotANumber(hint) => ProblemKind::NotANumber {
            value: cell.to_string(),
            column_name: col.name.clone(),
            key,
            hint,
        },
        NumberError::NotWhole => ProblemKind::NotAWholeNumber {
            value: cell.to_string(),
            column_name: col.name.clone(),
            key,
        },
    };
    match field.kind() {
        FieldKind::Money => prepared
            .numbers
            .money(cell, buf)
            .map(Value::Money)
            .map_err(number_problem),
        FieldKind::Quantity => {
            let q = prepared
                .numbers
                .quantity(cell, buf)
                .map_err(number_problem)?;
            if q < 0 && prepared.negative_stock == NegativeStock::Reject {
                return Err(ProblemKind::NegativeStock {
                    value: cell.to_string(),
                    column_name: col.name.clone(),
                });
            }
            Ok(Value::Quantity(q))
        }
        FieldKind::Text => Ok(Value::Text(cell.to_string())),
        FieldKind::Enum | FieldKind::Flag => {
            let word = col.word(cell).unwrap_or(cell);
            Value::parse(field, word).map_err(|_| ProblemKind::UnknownWord {
                value: cell.to_string(),
                column_name: col.name.clone(),
                key,
                valid: col.valid.clone(),
            })
        }
    }
}

/// The header cell closest to `want` (already folded), if it is close enough
/// to be a plausible typo.
fn closest(want: &str, cells: &[String]) -> Option<String> {
    cells
        .iter()
        .map(|c| {
            let folded = c.to_lowercase();
            let score = if !folded.is_empty() && (folded.contains(want) || want.contains(&folded)) {
                0.9
            } else {
                strsim::normalized_damerau_levenshtein(want, &folded)
            };
            (score, c)
        })
        .filter(|(score, _)| *score >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_the_most_frequent_delimiter_outside_quotes() {
        assert_eq!(detect_delimiter(b"a;b;c\n1,2;3"), Delimiter::Semicolon);
        assert_eq!(detect_delimiter(b"\"a;b;c\",d,e\n"), Delimiter::Comma);
        assert_eq!(detect_delimiter(b"a\tb\tc"), Delimiter::Tab);
        assert_eq!(detect_delimiter(b"a|b"), Delimiter::Pipe);
        assert_eq!(detect_delimiter(b"sku"), Delimiter::Comma);
    }

    fn origins(data: &[u8]) -> Vec<String> {
        let config = CsvSourceConfig::new("x", ColumnRef::Name("sku".into()))
            .column(FieldName::Name, ColumnRef::Name("name".into()));
        match parse(&Prepared::new(&config), "f.csv", data, None).unwrap() {
            Parsed::Valid(p) => p
                .records
                .iter()
                .map(|r| {
                    let origin = r.origin.as_ref().map(ToString::to_string);
                    format!("{}={}", r.sku, origin.unwrap_or_default())
                })
                .collect(),
            Parsed::Invalid { problems, .. } => panic!("{problems:?}"),
        }
    }

    #[test]
    fn line_numbers_survive_blank_lines_crlf_and_multiline_cells() {
        let want = ["a=f.csv:3", "b=f.csv:5", "c=f.csv:8", "d=f.csv:9"];
        let lf = b"\nsku,name\na,x\n\nb,\"two\nlines\"\n\nc,y\nd,z";
        assert_eq!(origins(lf), want);
        let crlf = b"\r\nsku,name\r\na,x\r\n\r\nb,\"two\r\nlines\"\r\n\r\nc,y\r\nd,z\r\n";
        assert_eq!(origins(crlf), want);
        // The SKU as the last cell of a CRLF line keeps no `\r`.
        let config = CsvSourceConfig::new("x", ColumnRef::Name("sku".into()));
        let Ok(Parsed::Valid(p)) = parse(
            &Prepared::new(&config),
            "f.csv",
            &b"n,sku\r\nx,A-1\r\n"[..],
            None,
        ) else {
            panic!("valid")
        };
        assert_eq!(p.records[0].sku.as_str(), "A-1");
    }

    #[test]
    fn closest_header_suggestion() {
        let cells = vec!["Item".to_string(), "Onhand".into(), "Net price".into()];
        assert_eq!(closest("on hand", &cells), Some("Onhand".to_string()));
        assert_eq!(closest("price", &cells), Some("Net price".to_string()));
        assert_eq!(closest("warehouse", &cells), None);
    }
}
