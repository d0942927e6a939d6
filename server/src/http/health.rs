//! `/healthz` (the process answers) and `/readyz` (and can reach its database). Public by
//! design: load balancers call them without credentials; they reveal nothing.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use riposte_backend::Backend;
use serde_json::{Value, json};

pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

pub async fn readyz(State(backend): State<Backend>) -> (StatusCode, Json<Value>) {
    if riposte_backend::db::ping(&backend.pool).await {
        (StatusCode::OK, Json(json!({ "status": "ready", "database": "reachable" })))
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "not ready", "database": "unreachable" })))
    }
}
