//! The `alert_pipeline` outbox: alerts committed by ingest that the post-commit stages have
//! not yet seen.

use riposte_domain::alert::Entity;
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection};
use time::OffsetDateTime;

use crate::BackendError;

/// Held for the length of one pipeline transaction, so that several server processes on one
/// database take turns and each alert passes the stages once, in id order.
pub const PIPELINE_LOCK: i64 = 0x5269_706f_7374_6501;

/// A committed alert waiting for the pipeline, with what the stages need of it.
#[derive(Debug, FromRow)]
pub struct Pending {
    pub alert_id: i64,
    pub source: String,
    pub title: String,
    /// OCSF severity id, 1 to 5.
    pub severity: i16,
    pub entities: Json<Vec<Entity>>,
    pub attack_techniques: Vec<String>,
    pub received_at: OffsetDateTime,
    pub event_time: Option<OffsetDateTime>,
    /// The head ingest placed it under, if a storm was running when it arrived.
    pub rollup_id: Option<i64>,
}

/// One batch taken from the outbox.
pub struct Claimed {
    /// Every id taken, to hand to [`finish`].
    pub ids: Vec<i64>,
    /// The alerts behind them, in id order.
    pub alerts: Vec<Pending>,
}

/// Takes the pipeline lock (waiting for another process's batch) and the ids of up to
/// `limit` waiting alerts, oldest first, all below `below` when given. Call inside a
/// transaction; [`finish`] in the same one.
pub async fn claim(conn: &mut PgConnection, limit: i64, below: Option<i64>) -> Result<Vec<i64>, BackendError> {
    lock(&mut *conn).await?;
    Ok(sqlx::query_scalar(
        "select alert_id from alert_pipeline where alert_id < coalesce($2, 9223372036854775807) \
         order by alert_id limit $1",
    )
    .bind(limit)
    .bind(below)
    .fetch_all(&mut *conn)
    .await?)
}

/// The alerts behind claimed `ids`: `held` where a hand-off had them (same order, `None`
/// where not), the rest read from the table.
pub async fn gather(
    conn: &mut PgConnection,
    ids: Vec<i64>,
    held: Vec<Option<Pending>>,
) -> Result<Claimed, BackendError> {
    let missing: Vec<i64> = ids.iter().zip(&held).filter(|(_, h)| h.is_none()).map(|(id, _)| *id).collect();
    let mut read = read_pending(conn, &missing).await?.into_iter().peekable();
    let mut alerts = Vec::with_capacity(ids.len());
    for (id, held) in ids.iter().zip(held) {
        match held {
            Some(alert) => alerts.push(alert),
            // An id without a row (deleted since it was queued) is skipped, as the join did.
            None => {
                if read.peek().is_some_and(|a| a.alert_id == *id) {
                    alerts.extend(read.next());
                }
            }
        }
    }
    Ok(Claimed { ids, alerts })
}

/// The alerts behind `ids` (ascending), in their order.
pub async fn read_pending(conn: &mut PgConnection, ids: &[i64]) -> Result<Vec<Pending>, BackendError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Rows by primary key, one probe per id: the planner cannot see an array's size and
    // would otherwise scan the whole alert table.
    Ok(sqlx::query_as(
        "select a.alert_id, a.source, a.title, a.severity, a.entities, a.attack_techniques, a.received_at, a.event_time, a.rollup_id \
         from unnest($1::int8[]) with ordinality as w(alert_id, ord) join alert a using (alert_id) order by w.ord",
    )
    .bind(ids)
    .fetch_all(conn)
    .await?)
}

/// A stored context event waiting for the escalation stage.
#[derive(Debug, FromRow)]
pub struct PendingContext {
    pub context_event_id: i64,
    pub source: String,
    pub kind: String,
    pub event_time: Option<OffsetDateTime>,
    pub received_at: OffsetDateTime,
    pub src_ip: Option<String>,
    pub dest_ip: Option<String>,
    pub dest_port: Option<i32>,
    pub user_name: Option<String>,
    pub host_name: Option<String>,
    pub outcome: Option<String>,
    pub action: Option<String>,
}

/// Reads up to `limit` waiting context events, oldest first, and takes them off the queue.
/// Call under the pipeline lock, inside the batch's transaction.
pub async fn claim_context(conn: &mut PgConnection, limit: i64) -> Result<Vec<PendingContext>, BackendError> {
    Ok(sqlx::query_as(
        "with taken as ( \
             delete from context_pipeline where context_event_id in \
                 (select context_event_id from context_pipeline order by context_event_id limit $1) \
             returning context_event_id) \
         select c.context_event_id, c.source, c.kind, c.event_time, c.received_at, host(c.src_ip) as src_ip, \
                host(c.dest_ip) as dest_ip, c.dest_port, c.user_name, c.host_name, c.outcome, c.action \
         from taken join context_event c using (context_event_id) order by c.context_event_id",
    )
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Takes the pipeline lock until the transaction ends (waiting for another process's batch).
pub async fn lock(conn: &mut PgConnection) -> Result<(), BackendError> {
    sqlx::query("select pg_advisory_xact_lock($1)").bind(PIPELINE_LOCK).execute(conn).await?;
    Ok(())
}

/// Marks alerts as through the pipeline.
pub async fn finish(conn: &mut PgConnection, alert_ids: &[i64]) -> Result<(), BackendError> {
    sqlx::query("delete from alert_pipeline where alert_id = any($1)").bind(alert_ids).execute(conn).await?;
    Ok(())
}
