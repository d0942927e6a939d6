//! `POST /api/v1/eve`: Suricata EVE lines (newline-delimited JSON) as a sensor or a log
//! shipper sends them. Alerts become alerts, other events context; bad lines are reported by
//! line number and the rest stored.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use riposte_backend::Backend;
use riposte_backend::ingest::ingest_with_context;
use riposte_ingest::eve::parse_lines;
use serde_json::{Value, json};

use super::api_auth::IngestToken;
use super::api_error::ApiError;

pub async fn ingest_eve(
    State(backend): State<Backend>,
    IngestToken(token): IngestToken,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let batch = parse_lines(&body, &token.source);
    if batch.alerts.is_empty() && batch.context.is_empty() && !batch.errors.is_empty() {
        let first = &batch.errors[0];
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", format!("no line could be read; {first}")));
    }
    let received_alerts = batch.alerts.len();
    let received_context = batch.context.len();
    let (stored, new_context) = ingest_with_context(&backend, &token, batch.alerts, batch.context).await?;
    let status = if batch.errors.is_empty() { StatusCode::OK } else { StatusCode::MULTI_STATUS };
    Ok((
        status,
        Json(json!({
            "alerts": received_alerts,
            "alerts_created": stored.iter().filter(|s| s.created).count(),
            "alert_ids": stored.iter().map(|s| s.alert_id).collect::<Vec<_>>(),
            "context_events": received_context,
            "context_events_created": new_context,
            "rejected": batch.errors.len(),
            "errors": batch.errors,
        })),
    ))
}
