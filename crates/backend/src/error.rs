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
