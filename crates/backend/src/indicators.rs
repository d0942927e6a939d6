//! Browsing watchlists one indicator at a time (the context pages and the REST API), and
//! deleting one that should not match (a false positive that a feed keeps sending is better
//! fixed at the feed; this stops it now). Deletions are audited with the indicator.

use riposte_domain::Permission;
use riposte_domain::enrichment::asset::canonical_address;
use riposte_domain::enrichment::{INDICATOR_PAGE_SIZE, IndicatorError, IndicatorKind, IndicatorPage, IndicatorRecord};
use serde_json::json;

use crate::caller::Caller;
use crate::store::audit::{self, AuditEntry};
use crate::store::indicators::{self as store, IndicatorFilter};
use crate::tokens::TokenScope;
use crate::{Backend, BackendError};

/// A watchlist search as typed: each part may be empty.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct IndicatorQuery {
    /// The start of a value; an address also finds the ranges holding it.
    #[serde(default)]
    pub q: String,
    /// ip, cidr, domain, url, hash or email.
    #[serde(default)]
    pub kind: String,
    /// The feed or list, exactly.
    #[serde(default)]
    pub source: String,
}

pub async fn search(
    backend: &Backend,
    caller: Caller<'_>,
    query: &IndicatorQuery,
    offset: i64,
) -> Result<IndicatorPage, BackendError> {
    caller.require(Permission::ManageContext, TokenScope::Context)?;
    let kind = match query.kind.trim() {
        "" => None,
        name => Some(IndicatorKind::parse(name).ok_or_else(|| {
            riposte_domain::ValidationError::new("kind", IndicatorError::Kind(name.to_owned()).to_string())
        })?),
    };
    let q = query.q.trim();
    // Addresses and ranges are stored canonical (a single address without its /32).
    let canonical = canonical_address(q).ok();
    let address = canonical.as_deref().filter(|a| !a.contains('/'));
    let value = canonical.as_deref().or(Some(q).filter(|q| !q.is_empty()));
    let source = Some(query.source.trim()).filter(|s| !s.is_empty());
    let filter = IndicatorFilter { value, address, kind, source };
    let offset = offset.max(0);
    let mut conn = backend.pool.acquire().await?;
    let (rows, total) = store::search(&mut conn, &filter, INDICATOR_PAGE_SIZE, offset).await?;
    Ok(IndicatorPage { indicators: rows.into_iter().filter_map(store::IndicatorRow::record).collect(), total, offset })
}

pub async fn get(backend: &Backend, caller: Caller<'_>, id: i64) -> Result<IndicatorRecord, BackendError> {
    caller.require(Permission::ManageContext, TokenScope::Context)?;
    store::find(&backend.pool, id)
        .await?
        .and_then(store::IndicatorRow::record)
        .ok_or(BackendError::NotFound("indicator"))
}

/// Deletes indicator `id`; it stops matching with the next pipeline batch.
pub async fn delete(backend: &Backend, caller: Caller<'_>, id: i64) -> Result<(), BackendError> {
    caller.require(Permission::ManageContext, TokenScope::Context)?;
    let (user_id, actor) = caller.audit_identity();
    let mut tx = backend.pool.begin().await?;
    let before = store::delete(&mut tx, id)
        .await?
        .and_then(store::IndicatorRow::record)
        .ok_or(BackendError::NotFound("indicator"))?;
    let subject = format!("{}:{}", before.indicator.kind.as_str(), before.indicator.value);
    let detail = json!({ "indicator_id": id, "before": before.indicator });
    let entry = AuditEntry {
        actor_user_id: user_id,
        actor: &actor,
        action: "indicator_deleted",
        subject: Some(&subject),
        detail,
        client_addr: None,
    };
    audit::append(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(())
}
