//! A second person's decision on a requested action, and cancelling one.

use riposte_domain::Permission;
use riposte_domain::containment::{ActionEvent, ActionState, GuardPolicy, guard};
use serde_json::json;
use sqlx::PgConnection;

use super::log::{Step, Subject, Who, record};
use super::state_of;
use crate::store::containment as store;
use crate::{Backend, BackendError, CurrentUser};

/// Whose approval counts is an administrator's setting (the guard rails' approver roles),
/// not a fixed permission: the roles named there may approve and reject; nobody else.
async fn require_approver(conn: &mut PgConnection, user: &CurrentUser) -> Result<GuardPolicy, BackendError> {
    user.require(Permission::ViewContainment)?;
    let policy = store::guard_policy(conn).await?;
    if !policy.approver_roles.contains(&user.role) {
        return Err(BackendError::Forbidden(Permission::ApproveContainment));
    }
    Ok(policy)
}

/// Approves an action awaiting approval: someone other than the requester, in an approving
/// role. Returns the new state.
pub async fn approve(backend: &Backend, user: &CurrentUser, action_id: i64) -> Result<ActionState, BackendError> {
    let mut tx = backend.pool.begin().await?;
    let policy = require_approver(&mut tx, user).await?;
    let row = store::find(&mut *tx, action_id).await?.ok_or(BackendError::NotFound("containment action"))?;
    // An action a policy asked for has no requesting person; any approver will do.
    let requester = row.requested_by_user_id.unwrap_or(i64::MIN);
    guard::may_approve(&policy, requester, user.id, user.role)
        .map_err(|e| BackendError::invalid("approver", e.to_string()))?;
    let next = step(&mut tx, user.into(), &row, ActionEvent::Approve, "approved").await?;
    store::set_approver(&mut tx, action_id, user.id, &user.username).await?;
    let detail = json!({ "action_id": action_id, "target": row.target });
    record(
        &mut tx,
        user.into(),
        Subject::from(&row),
        Step { event: "approved", state: next.as_str(), reason: None, detail },
    )
    .await?;
    crate::store::containment_jobs::due_now(&mut tx, action_id).await?;
    tx.commit().await?;
    Ok(next)
}

/// Rejects an action awaiting approval, saying why.
pub async fn reject(
    backend: &Backend,
    user: &CurrentUser,
    action_id: i64,
    reason: &str,
) -> Result<ActionState, BackendError> {
    let mut tx = backend.pool.begin().await?;
    require_approver(&mut tx, user).await?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(BackendError::invalid("reason", "say why the action is rejected"));
    }
    let row = store::find(&mut *tx, action_id).await?.ok_or(BackendError::NotFound("containment action"))?;
    let next = step(&mut tx, user.into(), &row, ActionEvent::Reject, "rejected").await?;
    let detail = json!({ "action_id": action_id, "target": row.target });
    let step = Step { event: "rejected", state: next.as_str(), reason: Some(reason), detail };
    record(&mut tx, user.into(), Subject::from(&row), step).await?;
    tx.commit().await?;
    Ok(next)
}

/// Undoes an action: one not yet applied is cancelled outright; one that may be in force is
/// handed to its job for rollback (and verified like the apply).
pub async fn cancel(backend: &Backend, user: &CurrentUser, action_id: i64) -> Result<ActionState, BackendError> {
    user.require(Permission::RequestContainment)?;
    let mut tx = backend.pool.begin().await?;
    let row = store::find(&mut *tx, action_id).await?.ok_or(BackendError::NotFound("containment action"))?;
    let next = step(&mut tx, user.into(), &row, ActionEvent::Undo, "undo").await?;
    let detail = json!({ "action_id": action_id, "target": row.target, "state": next.as_str() });
    record(
        &mut tx,
        user.into(),
        Subject::from(&row),
        Step { event: "undo", state: next.as_str(), reason: None, detail },
    )
    .await?;
    crate::store::containment_jobs::due_now(&mut tx, action_id).await?;
    tx.commit().await?;
    Ok(next)
}

/// Moves the action by `event` if its path allows it and nobody moved it meanwhile.
pub(super) async fn step(
    tx: &mut sqlx::PgConnection,
    who: Who<'_>,
    row: &store::ActionRow,
    event: ActionEvent,
    name: &str,
) -> Result<ActionState, BackendError> {
    let from = state_of(row)?;
    let to = from.apply(event).map_err(|e| BackendError::Conflict(e.to_string()))?;
    if to == from {
        return Ok(to);
    }
    if !store::transition(tx, row.action_id, from, to, who.name, name, serde_json::Value::Null).await? {
        return Err(BackendError::Conflict(format!(
            "containment action {} changed meanwhile; reload to see its state",
            row.action_id
        )));
    }
    Ok(to)
}
