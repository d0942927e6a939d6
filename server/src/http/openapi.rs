//! `GET /api/v1/openapi.json`: the REST API described for integrators (public, like any API
//! reference). The document lives beside this file; a test checks it names every route.

use axum::http::header;
use axum::response::IntoResponse;

pub const OPENAPI_JSON: &str = include_str!("openapi.json");

pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON)
}
