//! Context sources (asset inventory, watchlists): what is loaded and the import jobs. Files
//! are sent as multipart forms to `/api/v1/context/imports`; the backend checks
//! `ManageContext`.

use leptos::prelude::*;
use riposte_domain::enrichment::ImportView;
use serde::{Deserialize, Serialize};

use crate::AppError;

/// What the context page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContextOverview {
    pub assets: i64,
    pub indicators: i64,
    pub live_indicators: i64,
    pub imports: Vec<ImportView>,
}

#[server(prefix = "/api", endpoint = "get_context_overview")]
pub async fn get_context_overview() -> Result<ContextOverview, AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::caller::Caller;
    let user = require_user().await?;
    let backend = backend()?;
    let imports =
        riposte_backend::context_sources::recent_imports(&backend, Caller::User(&user)).await.map_err(fail)?;
    let (assets, indicators, live_indicators) =
        riposte_backend::context_sources::counts(&backend, Caller::User(&user)).await.map_err(fail)?;
    Ok(ContextOverview { assets, indicators, live_indicators, imports })
}

#[server(prefix = "/api", endpoint = "get_context_import")]
pub async fn get_context_import(id: i64) -> Result<ImportView, AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::caller::Caller;
    let user = require_user().await?;
    riposte_backend::context_sources::import_status(&backend()?, Caller::User(&user), id).await.map_err(fail)
}

/// The GeoIP (City) and ASN database paths on the server, either unset.
#[server(prefix = "/api", endpoint = "geoip_databases")]
pub async fn geoip_databases() -> Result<(Option<String>, Option<String>), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    riposte_backend::enrichment::geo_setting::get(&backend()?, Actor::User(&user)).await.map_err(fail)
}

/// Sets the database paths (each file is opened first); an empty path unsets it.
#[server(prefix = "/api", endpoint = "set_geoip_databases")]
pub async fn set_geoip_databases(city_path: String, asn_path: String) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    riposte_backend::enrichment::geo_setting::save(&backend()?, Actor::User(&user), Some(&city_path), Some(&asn_path))
        .await
        .map_err(fail)
}
