//! `/api/v1/alerts`: Riposte's own REST API for alerts. Create one or a batch (good records
//! are stored, bad ones reported by position), and read one back.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use riposte_backend::Backend;
use riposte_backend::alerts::alert_detail;
use riposte_backend::ingest::ingest_alerts;
use riposte_ingest::native::{BodyShape, parse_body};
use serde_json::{Value, json};

use super::api_auth::{ApiCaller, IngestToken};
use super::api_error::ApiError;

/// `POST /api/v1/alerts`. One object: 201 with its id (200 when it was already stored).
/// An array: 200 with a result per stored record and an error per rejected one.
pub async fn create_alerts(
    State(backend): State<Backend>,
    IngestToken(token): IngestToken,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (shape, records) = parse_body(&body, &token.source)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", e.to_string()))?;
    let mut errors = Vec::new();
    let mut alerts = Vec::new();
    let mut indexes = Vec::new();
    for (index, record) in records.into_iter().enumerate() {
        match record {
            Ok(alert) => {
                indexes.push(index);
                alerts.push(alert);
            }
            Err(err) => errors.push(err),
        }
    }
    if shape == BodyShape::One
        && let Some(err) = errors.first()
    {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "invalid_alert", err.message.clone()));
    }
    let stored = ingest_alerts(&backend, &token, alerts).await?;
    if shape == BodyShape::One {
        let first = stored[0];
        let status = if first.created { StatusCode::CREATED } else { StatusCode::OK };
        return Ok((status, Json(json!({ "id": first.alert_id, "created": first.created }))).into_response());
    }
    let results: Vec<Value> = indexes
        .iter()
        .zip(&stored)
        .map(|(index, s)| json!({ "index": index, "id": s.alert_id, "created": s.created }))
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::MULTI_STATUS };
    Ok((
        status,
        Json(json!({ "stored": results.len(), "rejected": errors.len(), "results": results, "errors": errors })),
    )
        .into_response())
}

/// `GET /api/v1/alerts/{id}`: the alert, its raw payload and its joined context events.
pub async fn get_alert(
    State(backend): State<Backend>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    let alert = alert_detail(&backend, caller.as_caller(), id).await?;
    let s = alert.summary;
    let context: Vec<Value> = alert
        .context
        .into_iter()
        .map(|c| json!({ "id": c.id, "kind": c.kind, "event_time": c.event_time, "raw": c.raw }))
        .collect();
    Ok(Json(json!({
        "id": s.id,
        "source": s.source,
        "source_ref": alert.source_ref,
        "title": s.title,
        "description": alert.description,
        "severity": s.severity,
        "status": s.status,
        "event_time": s.event_time,
        "received_at": s.received_at,
        "entities": s.entities,
        "attack_techniques": alert.attack_techniques,
        "tags": alert.tags,
        "flow_id": alert.flow_id,
        "raw": alert.raw,
        "context_events": context,
    })))
}
