//! `POST /api/v1/events/{format}`: lines of text or JSON in one of the formats the syslog
//! listener reads (`windows`, `cef`, `panos`, `fortigate`, `sshd`, `syslog`), for shippers
//! that speak HTTP (NXLog om_http, Logstash, Vector). Bad lines are reported by number; the
//! rest are stored.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use riposte_backend::Backend;
use riposte_backend::ingest::ingest_with_context;
use riposte_backend::tokens::TokenIdentity;
use riposte_ingest::Batch;
use riposte_ingest::formats::{Format, parse_record};
use serde_json::{Value, json};

use super::api_auth::IngestToken;
use super::api_error::ApiError;

pub async fn ingest_events(
    State(backend): State<Backend>,
    IngestToken(token): IngestToken,
    Path(format): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let format = match format.as_str() {
        "windows" => Format::Windows,
        "cef" => Format::Cef,
        "panos" => Format::PanOs,
        "fortigate" => Format::FortiGate,
        "sshd" => Format::Sshd,
        "syslog" => Format::Auto,
        other => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_format",
                format!("{other:?} is not a format: use windows, cef, panos, fortigate, sshd or syslog"),
            ));
        }
    };
    let text = std::str::from_utf8(&body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", format!("the body is not UTF-8: {e}")))?;
    let now_ms = crate::clock::now_ms();
    let mut batch = Batch::default();
    for (index, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        parse_record(format, line.trim_end_matches('\r'), Some(&token.source), now_ms, index, &mut batch);
    }
    store_batch(&backend, &token, batch).await
}

/// Stores what a body of lines held and answers with counts, ids and each rejected line
/// (207 when some were rejected). A body with nothing readable is a 400 naming why.
pub async fn store_batch(
    backend: &Backend,
    token: &TokenIdentity,
    batch: Batch,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if batch.is_empty() {
        let reason = batch.errors.first().map(|e| e.to_string()).unwrap_or_else(|| "the body holds no events".into());
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", format!("no line could be read; {reason}")));
    }
    let (alerts, context) = (batch.alerts.len(), batch.context.len());
    let (stored, new_context) = ingest_with_context(backend, token, batch.alerts, batch.context).await?;
    let status = if batch.errors.is_empty() { StatusCode::OK } else { StatusCode::MULTI_STATUS };
    Ok((
        status,
        Json(json!({
            "alerts": alerts,
            "alerts_created": stored.iter().filter(|s| s.created).count(),
            "alert_ids": stored.iter().map(|s| s.alert_id).collect::<Vec<_>>(),
            "context_events": context,
            "context_events_created": new_context,
            "rejected": batch.errors.len(),
            "errors": batch.errors,
        })),
    ))
}
