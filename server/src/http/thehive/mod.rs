//! TheHive-compatible API: the paths, bodies, status codes and error shapes TheHive 3/4 (v0)
//! and 5 (v1) answer with, so integrations written for TheHive work against Riposte.

mod auth;
mod error;
mod handlers;
mod render;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use riposte_backend::Backend;

/// Observables may carry files (`name;mime;base64`).
const MAX_BODY: usize = 32 * 1024 * 1024;

pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Backend: axum::extract::FromRef<S>,
{
    Router::new()
        .route("/api/status", get(handlers::status))
        .route("/api/v1/status", get(handlers::status))
        .route("/api/alert", post(handlers::create_v0))
        .route("/api/alert/{id}", get(handlers::get_v0))
        .route("/api/v1/alert", post(handlers::create_v1))
        .route("/api/v1/alert/{id}", get(handlers::get_v1).patch(handlers::update).delete(handlers::delete))
        .route("/api/v1/alert/{id}/observable", post(handlers::add_observables))
        .route("/api/v1/query", post(handlers::query))
        .layer(DefaultBodyLimit::max(MAX_BODY))
}
