//! Where each step of an action is written: the incident's event log (with a live notice),
//! the audit trail, and the SIEM outbox, all in the caller's transaction, so a step that
//! rolled back is told nowhere.

use riposte_domain::containment::StateChange;
use serde_json::Value;
use sqlx::PgConnection;
use time::OffsetDateTime;

use crate::alerts::rfc3339;
use crate::store::audit::{self, AuditEntry};
use crate::store::containment::ActionRow;
use crate::store::incidents::{self, Actor};
use crate::{BackendError, CurrentUser};

/// Who took the step: a person, or Riposte itself (a job, a policy).
#[derive(Debug, Clone, Copy)]
pub struct Who<'a> {
    pub user_id: Option<i64>,
    pub name: &'a str,
}

/// The action jobs and pre-authorised policies.
pub const RIPOSTE: Who<'static> = Who { user_id: None, name: "riposte" };

impl<'a> From<&'a CurrentUser> for Who<'a> {
    fn from(user: &'a CurrentUser) -> Who<'a> {
        Who { user_id: Some(user.id), name: &user.username }
    }
}

/// The action a step is about.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub action_id: i64,
    pub incident_id: Option<i64>,
    pub kind: &'a str,
    pub target: &'a str,
    pub direction: Option<&'a str>,
    pub connector: &'a str,
}

impl<'a> From<&'a ActionRow> for Subject<'a> {
    fn from(row: &'a ActionRow) -> Subject<'a> {
        Subject {
            action_id: row.action_id,
            incident_id: row.incident_id,
            kind: &row.kind,
            target: &row.target,
            direction: row.direction.as_deref(),
            connector: &row.connector,
        }
    }
}

/// One step: `event` ("requested", "verified", …) leading to `state`.
pub struct Step<'a> {
    pub event: &'a str,
    pub state: &'a str,
    pub reason: Option<&'a str>,
    pub detail: Value,
}

pub async fn record(
    conn: &mut PgConnection,
    who: Who<'_>,
    subject: Subject<'_>,
    step: Step<'_>,
) -> Result<(), BackendError> {
    let kind = format!("containment_{}", step.event);
    if let Some(incident_id) = subject.incident_id {
        let actor = Actor { user_id: who.user_id, name: who.name.to_owned() };
        incidents::append_event(&mut *conn, incident_id, &actor, &kind, step.reason, step.detail.clone()).await?;
        crate::live::incident_changed(&mut *conn, incident_id).await?;
    }
    let audit_subject = format!("containment action {}", subject.action_id);
    let entry = AuditEntry {
        actor_user_id: who.user_id,
        actor: who.name,
        action: &kind,
        subject: Some(&audit_subject),
        detail: step.detail,
        client_addr: None,
    };
    audit::append(&mut *conn, entry).await?;
    let now = OffsetDateTime::now_utc();
    let change = StateChange {
        action_id: subject.action_id,
        kind: subject.kind.to_owned(),
        target: subject.target.to_owned(),
        direction: subject.direction.map(str::to_owned),
        connector: subject.connector.to_owned(),
        incident_id: subject.incident_id,
        event: step.event.to_owned(),
        state: step.state.to_owned(),
        actor: who.name.to_owned(),
        reason: step.reason.map(str::to_owned),
        at: rfc3339(now),
        at_ms: i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX),
    };
    crate::siem::enqueue(conn, &change).await
}
