//! Configured containment connectors and their health.

use serde_json::Value;
use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

use crate::BackendError;

#[derive(Debug, Clone, FromRow)]
pub struct ConnectorRow {
    pub name: String,
    pub kind: String,
    pub config: Value,
    pub secret_ref: Option<String>,
    pub ranges: Vec<String>,
    pub management: Vec<String>,
    pub enabled: bool,
    pub checked_at: Option<OffsetDateTime>,
    pub check_ok: Option<bool>,
    pub check_message: Option<String>,
    pub last_success_at: Option<OffsetDateTime>,
    pub updated_at: OffsetDateTime,
}

const SELECT: &str = "select name, kind, config, secret_ref, array(select text(r) from unnest(ranges) r) ranges, \
     array(select text(m) from unnest(management) m) management, enabled, checked_at, check_ok, check_message, \
     last_success_at, updated_at from containment_connector";

pub async fn all(db: impl PgExecutor<'_>) -> Result<Vec<ConnectorRow>, BackendError> {
    Ok(sqlx::query_as(&format!("{SELECT} order by name")).fetch_all(db).await?)
}

pub async fn find(db: impl PgExecutor<'_>, name: &str) -> Result<Option<ConnectorRow>, BackendError> {
    Ok(sqlx::query_as(&format!("{SELECT} where name = $1")).bind(name).fetch_optional(db).await?)
}

/// A connector as an administrator saves it.
pub struct PutConnector<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub config: &'a Value,
    pub secret_ref: Option<&'a str>,
    pub ranges: &'a [String],
    pub management: &'a [String],
    pub enabled: bool,
    pub by: &'a str,
}

/// Creates or replaces; health is forgotten when the settings change.
pub async fn put(conn: &mut PgConnection, c: &PutConnector<'_>) -> Result<(), BackendError> {
    sqlx::query(
        "insert into containment_connector (name, kind, config, secret_ref, ranges, management, enabled, created_by) \
         values ($1, $2, $3, $4, $5::cidr[], $6::cidr[], $7, $8) \
         on conflict (name) do update set kind = $2, config = $3, secret_ref = $4, ranges = $5::cidr[], \
             management = $6::cidr[], enabled = $7, updated_at = now(), checked_at = null, check_ok = null, \
             check_message = null",
    )
    .bind(c.name)
    .bind(c.kind)
    .bind(c.config)
    .bind(c.secret_ref)
    .bind(c.ranges)
    .bind(c.management)
    .bind(c.enabled)
    .bind(c.by)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete(db: impl PgExecutor<'_>, name: &str) -> Result<bool, BackendError> {
    Ok(sqlx::query("delete from containment_connector where name = $1").bind(name).execute(db).await?.rows_affected()
        == 1)
}

pub async fn record_check(db: impl PgExecutor<'_>, name: &str, ok: bool, message: &str) -> Result<(), BackendError> {
    sqlx::query(
        "update containment_connector set checked_at = now(), check_ok = $2, check_message = $3, \
             last_success_at = case when $2 then now() else last_success_at end where name = $1",
    )
    .bind(name)
    .bind(ok)
    .bind(message)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn record_success(db: impl PgExecutor<'_>, name: &str) -> Result<(), BackendError> {
    sqlx::query("update containment_connector set last_success_at = now() where name = $1")
        .bind(name)
        .execute(db)
        .await?;
    Ok(())
}

/// Every connector's management addresses, as protected entries.
pub async fn management(db: impl PgExecutor<'_>) -> Result<Vec<(String, String)>, BackendError> {
    Ok(sqlx::query_as(
        "select text(m), 'management address of connector ' || name from containment_connector, unnest(management) m",
    )
    .fetch_all(db)
    .await?)
}
