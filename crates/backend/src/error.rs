//! The server-side error. Database details never leave the server: callers map
//! [`BackendError::Database`] to an opaque reference.

use std::time::Duration;

use riposte_domain::{Permission, ValidationError};

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("{0}")]
    Validation(#[from] ValidationError),
    #[error("wrong username or password")]
    InvalidCredentials,
    #[error("too many failed sign-ins; try again in {} seconds", retry_after.as_secs().max(1))]
    RateLimited { retry_after: Duration },
    #[error("ingest is saturated; retry in {} seconds", retry_after.as_secs().max(1))]
    Overloaded { retry_after: Duration },
    #[error("sign in first")]
    Unauthenticated,
    #[error("this token lacks the {0:?} scope")]
    TokenScope(&'static str),
    #[error("your role does not allow this ({0:?})")]
    Forbidden(Permission),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl BackendError {
    /// For errors that pass if the caller waits (throttling, a full ingest queue, a saturated
    /// pool): how long to wait, and what to tell the client. Every API answers these with 429
    /// and `Retry-After`, never a 5xx.
    pub fn retry(&self) -> Option<(Duration, String)> {
        match self {
            BackendError::RateLimited { retry_after } | BackendError::Overloaded { retry_after } => {
                Some((*retry_after, self.to_string()))
            }
            BackendError::Database(sqlx::Error::PoolTimedOut) => {
                Some((Duration::from_secs(1), "the database is saturated; retry shortly".into()))
            }
            _ => None,
        }
    }

    /// A field error a form can show next to the field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        BackendError::Validation(ValidationError::new(field, message))
    }

    /// Maps a named unique constraint to the field error a form can show.
    pub(crate) fn from_constraint(err: sqlx::Error, constraint: &str, field: &str, message: &str) -> Self {
        match &err {
            sqlx::Error::Database(db) if db.constraint() == Some(constraint) => {
                BackendError::Validation(ValidationError::new(field, message))
            }
            _ => BackendError::Database(err),
        }
    }
}
