//! The `context_event` table: sensor events kept as context, and their join to alerts.

use riposte_domain::alert::ContextEvent;
use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

use crate::BackendError;

/// Inserts many events in one statement, queueing the new ones for the escalation stage;
/// repeats (same source and dedup key) are skipped. Returns how many were new.
pub async fn insert_context_events(conn: &mut PgConnection, events: &[ContextEvent]) -> Result<u64, BackendError> {
    if events.is_empty() {
        return Ok(0);
    }
    let column = |f: fn(&ContextEvent) -> Option<String>| events.iter().map(f).collect::<Vec<_>>();
    let result = sqlx::query(
        "with inserted as ( \
         insert into context_event (source, kind, event_time, flow_id, community_id, src_ip, dest_ip, src_port, \
                                    dest_port, proto, raw, dedup_key, user_name, host_name, outcome, action) \
         select source, kind, to_timestamp(event_time_ms / 1000.0), flow_id, community_id, src_ip::inet, \
                dest_ip::inet, src_port, dest_port, proto, raw, dedup_key, user_name, host_name, outcome, action \
         from unnest($1::text[], $2::text[], $3::int8[], $4::text[], $5::text[], $6::text[], $7::text[], \
                     $8::int4[], $9::int4[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], \
                     $15::text[], $16::text[]) \
             as t(source, kind, event_time_ms, flow_id, community_id, src_ip, dest_ip, src_port, dest_port, proto, \
                  raw, dedup_key, user_name, host_name, outcome, action) \
         on conflict (source, dedup_key) do nothing returning context_event_id) \
         insert into context_pipeline (context_event_id) select context_event_id from inserted",
    )
    .bind(column(|e| Some(e.source.clone())))
    .bind(column(|e| Some(e.kind.clone())))
    .bind(events.iter().map(|e| e.event_time_ms).collect::<Vec<_>>())
    .bind(column(|e| e.flow_id.clone()))
    .bind(column(|e| e.community_id.clone()))
    .bind(column(|e| e.src_ip.clone()))
    .bind(column(|e| e.dest_ip.clone()))
    .bind(events.iter().map(|e| e.src_port).collect::<Vec<_>>())
    .bind(events.iter().map(|e| e.dest_port).collect::<Vec<_>>())
    .bind(column(|e| e.proto.clone()))
    .bind(column(|e| Some(e.raw.clone())))
    .bind(column(|e| Some(e.dedup_key.0.clone())))
    .bind(column(|e| e.user_name.clone()))
    .bind(column(|e| e.host_name.clone()))
    .bind(column(|e| e.outcome.clone()))
    .bind(column(|e| e.action.clone()))
    .execute(conn)
    .await?;
    Ok(result.rows_affected())
}

/// A stored context event, as shown beside an alert.
#[derive(Debug, Clone, FromRow)]
pub struct ContextRow {
    pub context_event_id: i64,
    pub kind: String,
    pub event_time: Option<OffsetDateTime>,
    pub raw: String,
}

/// Context events of the same session as an alert: same source and flow id, or the same
/// Community ID from any source. Oldest first, at most `limit`.
pub async fn context_for_alert(
    db: impl PgExecutor<'_>,
    source: &str,
    flow_id: Option<&str>,
    community_id: Option<&str>,
    limit: i64,
) -> Result<Vec<ContextRow>, BackendError> {
    if flow_id.is_none() && community_id.is_none() {
        return Ok(Vec::new());
    }
    Ok(sqlx::query_as(
        "select context_event_id, kind, event_time, raw from context_event \
         where (source = $1 and flow_id = $2) or community_id = $3 \
         order by event_time nulls last, context_event_id limit $4",
    )
    .bind(source)
    .bind(flow_id)
    .bind(community_id)
    .bind(limit)
    .fetch_all(db)
    .await?)
}
