//! `POST /api/v1/eve`: Suricata EVE lines (newline-delimited JSON) as a sensor or a log
//! shipper sends them. Alerts become alerts, other events context; bad lines are reported by
//! line number and the rest stored.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use riposte_backend::Backend;
use riposte_ingest::eve::parse_lines;
use serde_json::Value;

use super::api_auth::IngestToken;
use super::api_error::ApiError;
use super::events_api::store_batch;

pub async fn ingest_eve(
    State(backend): State<Backend>,
    IngestToken(token): IngestToken,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    store_batch(&backend, &token, parse_lines(&body, &token.source)).await
}
