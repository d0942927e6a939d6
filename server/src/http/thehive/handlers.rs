//! The TheHive-compatible endpoints.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use riposte_backend::Backend;
use riposte_backend::store::thehive::parse_id;
use riposte_backend::thehive::{self, Created, QueryAnswer, TheHiveAlert};
use riposte_ingest::thehive::query::parse_query;
use riposte_ingest::thehive::{InputError, parse_alert, parse_observables, parse_patch};
use serde_json::{Value, json};

use super::auth::TheHiveCaller;
use super::error::TheHiveError;
use super::render::{alert_v0, alert_v1, observable_v1};

/// `GET /api/status`: what TheHive clients probe before anything else. Open, like TheHive's.
pub async fn status() -> Json<Value> {
    Json(json!({
        "versions": { "TheHive": "5.2.0", "Riposte": env!("CARGO_PKG_VERSION") },
        "config": {
            "protectDownloadsWith": "malware",
            "authType": ["session", "local", "key"],
            "capabilities": ["authByKey"],
            "ssoAutoLogin": false,
        },
    }))
}

pub async fn create_v0(state: State<Backend>, caller: TheHiveCaller, body: Bytes) -> Result<Response, TheHiveError> {
    create(state, caller, body, alert_v0).await
}

pub async fn create_v1(state: State<Backend>, caller: TheHiveCaller, body: Bytes) -> Result<Response, TheHiveError> {
    create(state, caller, body, alert_v1).await
}

/// 201 with the alert; a repeat of `(type, source, sourceRef)` is TheHive's 400 CreateError.
async fn create(
    State(backend): State<Backend>,
    caller: TheHiveCaller,
    body: Bytes,
    render: fn(&TheHiveAlert) -> Value,
) -> Result<Response, TheHiveError> {
    let TheHiveCaller::Token(token) = caller else {
        return Err(TheHiveError::new(
            StatusCode::FORBIDDEN,
            "AuthorizationError",
            "alerts are created with an API key that has the ingest scope",
        ));
    };
    let alert = parse_alert(&body, &token.source)?;
    let (kind, source, reference) = riposte_ingest::thehive::unmapped_of(alert.unmapped.as_ref())
        .map(|a| (a.alert_type, a.source, a.source_ref))
        .unwrap_or_default();
    match thehive::create(&backend, &token, alert).await? {
        Created::New(alert) => Ok((StatusCode::CREATED, Json(render(&alert))).into_response()),
        Created::Duplicate => Err(TheHiveError::new(
            StatusCode::BAD_REQUEST,
            "CreateError",
            format!("Alert {kind}:{source}:{reference} already exists"),
        )),
    }
}

fn alert_id(id: &str) -> Result<i64, TheHiveError> {
    parse_id(&Value::String(id.to_owned())).ok_or_else(|| TheHiveError::not_found(id))
}

/// Missing and deleted alerts answer TheHive's 404 with the id as the client sent it.
async fn fetch(backend: &Backend, caller: &TheHiveCaller, id: &str) -> Result<TheHiveAlert, TheHiveError> {
    match thehive::get(backend, caller.as_caller(), alert_id(id)?).await {
        Err(riposte_backend::BackendError::NotFound(_)) => Err(TheHiveError::not_found(id)),
        other => Ok(other?),
    }
}

pub async fn get_v0(
    State(backend): State<Backend>,
    caller: TheHiveCaller,
    Path(id): Path<String>,
) -> Result<Json<Value>, TheHiveError> {
    Ok(Json(alert_v0(&fetch(&backend, &caller, &id).await?)))
}

pub async fn get_v1(
    State(backend): State<Backend>,
    caller: TheHiveCaller,
    Path(id): Path<String>,
) -> Result<Json<Value>, TheHiveError> {
    Ok(Json(alert_v1(&fetch(&backend, &caller, &id).await?)))
}

/// 204, as TheHive 5 answers a PATCH.
pub async fn update(
    State(backend): State<Backend>,
    caller: TheHiveCaller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, TheHiveError> {
    let patch = parse_patch(&body)?;
    not_found_as(&id, thehive::update(&backend, caller.as_caller(), alert_id(&id)?, patch).await)?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete(
    State(backend): State<Backend>,
    caller: TheHiveCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, TheHiveError> {
    not_found_as(&id, thehive::delete(&backend, caller.as_caller(), alert_id(&id)?).await)?;
    Ok(StatusCode::NO_CONTENT)
}

/// 201 with the observables created (an array: one per value of `data`).
pub async fn add_observables(
    State(backend): State<Backend>,
    caller: TheHiveCaller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), TheHiveError> {
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| TheHiveError::from(InputError::BadRequest(format!("Invalid Json: {e}"))))?;
    let list = match value {
        Value::Array(items) => items,
        one @ Value::Object(_) => vec![one],
        _ => return Err(InputError::BadRequest("an observable must be a JSON object".into()).into()),
    };
    let observables = parse_observables(&list, "observable").map_err(InputError::Attribute)?;
    let alert = alert_id(&id)?;
    let (all, first_new) =
        not_found_as(&id, thehive::add_observables(&backend, caller.as_caller(), alert, observables).await)?;
    let now = crate::clock::now_ms();
    let created: Vec<Value> =
        all.iter().enumerate().skip(first_new).map(|(n, o)| observable_v1(alert, n, o, now)).collect();
    Ok((StatusCode::CREATED, Json(Value::Array(created))))
}

/// `POST /api/v1/query` with a listAlert query: an array of alerts, or a number for `count`.
pub async fn query(
    State(backend): State<Backend>,
    caller: TheHiveCaller,
    body: Bytes,
) -> Result<Json<Value>, TheHiveError> {
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| TheHiveError::from(InputError::BadRequest(format!("Invalid Json: {e}"))))?;
    let query = parse_query(&value).map_err(|e| TheHiveError::new(StatusCode::BAD_REQUEST, "BadRequestError", e))?;
    Ok(Json(match thehive::query(&backend, caller.as_caller(), &query).await? {
        QueryAnswer::Count(n) => json!(n),
        QueryAnswer::Alerts(alerts) => Value::Array(alerts.iter().map(alert_v1).collect()),
    }))
}

fn not_found_as<T>(id: &str, result: Result<T, riposte_backend::BackendError>) -> Result<T, TheHiveError> {
    match result {
        Err(riposte_backend::BackendError::NotFound(_)) => Err(TheHiveError::not_found(id)),
        other => Ok(other?),
    }
}
