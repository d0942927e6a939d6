//! Live-update notices. Each is a PostgreSQL NOTIFY sent inside the transaction that made the
//! change, so it is delivered at commit, to every server process listening, and never for a
//! change that rolled back.

use std::collections::BTreeSet;

use sqlx::PgConnection;

use crate::BackendError;

/// `{"incidents": [ids]}`, or `{"incidents": "many"}` when too many to list.
pub const INCIDENTS_CHANNEL: &str = "riposte_incidents";
/// `{"users": [ids]}`: these users have new in-app notices.
pub const NOTICES_CHANNEL: &str = "riposte_notices";

/// `{}`: containment actions or the NOC's notices changed.
pub const CONTAINMENT_CHANNEL: &str = "riposte_containment_view";

/// NOTIFY payloads are limited to 8000 bytes; past this many ids, listeners refresh all.
const MAX_LISTED: usize = 200;

pub async fn incidents_changed(conn: &mut PgConnection, ids: &BTreeSet<i64>) -> Result<(), BackendError> {
    if ids.is_empty() {
        return Ok(());
    }
    let payload = if ids.len() > MAX_LISTED {
        serde_json::json!({ "incidents": "many" })
    } else {
        serde_json::json!({ "incidents": ids })
    };
    notify(conn, INCIDENTS_CHANNEL, &payload).await
}

pub async fn incident_changed(conn: &mut PgConnection, id: i64) -> Result<(), BackendError> {
    incidents_changed(conn, &BTreeSet::from([id])).await
}

pub async fn users_notified(conn: &mut PgConnection, user_ids: &[i64]) -> Result<(), BackendError> {
    if user_ids.is_empty() {
        return Ok(());
    }
    let listed: Vec<i64> = user_ids.iter().copied().take(MAX_LISTED).collect();
    notify(conn, NOTICES_CHANNEL, &serde_json::json!({ "users": listed })).await
}

pub async fn containment_changed(conn: &mut PgConnection) -> Result<(), BackendError> {
    notify(conn, CONTAINMENT_CHANNEL, &serde_json::json!({})).await
}

async fn notify(conn: &mut PgConnection, channel: &str, payload: &serde_json::Value) -> Result<(), BackendError> {
    sqlx::query("select pg_notify($1, $2)").bind(channel).bind(payload.to_string()).execute(conn).await?;
    Ok(())
}
