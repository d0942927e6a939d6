//! The `alert` table: batch insert with deduplication, and reads.

use riposte_domain::alert::NewAlert;
use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

use crate::BackendError;

/// What became of one submitted alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    pub alert_id: i64,
    /// False when the same alert (same source and dedup key) was already stored.
    pub created: bool,
    /// The storm head it was rolled into, when storm control folded it.
    pub rollup_id: Option<i64>,
}

/// Inserts many alerts in one statement; repeats of stored alerts return the existing id.
/// Callers pass alerts whose `(source, dedup_key)` are distinct within the batch.
pub async fn insert_alerts(conn: &mut PgConnection, alerts: &[&NewAlert]) -> Result<Vec<Stored>, BackendError> {
    let mut source = Vec::with_capacity(alerts.len());
    let mut source_ref = Vec::with_capacity(alerts.len());
    let mut dedup_key = Vec::with_capacity(alerts.len());
    let mut title = Vec::with_capacity(alerts.len());
    let mut description = Vec::with_capacity(alerts.len());
    let mut severity = Vec::with_capacity(alerts.len());
    let mut event_time_ms = Vec::with_capacity(alerts.len());
    let mut entities = Vec::with_capacity(alerts.len());
    let mut techniques = Vec::with_capacity(alerts.len());
    let mut tags = Vec::with_capacity(alerts.len());
    let mut raw = Vec::with_capacity(alerts.len());
    let mut flow_id = Vec::with_capacity(alerts.len());
    let mut unmapped = Vec::with_capacity(alerts.len());
    for alert in alerts {
        unmapped.push(alert.unmapped.as_ref().map(|u| u.to_string()));
        flow_id.push(alert.flow_id.as_deref());
        source.push(alert.source.as_str());
        source_ref.push(alert.source_ref.as_deref());
        dedup_key.push(alert.dedup_key.0.as_str());
        title.push(alert.title.as_str());
        description.push(alert.description.as_str());
        severity.push(alert.severity.ocsf_id());
        event_time_ms.push(alert.event_time_ms);
        entities.push(serde_json::to_string(&alert.entities).map_err(|e| BackendError::Internal(e.to_string()))?);
        // Arrays of arrays must be rectangular in PostgreSQL; pass each list as JSON text.
        techniques
            .push(serde_json::to_string(&alert.attack_techniques).map_err(|e| BackendError::Internal(e.to_string()))?);
        tags.push(serde_json::to_string(&alert.tags).map_err(|e| BackendError::Internal(e.to_string()))?);
        raw.push(alert.raw.as_str());
    }
    let rows: Vec<(i64, Option<i64>, bool)> = sqlx::query_as(
        "with input as ( \
             select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int2[], \
                                  $7::int8[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[]) with ordinality \
                 as t(source, source_ref, dedup_key, title, description, severity, event_time_ms, entities, \
                      techniques, tags, raw, flow_id, unmapped, ord) \
         ), inserted as ( \
             insert into alert (source, source_ref, dedup_key, title, description, severity, event_time, \
                                entities, attack_techniques, tags, raw, flow_id, unmapped) \
             select source, source_ref, dedup_key, title, description, severity, \
                    to_timestamp(event_time_ms / 1000.0), entities::jsonb, \
                    array(select jsonb_array_elements_text(techniques::jsonb)), \
                    array(select jsonb_array_elements_text(tags::jsonb)), raw, flow_id, unmapped::jsonb \
             from input order by ord \
             on conflict (source, dedup_key) do nothing \
             returning alert_id, source, dedup_key \
         ) \
         select input.ord, coalesce(inserted.alert_id, existing.alert_id), inserted.alert_id is not null \
         from input \
         left join inserted on inserted.source = input.source and inserted.dedup_key = input.dedup_key \
         left join alert existing on inserted.alert_id is null \
             and existing.source = input.source and existing.dedup_key = input.dedup_key \
         order by input.ord",
    )
    .bind(&source)
    .bind(&source_ref)
    .bind(&dedup_key)
    .bind(&title)
    .bind(&description)
    .bind(&severity)
    .bind(&event_time_ms)
    .bind(&entities)
    .bind(&techniques)
    .bind(&tags)
    .bind(&raw)
    .bind(&flow_id)
    .bind(&unmapped)
    .fetch_all(&mut *conn)
    .await?;
    let mut stored = Vec::with_capacity(rows.len());
    for ((_, alert_id, created), alert) in rows.into_iter().zip(alerts) {
        let alert_id = match alert_id {
            Some(id) => id,
            // Committed by a concurrent transaction after this statement's snapshot was
            // taken: `on conflict` saw it, the join could not. A new statement sees it.
            None => {
                sqlx::query_scalar("select alert_id from alert where source = $1 and dedup_key = $2")
                    .bind(&alert.source)
                    .bind(&alert.dedup_key.0)
                    .fetch_one(&mut *conn)
                    .await?
            }
        };
        stored.push(Stored { alert_id, created, rollup_id: None });
    }
    Ok(stored)
}

