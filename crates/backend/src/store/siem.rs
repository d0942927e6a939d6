//! SIEM outputs and their outbox.

use serde_json::Value;
use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

use crate::BackendError;

pub async fn enqueue(conn: &mut PgConnection, payload: &Value) -> Result<(), BackendError> {
    sqlx::query("insert into siem_outbox (output, payload) select name, $1 from siem_output where enabled")
        .bind(payload)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, FromRow)]
pub struct DueMessage {
    pub message_id: i64,
    pub output: String,
    pub payload: Value,
    pub attempts: i32,
    pub kind: String,
    pub address: String,
    pub token_ref: Option<String>,
}

/// Leases up to `limit` due messages, oldest first, counting the attempt.
pub async fn lease_due(db: impl PgExecutor<'_>, limit: i64, lease_secs: i32) -> Result<Vec<DueMessage>, BackendError> {
    Ok(sqlx::query_as(
        "with due as ( \
             select message_id from siem_outbox where sent_at is null and next_try_at <= now() \
               and (lease_until is null or lease_until < now()) \
             order by message_id limit $1 for update skip locked), \
         leased as ( \
             update siem_outbox m set lease_until = now() + make_interval(secs => $2), attempts = attempts + 1 \
             from due where m.message_id = due.message_id returning m.*) \
         select l.message_id, l.output, l.payload, l.attempts, o.kind, o.address, o.token_ref \
         from leased l join siem_output o on o.name = l.output order by l.message_id",
    )
    .bind(limit)
    .bind(lease_secs)
    .fetch_all(db)
    .await?)
}

pub async fn mark_sent(db: impl PgExecutor<'_>, ids: &[i64]) -> Result<(), BackendError> {
    sqlx::query(
        "update siem_outbox set sent_at = now(), lease_until = null, last_error = null where message_id = any($1)",
    )
    .bind(ids)
    .execute(db)
    .await?;
    Ok(())
}

/// Records the failure; `retry_secs` none: no more tries.
pub async fn mark_failed(
    db: impl PgExecutor<'_>,
    ids: &[i64],
    error: &str,
    retry_secs: Option<f64>,
) -> Result<(), BackendError> {
    sqlx::query(
        "update siem_outbox set lease_until = null, last_error = $2, \
             next_try_at = case when $3::float8 is null then 'infinity' else now() + make_interval(secs => $3) end \
         where message_id = any($1)",
    )
    .bind(ids)
    .bind(error)
    .bind(retry_secs)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, FromRow)]
pub struct OutputRow {
    pub name: String,
    pub kind: String,
    pub address: String,
    pub token_ref: Option<String>,
    pub enabled: bool,
    pub pending: i64,
    pub failed: i64,
    pub last_sent_at: Option<OffsetDateTime>,
    pub last_error: Option<String>,
}

pub async fn outputs(db: impl PgExecutor<'_>) -> Result<Vec<OutputRow>, BackendError> {
    Ok(sqlx::query_as(
        "select o.name, o.kind, o.address, o.token_ref, o.enabled, \
             (select count(*) from siem_outbox m where m.output = o.name and m.sent_at is null) pending, \
             (select count(*) from siem_outbox m where m.output = o.name and m.sent_at is null \
                 and m.last_error is not null) failed, \
             (select max(sent_at) from siem_outbox m where m.output = o.name) last_sent_at, \
             (select m.last_error from siem_outbox m where m.output = o.name and m.sent_at is null \
                 and m.last_error is not null order by m.message_id desc limit 1) last_error \
         from siem_output o order by o.name",
    )
    .fetch_all(db)
    .await?)
}

pub async fn put_output(
    db: impl PgExecutor<'_>,
    name: &str,
    kind: &str,
    address: &str,
    token_ref: Option<&str>,
    by: &str,
) -> Result<(), BackendError> {
    sqlx::query(
        "insert into siem_output (name, kind, address, token_ref, created_by) values ($1, $2, $3, $4, $5) \
         on conflict (name) do update set kind = $2, address = $3, token_ref = $4",
    )
    .bind(name)
    .bind(kind)
    .bind(address)
    .bind(token_ref)
    .bind(by)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn delete_output(db: impl PgExecutor<'_>, name: &str) -> Result<bool, BackendError> {
    Ok(sqlx::query("delete from siem_output where name = $1").bind(name).execute(db).await?.rows_affected() == 1)
}
