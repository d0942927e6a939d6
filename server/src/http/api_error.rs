//! The REST API's one error envelope: `{"code": "...", "message": "..."}` with a fitting
//! status. Internal failures are logged once here and answered with a reference only.

use axum::Json;
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use riposte_backend::BackendError;
use serde_json::json;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds for a `Retry-After` header (429 answers).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), retry_after: None }
    }

    /// 429 with `Retry-After`: clients (TheHive's among them) retry 5xx answers blindly, so
    /// overload is never answered with one.
    pub fn overloaded(retry_after: Duration, message: impl Into<String>) -> Self {
        let mut err = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "overloaded", message);
        err.retry_after = Some(retry_after.as_secs().max(1));
        err
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(json!({ "code": self.code, "message": self.message }))).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<BackendError> for ApiError {
    fn from(err: BackendError) -> Self {
        use BackendError as B;
        if let Some((retry_after, message)) = err.retry() {
            let mut refusal = ApiError::overloaded(retry_after, message);
            if matches!(err, B::RateLimited { .. }) {
                refusal.code = "rate_limited";
            }
            return refusal;
        }
        let (status, code) = match &err {
            B::Validation(_) => (StatusCode::BAD_REQUEST, "invalid"),
            B::InvalidCredentials | B::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            B::RateLimited { .. } | B::Overloaded { .. } => (StatusCode::TOO_MANY_REQUESTS, "overloaded"),
            B::Forbidden(_) | B::TokenScope(_) => (StatusCode::FORBIDDEN, "forbidden"),
            B::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            B::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            B::Database(_) | B::Internal(_) => {
                let reference = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
                tracing::error!(error.reference = %reference, error = %err, "API request failed");
                return ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    format!("something went wrong on the server (reference {reference})"),
                );
            }
        };
        ApiError::new(status, code, err.to_string())
    }
}
