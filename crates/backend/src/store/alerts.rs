//! The `alert` table: batch insert with deduplication, and reads.

use std::collections::HashMap;

use riposte_domain::alert::NewAlert;
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

use crate::BackendError;
use crate::store::pipeline::Pending;

/// What became of one submitted alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    pub alert_id: i64,
    /// False when the same alert (same source and dedup key) was already stored.
    pub created: bool,
}

/// What one insert of many alerts did: each alert's outcome, in order, and the alerts it
/// created as the pipeline will want them.
#[derive(Debug, Default)]
pub struct Inserted {
    pub stored: Vec<Stored>,
    pub new: Vec<Pending>,
}

impl Inserted {
    /// This insert's alerts followed by `other`'s.
    pub fn and(mut self, other: Inserted) -> Inserted {
        self.stored.extend(other.stored);
        self.new.extend(other.new);
        self
    }
}

/// Where an alert would fall under its source's storm policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StormHint {
    pub key: String,
    pub window_secs: i32,
    /// The head this process saw the storm start with, for when the stored state does not
    /// know of it yet.
    pub guess: Option<i64>,
}

/// A row the insert returns: id, source, dedup key, received, event time, storm head.
type Row = (i64, String, String, OffsetDateTime, Option<OffsetDateTime>, Option<i64>);

/// Inserts many alerts in one statement, queueing the new ones for the post-commit pipeline;
/// repeats of stored alerts return the existing id. An alert whose storm (by `hints`, one per
/// alert) is running is stored already pointing at the storm's head. Callers pass alerts
/// whose `(source, dedup_key)` are distinct within the batch.
pub async fn insert_alerts(
    conn: &mut PgConnection,
    alerts: &[&NewAlert],
    hints: &[Option<StormHint>],
) -> Result<Inserted, BackendError> {
    let columns = Columns::of(alerts, hints)?;
    // The lean form on purpose: no join back to the input and no per-row subqueries, so the
    // statement costs little more than the rows' own writes.
    let inserted: Vec<Row> = sqlx::query_as(
        "with inserted as ( \
             insert into alert (source, source_ref, dedup_key, title, description, severity, event_time, \
                                entities, attack_techniques, tags, raw, flow_id, unmapped, rollup_id) \
             select source, source_ref, dedup_key, title, description, severity, \
                    to_timestamp(event_time_ms / 1000.0), entities::jsonb, techniques::text[], tags::text[], \
                    raw, flow_id, unmapped::jsonb, \
                    coalesce((select s.head_alert_id from storm_state s \
                              where s.source = t.source and s.storm_key = t.storm_key \
                                and s.last_seen >= now() - make_interval(secs => t.window_secs)), t.guess) \
             from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int2[], $7::int8[], \
                         $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], \
                         $14::text[], $15::int4[], $16::int8[]) \
                 as t(source, source_ref, dedup_key, title, description, severity, event_time_ms, entities, \
                      techniques, tags, raw, flow_id, unmapped, storm_key, window_secs, guess) \
             on conflict (source, dedup_key) do nothing \
             returning alert_id, source, dedup_key, received_at, event_time, rollup_id \
         ), queued as ( \
             insert into alert_pipeline (alert_id) select alert_id from inserted \
         ) \
         select alert_id, source, dedup_key, received_at, event_time, rollup_id from inserted",
    )
    .bind(&columns.source)
    .bind(&columns.source_ref)
    .bind(&columns.dedup_key)
    .bind(&columns.title)
    .bind(&columns.description)
    .bind(&columns.severity)
    .bind(&columns.event_time_ms)
    .bind(&columns.entities)
    .bind(&columns.techniques)
    .bind(&columns.tags)
    .bind(&columns.raw)
    .bind(&columns.flow_id)
    .bind(&columns.unmapped)
    .bind(&columns.storm_key)
    .bind(&columns.storm_window)
    .bind(&columns.storm_guess)
    .fetch_all(&mut *conn)
    .await?;
    let mut created: HashMap<(&str, &str), &Row> = HashMap::with_capacity(inserted.len());
    for row in &inserted {
        created.insert((row.1.as_str(), row.2.as_str()), row);
    }
    let repeats: Vec<&NewAlert> = alerts
        .iter()
        .copied()
        .filter(|a| !created.contains_key(&(a.source.as_str(), a.dedup_key.0.as_str())))
        .collect();
    let existing = existing_ids(conn, &repeats).await?;
    let mut new = Vec::with_capacity(inserted.len());
    let mut stored = Vec::with_capacity(alerts.len());
    for alert in alerts {
        let key = (alert.source.as_str(), alert.dedup_key.0.as_str());
        match created.get(&key) {
            Some(&&(alert_id, _, _, received_at, event_time, rollup_id)) => {
                stored.push(Stored { alert_id, created: true });
                new.push(Pending {
                    alert_id,
                    source: alert.source.clone(),
                    title: alert.title.clone(),
                    severity: alert.severity.ocsf_id(),
                    entities: Json(alert.entities.clone()),
                    attack_techniques: alert.attack_techniques.clone(),
                    received_at,
                    event_time,
                    rollup_id,
                });
            }
            None => match existing.get(&key) {
                Some(&alert_id) => stored.push(Stored { alert_id, created: false }),
                None => {
                    return Err(BackendError::Internal(format!("alert {:?} neither inserted nor found", key.1)));
                }
            },
        }
    }
    Ok(Inserted { stored, new })
}

