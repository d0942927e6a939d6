//! Storing normalised alerts. Requests hand their records to the group committer, which
//! writes many requests in one transaction; each caller answers its client only after that
//! transaction commits, so an acknowledged alert is always stored.

mod group_commit;
mod storm_mirror;

pub use group_commit::IngestQueue;

use riposte_domain::alert::{ContextEvent, NewAlert};

use crate::store::alerts::Stored;
use crate::tokens::{TokenIdentity, TokenScope};
use crate::{Backend, BackendError};

/// The PostgreSQL channel told about newly stored alerts.
pub const ALERTS_CHANNEL: &str = "riposte_alerts";

/// Stores a batch sent with `token`; returns one outcome per alert, in order. Repeats of an
/// alert already stored (or earlier in the same batch) return that alert's id, not created.
pub async fn ingest_alerts(
    backend: &Backend,
    token: &TokenIdentity,
    alerts: Vec<NewAlert>,
) -> Result<Vec<Stored>, BackendError> {
    Ok(ingest_with_context(backend, token, alerts, Vec::new()).await?.0)
}

/// Stores alerts and the context events that came with them, atomically. Returns the alert
/// outcomes and how many context events were new. Fails with
/// [`BackendError::Overloaded`] when too much is already waiting to be written.
pub async fn ingest_with_context(
    backend: &Backend,
    token: &TokenIdentity,
    alerts: Vec<NewAlert>,
    context: Vec<ContextEvent>,
) -> Result<(Vec<Stored>, u64), BackendError> {
    token.require(TokenScope::Ingest)?;
    if alerts.is_empty() && context.is_empty() {
        return Ok((Vec::new(), 0));
    }
    backend.ingest.submit(alerts, context).await
}
