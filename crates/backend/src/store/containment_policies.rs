//! Pre-authorised containment policies.

use std::collections::HashMap;

use riposte_domain::containment::Condition;
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection, PgExecutor};

use crate::BackendError;
use crate::containment::policies::PolicyInput;

#[derive(Debug, Clone, FromRow)]
pub struct PolicyRow {
    pub policy_id: i64,
    pub name: String,
    pub enabled: bool,
    pub condition: Json<Condition>,
    pub kind: String,
    pub direction: Option<String>,
    pub aim: String,
    pub connector: String,
    pub ttl_secs: i32,
    pub rate_cap_per_hour: i32,
}

const SELECT: &str = "select policy_id, name, enabled, condition, kind, direction, aim, connector, ttl_secs, \
     rate_cap_per_hour from containment_policy";

pub async fn enabled(db: impl PgExecutor<'_>) -> Result<Vec<PolicyRow>, BackendError> {
    Ok(sqlx::query_as(&format!("{SELECT} where enabled order by policy_id")).fetch_all(db).await?)
}

/// Every policy with the actions it took in the last hour.
pub async fn all(db: impl PgExecutor<'_>) -> Result<Vec<(PolicyRow, i64)>, BackendError> {
    #[derive(FromRow)]
    struct Listed {
        #[sqlx(flatten)]
        row: PolicyRow,
        last_hour: i64,
    }
    let rows: Vec<Listed> = sqlx::query_as(
        "select p.policy_id, p.name, p.enabled, p.condition, p.kind, p.direction, p.aim, p.connector, p.ttl_secs, \
             p.rate_cap_per_hour, (select count(*) from containment_action a where a.policy_id = p.policy_id \
                 and a.requested_at > now() - interval '1 hour') last_hour \
         from containment_policy p order by p.name",
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|l| (l.row, l.last_hour)).collect())
}

pub async fn last_hour(db: impl PgExecutor<'_>, policy_id: i64) -> Result<i64, BackendError> {
    Ok(sqlx::query_scalar(
        "select count(*) from containment_action where policy_id = $1 and requested_at > now() - interval '1 hour'",
    )
    .bind(policy_id)
    .fetch_one(db)
    .await?)
}

/// Whether an action of this kind on this target through this connector is still open.
pub async fn open_action_for(
    db: impl PgExecutor<'_>,
    connector: &str,
    kind: &str,
    target: &str,
) -> Result<bool, BackendError> {
    Ok(sqlx::query_scalar(
        "select exists(select 1 from containment_action where connector = $1 and kind = $2 and target = $3 \
             and state not in ('undone', 'expired', 'rejected', 'failed'))",
    )
    .bind(connector)
    .bind(kind)
    .bind(target)
    .fetch_one(db)
    .await?)
}

pub async fn incident_of(db: impl PgExecutor<'_>, alert_id: i64) -> Result<Option<i64>, BackendError> {
    Ok(sqlx::query_scalar("select incident_id from incident_alert where alert_id = $1 limit 1")
        .bind(alert_id)
        .fetch_optional(db)
        .await?)
}

pub async fn mark_reviewed(db: impl PgExecutor<'_>, action_id: i64, by: &str) -> Result<bool, BackendError> {
    Ok(sqlx::query(
        "update containment_action set needs_review = false, reviewed_by = $2, reviewed_at = now() \
         where action_id = $1 and needs_review",
    )
    .bind(action_id)
    .bind(by)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

pub async fn put(
    conn: &mut PgConnection,
    name: &str,
    input: &PolicyInput,
    direction: Option<&str>,
    by: &str,
) -> Result<(), BackendError> {
    sqlx::query(
        "insert into containment_policy (name, enabled, condition, kind, direction, aim, connector, ttl_secs, \
             rate_cap_per_hour, created_by) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         on conflict (name) do update set enabled = $2, condition = $3, kind = $4, direction = $5, aim = $6, \
             connector = $7, ttl_secs = $8, rate_cap_per_hour = $9, updated_at = now()",
    )
    .bind(name)
    .bind(input.enabled)
    .bind(Json(&input.condition))
    .bind(&input.kind)
    .bind(direction)
    .bind(&input.aim)
    .bind(&input.connector)
    .bind(input.ttl_secs)
    .bind(input.rate_cap_per_hour)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes a policy that never acted; switches off one that did.
pub async fn retire(conn: &mut PgConnection, name: &str) -> Result<bool, BackendError> {
    let deleted = sqlx::query(
        "delete from containment_policy p where name = $1 \
             and not exists (select 1 from containment_action a where a.policy_id = p.policy_id)",
    )
    .bind(name)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if deleted == 1 {
        return Ok(true);
    }
    Ok(sqlx::query("update containment_policy set enabled = false, updated_at = now() where name = $1")
        .bind(name)
        .execute(conn)
        .await?
        .rows_affected()
        == 1)
}

/// The descriptions (where categories are) of `alert_ids`.
pub async fn descriptions(conn: &mut PgConnection, alert_ids: &[i64]) -> Result<HashMap<i64, String>, BackendError> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("select alert_id, description from alert where alert_id = any($1) and description <> ''")
            .bind(alert_ids)
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().collect())
}
