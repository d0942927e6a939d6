//! Search across incidents, alerts, entities and comments: PostgreSQL full text for words,
//! inet containment for addresses and ranges, trigrams for partial names.

use sqlx::{FromRow, PgExecutor};
use time::OffsetDateTime;

use crate::BackendError;

/// Matching incidents, most recently active first.
pub async fn incident_ids(db: impl PgExecutor<'_>, query: &str, limit: i64) -> Result<Vec<i64>, BackendError> {
    let number: Option<i64> = query.trim().trim_start_matches('#').parse().ok();
    Ok(sqlx::query_scalar(
        "select incident_id from incident \
         where to_tsvector('english', title) @@ websearch_to_tsquery('english', $1) or tags @> array[$1] or incident_id = $2 \
         order by last_seen desc limit $3",
    )
    .persistent(false)
    .bind(query)
    .bind(number)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

#[derive(Debug, FromRow)]
pub struct AlertHitRow {
    pub alert_id: i64,
    pub title: String,
    pub source: String,
    pub severity: i16,
    pub received_at: OffsetDateTime,
    pub incident_id: Option<i64>,
}

/// The newest matching alerts. Sorting on `alert_id + 0` keeps the planner off walking the
/// primary key backwards in the hope of meeting matches early: for a rare word (the usual
/// search: an address, a hash, a signature) that walk reads every alert before giving up.
pub async fn alerts(db: impl PgExecutor<'_>, query: &str, limit: i64) -> Result<Vec<AlertHitRow>, BackendError> {
    Ok(sqlx::query_as(
        "select a.alert_id, a.title, a.source, a.severity, a.received_at, l.incident_id \
         from (select alert_id, title, source, severity, received_at, rollup_id from alert \
               where to_tsvector('english', title) @@ websearch_to_tsquery('english', $1) \
               order by alert_id + 0 desc limit $2) a \
         left join incident_alert l on l.alert_id = coalesce(a.rollup_id, a.alert_id) \
         order by a.alert_id desc",
    )
    .persistent(false)
    .bind(query)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

#[derive(Debug, FromRow)]
pub struct EntityHitRow {
    pub kind: String,
    pub value: String,
    pub incident_id: i64,
    pub alert_count: i32,
    pub last_seen: OffsetDateTime,
}

/// Values of a wide range or a short name looked at, newest first.
const VALUES_SCANNED: i64 = 200;

/// An address or range matches the addresses inside it; other text matches values that
/// contain it (trigram index; three characters or more).
pub async fn entities(db: impl PgExecutor<'_>, query: &str, limit: i64) -> Result<Vec<EntityHitRow>, BackendError> {
    let network = looks_like_network(query);
    // The distinct values match first (their own indexes; the newest few hundred of a wide
    // range), then the incidents holding them.
    let matching = if network { "addr <<= $1::inet" } else { "value ilike '%' || $1 || '%'" };
    let sql = format!(
        "with v as (select kind, value from entity_value where {matching} order by first_seen desc limit {VALUES_SCANNED}) \
         select i.kind, i.value, i.incident_id, i.alert_count, i.last_seen \
         from v join incident_entity i using (kind, value) order by i.last_seen desc limit $2"
    );
    let needle = if network { query.trim().to_owned() } else { escape_like(&query.trim().to_lowercase()) };
    // Planned for the value at hand every time: a range and a single address want different plans.
    Ok(sqlx::query_as(&sql).persistent(false).bind(needle).bind(limit).fetch_all(db).await?)
}

fn looks_like_network(query: &str) -> bool {
    let q = query.trim();
    let (addr, bits) = q.split_once('/').unwrap_or((q, "32"));
    addr.parse::<std::net::IpAddr>().is_ok() && bits.parse::<u8>().is_ok_and(|b| b <= 128)
}

/// `text` for a LIKE pattern, its `%`, `_` and `\\` taken literally.
pub(crate) fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

#[derive(Debug, FromRow)]
pub struct CommentHitRow {
    pub comment_id: i64,
    pub incident_id: i64,
    pub author: String,
    pub created_at: OffsetDateTime,
    pub body: String,
}

pub async fn comments(db: impl PgExecutor<'_>, query: &str, limit: i64) -> Result<Vec<CommentHitRow>, BackendError> {
    Ok(sqlx::query_as(
        "select comment_id, incident_id, author, created_at, left(body, 300) as body from incident_comment \
         where to_tsvector('english', body) @@ websearch_to_tsquery('english', $1) \
         order by comment_id desc limit $2",
    )
    .persistent(false)
    .bind(query)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_ranges_search_by_containment() {
        assert!(looks_like_network("10.0.0.5"));
        assert!(looks_like_network("10.0.0.0/8"));
        assert!(looks_like_network("2001:db8::/32"));
        assert!(!looks_like_network("dc01"));
        assert!(!looks_like_network("10.0.0.0/200"));
    }

    #[test]
    fn like_wildcards_in_input_are_literal() {
        assert_eq!(escape_like("100%_a\\b"), "100\\%\\_a\\\\b");
    }
}
