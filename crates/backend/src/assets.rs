//! Editing the asset inventory one asset at a time (the context pages and the REST API):
//! search, read, create, change and delete. Every change is checked like an imported row,
//! made only against the version the editor saw (a concurrent change is a conflict, never a
//! silent overwrite), and audited with the asset before and after.

use riposte_domain::enrichment::asset::canonical_address;
use riposte_domain::enrichment::{ASSET_PAGE_SIZE, Asset, AssetPage, AssetRecord};
use riposte_domain::{Permission, ValidationError};
use serde_json::json;

use crate::caller::Caller;
use crate::store::assets::{self as store, AssetFilter, Changed};
use crate::store::audit::{self, AuditEntry};
use crate::tokens::TokenScope;
use crate::{Backend, BackendError};

/// Assets matching `query` (an address or range: those holding it or inside it; other text:
/// part of a name, owner or service, or a tag), a page from `offset`.
pub async fn search(
    backend: &Backend,
    caller: Caller<'_>,
    query: &str,
    offset: i64,
) -> Result<AssetPage, BackendError> {
    caller.require(Permission::ManageContext, TokenScope::Context)?;
    let query = query.trim();
    let address = canonical_address(query).ok();
    let filter = match (&address, query.is_empty()) {
        (_, true) => AssetFilter::All,
        (Some(net), false) => AssetFilter::Address(net),
        (None, false) => AssetFilter::Text(query),
    };
    let offset = offset.max(0);
    let mut conn = backend.pool.acquire().await?;
    let rows = store::search(&mut conn, filter, ASSET_PAGE_SIZE, offset).await?;
    let total = rows.first().and_then(|r| r.total).unwrap_or(0);
    Ok(AssetPage { assets: rows.into_iter().map(store::AssetRow::record).collect(), total, offset })
}

pub async fn get(backend: &Backend, caller: Caller<'_>, id: i64) -> Result<AssetRecord, BackendError> {
    caller.require(Permission::ManageContext, TokenScope::Context)?;
    store::find(&backend.pool, id).await?.map(store::AssetRow::record).ok_or(BackendError::NotFound("asset"))
}

/// Creates an asset; returns its id.
pub async fn create(backend: &Backend, caller: Caller<'_>, asset: Asset) -> Result<i64, BackendError> {
    caller.require(Permission::ManageContext, TokenScope::Context)?;
    let asset = checked(asset)?;
    let (user_id, actor) = caller.audit_identity();
    let mut tx = backend.pool.begin().await?;
    let id = store::insert(&mut tx, &asset, &actor).await?.ok_or_else(|| taken(&asset))?;
    record(&mut tx, (user_id, &actor), "asset_created", &asset, json!({ "asset_id": id, "after": asset })).await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes asset `id`, as the editor saw it at `version`.
pub async fn update(
    backend: &Backend,
    caller: Caller<'_>,
    id: i64,
    version: i32,
    asset: Asset,
) -> Result<(), BackendError> {
    caller.require(Permission::ManageContext, TokenScope::Context)?;
    let asset = checked(asset)?;
    let (user_id, actor) = caller.audit_identity();
    let mut tx = backend.pool.begin().await?;
    let before = store::find(&mut *tx, id).await?.ok_or(BackendError::NotFound("asset"))?.record();
    match store::update(&mut tx, id, version, &asset, &actor).await? {
        Changed::Done => {}
        Changed::Taken => return Err(taken(&asset)),
        other => return Err(stale(other, &before)),
    }
    let detail = json!({ "asset_id": id, "before": before.asset, "after": asset });
    record(&mut tx, (user_id, &actor), "asset_updated", &asset, detail).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes asset `id`, as the editor saw it at `version`.
pub async fn delete(backend: &Backend, caller: Caller<'_>, id: i64, version: i32) -> Result<(), BackendError> {
    caller.require(Permission::ManageContext, TokenScope::Context)?;
    let (user_id, actor) = caller.audit_identity();
    let mut tx = backend.pool.begin().await?;
    let before = store::find(&mut *tx, id).await?.ok_or(BackendError::NotFound("asset"))?.record();
    match store::delete(&mut tx, id, version).await? {
        Changed::Done => {}
        other => return Err(stale(other, &before)),
    }
    let detail = json!({ "asset_id": id, "before": before.asset });
    record(&mut tx, (user_id, &actor), "asset_deleted", &before.asset, detail).await?;
    tx.commit().await?;
    Ok(())
}

fn checked(asset: Asset) -> Result<Asset, BackendError> {
    asset.validated().map_err(|e| ValidationError::new(e.field(), e.to_string()).into())
}

fn taken(asset: &Asset) -> BackendError {
    let (field, what) = if asset.name.is_empty() { ("addresses", "address") } else { ("name", "name") };
    let key = crate::store::context_sources::natural_key(asset);
    ValidationError::new(field, format!("another asset has the {what} {key}")).into()
}

fn stale(changed: Changed, seen: &AssetRecord) -> BackendError {
    match changed {
        Changed::Missing => BackendError::NotFound("asset"),
        _ => BackendError::Conflict(format!(
            "{} changed this asset at {} since you opened it; reload to see the change",
            seen.updated_by, seen.updated_at
        )),
    }
}

async fn record(
    conn: &mut sqlx::PgConnection,
    (user_id, actor): (Option<i64>, &str),
    action: &str,
    asset: &Asset,
    detail: serde_json::Value,
) -> Result<(), BackendError> {
    let subject = crate::store::context_sources::natural_key(asset);
    let entry =
        AuditEntry { actor_user_id: user_id, actor, action, subject: Some(&subject), detail, client_addr: None };
    audit::append(conn, entry).await
}
