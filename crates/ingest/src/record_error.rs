//! Errors that name what was wrong: a whole body that cannot be read, or one record in it.

use serde::Serialize;

/// The body as a whole could not be read (answered with 400 and nothing stored).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    #[error("the body is not valid JSON: {0}")]
    NotJson(String),
    #[error("expected a JSON object (one alert) or an array of objects (a batch), found {0}")]
    WrongShape(&'static str),
    #[error("a batch holds at most {max} alerts; this one has {found}")]
    TooMany { max: usize, found: usize },
}

/// One record of a batch was rejected; the others are still stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("record {index}: {message}")]
pub struct RecordError {
    /// Position in the batch, from 0.
    pub index: usize,
    pub message: String,
}
