//! Escalation's tables: rule-set versions, sequence state per key, escalations with their
//! why-traces.

use riposte_domain::escalation::{RuleSpec, SequenceState, WhyTrace};
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

use crate::BackendError;

#[derive(Debug, FromRow)]
pub struct RuleSetRow {
    pub version: i32,
    pub text: String,
    pub rules: Json<Vec<RuleSpec>>,
    pub saved_by: String,
    pub saved_at: OffsetDateTime,
    pub comment: String,
}

const RULE_SET_COLUMNS: &str = "version, text, rules, saved_by, saved_at, comment";

/// The version in force and its checked rules, without the text and the rest: the pipeline
/// reads this every batch.
pub async fn rules_in_force(db: impl PgExecutor<'_>) -> Result<Option<(i32, Json<Vec<RuleSpec>>)>, BackendError> {
    Ok(sqlx::query_as("select version, rules from escalation_rule_set order by version desc limit 1")
        .fetch_optional(db)
        .await?)
}

pub async fn rule_set_history(db: impl PgExecutor<'_>, limit: i64) -> Result<Vec<RuleSetRow>, BackendError> {
    Ok(sqlx::query_as(&format!("select {RULE_SET_COLUMNS} from escalation_rule_set order by version desc limit $1"))
        .bind(limit)
        .fetch_all(db)
        .await?)
}

/// Saves a new version if the newest is still `expected` (none for the first); returns the
/// new version, or `None` when someone saved first.
pub async fn save_rules(
    conn: &mut PgConnection,
    expected: Option<i32>,
    text: &str,
    rules: &[RuleSpec],
    saved_by: &str,
    comment: &str,
) -> Result<Option<i32>, BackendError> {
    // One saver at a time; the version check then sees every earlier save.
    sqlx::query("lock table escalation_rule_set in share row exclusive mode").execute(&mut *conn).await?;
    let newest: Option<i32> =
        sqlx::query_scalar("select max(version) from escalation_rule_set").fetch_one(&mut *conn).await?;
    if newest != expected {
        return Ok(None);
    }
    let version = newest.unwrap_or(0) + 1;
    sqlx::query(
        "insert into escalation_rule_set (version, text, rules, saved_by, comment) values ($1, $2, $3, $4, $5)",
    )
    .bind(version)
    .bind(text)
    .bind(Json(rules))
    .bind(saved_by)
    .bind(comment)
    .execute(conn)
    .await?;
    Ok(Some(version))
}

#[derive(Debug, FromRow)]
pub struct StateRow {
    pub key: String,
    pub state: Json<SequenceState>,
}

/// The states of one rule that the batch's events can reach: by key, or by a shared value.
pub async fn load_states(
    conn: &mut PgConnection,
    rule: &str,
    keys: &[String],
    joins: &[String],
) -> Result<Vec<StateRow>, BackendError> {
    Ok(sqlx::query_as(
        "select key, state from escalation_state \
         where rule_name = $1 and (key = any($2) or joins && $3::text[])",
    )
    .bind(rule)
    .bind(keys)
    .bind(joins)
    .fetch_all(conn)
    .await?)
}

