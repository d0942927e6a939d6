//! Notification channels and the outbox of messages sent through them.

use std::collections::BTreeSet;

use sqlx::types::Json;
use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

use crate::BackendError;

#[derive(Debug, Clone, FromRow)]
pub struct ChannelRow {
    pub name: String,
    pub kind: String,
    pub url: String,
    pub created_by: String,
    pub created_at: OffsetDateTime,
}

pub async fn channels(db: impl PgExecutor<'_>) -> Result<Vec<ChannelRow>, BackendError> {
    Ok(sqlx::query_as("select name, kind, url, created_by, created_at from notification_channel order by name")
        .fetch_all(db)
        .await?)
}

pub async fn channel_names(db: impl PgExecutor<'_>) -> Result<BTreeSet<String>, BackendError> {
    let names: Vec<String> = sqlx::query_scalar("select name from notification_channel").fetch_all(db).await?;
    Ok(names.into_iter().collect())
}

/// Adds a channel or replaces the kind and address of one with the same name.
pub async fn put_channel(
    db: impl PgExecutor<'_>,
    name: &str,
    kind: &str,
    url: &str,
    by: &str,
) -> Result<(), BackendError> {
    sqlx::query(
        "insert into notification_channel (name, kind, url, created_by) values ($1, $2, $3, $4) \
         on conflict (name) do update set kind = excluded.kind, url = excluded.url, created_by = excluded.created_by, \
             created_at = now()",
    )
    .bind(name)
    .bind(kind)
    .bind(url)
    .bind(by)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn delete_channel(db: impl PgExecutor<'_>, name: &str) -> Result<bool, BackendError> {
    Ok(sqlx::query("delete from notification_channel where name = $1").bind(name).execute(db).await?.rows_affected()
        > 0)
}

/// Queues a message; the notifier delivers it.
pub async fn queue(
    conn: &mut PgConnection,
    channel: &str,
    incident_id: Option<i64>,
    subject: &str,
    body: &serde_json::Value,
) -> Result<i64, BackendError> {
    Ok(sqlx::query_scalar(
        "insert into notification (channel, incident_id, subject, body) values ($1, $2, $3, $4) \
         returning notification_id",
    )
    .bind(channel)
    .bind(incident_id)
    .bind(subject)
    .bind(Json(body))
    .fetch_one(conn)
    .await?)
}

/// A message due for delivery, with its channel's address.
#[derive(Debug, FromRow)]
pub struct DueRow {
    pub notification_id: i64,
    pub attempts: i32,
    pub subject: String,
    pub body: Json<serde_json::Value>,
    pub kind: Option<String>,
    pub url: Option<String>,
}

/// Leases up to `limit` due messages for `lease_secs`: another notifier (or this one after a
/// crash) takes them again only once the lease runs out, so each is sent at least once.
pub async fn lease_due(db: impl PgExecutor<'_>, limit: i64, lease_secs: i32) -> Result<Vec<DueRow>, BackendError> {
    Ok(sqlx::query_as(
        "with due as ( \
             select notification_id from notification where status = 'pending' and next_attempt_at <= now() \
             order by next_attempt_at limit $1 for update skip locked), \
         leased as ( \
             update notification n set attempts = n.attempts + 1, next_attempt_at = now() + make_interval(secs => $2) \
             from due where n.notification_id = due.notification_id \
             returning n.notification_id, n.attempts, n.subject, n.body, n.channel) \
         select l.notification_id, l.attempts, l.subject, l.body, c.kind, c.url \
         from leased l left join notification_channel c on c.name = l.channel",
    )
    .bind(limit)
    .bind(f64::from(lease_secs))
    .fetch_all(db)
    .await?)
}

pub async fn mark_sent(db: impl PgExecutor<'_>, notification_id: i64) -> Result<(), BackendError> {
    sqlx::query(
        "update notification set status = 'sent', sent_at = now(), last_error = null where notification_id = $1",
    )
    .bind(notification_id)
    .execute(db)
    .await?;
    Ok(())
}

/// Records a failed attempt: retried after `retry_in_secs`, or given up when that is none.
pub async fn mark_failed(
    db: impl PgExecutor<'_>,
    notification_id: i64,
    error: &str,
    retry_in_secs: Option<f64>,
) -> Result<(), BackendError> {
    sqlx::query(
        "update notification set last_error = $2, \
             status = case when $3::float8 is null then 'failed' else 'pending' end, \
             next_attempt_at = case when $3::float8 is null then next_attempt_at \
                                    else now() + make_interval(secs => $3::float8) end \
         where notification_id = $1",
    )
    .bind(notification_id)
    .bind(error)
    .bind(retry_in_secs)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, FromRow)]
pub struct SentRow {
    pub notification_id: i64,
    pub channel: String,
    pub incident_id: Option<i64>,
    pub subject: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
    pub sent_at: Option<OffsetDateTime>,
}

pub async fn recent(db: impl PgExecutor<'_>, limit: i64) -> Result<Vec<SentRow>, BackendError> {
    Ok(sqlx::query_as(
        "select notification_id, channel, incident_id, subject, status, attempts, last_error, created_at, sent_at \
         from notification order by notification_id desc limit $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await?)
}
