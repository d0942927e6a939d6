//! The asset inventory one asset at a time: `GET /api/v1/context/assets?q=&offset=` searches
//! (an address or range, else part of a name, owner or service, or a tag), `POST` creates,
//! `GET /api/v1/context/assets/{id}` reads one with its `version`, `PUT` changes it
//! (`{"version": n, "asset": {...}}`) and `DELETE ?version=n` deletes it; a version that is
//! no longer current is a 409, never a silent overwrite. Tokens need the `context` scope;
//! signed-in users the ManageContext permission.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use riposte_backend::{Backend, assets};
use riposte_domain::enrichment::{Asset, AssetPage, AssetRecord};
use serde::Deserialize;
use serde_json::{Value, json};

use super::api_auth::ApiCaller;
use super::api_error::ApiError;

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    offset: i64,
}

pub async fn search(
    State(backend): State<Backend>,
    caller: ApiCaller,
    Query(query): Query<SearchQuery>,
) -> Result<Json<AssetPage>, ApiError> {
    Ok(Json(assets::search(&backend, caller.as_caller(), &query.q, query.offset).await?))
}

pub async fn create(
    State(backend): State<Backend>,
    caller: ApiCaller,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let asset: Asset = body_of(&body, "an asset {\"name\", \"addresses\": [...], \"criticality\": 1-5, ...}")?;
    let id = assets::create(&backend, caller.as_caller(), asset).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

pub async fn show(
    State(backend): State<Backend>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<AssetRecord>, ApiError> {
    Ok(Json(assets::get(&backend, caller.as_caller(), id).await?))
}

#[derive(Debug, Deserialize)]
pub struct Change {
    version: i32,
    asset: Asset,
}

pub async fn update(
    State(backend): State<Backend>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<AssetRecord>, ApiError> {
    let change: Change = body_of(&body, "{\"version\": n, \"asset\": {...}}")?;
    assets::update(&backend, caller.as_caller(), id, change.version, change.asset).await?;
    Ok(Json(assets::get(&backend, caller.as_caller(), id).await?))
}

#[derive(Debug, Deserialize)]
pub struct Version {
    version: i32,
}

pub async fn delete(
    State(backend): State<Backend>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    Query(Version { version }): Query<Version>,
) -> Result<StatusCode, ApiError> {
    assets::delete(&backend, caller.as_caller(), id, version).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The JSON body, or a 400 saying what was expected and what was wrong.
fn body_of<T: serde::de::DeserializeOwned>(body: &[u8], expected: &str) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", format!("expected {expected}: {e}")))
}
