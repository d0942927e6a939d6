//! The error the browser sees: a message fit to show and, for internal failures, only a
//! reference id that an operator can find in the server log.

use leptos::prelude::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::codec::JsonEncoding;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Sign in first.")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("Wrong username or password.")]
    InvalidCredentials,
    #[error("{message}")]
    RateLimited { message: String, retry_after_secs: u64 },
    #[error("{0}")]
    Conflict(String),
    #[error("{0} not found.")]
    NotFound(String),
    #[error("Something went wrong on the server (reference {reference}).")]
    Internal { reference: String },
    #[error("The request could not be completed: {0}")]
    Transport(String),
}

impl AppError {
    /// The HTTP status this error should carry for API (non-form) callers.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated | AppError::InvalidCredentials => 401,
            AppError::Forbidden(_) => 403,
            AppError::Invalid { .. } | AppError::Transport(_) => 400,
            AppError::RateLimited { .. } => 429,
            AppError::Conflict(_) => 409,
            AppError::NotFound(_) => 404,
            AppError::Internal { .. } => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport(value.to_string())
    }
}

impl From<ServerFnErrorErr> for AppError {
    fn from(value: ServerFnErrorErr) -> Self {
        AppError::from_server_fn_error(value)
    }
}

#[cfg(feature = "ssr")]
impl From<riposte_backend::BackendError> for AppError {
    fn from(err: riposte_backend::BackendError) -> Self {
        use riposte_backend::BackendError as B;
        match err {
            B::Validation(v) => AppError::Invalid { message: v.to_string(), field: v.field },
            B::InvalidCredentials => AppError::InvalidCredentials,
            B::RateLimited { retry_after } | B::Overloaded { retry_after } => {
                AppError::RateLimited { message: err.to_string(), retry_after_secs: retry_after.as_secs().max(1) }
            }
            B::Unauthenticated => AppError::Unauthenticated,
            B::Forbidden(_) => AppError::Forbidden("Your role does not allow this.".into()),
            B::TokenScope(_) => AppError::Forbidden(err.to_string()),
            B::NotFound(what) => AppError::NotFound(capitalise(what)),
            B::Conflict(message) => AppError::Conflict(capitalise(&message)),
            B::Database(_) | B::Internal(_) => {
                let reference = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
                tracing::error!(error.reference = %reference, error = %err, "request failed");
                AppError::Internal { reference }
            }
        }
    }
}

#[cfg(feature = "ssr")]
fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
