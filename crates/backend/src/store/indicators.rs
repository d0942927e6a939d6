//! Browsing watchlists one indicator at a time: search by value (or by an address, which
//! also finds the ranges holding it), kind and source, newest first; and deletion.

use riposte_domain::enrichment::{INDICATOR_COUNT_CAP, IndicatorKind, IndicatorRecord};
use sqlx::PgConnection;

use crate::BackendError;
use crate::store::enrichment::{INDICATOR_COLUMNS, StoredIndicator};
use crate::store::search::escape_like;

#[derive(Debug, sqlx::FromRow)]
pub struct IndicatorRow {
    pub indicator_id: i64,
    #[sqlx(flatten)]
    pub stored: StoredIndicator,
    pub first_seen: time::OffsetDateTime,
    pub updated_at: time::OffsetDateTime,
    pub expired: bool,
}

impl IndicatorRow {
    /// None for a row of a kind this version does not know.
    pub fn record(self) -> Option<IndicatorRecord> {
        let indicator = self.stored.indicator()?;
        let expires_at = indicator
            .expires_at_ms
            .and_then(|ms| time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok())
            .map(crate::alerts::rfc3339);
        Some(IndicatorRecord {
            id: self.indicator_id,
            indicator,
            first_seen: crate::alerts::rfc3339(self.first_seen),
            updated_at: crate::alerts::rfc3339(self.updated_at),
            expires_at,
            expired: self.expired,
        })
    }
}

/// The columns of [`IndicatorRow`].
fn columns() -> String {
    format!(
        "i.indicator_id, {INDICATOR_COLUMNS}, i.first_seen, i.updated_at, coalesce(i.expires_at <= now(), false) expired"
    )
}

/// What a watchlist search looks for; every part is optional.
#[derive(Debug, Default)]
pub struct IndicatorFilter<'a> {
    /// Values starting with this text; an address also finds the ranges holding it.
    pub value: Option<&'a str>,
    /// The address `value` is, canonical, if it is one.
    pub address: Option<&'a str>,
    pub kind: Option<IndicatorKind>,
    pub source: Option<&'a str>,
}

/// A page of matches, newest first, and how many match (counted up to the cap, plus one).
pub async fn search(
    conn: &mut PgConnection,
    filter: &IndicatorFilter<'_>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<IndicatorRow>, i64), BackendError> {
    // Every kind listed, so that a prefix search walks the (kind, value, source) index.
    let kinds: Vec<&str> = match filter.kind {
        Some(kind) => vec![kind.as_str()],
        None => IndicatorKind::ALL.iter().map(|k| k.as_str()).collect(),
    };
    let pattern = filter.value.map(|v| format!("{}%", escape_like(v)));
    let condition = "($2::text is null or i.source = $2) and ( \
         (i.kind = any($1) and ($3::text is null or i.value like $3)) \
         or ($4::inet is not null and 'cidr' = any($1) and i.net is not null and i.net >>= $4::inet))";
    // With a value to find, the value index leads and the few matches are sorted; `+ 0`
    // keeps the planner from walking the whole key index backwards hoping to meet them.
    let order = if filter.value.is_some() { "i.indicator_id + 0 desc" } else { "i.indicator_id desc" };
    let rows = sqlx::query_as(&format!(
        "select {} from indicator i where {condition} order by {order} limit $5 offset $6",
        columns()
    ))
    // Planned for these values each time: a prefix can use the index only when known.
    .persistent(false)
    .bind(&kinds)
    .bind(filter.source)
    .bind(&pattern)
    .bind(filter.address)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?;
    let total: i64 =
        sqlx::query_scalar(&format!("select count(*) from (select 1 from indicator i where {condition} limit $5) n"))
            .persistent(false)
            .bind(&kinds)
            .bind(filter.source)
            .bind(&pattern)
            .bind(filter.address)
            .bind(INDICATOR_COUNT_CAP + 1)
            .fetch_one(conn)
            .await?;
    Ok((rows, total))
}

pub async fn find(db: impl sqlx::PgExecutor<'_>, id: i64) -> Result<Option<IndicatorRow>, BackendError> {
    Ok(sqlx::query_as(&format!("select {} from indicator i where i.indicator_id = $1", columns()))
        .bind(id)
        .fetch_optional(db)
        .await?)
}

/// Deletes indicator `id`; returns it as it was, or None when it was not there.
pub async fn delete(conn: &mut PgConnection, id: i64) -> Result<Option<IndicatorRow>, BackendError> {
    Ok(sqlx::query_as(&format!("delete from indicator i where i.indicator_id = $1 returning {}", columns()))
        .bind(id)
        .fetch_optional(conn)
        .await?)
}