/// Writes changed states (empty ones are deleted). `expires_ms` per state: when its newest
/// event leaves the window.
pub async fn save_states(
    conn: &mut PgConnection,
    rule: &str,
    states: &[(&str, &SequenceState, i64)],
) -> Result<(), BackendError> {
    let (empty, kept): (Vec<_>, Vec<_>) = states.iter().partition(|(_, s, _)| s.is_empty());
    if !empty.is_empty() {
        let keys: Vec<&str> = empty.iter().map(|(k, _, _)| *k).collect();
        sqlx::query("delete from escalation_state where rule_name = $1 and key = any($2)")
            .bind(rule)
            .bind(&keys)
            .execute(&mut *conn)
            .await?;
    }
    if kept.is_empty() {
        return Ok(());
    }
    let keys: Vec<&str> = kept.iter().map(|(k, _, _)| *k).collect();
    let bodies: Vec<Json<&SequenceState>> = kept.iter().map(|(_, s, _)| Json(*s)).collect();
    // Arrays of arrays cannot be bound; each state's joins travel as one text joined by NUL.
    let joins: Vec<String> =
        kept.iter().map(|(_, s, _)| s.joins().into_iter().collect::<Vec<_>>().join("\u{1}")).collect();
    let expires: Vec<i64> = kept.iter().map(|(_, _, e)| *e).collect();
    sqlx::query(
        "insert into escalation_state (rule_name, key, state, joins, expires_at) \
         select $1, k, s, case when j = '' then '{}'::text[] else string_to_array(j, E'\\x01') end, \
                to_timestamp(e / 1000.0) \
         from unnest($2::text[], $3::jsonb[], $4::text[], $5::int8[]) t(k, s, j, e) \
         on conflict (rule_name, key) do update set state = excluded.state, joins = excluded.joins, \
             expires_at = excluded.expires_at",
    )
    .bind(rule)
    .bind(&keys)
    .bind(&bodies)
    .bind(&joins)
    .bind(&expires)
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets sequence progress whose window has passed, and states of rules no longer in force.
pub async fn prune_states(conn: &mut PgConnection, rules_in_force: &[String]) -> Result<u64, BackendError> {
    Ok(sqlx::query("delete from escalation_state where expires_at < now() or not (rule_name = any($1))")
        .bind(rules_in_force)
        .execute(conn)
        .await?
        .rows_affected())
}

/// The incident each alert is in (storm members through their head).
pub async fn incidents_of(conn: &mut PgConnection, alert_ids: &[i64]) -> Result<Vec<(i64, i64)>, BackendError> {
    Ok(sqlx::query_as(
        "select a.alert_id, l.incident_id from unnest($1::int8[]) a(alert_id) \
         left join alert r on r.alert_id = a.alert_id \
         join incident_alert l on l.alert_id = coalesce(r.rollup_id, a.alert_id)",
    )
    .bind(alert_ids)
    .fetch_all(conn)
    .await?)
}

/// Records a first escalation of `incident_id` by the rule; later ones only count as
/// repeats. `times` is how often the rule held for it in this batch. Returns the new
/// escalation's id, or `None` when it only counted repeats.
pub async fn record(
    conn: &mut PgConnection,
    incident_id: i64,
    version: i32,
    trace: &WhyTrace,
    times: i32,
) -> Result<Option<i64>, BackendError> {
    let (id, inserted): (i64, bool) = sqlx::query_as(
        "insert into escalation (incident_id, rule_name, rule_version, trace, repeats) values ($1, $2, $3, $4, $5 - 1) \
         on conflict (incident_id, rule_name) where incident_id is not null \
         do update set repeats = escalation.repeats + $5, last_fired_at = now() \
         returning escalation_id, (xmax = 0)",
    )
    .bind(incident_id)
    .bind(&trace.rule)
    .bind(version)
    .bind(Json(trace))
    .bind(times)
    .fetch_one(conn)
    .await?;
    Ok(inserted.then_some(id))
}

/// An escalation waiting for the alert Riposte raised for it to land in an incident.
pub async fn record_waiting(
    conn: &mut PgConnection,
    raised_alert_id: i64,
    version: i32,
    trace: &WhyTrace,
) -> Result<(), BackendError> {
    sqlx::query("insert into escalation (raised_alert_id, rule_name, rule_version, trace) values ($1, $2, $3, $4)")
        .bind(raised_alert_id)
        .bind(&trace.rule)
        .bind(version)
        .bind(Json(trace))
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, FromRow)]
pub struct WaitingRow {
    pub escalation_id: i64,
    pub raised_alert_id: i64,
    pub rule_version: i32,
    pub trace: Json<WhyTrace>,
}

/// Takes the waiting escalations of these raised alerts (they are re-recorded against their
/// incident).
pub async fn take_waiting(conn: &mut PgConnection, alert_ids: &[i64]) -> Result<Vec<WaitingRow>, BackendError> {
    Ok(sqlx::query_as(
        "delete from escalation where incident_id is null and raised_alert_id = any($1) \
         returning escalation_id, raised_alert_id, rule_version, trace",
    )
    .bind(alert_ids)
    .fetch_all(conn)
    .await?)
}

#[derive(Debug, FromRow)]
pub struct EscalationRow {
    pub escalation_id: i64,
    pub fired_at: OffsetDateTime,
    pub trace: Json<WhyTrace>,
    pub repeats: i32,
}

pub async fn of_incident(db: impl PgExecutor<'_>, incident_id: i64) -> Result<Vec<EscalationRow>, BackendError> {
    Ok(sqlx::query_as(
        "select escalation_id, fired_at, trace, repeats from escalation where incident_id = $1 order by escalation_id",
    )
    .bind(incident_id)
    .fetch_all(db)
    .await?)
}

/// Raises the incident's priority to at least `priority` and moves it to `tier`, bumping its
/// version (an edit prepared before must be re-checked). Returns the values before.
pub async fn escalate_incident(
    conn: &mut PgConnection,
    incident_id: i64,
    priority: Option<i16>,
    tier: Option<&str>,
) -> Result<Option<(i16, String)>, BackendError> {
    Ok(sqlx::query_as(
        "update incident i set priority = least(i.priority, coalesce($2, i.priority)), tier = coalesce($3, i.tier), \
             version = i.version + 1, updated_at = now() \
         from (select priority, tier from incident where incident_id = $1 for update) old_row \
         where i.incident_id = $1 returning old_row.priority, old_row.tier",
    )
    .bind(incident_id)
    .bind(priority)
    .bind(tier)
    .fetch_optional(conn)
    .await?)
}
