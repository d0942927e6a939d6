//! Correlation's tables: rules, exclusions and the frequency cap (its configuration), the
//! join-key index of open incidents, and entity frequency counts.

use std::collections::{BTreeMap, HashMap};

use riposte_domain::alert::EntityKind;
use riposte_domain::correlation::{CorrelationRule, EntitySelector, Exclusion, Exclusions};
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection, PgExecutor};

use crate::BackendError;
use crate::correlation::plan::Frequency;

#[derive(FromRow)]
struct RuleRow {
    rule_id: String,
    name: String,
    enabled: bool,
    window_secs: i32,
    join_on: Json<Vec<EntitySelector>>,
}

/// The rules in the order they are tried.
pub async fn load_rules(db: impl PgExecutor<'_>) -> Result<Vec<CorrelationRule>, BackendError> {
    let rows: Vec<RuleRow> = sqlx::query_as(
        "select rule_id, name, enabled, window_secs, join_on from correlation_rule order by position, rule_id",
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| CorrelationRule {
            id: row.rule_id,
            name: row.name,
            enabled: row.enabled,
            window_secs: u32::try_from(row.window_secs).unwrap_or(1),
            join_on: row.join_on.0,
        })
        .collect())
}

/// Replaces every rule (an administrator's edit), in the order given.
pub async fn save_rules(conn: &mut PgConnection, rules: &[CorrelationRule], actor: &str) -> Result<(), BackendError> {
    sqlx::query("delete from correlation_rule").execute(&mut *conn).await?;
    for (position, rule) in rules.iter().enumerate() {
        sqlx::query(
            "insert into correlation_rule (rule_id, position, name, enabled, window_secs, join_on, updated_by) \
             values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&rule.id)
        .bind(i32::try_from(position).unwrap_or(i32::MAX))
        .bind(&rule.name)
        .bind(rule.enabled)
        .bind(i32::try_from(rule.window_secs).unwrap_or(i32::MAX))
        .bind(Json(&rule.join_on))
        .bind(actor)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn load_exclusions(conn: &mut PgConnection) -> Result<Exclusions, BackendError> {
    let list = list_exclusions(&mut *conn)
        .await?
        .into_iter()
        .filter_map(|e| match e.kind.as_str() {
            "network" => Some(Exclusion::Network { cidr: e.value }),
            other => EntityKind::parse(other).map(|kind| Exclusion::Value { kind, value: e.value }),
        })
        .collect();
    Ok(Exclusions { list, max_frequency: max_frequency(conn).await? })
}

/// Entities carried by more alerts an hour than this are not joined on.
pub async fn max_frequency(conn: &mut PgConnection) -> Result<u32, BackendError> {
    let max: i32 = sqlx::query_scalar("select max_frequency from correlation_setting").fetch_one(conn).await?;
    Ok(u32::try_from(max).unwrap_or(1))
}

/// For each of `keys`, the open incident that most recently took an alert under it (the only
/// one that can win it): key text -> (incident, last seen ms).
pub async fn open_holders(
    conn: &mut PgConnection,
    keys: &[String],
) -> Result<HashMap<String, (i64, i64)>, BackendError> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "select k.join_key, k.incident_id, (extract(epoch from k.last_seen) * 1000)::int8 \
         from correlation_key k join incident i using (incident_id) \
         where k.join_key = any($1) and i.status <> 'closed' and i.merged_into is null",
    )
    .bind(keys)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(key, incident, last_seen)| (key, (incident, last_seen))).collect())
}

