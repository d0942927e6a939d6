//! Which notification channels the NOC's containment notices go to.

use riposte_domain::Permission;
use serde_json::json;

use crate::admin::Actor;
use crate::store::{audit, notify};
use crate::{Backend, BackendError};

/// The channels named now, and every channel there is.
pub async fn notice_channels(backend: &Backend, actor: Actor<'_>) -> Result<(Vec<String>, Vec<String>), BackendError> {
    actor.require(Permission::ManageSettings)?;
    let chosen: Vec<String> =
        sqlx::query_scalar("select unnest(notice_channels) from containment_setting").fetch_all(&backend.pool).await?;
    let all = notify::channel_names(&backend.pool).await?.into_iter().collect();
    Ok((chosen, all))
}

pub async fn set_notice_channels(backend: &Backend, actor: Actor<'_>, names: &[String]) -> Result<(), BackendError> {
    actor.require(Permission::ManageSettings)?;
    let mut tx = backend.pool.begin().await?;
    let known = notify::channel_names(&mut *tx).await?;
    let names: Vec<String> = names.iter().map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()).collect();
    if let Some(unknown) = names.iter().find(|n| !known.contains(*n)) {
        return Err(BackendError::invalid("channels", format!("no notification channel is called {unknown:?}")));
    }
    sqlx::query("update containment_setting set notice_channels = $1, updated_by = $2, updated_at = now()")
        .bind(&names)
        .bind(actor.label())
        .execute(&mut *tx)
        .await?;
    audit::append(&mut tx, actor.entry("set_containment_notice_channels", "containment", json!({ "channels": names })))
        .await?;
    tx.commit().await?;
    Ok(())
}
