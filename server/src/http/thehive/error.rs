//! TheHive's error body, `{"type": "...", "message": "..."}`, with its status codes.

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use riposte_backend::BackendError;
use riposte_ingest::thehive::InputError;
use serde_json::json;

#[derive(Debug)]
pub struct TheHiveError {
    status: StatusCode,
    kind: &'static str,
    message: String,
    retry_after: Option<u64>,
}

impl TheHiveError {
    pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
        TheHiveError { status, kind, message: message.into(), retry_after: None }
    }

    pub fn authentication() -> Self {
        TheHiveError::new(StatusCode::UNAUTHORIZED, "AuthenticationError", "Authentication failure")
    }

    pub fn not_found(id: &str) -> Self {
        TheHiveError::new(StatusCode::NOT_FOUND, "NotFoundError", format!("alert {id} not found"))
    }

    fn overloaded(retry_after: Duration, message: String) -> Self {
        let mut err = TheHiveError::new(StatusCode::TOO_MANY_REQUESTS, "TooManyRequests", message);
        err.retry_after = Some(retry_after.as_secs().max(1));
        err
    }
}

impl From<InputError> for TheHiveError {
    fn from(err: InputError) -> Self {
        TheHiveError::new(StatusCode::BAD_REQUEST, err.thehive_type(), err.to_string())
    }
}

impl From<BackendError> for TheHiveError {
    fn from(err: BackendError) -> Self {
        use BackendError as B;
        if let Some((retry_after, message)) = err.retry() {
            return TheHiveError::overloaded(retry_after, message);
        }
        match &err {
            B::Validation(v) => TheHiveError::new(StatusCode::BAD_REQUEST, "BadRequestError", v.to_string()),
            B::InvalidCredentials | B::Unauthenticated => TheHiveError::authentication(),
            B::RateLimited { .. } | B::Overloaded { .. } => {
                TheHiveError::overloaded(Duration::from_secs(1), err.to_string())
            }
            B::Forbidden(_) | B::TokenScope(_) => {
                TheHiveError::new(StatusCode::FORBIDDEN, "AuthorizationError", err.to_string())
            }
            B::NotFound(what) => TheHiveError::new(StatusCode::NOT_FOUND, "NotFoundError", format!("{what} not found")),
            B::Conflict(message) => TheHiveError::new(StatusCode::CONFLICT, "ConflictError", message.clone()),
            B::Database(_) | B::Internal(_) => {
                let reference = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
                tracing::error!(error.reference = %reference, error = %err, "TheHive API request failed");
                TheHiveError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "InternalError",
                    format!("something went wrong on the server (reference {reference})"),
                )
            }
        }
    }
}

impl IntoResponse for TheHiveError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(json!({ "type": self.kind, "message": self.message }))).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
