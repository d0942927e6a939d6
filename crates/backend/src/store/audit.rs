//! The `audit_record` table: an append-only, hash-chained trail of who did what.

use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::PgConnection;

use crate::BackendError;

/// One entry to append.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub actor_user_id: Option<i64>,
    pub actor: &'a str,
    pub action: &'a str,
    pub subject: Option<&'a str>,
    pub detail: Value,
    pub client_addr: Option<&'a str>,
}

impl<'a> AuditEntry<'a> {
    /// A user acting on their own account (signing in or out).
    pub fn own_account(user_id: i64, username: &'a str, action: &'a str, client_addr: &'a str) -> Self {
        AuditEntry {
            actor_user_id: Some(user_id),
            actor: username,
            action,
            subject: Some(username),
            detail: Value::Object(Default::default()),
            client_addr: Some(client_addr),
        }
    }
}

/// Appends inside the caller's transaction. An advisory lock orders concurrent appends so
/// each row chains to exactly one predecessor.
pub async fn append(conn: &mut PgConnection, entry: AuditEntry<'_>) -> Result<(), BackendError> {
    sqlx::query("select pg_advisory_xact_lock(hashtext('audit_record'))").execute(&mut *conn).await?;
    let prev: Option<Vec<u8>> = sqlx::query_scalar("select hash from audit_record order by audit_id desc limit 1")
        .fetch_optional(&mut *conn)
        .await?;
    let prev = prev.unwrap_or_else(|| vec![0; 32]);
    let hash = chain_hash(&prev, &entry);
    sqlx::query(
        "insert into audit_record (actor_user_id, actor, action, subject, detail, client_addr, prev_hash, hash) \
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(entry.actor_user_id)
    .bind(entry.actor)
    .bind(entry.action)
    .bind(entry.subject)
    .bind(&entry.detail)
    .bind(entry.client_addr)
    .bind(&prev)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Recomputes the chain; returns the id of the first row whose hash does not match.
pub async fn verify_chain(conn: &mut PgConnection) -> Result<Option<i64>, BackendError> {
    type Row = (i64, Option<i64>, String, String, Option<String>, Value, Option<String>, Vec<u8>, Vec<u8>);
    let rows: Vec<Row> = sqlx::query_as(
        "select audit_id, actor_user_id, actor, action, subject, detail, client_addr, prev_hash, hash \
         from audit_record order by audit_id",
    )
    .fetch_all(conn)
    .await?;
    let mut expected_prev = vec![0u8; 32];
    for (id, actor_user_id, actor, action, subject, detail, client_addr, prev, hash) in rows {
        let entry = AuditEntry {
            actor_user_id,
            actor: &actor,
            action: &action,
            subject: subject.as_deref(),
            detail,
            client_addr: client_addr.as_deref(),
        };
        if prev != expected_prev || chain_hash(&prev, &entry) != hash {
            return Ok(Some(id));
        }
        expected_prev = hash;
    }
    Ok(None)
}

fn chain_hash(prev: &[u8], entry: &AuditEntry<'_>) -> Vec<u8> {
    // Length-prefixed fields, so no two different entries serialise to the same bytes.
    let mut hasher = Sha256::new();
    hasher.update(prev);
    let fields = [
        entry.actor_user_id.map(|id| id.to_string()),
        Some(entry.actor.to_owned()),
        Some(entry.action.to_owned()),
        entry.subject.map(str::to_owned),
        Some(entry.detail.to_string()),
        entry.client_addr.map(str::to_owned),
    ];
    for field in fields {
        match field {
            Some(text) => {
                hasher.update((text.len() as u64).to_be_bytes());
                hasher.update(text.as_bytes());
            }
            None => hasher.update(u64::MAX.to_be_bytes()),
        }
    }
    hasher.finalize().to_vec()
}
