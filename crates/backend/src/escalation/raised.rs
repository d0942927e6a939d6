//! The alert Riposte raises when a sequence held over context events alone (failed logons
//! then a firewall allow, none of them an alert): it enters the pipeline like any other,
//! lands in an incident, and the escalation then applies there.

use std::collections::HashMap;

use riposte_domain::alert::{DedupKey, Entity, EntityKind, EntityRole, NewAlert, Severity};
use riposte_domain::escalation::{EventFacts, EventRef, Rule, WhyTrace};

use crate::BackendError;
use crate::store::alerts::insert_alerts;

/// The source name of alerts escalation raises.
pub const SOURCE: &str = "riposte";

pub async fn raise(
    conn: &mut sqlx::PgConnection,
    rule: &Rule,
    trace: &WhyTrace,
    facts: &HashMap<EventRef, &EventFacts>,
) -> Result<i64, BackendError> {
    let mut entities: Vec<Entity> = Vec::new();
    let mut add = |kind: EntityKind, value: &str, role: Option<EntityRole>| {
        if let Some(entity) = Entity::new(kind, value, role)
            && !entities.contains(&entity)
        {
            entities.push(entity);
        }
    };
    for event in trace.events.iter().filter_map(|m| facts.get(&m.event)) {
        event.users.iter().for_each(|v| add(EntityKind::User, v, None));
        event.hosts.iter().for_each(|v| add(EntityKind::Host, v, None));
        event.src_ips.iter().for_each(|v| add(EntityKind::Ip, v, Some(EntityRole::Source)));
        event.dest_ips.iter().for_each(|v| add(EntityKind::Ip, v, Some(EntityRole::Destination)));
    }
    let severity = match rule.outcomes.priority.map(|p| p.level()) {
        Some(1) => Severity::Critical,
        Some(3) => Severity::Medium,
        Some(4) => Severity::Low,
        _ => Severity::High,
    };
    let first = trace.events.first().map(|m| format!("{:?}", m.event)).unwrap_or_default();
    let last = trace.events.last().map(|m| format!("{:?}", m.event)).unwrap_or_default();
    let description =
        trace.events.iter().map(|m| format!("step {}: {}", m.step + 1, m.label)).collect::<Vec<_>>().join("\n");
    let alert = NewAlert {
        source: SOURCE.into(),
        source_ref: None,
        flow_id: None,
        title: format!("Escalation rule held: {} ({})", rule.name, trace.key),
        description,
        severity,
        event_time_ms: trace.events.last().map(|m| m.at_ms),
        entities,
        attack_techniques: Vec::new(),
        tags: vec!["escalation".into()],
        dedup_key: DedupKey::from_parts(&[
            ("rule", &rule.name),
            ("key", &trace.key),
            ("first", &first),
            ("last", &last),
        ]),
        raw: serde_json::to_string(trace).unwrap_or_default(),
        unmapped: None,
    };
    let stored = insert_alerts(conn, &[&alert], &[None]).await?;
    stored.stored.first().map(|s| s.alert_id).ok_or(BackendError::NotFound("raised alert"))
}
