//! The `ingest_token` table.

use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

use crate::BackendError;

#[derive(Debug, Clone, FromRow)]
pub struct TokenRow {
    pub token_id: i64,
    pub name: String,
    pub source: String,
    pub scopes: Vec<String>,
    pub prefix: String,
    pub created_by: String,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

const COLUMNS: &str = "token_id, name, source, scopes, prefix, created_by, created_at, last_used_at, revoked_at";

pub struct NewTokenRow<'a> {
    pub name: &'a str,
    pub source: &'a str,
    pub scopes: &'a [String],
    pub token_hash: &'a [u8],
    pub prefix: &'a str,
    pub created_by: &'a str,
}

pub async fn insert_token(conn: &mut PgConnection, new: NewTokenRow<'_>) -> Result<TokenRow, BackendError> {
    Ok(sqlx::query_as(&format!(
        "insert into ingest_token (name, source, scopes, token_hash, prefix, created_by) \
         values ($1, $2, $3, $4, $5, $6) returning {COLUMNS}"
    ))
    .bind(new.name)
    .bind(new.source)
    .bind(new.scopes)
    .bind(new.token_hash)
    .bind(new.prefix)
    .bind(new.created_by)
    .fetch_one(conn)
    .await?)
}

/// The live (not revoked) token with this hash. Marks it used, at most once a minute, so
/// busy senders do not turn every request into a write.
pub async fn use_token(db: impl PgExecutor<'_>, token_hash: &[u8]) -> Result<Option<TokenRow>, BackendError> {
    Ok(sqlx::query_as(&format!(
        "with found as (select token_id from ingest_token where token_hash = $1 and revoked_at is null), \
         touched as ( \
             update ingest_token set last_used_at = now() \
             where token_id = (select token_id from found) \
               and (last_used_at is null or last_used_at < now() - interval '1 minute') \
         ) \
         select {COLUMNS} from ingest_token where token_id = (select token_id from found)"
    ))
    .bind(token_hash)
    .fetch_optional(db)
    .await?)
}

pub async fn list_tokens(db: impl PgExecutor<'_>) -> Result<Vec<TokenRow>, BackendError> {
    Ok(sqlx::query_as(&format!("select {COLUMNS} from ingest_token order by created_at desc, token_id desc"))
        .fetch_all(db)
        .await?)
}

/// Revokes a live token; `None` when there is no such live token.
pub async fn revoke_token(conn: &mut PgConnection, token_id: i64) -> Result<Option<String>, BackendError> {
    Ok(sqlx::query_scalar(
        "update ingest_token set revoked_at = now() where token_id = $1 and revoked_at is null returning name",
    )
    .bind(token_id)
    .fetch_optional(conn)
    .await?)
}
