//! Moving alert links between incidents (merge, split, unlink, and their undo), and
//! recomputing what an incident's figures and entities are after a move.

use riposte_domain::alert::EntityKind;
use sqlx::PgConnection;

use crate::BackendError;
use crate::correlation::PANEL_SKIPS;

/// Moves links from one incident to another: `only` those alerts, or all. Returns the
/// alerts moved.
pub async fn move_links(
    conn: &mut PgConnection,
    from: i64,
    to: i64,
    only: Option<&[i64]>,
    linked_by: &str,
) -> Result<Vec<i64>, BackendError> {
    Ok(sqlx::query_scalar(
        "update incident_alert set incident_id = $2, linked_at = now(), linked_by = $4 \
         where incident_id = $1 and ($3::int8[] is null or alert_id = any($3)) returning alert_id",
    )
    .bind(from)
    .bind(to)
    .bind(only)
    .bind(linked_by)
    .fetch_all(conn)
    .await?)
}

/// The link of an alert, if it has one: (incident, rule, shared entities).
pub async fn link_of(
    conn: &mut PgConnection,
    alert_id: i64,
) -> Result<Option<(i64, Option<String>, Option<serde_json::Value>)>, BackendError> {
    Ok(sqlx::query_as("select incident_id, rule_id, join_entities from incident_alert where alert_id = $1")
        .bind(alert_id)
        .fetch_optional(conn)
        .await?)
}

pub async fn remove_link(conn: &mut PgConnection, incident_id: i64, alert_id: i64) -> Result<bool, BackendError> {
    Ok(sqlx::query("delete from incident_alert where incident_id = $1 and alert_id = $2")
        .bind(incident_id)
        .bind(alert_id)
        .execute(conn)
        .await?
        .rows_affected()
        == 1)
}

/// Links an unlinked alert (no-op when it is linked somewhere already); true when linked.
pub async fn add_link(
    conn: &mut PgConnection,
    incident_id: i64,
    alert_id: i64,
    rule_id: Option<&str>,
    entities: Option<&serde_json::Value>,
    linked_by: &str,
) -> Result<bool, BackendError> {
    Ok(sqlx::query(
        "insert into incident_alert (alert_id, incident_id, rule_id, join_entities, linked_by) \
         select $2, $1, $3, $4, $5 where exists (select 1 from alert where alert_id = $2) \
         on conflict (alert_id) do nothing",
    )
    .bind(incident_id)
    .bind(alert_id)
    .bind(rule_id)
    .bind(entities)
    .bind(linked_by)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Points correlation's keys of one incident at another, so new alerts keep joining it.
pub async fn move_keys(conn: &mut PgConnection, from: i64, to: i64) -> Result<(), BackendError> {
    // Merges are rare and people-paced; the scan spares the pipeline an index to maintain.
    sqlx::query("update correlation_key set incident_id = $2 where incident_id = $1")
        .bind(from)
        .bind(to)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Recomputes counts, times, severity, techniques and entities of incidents from the alerts
/// linked to them now.
pub async fn recount(conn: &mut PgConnection, incident_ids: &[i64]) -> Result<(), BackendError> {
    sqlx::query(
        "update incident i set alert_count = s.n, event_count = s.events, \
             first_seen = coalesce(s.first_seen, i.first_seen), last_seen = coalesce(s.last_seen, i.last_seen), \
             severity = coalesce(s.severity, i.severity), attack_techniques = s.techniques \
         from (select x.id, \
                   count(a.alert_id)::int4 as n, coalesce(sum(a.occurrences), 0)::int8 as events, \
                   min(a.received_at) as first_seen, max(coalesce(a.last_seen, a.received_at)) as last_seen, \
                   max(a.severity) as severity, \
                   array(select distinct t from incident_alert l2 join alert a2 using (alert_id) \
                         cross join unnest(a2.attack_techniques) t where l2.incident_id = x.id order by t) as techniques \
               from unnest($1::int8[]) x(id) left join incident_alert l on l.incident_id = x.id \
               left join alert a on a.alert_id = l.alert_id group by x.id) s \
         where i.incident_id = s.id",
    )
    .bind(incident_ids)
    .execute(&mut *conn)
    .await?;
    sqlx::query("delete from incident_entity where incident_id = any($1)")
        .bind(incident_ids)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "insert into incident_entity (incident_id, kind, role, value, alert_count, first_seen, last_seen) \
         select incident_id, kind, role, value, n, first_seen, last_seen \
         from (select l.incident_id, e->>'kind' as kind, coalesce(e->>'role', '') as role, e->>'value' as value, \
                      count(*)::int4 as n, min(a.received_at) as first_seen, max(a.received_at) as last_seen \
               from incident_alert l join alert a using (alert_id) cross join jsonb_array_elements(a.entities) e \
               where l.incident_id = any($1) and e->>'kind' <> all($2) \
               group by 1, 2, 3, 4) grouped",
    )
    .bind(incident_ids)
    .bind(PANEL_SKIPS.map(EntityKind::as_str).as_slice())
    .execute(&mut *conn)
    .await?;
    for table in ["incident_source", "incident_technique"] {
        sqlx::query(&format!("delete from {table} where incident_id = any($1)"))
            .bind(incident_ids)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(
        "insert into incident_source (incident_id, source, alerts) \
         select l.incident_id, a.source, sum(a.occurrences) from incident_alert l join alert a using (alert_id) \
         where l.incident_id = any($1) group by 1, 2",
    )
    .bind(incident_ids)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "insert into incident_technique (incident_id, technique, first_seen) \
         select l.incident_id, t, min(a.received_at) from incident_alert l join alert a using (alert_id) \
         cross join unnest(a.attack_techniques) t where l.incident_id = any($1) group by 1, 2",
    )
    .bind(incident_ids)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks an incident merged into another (closed as a duplicate), or back (`None`, with the
/// status and classification it had).
pub async fn set_merged(
    conn: &mut PgConnection,
    incident_id: i64,
    into: Option<i64>,
    status: &str,
    classification: Option<&str>,
) -> Result<(), BackendError> {
    sqlx::query(
        "update incident set merged_into = $2, status = $3, classification = $4, version = version + 1, updated_at = now() \
         where incident_id = $1",
    )
    .bind(incident_id)
    .bind(into)
    .bind(status)
    .bind(classification)
    .execute(conn)
    .await?;
    Ok(())
}

/// Opens an incident for alerts split off another, copying its record's settings.
pub async fn open_split(conn: &mut PgConnection, from: i64, title: &str) -> Result<i64, BackendError> {
    Ok(sqlx::query_scalar(
        "insert into incident (title, severity, priority, tier, tlp, tags, first_seen, last_seen, status) \
         select $2, severity, priority, tier, tlp, tags, first_seen, last_seen, 'triage' from incident where incident_id = $1 \
         returning incident_id",
    )
    .bind(from)
    .bind(title)
    .fetch_one(conn)
    .await?)
}
