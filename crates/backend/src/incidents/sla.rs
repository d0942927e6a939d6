//! SLA timers: the targets administrators set per priority, and the watch that writes a
//! breach into the incident log once, when a running clock passes its target.

use std::time::Duration;

use riposte_domain::Permission;
use riposte_domain::incident::Priority;
use riposte_domain::incident::sla::SlaTarget;
use serde_json::json;
use sqlx::PgPool;

use super::{now_ms, sla_facts};
use crate::admin::Actor;
use crate::background::{self, Periodic};
use crate::live;
use crate::store::incidents::{self, Actor as EventActor};
use crate::store::{audit, sla as store};
use crate::{Backend, BackendError};

/// How often the watch looks for clocks past their target.
const WATCH_PERIOD: Duration = Duration::from_secs(15);
/// Incidents handled per round (the next round takes the rest).
const ROUND_LIMIT: i64 = 500;
pub const ACTOR: &str = "sla";

pub fn watch(pool: PgPool) -> Periodic {
    background::every("sla watch", WATCH_PERIOD, move || {
        let pool = pool.clone();
        async move { record_breaches(&pool).await.map(drop) }
    })
}

/// Writes an `sla_breached` event for each running clock past its target, once (several
/// servers may run the watch); returns (incident, clock) for each written.
pub async fn record_breaches(pool: &PgPool) -> Result<Vec<(i64, &'static str)>, BackendError> {
    let mut written = Vec::new();
    let now = now_ms();
    for row in store::overdue(pool, ROUND_LIMIT).await? {
        let Some(facts) = sla_facts(&row) else { continue };
        for clock in facts.new_breaches(now) {
            let mut tx = pool.begin().await?;
            if !store::mark_breached(&mut tx, row.incident_id, clock.as_str()).await? {
                continue;
            }
            let target_ms = facts.target_ms(clock);
            let detail = json!({
                "clock": clock.as_str(),
                "priority": format!("P{}", row.priority),
                "target_minutes": target_ms / 60_000,
                "elapsed_ms": facts.elapsed_ms(now),
            });
            let actor = EventActor { user_id: None, name: ACTOR.into() };
            incidents::append_event(&mut tx, row.incident_id, &actor, "sla_breached", None, detail).await?;
            live::incident_changed(&mut tx, row.incident_id).await?;
            tx.commit().await?;
            written.push((row.incident_id, clock.as_str()));
        }
    }
    Ok(written)
}

pub async fn targets(backend: &Backend, actor: Actor<'_>) -> Result<Vec<SlaTarget>, BackendError> {
    actor.require(Permission::ViewIncidents)?;
    store::targets(&backend.pool)
        .await?
        .into_iter()
        .map(|row| {
            Ok(SlaTarget {
                priority: Priority::new(i64::from(row.priority))
                    .ok_or_else(|| BackendError::Internal("stored SLA priority".into()))?,
                ack_minutes: u32::try_from(row.ack_minutes).unwrap_or(1),
                contain_minutes: u32::try_from(row.contain_minutes).unwrap_or(1),
            })
        })
        .collect()
}

/// Saves every target given, checked first; the clocks of open incidents follow at once.
pub async fn save_targets(backend: &Backend, actor: Actor<'_>, targets: &[SlaTarget]) -> Result<(), BackendError> {
    actor.require(Permission::ManageSettings)?;
    for target in targets {
        target.validate().map_err(|message| BackendError::invalid("sla", message))?;
    }
    let mut tx = backend.pool.begin().await?;
    for t in targets {
        let (ack, contain) = (i32::try_from(t.ack_minutes), i32::try_from(t.contain_minutes));
        let (Ok(ack), Ok(contain)) = (ack, contain) else { continue };
        store::save_target(&mut tx, i16::from(t.priority.level()), ack, contain, actor.label()).await?;
    }
    let detail: Vec<_> = targets
        .iter()
        .map(|t| json!({ "priority": t.priority.label(), "ack_minutes": t.ack_minutes, "contain_minutes": t.contain_minutes }))
        .collect();
    audit::append(&mut tx, actor.entry("save_sla_targets", "SLA targets", json!({ "targets": detail }))).await?;
    tx.commit().await?;
    Ok(())
}