/// Records which incident took an alert under each key, and when. A key moves to another
/// incident only by a later alert (on the same instant, the older incident keeps it), or when
/// its holder was closed or merged.
pub async fn touch_keys(conn: &mut PgConnection, keys: &BTreeMap<String, (i64, i64)>) -> Result<(), BackendError> {
    if keys.is_empty() {
        return Ok(());
    }
    let texts: Vec<&str> = keys.keys().map(String::as_str).collect();
    let (incidents, at): (Vec<i64>, Vec<i64>) = keys.values().copied().unzip();
    sqlx::query(
        "insert into correlation_key (join_key, incident_id, last_seen) \
         select k, i, to_timestamp(at / 1000.0) from unnest($1::text[], $2::int8[], $3::int8[]) n(k, i, at) \
         on conflict (join_key) do update set incident_id = excluded.incident_id, last_seen = excluded.last_seen \
         where excluded.last_seen > correlation_key.last_seen \
            or (excluded.last_seen = correlation_key.last_seen and excluded.incident_id <= correlation_key.incident_id) \
            or exists (select 1 from incident i where i.incident_id = correlation_key.incident_id \
                       and (i.status = 'closed' or i.merged_into is not null))",
    )
    .bind(&texts)
    .bind(&incidents)
    .bind(&at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn load_frequencies(
    conn: &mut PgConnection,
    keys: &[String],
) -> Result<HashMap<String, Frequency>, BackendError> {
    let rows: Vec<(String, i64, i32, i32)> = sqlx::query_as(
        "select entity, (extract(epoch from bucket_start) * 1000)::int8, bucket_count, previous_count \
         from entity_frequency where entity = any($1)",
    )
    .bind(keys)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(entity, bucket_start_ms, count, previous)| (entity, Frequency { bucket_start_ms, count, previous }))
        .collect())
}

pub async fn save_frequencies(
    conn: &mut PgConnection,
    counts: &BTreeMap<String, Frequency>,
) -> Result<(), BackendError> {
    if counts.is_empty() {
        return Ok(());
    }
    let keys: Vec<&str> = counts.keys().map(String::as_str).collect();
    let starts: Vec<i64> = counts.values().map(|f| f.bucket_start_ms).collect();
    let current: Vec<i32> = counts.values().map(|f| f.count).collect();
    let previous: Vec<i32> = counts.values().map(|f| f.previous).collect();
    sqlx::query(
        "insert into entity_frequency (entity, bucket_start, bucket_count, previous_count) \
         select e, to_timestamp(s / 1000.0), c, p from unnest($1::text[], $2::int8[], $3::int4[], $4::int4[]) n(e, s, c, p) \
         on conflict (entity) do update set bucket_start = excluded.bucket_start, \
             bucket_count = excluded.bucket_count, previous_count = excluded.previous_count",
    )
    .bind(&keys)
    .bind(&starts)
    .bind(&current)
    .bind(&previous)
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets join keys and counts too old to matter: keys past the longest window, counts
/// untouched for two hours.
pub async fn prune(conn: &mut PgConnection) -> Result<u64, BackendError> {
    let keys = sqlx::query("delete from correlation_key where last_seen < now() - make_interval(secs => $1)")
        .bind(f64::from(CorrelationRule::MAX_WINDOW_SECS))
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let counts = sqlx::query("delete from entity_frequency where bucket_start < now() - interval '2 hours'")
        .execute(conn)
        .await?
        .rows_affected();
    Ok(keys + counts)
}

pub async fn list_exclusions(
    conn: &mut PgConnection,
) -> Result<Vec<riposte_domain::correlation::ExclusionEntry>, BackendError> {
    let rows: Vec<(i64, String, String, String, String)> = sqlx::query_as(
        "select exclusion_id, kind, value, note, created_by from correlation_exclusion order by kind, value",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, kind, value, note, created_by)| riposte_domain::correlation::ExclusionEntry {
            id,
            kind,
            value,
            note,
            created_by,
        })
        .collect())
}

pub async fn add_exclusion(
    conn: &mut PgConnection,
    kind: &str,
    value: &str,
    note: &str,
    actor: &str,
) -> Result<(), BackendError> {
    sqlx::query("insert into correlation_exclusion (kind, value, note, created_by) values ($1, $2, $3, $4)")
        .bind(kind)
        .bind(value)
        .bind(note)
        .bind(actor)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn remove_exclusion(conn: &mut PgConnection, id: i64) -> Result<bool, BackendError> {
    Ok(sqlx::query("delete from correlation_exclusion where exclusion_id = $1")
        .bind(id)
        .execute(conn)
        .await?
        .rows_affected()
        == 1)
}

pub async fn set_max_frequency(conn: &mut PgConnection, max: u32, actor: &str) -> Result<(), BackendError> {
    sqlx::query("update correlation_setting set max_frequency = $1, updated_by = $2, updated_at = now()")
        .bind(i32::try_from(max).unwrap_or(i32::MAX))
        .bind(actor)
        .execute(conn)
        .await?;
    Ok(())
}