/// A stored alert.
#[derive(Debug, Clone, FromRow)]
pub struct AlertRow {
    pub alert_id: i64,
    pub source: String,
    pub source_ref: Option<String>,
    pub flow_id: Option<String>,
    pub dedup_key: String,
    pub title: String,
    pub description: String,
    pub severity: i16,
    pub status: String,
    pub event_time: Option<OffsetDateTime>,
    pub received_at: OffsetDateTime,
    pub entities: serde_json::Value,
    pub attack_techniques: Vec<String>,
    pub tags: Vec<String>,
    pub raw: String,
    pub unmapped: Option<serde_json::Value>,
    pub rollup_id: Option<i64>,
    pub occurrences: i32,
    pub last_seen: Option<OffsetDateTime>,
}

pub(crate) const COLUMNS: &str = "alert_id, source, source_ref, flow_id, dedup_key, title, description, severity, status, event_time, \
                       received_at, entities, attack_techniques, tags, raw, unmapped, rollup_id, occurrences, last_seen";

pub async fn find_alert(db: impl PgExecutor<'_>, alert_id: i64) -> Result<Option<AlertRow>, BackendError> {
    Ok(sqlx::query_as(&format!("select {COLUMNS} from alert where alert_id = $1"))
        .bind(alert_id)
        .fetch_optional(db)
        .await?)
}

/// The newest alerts matching a filter (most recent first), at most `limit`: the queue's
/// rows (lone alerts and storm heads), or with `rollup_of` the members of one storm.
pub async fn list_alerts(
    db: impl PgExecutor<'_>,
    filter: &riposte_domain::alert::AlertFilter,
    limit: i64,
) -> Result<Vec<AlertRow>, BackendError> {
    // Entity values are matched through the GIN index on the entities document.
    let entity = filter.entity.as_ref().map(|value| serde_json::json!([{ "value": value.trim() }]));
    // Spelled out (not a CASE) so the planner can use the queue's partial index.
    let storm = if filter.rollup_of.is_some() { "rollup_id = $6" } else { "rollup_id is null and $6::int8 is null" };
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from alert \
         where ($1::text is null or source = $1) \
           and ($2::int2 is null or severity = $2) \
           and ($3::text is null or status = $3) \
           and ($4::jsonb is null or entities @> $4) \
           and {storm} \
         order by received_at desc, alert_id desc limit $5"
    ))
    .bind(filter.source.as_deref())
    .bind(filter.severity.map(|s| s.ocsf_id()))
    .bind(filter.status.map(|s| s.as_str()))
    .bind(entity)
    .bind(limit)
    .bind(filter.rollup_of)
    .fetch_all(db)
    .await?)
}

/// Moves an alert from one status to another in one conditional statement; `None` when the
/// alert does not exist, `Some(false)` when it was not in `from` (someone changed it first).
pub async fn change_status(
    conn: &mut PgConnection,
    alert_id: i64,
    from: &str,
    to: &str,
) -> Result<Option<bool>, BackendError> {
    let updated = sqlx::query("update alert set status = $3 where alert_id = $1 and status = $2")
        .bind(alert_id)
        .bind(from)
        .bind(to)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if updated == 1 {
        // A storm's members follow their head.
        sqlx::query("update alert set status = $2 where rollup_id = $1")
            .bind(alert_id)
            .bind(to)
            .execute(&mut *conn)
            .await?;
        return Ok(Some(true));
    }
    let exists: bool = sqlx::query_scalar("select exists (select 1 from alert where alert_id = $1)")
        .bind(alert_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(exists.then_some(false))
}

pub async fn current_status(db: impl PgExecutor<'_>, alert_id: i64) -> Result<Option<String>, BackendError> {
    Ok(sqlx::query_scalar("select status from alert where alert_id = $1").bind(alert_id).fetch_optional(db).await?)
}
