//! Reading actions for the pages: the list (open ones first) and one action with its story.

use riposte_domain::Permission;
use riposte_domain::containment::view::{ActionEventView, ActionView};

use crate::alerts::rfc3339;
use crate::store::containment::{self as store, ActionRow};
use crate::{Backend, BackendError, CurrentUser};

fn view(row: ActionRow, policy: Option<String>, events: Vec<ActionEventView>) -> ActionView {
    ActionView {
        action_id: row.action_id,
        kind: row.kind,
        target: row.target,
        direction: row.direction,
        connector: row.connector,
        incident_id: row.incident_id,
        state: row.state,
        reason: row.reason,
        ttl_secs: row.ttl_secs,
        requested_by: row.requested_by,
        approved_by: row.approved_by,
        requested_at: rfc3339(row.requested_at),
        expires_at: row.expires_at.map(rfc3339),
        last_error: row.last_error,
        needs_review: row.needs_review,
        policy,
        concerns: row.concerns,
        blast_radius: row.blast_radius,
        events,
    }
}

/// Actions, open ones first, newest first; only `incident_id`'s when given.
pub async fn actions(
    backend: &Backend,
    user: &CurrentUser,
    incident_id: Option<i64>,
    limit: i64,
) -> Result<Vec<ActionView>, BackendError> {
    user.require(Permission::ViewContainment)?;
    let rows = store::list(&backend.pool, incident_id, limit.clamp(1, 500)).await?;
    Ok(rows.into_iter().map(|(row, policy)| view(row, policy, Vec::new())).collect())
}

pub async fn action(backend: &Backend, user: &CurrentUser, action_id: i64) -> Result<ActionView, BackendError> {
    user.require(Permission::ViewContainment)?;
    let row = store::find(&backend.pool, action_id).await?.ok_or(BackendError::NotFound("containment action"))?;
    let policy = store::policy_name(&backend.pool, row.policy_id).await?;
    let events = store::events(&backend.pool, action_id)
        .await?
        .into_iter()
        .map(|e| ActionEventView {
            at: rfc3339(e.at),
            actor: e.actor,
            event: e.event,
            from_state: e.from_state,
            to_state: e.to_state,
            evidence: e.evidence,
        })
        .collect();
    Ok(view(row, policy, events))
}
