//! The NOC's containment notices.

use sqlx::{FromRow, PgExecutor};
use time::OffsetDateTime;

use crate::BackendError;

pub async fn insert(db: impl PgExecutor<'_>, action_id: i64, event: &str, change: &str) -> Result<i64, BackendError> {
    Ok(sqlx::query_scalar(
        "insert into containment_notice (action_id, event, change) values ($1, $2, $3) returning notice_id",
    )
    .bind(action_id)
    .bind(event)
    .bind(change)
    .fetch_one(db)
    .await?)
}

/// The channels every notice goes to (those that still exist).
pub async fn channels(db: impl PgExecutor<'_>) -> Result<Vec<String>, BackendError> {
    Ok(sqlx::query_scalar(
        "select c from containment_setting, unnest(notice_channels) c where c in (select name from notification_channel)",
    )
    .fetch_all(db)
    .await?)
}

#[derive(Debug, FromRow)]
pub struct NoticeRow {
    pub notice_id: i64,
    pub action_id: i64,
    pub incident_id: Option<i64>,
    pub event: String,
    pub change: String,
    pub created_at: OffsetDateTime,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<OffsetDateTime>,
    pub objection: Option<String>,
    pub objected_by: Option<String>,
}

const SELECT: &str = "select n.notice_id, n.action_id, a.incident_id, n.event, n.change, n.created_at, \
     n.acknowledged_by, n.acknowledged_at, n.objection, n.objected_by \
     from containment_notice n join containment_action a using (action_id)";

pub async fn queue(db: impl PgExecutor<'_>, limit: i64) -> Result<Vec<NoticeRow>, BackendError> {
    Ok(sqlx::query_as(&format!("{SELECT} order by (n.acknowledged_at is null) desc, n.notice_id desc limit $1"))
        .bind(limit)
        .fetch_all(db)
        .await?)
}

pub async fn find(db: impl PgExecutor<'_>, notice_id: i64) -> Result<Option<NoticeRow>, BackendError> {
    Ok(sqlx::query_as(&format!("{SELECT} where n.notice_id = $1")).bind(notice_id).fetch_optional(db).await?)
}

/// Only the first acknowledgement counts.
pub async fn acknowledge(db: impl PgExecutor<'_>, notice_id: i64, by: &str) -> Result<bool, BackendError> {
    Ok(sqlx::query(
        "update containment_notice set acknowledged_by = $2, acknowledged_at = now() \
         where notice_id = $1 and acknowledged_at is null",
    )
    .bind(notice_id)
    .bind(by)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// An objection also counts as seen.
pub async fn object(db: impl PgExecutor<'_>, notice_id: i64, by: &str, objection: &str) -> Result<(), BackendError> {
    sqlx::query(
        "update containment_notice set objection = $3, objected_by = $2, objected_at = now(), \
             acknowledged_by = coalesce(acknowledged_by, $2), acknowledged_at = coalesce(acknowledged_at, now()) \
         where notice_id = $1",
    )
    .bind(notice_id)
    .bind(by)
    .bind(objection)
    .execute(db)
    .await?;
    Ok(())
}
