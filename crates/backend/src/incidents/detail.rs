//! The incident page: the record, narrative, timeline, entities, linked alerts, comments,
//! tasks, hand-offs and the event log, read concurrently and each bounded.

use riposte_domain::Permission;
use riposte_domain::alert::{Entity, EntityKind, EntityRole};
use riposte_domain::correlation::LinkReason;
use riposte_domain::escalation::EscalationView;
use riposte_domain::incident::{
    CommentView, EntityUsage, EventView, HandoffView, IncidentDetail, LinkedAlert, TaskView, Tier, Tlp, narrate,
};

use super::timeline::{EvidenceInputs, event_text, evidence, timeline};
use super::{markdown, stored, summary};
use crate::alerts::{rfc3339, summary as alert_summary};
use crate::store::{escalation, incident_evidence as ev, incidents, workspace};
use crate::{Backend, BackendError, CurrentUser};

/// Linked alerts listed on the page (the newest); the rest are counted.
const ALERTS_LISTED: i64 = 100;
const TIMELINE_ALERTS: i64 = 200;
const TIMELINE_CONTEXT: i64 = 200;
const ENTITIES_LISTED: i64 = 60;
const EVENTS_LISTED: i64 = 100;

/// Event kinds that can be reversed.
const UNDOABLE: [&str; 3] = ["merged_in", "split_out", "unlinked"];

fn ms_rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).map(rfc3339).unwrap_or_default()
}

pub async fn incident_detail(backend: &Backend, user: &CurrentUser, id: i64) -> Result<IncidentDetail, BackendError> {
    user.require(Permission::ViewIncidents)?;
    let pool = &backend.pool;
    let row = incidents::find(pool, id).await?.ok_or(BackendError::NotFound("incident"))?;
    let (
        linked,
        timeline_alerts,
        entities,
        events,
        comments,
        tasks,
        handoffs,
        sources,
        techniques,
        titles,
        escalations,
    ) = tokio::try_join!(
        ev::linked_alerts(pool, id, ALERTS_LISTED),
        ev::timeline_alerts(pool, id, TIMELINE_ALERTS),
        ev::entities(pool, id, ENTITIES_LISTED),
        incidents::events(pool, id, EVENTS_LISTED),
        workspace::comments(pool, id),
        workspace::tasks(pool, id),
        workspace::handoffs(pool, id),
        ev::sources(pool, id),
        ev::techniques(pool, id),
        ev::first_and_latest_titles(pool, id),
        escalation::of_incident(pool, id),
    )?;
    let alert_ids: Vec<i64> = timeline_alerts.iter().map(|a| a.alert_id).collect();
    let context = ev::timeline_context(pool, &alert_ids, TIMELINE_CONTEXT).await?;
    let narrative = narrate(&evidence(EvidenceInputs {
        alert_rows: i64::from(row.alert_count),
        events: row.event_count,
        sources: &sources,
        first_seen: row.first_seen,
        last_seen: row.last_seen,
        titles,
        techniques: &techniques,
        entities: &entities,
    }));
    let alerts = linked
        .into_iter()
        .map(|l| {
            let reason = match (l.rule_id, l.join_entities) {
                (Some(rule_id), Some(entities)) => {
                    Some(LinkReason { rule_id, entities: serde_json::from_value(entities).unwrap_or_default() })
                }
                _ => None,
            };
            Ok(LinkedAlert { alert: alert_summary(l.alert)?, reason, linked_by: l.linked_by })
        })
        .collect::<Result<Vec<_>, BackendError>>()?;
    let entities = entities
        .into_iter()
        .filter_map(|e| {
            // A kind a newer version stored is left out rather than failing the page.
            let kind = EntityKind::parse(&e.kind)?;
            Some(EntityUsage {
                entity: Entity { kind, value: e.value, role: EntityRole::parse(&e.role) },
                alert_count: i64::from(e.alert_count),
                last_seen: rfc3339(e.last_seen),
                other_incidents: e.other_incidents,
            })
        })
        .collect();
    let handoffs = handoffs
        .into_iter()
        .map(|h| {
            Ok(HandoffView {
                id: h.handoff_id,
                from: stored(Tier::parse(&h.from_tier), "hand-off tier")?,
                to: stored(Tier::parse(&h.to_tier), "hand-off tier")?,
                packet: h.packet.0,
                sent_by: h.sent_by,
                sent_at: rfc3339(h.sent_at),
                ack_seconds: h.acknowledged_at.map(|at| (at - h.sent_at).whole_seconds()),
                acknowledged_by: h.acknowledged_by,
                acknowledged_at: h.acknowledged_at.map(rfc3339),
            })
        })
        .collect::<Result<Vec<_>, BackendError>>()?;
    Ok(IncidentDetail {
        version: row.version,
        tlp: Tlp::parse(&row.tlp).unwrap_or(Tlp::Amber),
        attack_techniques: row.attack_techniques.clone(),
        merged_into: row.merged_into,
        narrative,
        timeline: timeline(&timeline_alerts, &context, i64::from(row.alert_count)),
        entities,
        alerts_total: i64::from(row.alert_count),
        alerts,
        comments: comments
            .into_iter()
            .map(|c| CommentView {
                id: c.comment_id,
                author: c.author,
                at: rfc3339(c.created_at),
                body: markdown::parse(&c.body),
            })
            .collect(),
        tasks: tasks
            .into_iter()
            .map(|t| TaskView { id: t.task_id, title: t.title, owner: t.owner, done: t.done, created_by: t.created_by })
            .collect(),
        handoffs,
        events: events
            .into_iter()
            .map(|e| EventView {
                id: e.event_id,
                at: rfc3339(e.occurred_at),
                text: event_text(&e.kind, &e.detail),
                undoable: UNDOABLE.contains(&e.kind.as_str()) && !e.undone,
                actor: e.actor,
                kind: e.kind,
                reason: e.reason,
            })
            .collect(),
        escalations: escalations
            .into_iter()
            .map(|e| EscalationView {
                id: e.escalation_id,
                fired_at: rfc3339(e.fired_at),
                event_times: e.trace.events.iter().map(|m| ms_rfc3339(m.at_ms)).collect(),
                trace: e.trace.0,
                repeats: e.repeats,
            })
            .collect(),
        summary: summary(row)?,
    })
}
