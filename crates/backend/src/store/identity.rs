//! What identity and network-activity enrichment read: a user's recent logons, an address's
//! recent context events, and where the GeoIP databases are.

use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

use crate::BackendError;

#[derive(Debug, Clone, FromRow)]
pub struct LogonRow {
    /// The user as asked (lowercase).
    pub user_key: String,
    pub at: OffsetDateTime,
    pub outcome: Option<String>,
    pub host_name: Option<String>,
    pub src_ip: Option<String>,
}

/// Each user's logons in the `days` before their time (newest first, at most `per_user`).
pub async fn logons(
    conn: &mut PgConnection,
    users: &[String],
    until: &[OffsetDateTime],
    days: i32,
    per_user: i64,
) -> Result<Vec<LogonRow>, BackendError> {
    Ok(sqlx::query_as(
        "select u.name as user_key, l.at, l.outcome, l.host_name, l.src_ip \
         from unnest($1::text[], $2::timestamptz[]) u(name, until) \
         cross join lateral ( \
             select c.event_time as at, c.outcome, c.host_name, host(c.src_ip) as src_ip from context_event c \
             where lower(c.user_name) = u.name and c.kind in ('logon', 'explicit_credentials') \
               and c.event_time > u.until - make_interval(days => $3) and c.event_time <= u.until \
             order by c.event_time desc limit $4) l",
    )
    .bind(users)
    .bind(until)
    .bind(days)
    .bind(per_user)
    .fetch_all(conn)
    .await?)
}

#[derive(Debug, Clone, FromRow)]
pub struct TouchRow {
    pub address: String,
    pub at: OffsetDateTime,
    pub kind: String,
    pub peer: Option<String>,
    pub dest_port: Option<i32>,
    pub action: Option<String>,
    pub query: Option<String>,
}

/// Each address's context events in the `hours` before its time, sent and received (the
/// newest `per_side` of each). Only DNS events' JSON is opened, for the name asked.
pub async fn touches(
    conn: &mut PgConnection,
    addresses: &[String],
    until: &[OffsetDateTime],
    hours: i32,
    per_side: i64,
) -> Result<Vec<TouchRow>, BackendError> {
    Ok(sqlx::query_as(
        "select host(a.addr) as address, t.at, t.kind, t.peer, t.dest_port, t.action, t.query \
         from unnest($1::inet[], $2::timestamptz[]) a(addr, until) \
         cross join lateral ( \
             (select c.event_time as at, c.kind, host(c.dest_ip) as peer, c.dest_port, c.action, \
                     case when c.kind = 'dns' and left(c.raw, 1) = '{' then \
                         coalesce(c.raw::jsonb #>> '{dns,rrname}', c.raw::jsonb #>> '{dns,queries,0,rrname}') end as query \
              from context_event c where c.src_ip = a.addr \
                and c.event_time > a.until - make_interval(hours => $3) and c.event_time <= a.until \
              order by c.event_time desc limit $4) \
             union all \
             (select c.event_time, c.kind, host(c.src_ip), c.dest_port, c.action, null \
              from context_event c where c.dest_ip = a.addr \
                and c.event_time > a.until - make_interval(hours => $3) and c.event_time <= a.until \
              order by c.event_time desc limit $4)) t",
    )
    .bind(addresses)
    .bind(until)
    .bind(hours)
    .bind(per_side)
    .fetch_all(conn)
    .await?)
}

#[derive(Debug, Clone, Default, FromRow)]
pub struct GeoSetting {
    pub city_path: Option<String>,
    pub asn_path: Option<String>,
}

pub async fn geo_setting(db: impl PgExecutor<'_>) -> Result<GeoSetting, BackendError> {
    Ok(sqlx::query_as("select city_path, asn_path from geoip_setting").fetch_optional(db).await?.unwrap_or_default())
}

pub async fn save_geo_setting(
    db: impl PgExecutor<'_>,
    city: Option<&str>,
    asn: Option<&str>,
    by: &str,
) -> Result<(), BackendError> {
    sqlx::query("update geoip_setting set city_path = $1, asn_path = $2, updated_by = $3, updated_at = now()")
        .bind(city)
        .bind(asn)
        .bind(by)
        .execute(db)
        .await?;
    Ok(())
}
