//! Feedback to the SIEM: every containment step is queued, in the step's own transaction, for
//! each configured output (syslog RFC 5424 carrying CEF over TCP or UDP, or Splunk HEC) and
//! sent after it by a background sender that retries with backoff. A SIEM that is down
//! delays its messages; it never holds up an action.

pub mod outputs;
pub mod send;

use riposte_domain::containment::StateChange;
use sqlx::{PgConnection, PgPool};

use crate::BackendError;
use crate::background::{self, Periodic};
use crate::store::siem as store;

pub use outputs::{OutputView, delete_output, outputs, put_output};

/// Queues `change` for every enabled output.
pub async fn enqueue(conn: &mut PgConnection, change: &StateChange) -> Result<(), BackendError> {
    let payload = serde_json::to_value(change).map_err(|e| BackendError::Internal(e.to_string()))?;
    store::enqueue(conn, &payload).await
}

/// A leased message is taken again after this, should its sender die mid-way.
const LEASE_SECS: i32 = 60;
/// Past this many tries a message is left as failed (its error kept for the admin page).
pub const MAX_ATTEMPTS: i32 = 30;

/// Starts the sender; it stops when the returned handle is dropped.
pub fn start(pool: PgPool) -> Periodic {
    let client = crate::notify::client();
    background::every("siem sender", std::time::Duration::from_secs(1), move || {
        let (pool, client) = (pool.clone(), client.clone());
        async move { deliver_due(&pool, &client).await.map(drop) }
    })
}

/// Sends every message due now, each output's batch in one go; returns how many went out.
pub async fn deliver_due(pool: &PgPool, client: &reqwest::Client) -> Result<usize, BackendError> {
    let mut sent = 0;
    loop {
        let due = store::lease_due(pool, 200, LEASE_SECS).await?;
        if due.is_empty() {
            return Ok(sent);
        }
        let outputs: std::collections::BTreeSet<&str> = due.iter().map(|m| m.output.as_str()).collect();
        for output in outputs {
            let batch: Vec<&store::DueMessage> = due.iter().filter(|m| m.output == output).collect();
            let ids: Vec<i64> = batch.iter().map(|m| m.message_id).collect();
            let changes: Vec<StateChange> =
                batch.iter().filter_map(|m| serde_json::from_value::<StateChange>(m.payload.clone()).ok()).collect();
            let first = batch[0];
            match send::send(client, &first.kind, &first.address, first.token_ref.as_deref(), &changes).await {
                Ok(()) => {
                    store::mark_sent(pool, &ids).await?;
                    sent += ids.len();
                }
                Err(error) => {
                    let attempts = batch.iter().map(|m| m.attempts).max().unwrap_or(1);
                    // Backoff: 2 s, 4 s, 8 s ... up to 10 minutes.
                    let wait = (2f64.powi(attempts.min(12))).min(600.0);
                    let retry = (attempts < MAX_ATTEMPTS).then_some(wait);
                    tracing::warn!(output, error = %error, ?retry, "siem sender: not delivered");
                    store::mark_failed(pool, &ids, &error, retry).await?;
                }
            }
        }
        if due.len() < 200 {
            return Ok(sent);
        }
    }
}
