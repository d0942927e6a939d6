//! Containment use-cases: a request checked against the guard rails and the blast radius,
//! recorded with an idempotency key; approval by a second person; rejection and cancellation.
//! Every step moves the action along `ActionState`'s one path with a conditional update (two
//! people acting at once cannot both win), is logged on the action, on its incident and in the
//! audit trail.

pub mod decide;
pub mod request;

use riposte_domain::containment::ActionState;
use serde_json::Value;
use sqlx::PgConnection;

use crate::store::audit::{self, AuditEntry};
use crate::store::containment::ActionRow;
use crate::store::incidents::{self, Actor};
use crate::{BackendError, CurrentUser};

pub use decide::{approve, cancel, reject};
pub use request::{ContainRequest, Preview, Requested, preview, request};

fn state_of(row: &ActionRow) -> Result<ActionState, BackendError> {
    ActionState::parse(&row.state).ok_or_else(|| BackendError::Internal(format!("stored action state {:?}", row.state)))
}

/// Writes what happened to the action's incident log (if it has an incident) and the audit
/// trail, in the caller's transaction.
async fn record(
    conn: &mut PgConnection,
    user: &CurrentUser,
    (action_id, incident_id): (i64, Option<i64>),
    kind: &str,
    reason: Option<&str>,
    detail: Value,
) -> Result<(), BackendError> {
    if let Some(incident_id) = incident_id {
        let actor = Actor { user_id: Some(user.id), name: user.username.clone() };
        incidents::append_event(&mut *conn, incident_id, &actor, kind, reason, detail.clone()).await?;
        crate::live::incident_changed(&mut *conn, incident_id).await?;
    }
    let subject = format!("containment action {action_id}");
    let entry = AuditEntry {
        actor_user_id: Some(user.id),
        actor: &user.username,
        action: kind,
        subject: Some(&subject),
        detail,
        client_addr: None,
    };
    audit::append(conn, entry).await
}
