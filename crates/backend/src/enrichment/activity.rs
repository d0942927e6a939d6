//! The network-activity enricher: for each address an alert names, its recent flows, peers,
//! ports, firewall denies and DNS lookups from ingested context events.

use std::collections::HashMap;

use riposte_domain::alert::EntityKind;
use riposte_domain::enrichment::activity::{ACTIVITY_EVENTS, ACTIVITY_HOURS, NetworkActivity, Touch, summarize};
use sqlx::PgConnection;

use super::latest_times;
use crate::BackendError;
use crate::alerts::epoch_ms;
use crate::store::identity as store;
use crate::store::pipeline::Pending;

/// Summaries by address, for every address in the batch (as of its latest alert).
pub async fn activity(
    conn: &mut PgConnection,
    alerts: &[&Pending],
) -> Result<HashMap<String, NetworkActivity>, BackendError> {
    let latest = latest_times(alerts, |alert| {
        alert.entities.0.iter().filter(|e| e.kind == EntityKind::Ip).map(|e| e.value.as_str())
    });
    if latest.is_empty() {
        return Ok(HashMap::new());
    }
    let (addresses, until): (Vec<String>, Vec<time::OffsetDateTime>) =
        latest.into_iter().map(|(a, t)| (a.to_owned(), t)).unzip();
    let hours = i32::try_from(ACTIVITY_HOURS).unwrap_or(24);
    let per_side = i64::try_from(ACTIVITY_EVENTS).unwrap_or(200);
    let rows = store::touches(conn, &addresses, &until, hours, per_side).await?;
    let mut by_address: HashMap<String, Vec<Touch>> = HashMap::new();
    for row in rows {
        by_address.entry(row.address).or_default().push(Touch {
            at_ms: epoch_ms(row.at),
            kind: row.kind,
            peer: row.peer,
            dest_port: row.dest_port,
            action: row.action,
            query: row.query,
        });
    }
    Ok(addresses
        .into_iter()
        .map(|address| {
            let summary = summarize(&address, by_address.get(&address).map_or(&[][..], Vec::as_slice));
            (address, summary)
        })
        .collect())
}
