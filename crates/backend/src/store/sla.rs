//! SLA targets per priority, and the incidents whose clocks may have run out.

use sqlx::{FromRow, PgConnection, PgExecutor};

use super::incidents::{COLUMNS, IncidentRow};
use crate::BackendError;

#[derive(Debug, Clone, FromRow)]
pub struct TargetRow {
    pub priority: i16,
    pub ack_minutes: i32,
    pub contain_minutes: i32,
    pub updated_by: String,
}

pub async fn targets(db: impl PgExecutor<'_>) -> Result<Vec<TargetRow>, BackendError> {
    Ok(sqlx::query_as("select priority, ack_minutes, contain_minutes, updated_by from sla_target order by priority")
        .fetch_all(db)
        .await?)
}

pub async fn save_target(
    conn: &mut PgConnection,
    priority: i16,
    ack_minutes: i32,
    contain_minutes: i32,
    by: &str,
) -> Result<(), BackendError> {
    sqlx::query(
        "insert into sla_target (priority, ack_minutes, contain_minutes, updated_by) values ($1, $2, $3, $4) \
         on conflict (priority) do update set ack_minutes = excluded.ack_minutes, \
             contain_minutes = excluded.contain_minutes, updated_by = excluded.updated_by, updated_at = now()",
    )
    .bind(priority)
    .bind(ack_minutes)
    .bind(contain_minutes)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

/// Unmerged incidents with a clock still running that has run longer than its target, less
/// paused time (the caller re-checks each with the same rules the queues show).
pub async fn overdue(db: impl PgExecutor<'_>, limit: i64) -> Result<Vec<IncidentRow>, BackendError> {
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from incident i left join app_user u on u.user_id = i.owner_user_id \
           join sla_target t on t.priority = i.priority \
         where i.contained_at is null and i.merged_into is null \
           and coalesce(i.sla_paused_at, now()) - i.opened_at - i.sla_paused_total > make_interval(mins => \
               case when i.acknowledged_at is null and not 'acknowledge' = any(i.sla_breached) \
                    then t.ack_minutes else t.contain_minutes end) \
           and not i.sla_breached @> array['acknowledge', 'contain'] \
         order by i.opened_at limit $1"
    ))
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// Records a clock as breached; false when another server recorded it first.
pub async fn mark_breached(conn: &mut PgConnection, incident_id: i64, clock: &str) -> Result<bool, BackendError> {
    Ok(sqlx::query(
        "update incident set sla_breached = array_append(sla_breached, $2) \
         where incident_id = $1 and not $2 = any(sla_breached)",
    )
    .bind(incident_id)
    .bind(clock)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}