/// The ids of alerts already stored under these keys. A new statement also sees a repeat
/// that a concurrent transaction committed after the insert's snapshot was taken.
async fn existing_ids<'a>(
    conn: &mut PgConnection,
    alerts: &[&'a NewAlert],
) -> Result<HashMap<(&'a str, &'a str), i64>, BackendError> {
    if alerts.is_empty() {
        return Ok(HashMap::new());
    }
    let sources: Vec<&str> = alerts.iter().map(|a| a.source.as_str()).collect();
    let keys: Vec<&str> = alerts.iter().map(|a| a.dedup_key.0.as_str()).collect();
    // One index probe per key (a scalar subquery): as a join, the planner, with statistics
    // from when the table was small, chose to scan the whole table.
    let ids: Vec<Option<i64>> = sqlx::query_scalar(
        "select (select e.alert_id from alert e where e.source = k.source and e.dedup_key = k.dedup_key) \
         from unnest($1::text[], $2::text[]) with ordinality as k(source, dedup_key, ord) order by k.ord",
    )
    .bind(&sources)
    .bind(&keys)
    .fetch_all(conn)
    .await?;
    Ok(alerts
        .iter()
        .zip(ids)
        .filter_map(|(alert, id)| Some(((alert.source.as_str(), alert.dedup_key.0.as_str()), id?)))
        .collect())
}

/// An alert batch as one array per column (what `unnest` takes).
struct Columns<'a> {
    source: Vec<&'a str>,
    source_ref: Vec<Option<&'a str>>,
    dedup_key: Vec<&'a str>,
    title: Vec<&'a str>,
    description: Vec<&'a str>,
    severity: Vec<i16>,
    event_time_ms: Vec<Option<i64>>,
    entities: Vec<String>,
    techniques: Vec<String>,
    tags: Vec<String>,
    raw: Vec<&'a str>,
    flow_id: Vec<Option<&'a str>>,
    unmapped: Vec<Option<String>>,
    storm_key: Vec<Option<&'a str>>,
    storm_window: Vec<Option<i32>>,
    storm_guess: Vec<Option<i64>>,
}

impl<'a> Columns<'a> {
    fn of(alerts: &[&'a NewAlert], hints: &'a [Option<StormHint>]) -> Result<Self, BackendError> {
        let n = alerts.len();
        let mut c = Columns {
            source: Vec::with_capacity(n),
            source_ref: Vec::with_capacity(n),
            dedup_key: Vec::with_capacity(n),
            title: Vec::with_capacity(n),
            description: Vec::with_capacity(n),
            severity: Vec::with_capacity(n),
            event_time_ms: Vec::with_capacity(n),
            entities: Vec::with_capacity(n),
            techniques: Vec::with_capacity(n),
            tags: Vec::with_capacity(n),
            raw: Vec::with_capacity(n),
            flow_id: Vec::with_capacity(n),
            unmapped: Vec::with_capacity(n),
            storm_key: hints.iter().map(|h| h.as_ref().map(|h| h.key.as_str())).collect(),
            storm_window: hints.iter().map(|h| h.as_ref().map(|h| h.window_secs)).collect(),
            storm_guess: hints.iter().map(|h| h.as_ref().and_then(|h| h.guess)).collect(),
        };
        if hints.len() != n {
            return Err(BackendError::Internal(format!("{} storm hints for {n} alerts", hints.len())));
        }
        for alert in alerts {
            c.source.push(alert.source.as_str());
            c.source_ref.push(alert.source_ref.as_deref());
            c.dedup_key.push(alert.dedup_key.0.as_str());
            c.title.push(alert.title.as_str());
            c.description.push(alert.description.as_str());
            c.severity.push(alert.severity.ocsf_id());
            c.event_time_ms.push(alert.event_time_ms);
            c.entities.push(serde_json::to_string(&alert.entities).map_err(|e| BackendError::Internal(e.to_string()))?);
            // Arrays of arrays must be rectangular in PostgreSQL; each list goes as an array
            // literal, cast per row.
            c.techniques.push(text_array_literal(&alert.attack_techniques));
            c.tags.push(text_array_literal(&alert.tags));
            c.raw.push(alert.raw.as_str());
            c.flow_id.push(alert.flow_id.as_deref());
            c.unmapped.push(alert.unmapped.as_ref().map(|u| u.to_string()));
        }
        Ok(c)
    }
}

/// PostgreSQL's text form of a `text[]`: every element quoted, `"` and `\` escaped.
fn text_array_literal(items: &[String]) -> String {
    let mut out = String::from("{");
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push('"');
        for ch in item.chars() {
            if ch == '"' || ch == '\\' {
                out.push('\\');
            }
            out.push(ch);
        }
        out.push('"');
    }
    out.push('}');
    out
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
