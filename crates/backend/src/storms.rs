//! Storm-control policies: how each source's floods are rolled up. Administrators change
//! them; every change is audited.

use riposte_domain::Permission;
use riposte_domain::alert::StormPolicy;
use serde_json::json;

use crate::admin::Actor;
use crate::store::audit;
use crate::store::storms::{self, StoredPolicy};
use crate::{Backend, BackendError};

pub async fn list_policies(backend: &Backend, actor: Actor<'_>) -> Result<Vec<StoredPolicy>, BackendError> {
    actor.require(Permission::ManageSettings)?;
    storms::list_policies(&backend.pool).await
}

/// Creates or replaces the policy for `policy.source` (`*` is the default for all sources).
pub async fn set_policy(backend: &Backend, actor: Actor<'_>, policy: StormPolicy) -> Result<(), BackendError> {
    actor.require(Permission::ManageSettings)?;
    policy.validate().map_err(|message| riposte_domain::ValidationError::new("storm policy", message))?;
    let mut tx = backend.pool.begin().await?;
    storms::upsert_policy(&mut tx, &policy, actor.label()).await?;
    let detail = json!({
        "enabled": policy.enabled,
        "threshold": policy.threshold,
        "window_secs": policy.window_secs,
        "group_by": policy.group_by,
    });
    audit::append(&mut tx, actor.entry("set_storm_policy", policy.source.trim(), detail)).await?;
    tx.commit().await?;
    backend.storm_policies.forget();
    Ok(())
}

/// Drops a source's own policy, so the default applies to it again.
pub async fn remove_policy(backend: &Backend, actor: Actor<'_>, source: &str) -> Result<(), BackendError> {
    actor.require(Permission::ManageSettings)?;
    let mut tx = backend.pool.begin().await?;
    if !storms::delete_policy(&mut tx, source).await? {
        return Err(BackendError::NotFound("storm policy (the default cannot be removed)"));
    }
    audit::append(&mut tx, actor.entry("remove_storm_policy", source, json!({}))).await?;
    tx.commit().await?;
    backend.storm_policies.forget();
    Ok(())
}
