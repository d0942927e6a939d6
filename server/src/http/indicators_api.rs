//! Watchlists one indicator at a time: `GET /api/v1/context/indicators?q=&kind=&source=&offset=`
//! searches (the start of a value; an address also finds the ranges holding it), newest
//! first; `GET /api/v1/context/indicators/{id}` reads one; `DELETE` removes it, audited.
//! Tokens need the `context` scope; signed-in users the ManageContext permission.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use riposte_backend::Backend;
use riposte_backend::indicators::{self, IndicatorQuery};
use riposte_domain::enrichment::{IndicatorPage, IndicatorRecord};
use serde::Deserialize;

use super::api_auth::ApiCaller;
use super::api_error::ApiError;

/// The page of a search; the rest of the query string is the [`IndicatorQuery`].
#[derive(Debug, Deserialize)]
pub struct Page {
    #[serde(default)]
    offset: i64,
}

pub async fn search(
    State(backend): State<Backend>,
    caller: ApiCaller,
    Query(query): Query<IndicatorQuery>,
    Query(Page { offset }): Query<Page>,
) -> Result<Json<IndicatorPage>, ApiError> {
    Ok(Json(indicators::search(&backend, caller.as_caller(), &query, offset).await?))
}

pub async fn show(
    State(backend): State<Backend>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<IndicatorRecord>, ApiError> {
    Ok(Json(indicators::get(&backend, caller.as_caller(), id).await?))
}

pub async fn delete(
    State(backend): State<Backend>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    indicators::delete(&backend, caller.as_caller(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
