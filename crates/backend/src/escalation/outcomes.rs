//! Applies an escalation to its incident: the why-trace recorded once per rule, priority
//! raised, the incident moved to a queue, on-call paged; each change in the incident log.

use riposte_domain::escalation::WhyTrace;
use serde_json::json;
use sqlx::PgConnection;

use super::ACTOR;
use crate::BackendError;
use crate::store::escalation as store;
use crate::store::incidents::{self, Actor};
use crate::store::notify;

/// Returns whether the incident changed (false when the rule had already escalated it: the
/// repeat is only counted).
pub async fn apply(
    conn: &mut PgConnection,
    incident_id: i64,
    version: i32,
    trace: &WhyTrace,
    times: i32,
) -> Result<bool, BackendError> {
    // A merged incident lives on in the one it was merged into.
    let Some(row) = incidents::find(&mut *conn, incident_id).await? else {
        return Ok(false);
    };
    let incident_id = row.merged_into.unwrap_or(incident_id);
    let Some(escalation_id) = store::record(&mut *conn, incident_id, version, trace, times).await? else {
        return Ok(false);
    };
    let outcomes = &trace.outcomes;
    let Some((priority_before, tier_before)) = store::escalate_incident(
        &mut *conn,
        incident_id,
        outcomes.priority.map(|p| i16::from(p.level())),
        outcomes.tier.map(|t| t.as_str()),
    )
    .await?
    else {
        return Ok(false);
    };
    let actor = Actor { user_id: None, name: ACTOR.into() };
    let reason = format!("escalation rule \"{}\"", trace.rule);
    let first = trace.events.first().map(|m| m.at_ms);
    let last = trace.events.last().map(|m| m.at_ms);
    incidents::append_event(
        &mut *conn,
        incident_id,
        &actor,
        "escalated",
        Some(&reason),
        json!({
            "escalation_id": escalation_id,
            "rule": trace.rule,
            "rule_version": version,
            "key": trace.key,
            "events": trace.events.len(),
            "first_event_ms": first,
            "last_event_ms": last,
            "outcomes": outcomes.describe(),
        }),
    )
    .await?;
    if let Some(priority) = outcomes.priority.filter(|p| i16::from(p.level()) < priority_before) {
        let detail = json!({ "from": format!("P{priority_before}"), "to": priority.label() });
        incidents::append_event(&mut *conn, incident_id, &actor, "priority_changed", Some(&reason), detail).await?;
    }
    if let Some(tier) = outcomes.tier.filter(|t| t.as_str() != tier_before) {
        let detail = json!({ "from": tier_before, "to": tier.as_str() });
        incidents::append_event(&mut *conn, incident_id, &actor, "tier_changed", Some(&reason), detail).await?;
    }
    if !outcomes.page.is_empty() {
        let subject = format!("Escalated: incident #{incident_id} {} ({})", row.title, trace.rule);
        let body = json!({
            "incident_id": incident_id,
            "title": row.title,
            "rule": trace.rule,
            "key": trace.key,
            "outcomes": outcomes.describe(),
            "events": trace.events.iter().map(|m| json!({ "at_ms": m.at_ms, "event": m.label })).collect::<Vec<_>>(),
        });
        for channel in &outcomes.page {
            notify::queue(&mut *conn, channel, Some(incident_id), &subject, &body).await?;
        }
        incidents::append_event(
            &mut *conn,
            incident_id,
            &actor,
            "paged",
            Some(&reason),
            json!({ "channels": outcomes.page }),
        )
        .await?;
    }
    Ok(true)
}
