//! Reads behind the incident page: linked alerts, the timeline, entities and the figures the
//! narrative is written from. Each is bounded, so an incident of 10,000 alerts reads as fast
//! as one of ten.

use sqlx::{FromRow, PgExecutor};
use time::OffsetDateTime;

use super::alerts::{AlertRow, COLUMNS as ALERT_COLUMNS};
use crate::BackendError;

#[derive(Debug, FromRow)]
pub struct LinkedRow {
    #[sqlx(flatten)]
    pub alert: AlertRow,
    pub rule_id: Option<String>,
    pub join_entities: Option<serde_json::Value>,
    pub linked_by: String,
}

/// The most recently linked alert rows.
pub async fn linked_alerts(
    db: impl PgExecutor<'_>,
    incident_id: i64,
    limit: i64,
) -> Result<Vec<LinkedRow>, BackendError> {
    let columns = ALERT_COLUMNS.split(", ").map(|c| format!("a.{}", c.trim())).collect::<Vec<_>>().join(", ");
    Ok(sqlx::query_as(&format!(
        "select {columns}, l.rule_id, l.join_entities, l.linked_by \
         from incident_alert l join alert a using (alert_id) \
         where l.incident_id = $1 order by l.alert_id desc limit $2"
    ))
    .bind(incident_id)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

#[derive(Debug, FromRow)]
pub struct TimelineAlertRow {
    pub alert_id: i64,
    pub source: String,
    pub title: String,
    pub severity: i16,
    pub occurrences: i32,
    pub at: OffsetDateTime,
    pub attack_techniques: Vec<String>,
}

/// The latest `limit` linked alerts by the time they happened.
pub async fn timeline_alerts(
    db: impl PgExecutor<'_>,
    incident_id: i64,
    limit: i64,
) -> Result<Vec<TimelineAlertRow>, BackendError> {
    Ok(sqlx::query_as(
        "select a.alert_id, a.source, a.title, a.severity, a.occurrences, coalesce(a.event_time, a.received_at) as at, \
                a.attack_techniques \
         from incident_alert l join alert a using (alert_id) where l.incident_id = $1 \
         order by l.alert_id desc limit $2",
    )
    .bind(incident_id)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

#[derive(Debug, FromRow)]
pub struct TimelineContextRow {
    pub context_event_id: i64,
    pub source: String,
    pub kind: String,
    pub at: OffsetDateTime,
    pub alert_id: i64,
}

/// Context events (flows, DNS, HTTP...) of the same network sessions as `alert_ids`.
pub async fn timeline_context(
    db: impl PgExecutor<'_>,
    alert_ids: &[i64],
    limit: i64,
) -> Result<Vec<TimelineContextRow>, BackendError> {
    Ok(sqlx::query_as(
        "select c.context_event_id, c.source, c.kind, coalesce(c.event_time, c.received_at) as at, a.alert_id \
         from alert a join context_event c on c.flow_id = a.flow_id \
         where a.alert_id = any($1) and a.flow_id is not null \
         order by c.context_event_id desc limit $2",
    )
    .bind(alert_ids)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

#[derive(Debug, FromRow)]
pub struct EntityRow {
    pub kind: String,
    pub role: String,
    pub value: String,
    pub alert_count: i32,
    pub last_seen: OffsetDateTime,
    pub other_incidents: Vec<i64>,
}

/// The incident's most frequent entities, each with the three newest other incidents holding it.
pub async fn entities(db: impl PgExecutor<'_>, incident_id: i64, limit: i64) -> Result<Vec<EntityRow>, BackendError> {
    Ok(sqlx::query_as(
        "select e.kind, e.role, e.value, e.alert_count, e.last_seen, \
                array(select distinct o.incident_id from incident_entity o \
                      where o.kind = e.kind and o.value = e.value and o.incident_id <> e.incident_id \
                      order by 1 desc limit 3) as other_incidents \
         from incident_entity e where e.incident_id = $1 \
         order by e.alert_count desc, e.kind, e.value limit $2",
    )
    .bind(incident_id)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

#[derive(Debug, FromRow)]
pub struct SourceCount {
    pub source: String,
    pub alerts: i64,
}

pub async fn sources(db: impl PgExecutor<'_>, incident_id: i64) -> Result<Vec<SourceCount>, BackendError> {
    Ok(sqlx::query_as("select source, alerts from incident_source where incident_id = $1 order by alerts desc, source")
        .bind(incident_id)
        .fetch_all(db)
        .await?)
}

/// Each technique seen, with when it was first seen.
pub async fn techniques(
    db: impl PgExecutor<'_>,
    incident_id: i64,
) -> Result<Vec<(String, OffsetDateTime)>, BackendError> {
    Ok(sqlx::query_as("select technique, first_seen from incident_technique where incident_id = $1")
        .bind(incident_id)
        .fetch_all(db)
        .await?)
}

/// The titles of the first and the latest linked alert.
pub async fn first_and_latest_titles(
    db: impl PgExecutor<'_>,
    incident_id: i64,
) -> Result<Option<(String, String)>, BackendError> {
    Ok(sqlx::query_as(
        "select (select a.title from incident_alert l join alert a using (alert_id) where l.incident_id = $1 order by l.alert_id limit 1), \
                (select a.title from incident_alert l join alert a using (alert_id) where l.incident_id = $1 order by l.alert_id desc limit 1)",
    )
    .bind(incident_id)
    .fetch_optional(db)
    .await?
    .and_then(|(first, latest): (Option<String>, Option<String>)| Some((first?, latest?))))
}
