//! `GET /api/v1/alerts` (list with filters) and `PATCH /api/v1/alerts/{id}` (status).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use riposte_backend::Backend;
use riposte_backend::alerts::{list_alerts, set_alert_status};
use riposte_domain::alert::{AlertFilter, AlertStatus, Severity};
use serde::Deserialize;
use serde_json::{Value, json};

use super::api_auth::ApiCaller;
use super::api_error::ApiError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    source: Option<String>,
    severity: Option<String>,
    status: Option<String>,
    entity: Option<String>,
    /// Lists the members of one rolled-up storm.
    rollup_of: Option<i64>,
    limit: Option<i64>,
}

pub async fn list(
    State(backend): State<Backend>,
    caller: ApiCaller,
    Query(query): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let bad = |what: &str, value: &str| {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", format!("{what} {value:?} is not known"))
    };
    let filter = AlertFilter {
        source: query.source.filter(|s| !s.is_empty()),
        severity: match query.severity.as_deref().filter(|s| !s.is_empty()) {
            Some(name) => Some(Severity::parse(name).ok_or_else(|| bad("severity", name))?),
            None => None,
        },
        status: match query.status.as_deref().filter(|s| !s.is_empty()) {
            Some(name) => Some(AlertStatus::parse(name).ok_or_else(|| bad("status", name))?),
            None => None,
        },
        entity: query.entity.filter(|s| !s.is_empty()),
        rollup_of: query.rollup_of,
    };
    let alerts = list_alerts(&backend, caller.as_caller(), &filter, query.limit.unwrap_or(100)).await?;
    Ok(Json(json!({ "alerts": alerts })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    status: String,
}

pub async fn update_status(
    State(backend): State<Backend>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, ApiError> {
    let change: StatusChange = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", format!("expected {{\"status\": \"...\"}}: {e}"))
    })?;
    let status = AlertStatus::parse(&change.status).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            format!("status {:?} is not one of new, acknowledged, in_incident, dismissed", change.status),
        )
    })?;
    let status = set_alert_status(&backend, caller.as_caller(), id, status).await?;
    Ok(Json(json!({ "id": id, "status": status })))
}
