//! Alerts for analysts and integrations: the queue, one alert with its context, triage.

use riposte_domain::Permission;
use riposte_domain::alert::{
    AlertDetail, AlertEnrichment, AlertFilter, AlertStatus, AlertSummary, ContextSummary, Entity, Severity,
};
use time::format_description::well_known::Rfc3339;

use crate::caller::Caller;
use crate::store::alerts::{self, AlertRow};
use crate::store::audit::{self, AuditEntry};
use crate::store::context_events::context_for_alert;
use crate::tokens::TokenScope;
use crate::{Backend, BackendError};

/// Most rows one queue page shows.
pub const QUEUE_PAGE: i64 = 200;

/// The newest alerts matching `filter`, at most `limit` (1 to 1,000).
pub async fn list_alerts(
    backend: &Backend,
    caller: Caller<'_>,
    filter: &AlertFilter,
    limit: i64,
) -> Result<Vec<AlertSummary>, BackendError> {
    caller.require(Permission::ViewQueue, TokenScope::Read)?;
    alerts::list_alerts(&backend.pool, filter, limit.clamp(1, 1000)).await?.into_iter().map(summary).collect()
}

/// One alert with the context events of its session (same flow id, or same Community ID).
pub async fn alert_detail(backend: &Backend, caller: Caller<'_>, alert_id: i64) -> Result<AlertDetail, BackendError> {
    caller.require(Permission::ViewQueue, TokenScope::Read)?;
    let row = alerts::find_alert(&backend.pool, alert_id).await?.ok_or(BackendError::NotFound("alert"))?;
    let community_id = row.entities.as_array().and_then(|entities| {
        entities.iter().find(|e| e["kind"] == "community_id").and_then(|e| e["value"].as_str().map(str::to_owned))
    });
    let context = context_for_alert(&backend.pool, &row.source, row.flow_id.as_deref(), community_id.as_deref(), 200)
        .await?
        .into_iter()
        .map(|c| ContextSummary {
            id: c.context_event_id,
            kind: c.kind,
            event_time: c.event_time.map(rfc3339),
            raw: c.raw,
        })
        .collect();
    let (source_ref, flow_id, description, attack_techniques, tags, raw) = (
        row.source_ref.clone(),
        row.flow_id.clone(),
        row.description.clone(),
        row.attack_techniques.clone(),
        row.tags.clone(),
        row.raw.clone(),
    );
    let enrichment = crate::store::enrichment::context_of(&backend.pool, alert_id)
        .await?
        .map(|(packet, score, enrich_ms)| AlertEnrichment { packet, score, enrich_ms });
    Ok(AlertDetail {
        summary: summary(row)?,
        source_ref,
        flow_id,
        description,
        attack_techniques,
        tags,
        raw,
        context,
        enrichment,
    })
}

/// Sets an alert's status, recording who did it. A concurrent change is reported as a
/// conflict, never overwritten.
pub async fn set_alert_status(
    backend: &Backend,
    caller: Caller<'_>,
    alert_id: i64,
    to: AlertStatus,
) -> Result<AlertStatus, BackendError> {
    caller.require(Permission::TriageAlerts, TokenScope::Triage)?;
    let (actor_user_id, actor) = caller.audit_identity();
    let from = alerts::current_status(&backend.pool, alert_id).await?.ok_or(BackendError::NotFound("alert"))?;
    let mut tx = backend.pool.begin().await?;
    match alerts::change_status(&mut tx, alert_id, &from, to.as_str()).await? {
        None => return Err(BackendError::NotFound("alert")),
        Some(false) => return Err(BackendError::Conflict("the alert changed meanwhile; reload and try again".into())),
        Some(true) => {}
    }
    let subject = alert_id.to_string();
    let entry = AuditEntry {
        actor_user_id,
        actor: &actor,
        action: "set_alert_status",
        subject: Some(&subject),
        detail: serde_json::json!({ "from": from, "to": to }),
        client_addr: None,
    };
    audit::append(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(to)
}

pub(crate) fn summary(row: AlertRow) -> Result<AlertSummary, BackendError> {
    let entities: Vec<Entity> =
        serde_json::from_value(row.entities).map_err(|e| BackendError::Internal(format!("stored entities: {e}")))?;
    Ok(AlertSummary {
        id: row.alert_id,
        source: row.source,
        title: row.title,
        severity: Severity::from_ocsf_id(i64::from(row.severity))
            .ok_or_else(|| BackendError::Internal("stored severity".into()))?,
        status: AlertStatus::parse(&row.status).ok_or_else(|| BackendError::Internal("stored status".into()))?,
        received_at: rfc3339(row.received_at),
        event_time: row.event_time.map(rfc3339),
        entities,
        occurrences: row.occurrences,
        last_seen: row.last_seen.map(rfc3339),
        rollup_id: row.rollup_id,
    })
}

/// Milliseconds since the Unix epoch, as the pipeline's in-memory decisions use them.
pub(crate) fn epoch_ms(t: time::OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// Times as the UI and APIs show them (RFC 3339, UTC).
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}
