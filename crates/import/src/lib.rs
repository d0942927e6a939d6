//! Import files for enrichment's context sources. Every reader checks every record and
//! returns the good ones with an error for each bad one, naming its row and what was wrong;
//! the caller decides (Riposte stores nothing from a file with any bad row, so a file is
//! never half-imported). Problems with the file as a whole are an [`ImportError`].

pub mod assets;
pub mod indicators;
pub mod misp;
pub mod misp_feed;
pub mod stix;
mod time_text;

use serde::{Deserialize, Serialize};

/// Largest file accepted.
pub const MAX_FILE_BYTES: usize = 256 * 1024 * 1024;

/// One bad record: its row (1-based, counting data rows, not the header) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    pub row: usize,
    pub message: String,
}

/// What a file held.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    pub records: Vec<T>,
    /// The row each record came from.
    pub rows: Vec<usize>,
    pub errors: Vec<RowError>,
    /// Records deliberately passed over (revoked STIX objects, MISP attributes not meant
    /// for detection), with the reason, so a count never silently shrinks.
    pub skipped: Vec<RowError>,
}

impl<T> Default for Parsed<T> {
    fn default() -> Self {
        Parsed { records: Vec::new(), rows: Vec::new(), errors: Vec::new(), skipped: Vec::new() }
    }
}

impl<T> Parsed<T> {
    fn push(&mut self, row: usize, result: Result<T, String>) {
        match result {
            Ok(record) => {
                self.records.push(record);
                self.rows.push(row);
            }
            Err(message) => self.errors.push(RowError { row, message }),
        }
    }
}

impl<T> Parsed<T> {
    /// Keeps only the last record of each `key`: a file that lists one thing twice means its
    /// later entry. Each earlier one is reported as passed over, naming the row that won.
    pub fn keep_last_by<K: std::hash::Hash + Eq>(&mut self, key: impl Fn(&T) -> K) {
        let mut last = std::collections::HashMap::new();
        for (index, record) in self.records.iter().enumerate() {
            last.insert(key(record), index);
        }
        if last.len() == self.records.len() {
            return;
        }
        let records = std::mem::take(&mut self.records);
        let rows = std::mem::take(&mut self.rows);
        for (index, (record, row)) in records.into_iter().zip(rows.iter().copied()).enumerate() {
            let winner = last[&key(&record)];
            if winner == index {
                self.records.push(record);
                self.rows.push(row);
            } else {
                let message = format!("the same entry again at row {}; that one is kept", rows[winner]);
                self.skipped.push(RowError { row, message });
            }
        }
        self.skipped.sort_by_key(|s| s.row);
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is larger than {} MB", MAX_FILE_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("the file is not valid UTF-8 text (near byte {0})")]
    NotText(usize),
    #[error("the header has no \"{0}\" column")]
    MissingColumn(&'static str),
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("not a {expected}: {detail}")]
    Shape { expected: &'static str, detail: String },
    #[error("CSV: {0}")]
    Csv(String),
}

/// Checks size and encoding before any reader looks inside.
fn text(bytes: &[u8]) -> Result<&str, ImportError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ImportError::Empty);
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ImportError::TooLarge);
    }
    let text = std::str::from_utf8(bytes).map_err(|e| ImportError::NotText(e.valid_up_to()))?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// Reads a CSV file with a header row naming at least `required`, turning each data row
/// into a record with `record_of`, which looks fields up by their header names.
fn read_csv<T>(
    bytes: &[u8],
    required: &[&'static str],
    record_of: impl Fn(&dyn Fn(&[&str]) -> String) -> Result<T, String>,
) -> Result<Parsed<T>, ImportError> {
    let text = text(bytes)?;
    // Trimmed fields; ragged rows are read (a missing field is empty) rather than refused.
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(text.as_bytes());
    let columns = Columns::read(&mut reader, required)?;
    let mut parsed = Parsed::default();
    for (index, record) in reader.records().enumerate() {
        let result = match record {
            Ok(record) => record_of(&|names: &[&str]| columns.get(&record, names).to_owned()),
            Err(err) => Err(format!("unreadable row: {err}")),
        };
        parsed.push(index + 1, result);
    }
    Ok(parsed)
}

/// Column positions by (case-insensitive) header name; `required` must all be there.
struct Columns(Vec<String>);

impl Columns {
    fn read(reader: &mut csv::Reader<&[u8]>, required: &[&'static str]) -> Result<Columns, ImportError> {
        let headers = reader.headers().map_err(|e| ImportError::Csv(e.to_string()))?;
        let names: Vec<String> =
            headers.iter().map(|h| h.trim().to_ascii_lowercase().replace([' ', '-'], "_")).collect();
        for column in required {
            if !names.iter().any(|n| n == column) {
                return Err(ImportError::MissingColumn(column));
            }
        }
        Ok(Columns(names))
    }

    /// The field under `name` (any of its spellings), or "".
    fn get<'r>(&self, record: &'r csv::StringRecord, names: &[&str]) -> &'r str {
        names.iter().find_map(|name| self.0.iter().position(|n| n == name)).and_then(|i| record.get(i)).unwrap_or("")
    }
}

/// Items of a list written in one cell: separated by `;`, `,`, `|` or spaces.
fn list(cell: &str) -> Vec<String> {
    cell.split([';', ',', '|', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}
