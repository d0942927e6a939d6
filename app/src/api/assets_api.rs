//! The asset inventory one asset at a time, for the context pages: search, read, save (create
//! or change against the version the form was loaded at) and delete. The backend checks
//! `ManageContext`.

use leptos::prelude::*;
use riposte_domain::enrichment::{AssetPage, AssetRecord};
use serde::{Deserialize, Serialize};

use crate::AppError;

#[server(prefix = "/api", endpoint = "search_assets")]
pub async fn search_assets(q: String, offset: i64) -> Result<AssetPage, AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::caller::Caller;
    let user = require_user().await?;
    riposte_backend::assets::search(&backend()?, Caller::User(&user), &q, offset).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "get_asset")]
pub async fn get_asset(id: i64) -> Result<AssetRecord, AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::caller::Caller;
    let user = require_user().await?;
    riposte_backend::assets::get(&backend()?, Caller::User(&user), id).await.map_err(fail)
}

/// The edit form's fields as typed: lists one item per line or separated by commas.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AssetFields {
    pub name: String,
    pub addresses: String,
    pub criticality: String,
    pub owner: String,
    pub service: String,
    pub segment: String,
    /// Present ("on") when the box is ticked.
    #[serde(default)]
    pub internet_facing: Option<String>,
    pub tags: String,
    pub connectors: String,
}

/// Creates (`id` 0, then on to the new asset's page) or changes an asset from the edit form.
/// Returns the asset's id.
#[server(prefix = "/api", endpoint = "save_asset")]
pub async fn save_asset(id: i64, version: i32, asset: AssetFields) -> Result<i64, AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::caller::Caller;
    use riposte_domain::enrichment::Asset;
    let user = require_user().await?;
    // Checked by the backend, after the caller's permission: text that is no number is 0.
    let criticality = asset.criticality.trim().parse::<u8>().unwrap_or(0);
    let list = |text: &str| -> Vec<String> {
        text.split(['\n', ',', ';']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
    };
    let asset = Asset {
        name: asset.name,
        addresses: list(&asset.addresses),
        owner: asset.owner,
        service: asset.service,
        criticality,
        segment: asset.segment,
        internet_facing: asset.internet_facing.is_some(),
        tags: list(&asset.tags),
        connectors: list(&asset.connectors),
    };
    let backend = backend()?;
    let caller = Caller::User(&user);
    if id == 0 {
        let id = riposte_backend::assets::create(&backend, caller, asset).await.map_err(fail)?;
        // To the new asset's page, with JavaScript or without.
        leptos_axum::redirect(&format!("/context/assets/{id}"));
        return Ok(id);
    }
    riposte_backend::assets::update(&backend, caller, id, version, asset).await.map_err(fail)?;
    Ok(id)
}

#[server(prefix = "/api", endpoint = "delete_asset")]
pub async fn delete_asset(id: i64, version: i32) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::caller::Caller;
    let user = require_user().await?;
    riposte_backend::assets::delete(&backend()?, Caller::User(&user), id, version).await.map_err(fail)?;
    leptos_axum::redirect("/context/assets");
    Ok(())
}
