//! Watchlists one indicator at a time, for the context pages: search and delete. The
//! backend checks `ManageContext`.

use leptos::prelude::*;
use riposte_domain::enrichment::IndicatorPage;

use crate::AppError;

#[server(prefix = "/api", endpoint = "search_indicators")]
pub async fn search_indicators(
    q: String,
    kind: String,
    source: String,
    offset: i64,
) -> Result<IndicatorPage, AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::caller::Caller;
    use riposte_backend::indicators::IndicatorQuery;
    let user = require_user().await?;
    let query = IndicatorQuery { q, kind, source };
    riposte_backend::indicators::search(&backend()?, Caller::User(&user), &query, offset).await.map_err(fail)
}

/// Deletes an indicator. `back` is the search the form was on (`/context/indicators?...`),
/// where a browser without JavaScript returns.
#[server(prefix = "/api", endpoint = "delete_indicator")]
pub async fn delete_indicator(id: i64, back: String) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::caller::Caller;
    let user = require_user().await?;
    riposte_backend::indicators::delete(&backend()?, Caller::User(&user), id).await.map_err(fail)?;
    // Only back to this page: the value comes from the client.
    let back = if back.starts_with("/context/indicators") && !back.starts_with("/context/indicators/") {
        back
    } else {
        "/context/indicators".to_owned()
    };
    leptos_axum::redirect(&back);
    Ok(())
}
