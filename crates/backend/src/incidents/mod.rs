//! Incidents as the workspace uses them: queues, the incident page, edits with conflict
//! detection, comments, tasks, hand-offs, merge/split/unlink with undo, and notices. Every
//! use-case checks the caller's permission and writes the incident event log (and, for
//! changes, a live notice) in the same transaction.

mod detail;
mod edit;
mod handoff;
pub mod markdown;
mod moves;
mod notices;
mod search;
pub mod sla;
mod timeline;

pub use detail::incident_detail;
pub use edit::{add_comment, add_task, edit_incident, set_task_done};
pub use handoff::{acknowledge_handoff, hand_off};
pub use moves::{merge, split, undo, unlink};
pub use notices::{mark_notice_read, unread_notices};
pub use search::search;

use riposte_domain::Permission;
use riposte_domain::alert::Severity;
use riposte_domain::incident::sla::{SlaClock, SlaFacts};
use riposte_domain::incident::{
    Classification, IncidentFilter, IncidentStatus, IncidentSummary, Priority, Queue, Tier,
};

use crate::alerts::{epoch_ms, rfc3339};
use crate::store::incidents::{self, Actor, IncidentRow};
use crate::{Backend, BackendError, CurrentUser};

/// Rows per queue page.
pub const QUEUE_PAGE: i64 = 100;

pub async fn list_incidents(
    backend: &Backend,
    user: &CurrentUser,
    filter: &IncidentFilter,
) -> Result<Vec<IncidentSummary>, BackendError> {
    user.require(Permission::ViewIncidents)?;
    incidents::list(&backend.pool, filter, user.id, QUEUE_PAGE).await?.into_iter().map(summary).collect()
}

/// The queue a user lands on: their tier's, or all for managers and admins.
pub fn home_queue(user: &CurrentUser) -> Queue {
    Tier::of_role(user.role).map_or(Queue::All, Queue::Tier)
}

fn actor(user: &CurrentUser) -> Actor {
    Actor { user_id: Some(user.id), name: user.username.clone() }
}

fn stored<T>(value: Option<T>, what: &str) -> Result<T, BackendError> {
    value.ok_or_else(|| BackendError::Internal(format!("stored incident {what}")))
}

pub(crate) fn summary(row: IncidentRow) -> Result<IncidentSummary, BackendError> {
    let sla = sla_facts(&row).and_then(|facts| facts.badge(now_ms()));
    Ok(IncidentSummary {
        id: row.incident_id,
        title: row.title,
        status: stored(IncidentStatus::parse(&row.status), "status")?,
        classification: row.classification.as_deref().and_then(Classification::parse),
        severity: stored(Severity::from_ocsf_id(i64::from(row.severity)), "severity")?,
        priority: stored(Priority::new(i64::from(row.priority)), "priority")?,
        tier: stored(Tier::parse(&row.tier), "tier")?,
        owner: row.owner,
        alert_count: i64::from(row.alert_count),
        event_count: row.event_count,
        first_seen: rfc3339(row.first_seen),
        last_seen: rfc3339(row.last_seen),
        updated_at: rfc3339(row.updated_at),
        tags: row.tags,
        pending_handoff: row.pending_handoff.as_deref().and_then(Tier::parse),
        sla,
        waiting_on: row.waiting_on,
    })
}

/// Now, in milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    epoch_ms(time::OffsetDateTime::now_utc())
}

/// The SLA clocks' inputs; none when the priority has no targets (or it was merged away).
pub(crate) fn sla_facts(row: &IncidentRow) -> Option<SlaFacts> {
    if row.merged_into.is_some() {
        return None;
    }
    Some(SlaFacts {
        opened_ms: epoch_ms(row.opened_at),
        acknowledged_ms: row.acknowledged_at.map(epoch_ms),
        contained_ms: row.contained_at.map(epoch_ms),
        paused_since_ms: row.sla_paused_at.map(epoch_ms),
        waiting_on: row.waiting_on.clone(),
        paused_total_ms: row.sla_paused_ms,
        ack_minutes: u32::try_from(row.ack_minutes?).ok()?,
        contain_minutes: u32::try_from(row.contain_minutes?).ok()?,
        breached: row.sla_breached.iter().filter_map(|c| SlaClock::parse(c)).collect(),
    })
}

/// The conflict an edit meets when someone changed the incident first.
fn conflict(current: Option<i32>) -> BackendError {
    match current {
        None => BackendError::NotFound("incident"),
        Some(version) => BackendError::Conflict(format!(
            "someone else changed this incident meanwhile (it is now at version {version}); \
             your change was not applied: reload to see theirs, then try again"
        )),
    }
}
