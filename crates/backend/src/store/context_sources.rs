//! The asset inventory and the indicator watchlists: bulk upserts for imports, and lists.

use riposte_domain::enrichment::{Asset, Indicator};
use sqlx::PgConnection;

use crate::BackendError;

/// Separates list items inside one array element (tags, connectors) on their way in.
const UNIT: &str = "\u{1f}";

/// The key an import updates an asset by: its name, else its first address.
pub fn natural_key(asset: &Asset) -> String {
    if asset.name.is_empty() { asset.addresses.first().cloned().unwrap_or_default() } else { asset.name.clone() }
}

/// Creates or updates assets by natural key; their address lists are replaced. The caller
/// sends large files in slices (each slice's columns travel as array parameters).
pub async fn upsert_assets(conn: &mut PgConnection, chunk: &[Asset], actor: &str) -> Result<(), BackendError> {
    let keys: Vec<String> = chunk.iter().map(natural_key).collect();
    let names: Vec<&str> = chunk.iter().map(|a| a.name.as_str()).collect();
    let owners: Vec<&str> = chunk.iter().map(|a| a.owner.as_str()).collect();
    let services: Vec<&str> = chunk.iter().map(|a| a.service.as_str()).collect();
    let criticality: Vec<i16> = chunk.iter().map(|a| i16::from(a.criticality)).collect();
    let segments: Vec<&str> = chunk.iter().map(|a| a.segment.as_str()).collect();
    let exposed: Vec<bool> = chunk.iter().map(|a| a.internet_facing).collect();
    let tags: Vec<String> = chunk.iter().map(|a| a.tags.join(UNIT)).collect();
    let connectors: Vec<String> = chunk.iter().map(|a| a.connectors.join(UNIT)).collect();
    sqlx::query(
        "insert into asset (natural_key, name, owner, service, criticality, segment, internet_facing, tags, connectors, updated_by) \
         select k, n, o, s, c, g, e, coalesce(string_to_array(nullif(t, ''), $10), '{}'), \
                coalesce(string_to_array(nullif(x, ''), $10), '{}'), $11 \
         from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int2[], $6::text[], $7::bool[], $8::text[], $9::text[]) \
             u(k, n, o, s, c, g, e, t, x) \
         on conflict (natural_key) do update set name = excluded.name, owner = excluded.owner, \
             service = excluded.service, criticality = excluded.criticality, segment = excluded.segment, \
             internet_facing = excluded.internet_facing, tags = excluded.tags, connectors = excluded.connectors, \
             updated_at = now(), updated_by = excluded.updated_by, version = asset.version + 1",
    )
    .bind(&keys)
    .bind(&names)
    .bind(&owners)
    .bind(&services)
    .bind(&criticality)
    .bind(&segments)
    .bind(&exposed)
    .bind(&tags)
    .bind(&connectors)
    .bind(UNIT)
    .bind(actor)
    .execute(&mut *conn)
    .await?;
    sqlx::query("delete from asset_address n using asset a where a.asset_id = n.asset_id and a.natural_key = any($1)")
        .bind(&keys)
        .execute(&mut *conn)
        .await?;
    let (owners_of, nets): (Vec<&str>, Vec<&str>) = chunk
        .iter()
        .zip(&keys)
        .flat_map(|(a, key)| a.addresses.iter().map(move |n| (key.as_str(), n.as_str())))
        .unzip();
    sqlx::query(
        "insert into asset_address (asset_id, net) \
         select a.asset_id, u.net::inet from unnest($1::text[], $2::text[]) u(key, net) \
         join asset a on a.natural_key = u.key on conflict do nothing",
    )
    .bind(&owners_of)
    .bind(&nets)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Creates or updates indicators by (kind, value, source); sent in slices like assets.
pub async fn upsert_indicators(conn: &mut PgConnection, chunk: &[Indicator]) -> Result<(), BackendError> {
    let kinds: Vec<&str> = chunk.iter().map(|i| i.kind.as_str()).collect();
    let values: Vec<&str> = chunk.iter().map(|i| i.value.as_str()).collect();
    let sources: Vec<&str> = chunk.iter().map(|i| i.source.as_str()).collect();
    let confidence: Vec<i16> = chunk.iter().map(|i| i16::from(i.confidence)).collect();
    let tlp: Vec<&str> = chunk.iter().map(|i| i.tlp.as_str()).collect();
    let descriptions: Vec<&str> = chunk.iter().map(|i| i.description.as_str()).collect();
    let expires: Vec<Option<i64>> = chunk.iter().map(|i| i.expires_at_ms).collect();
    sqlx::query(
        "insert into indicator (kind, value, source, confidence, tlp, description, expires_at, net) \
         select distinct on (k, v, s) k, v, s, c, t, d, to_timestamp(x / 1000.0), case when k = 'cidr' then v::inet end \
         from unnest($1::text[], $2::text[], $3::text[], $4::int2[], $5::text[], $6::text[], $7::int8[]) \
             u(k, v, s, c, t, d, x) \
         on conflict (kind, value, source) do update set confidence = excluded.confidence, tlp = excluded.tlp, \
             description = excluded.description, expires_at = excluded.expires_at, updated_at = now()",
    )
    .bind(&kinds)
    .bind(&values)
    .bind(&sources)
    .bind(&confidence)
    .bind(&tlp)
    .bind(&descriptions)
    .bind(&expires)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Counts for the admin pages: (assets, indicators, live indicators).
pub async fn counts(conn: &mut PgConnection) -> Result<(i64, i64, i64), BackendError> {
    Ok(sqlx::query_as(
        "select (select count(*) from asset), (select count(*) from indicator), \
                (select count(*) from indicator where expires_at is null or expires_at > now())",
    )
    .fetch_one(conn)
    .await?)
}

/// An import job's row, as its worker reads it.
#[derive(Debug, sqlx::FromRow)]
pub struct ImportJob {
    pub import_id: i64,
    pub kind: String,
    pub format: String,
    pub source: String,
    pub requested_by: String,
    pub requested_by_user_id: Option<i64>,
    pub content: Option<Vec<u8>>,
    pub url: Option<String>,
}

pub struct NewImport<'a> {
    pub kind: &'a str,
    pub format: &'a str,
    pub source: &'a str,
    pub file_name: &'a str,
    pub requested_by: &'a str,
    pub requested_by_user_id: Option<i64>,
    /// The file sent, or else `url`, fetched when the job runs.
    pub content: Option<&'a [u8]>,
    pub url: Option<&'a str>,
}

pub async fn insert_import(conn: &mut PgConnection, new: &NewImport<'_>) -> Result<i64, BackendError> {
    Ok(sqlx::query_scalar(
        "insert into context_import (kind, format, source, file_name, requested_by, requested_by_user_id, content, url) \
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning import_id",
    )
    .bind(new.kind)
    .bind(new.format)
    .bind(new.source)
    .bind(new.file_name)
    .bind(new.requested_by)
    .bind(new.requested_by_user_id)
    .bind(new.content)
    .bind(new.url)
    .fetch_one(conn)
    .await?)
}

/// Takes (true) or gives back (false) the session lock that makes one worker, in any server
/// process, run a job. Returns whether it was taken.
pub async fn lock_import(conn: &mut PgConnection, id: i64, take: bool) -> Result<bool, BackendError> {
    let sql = if take {
        "select pg_try_advisory_lock(hashtext('context_import'), $1::int4)"
    } else {
        "select pg_advisory_unlock(hashtext('context_import'), $1::int4)"
    };
    Ok(sqlx::query_scalar(sql).bind(i32::try_from(id).unwrap_or(i32::MAX)).fetch_one(conn).await?)
}

/// Marks a job as running and returns it; None when it has ended. Call under
/// [`lock_import`]: a job left `running` by a stopped server is taken again.
pub async fn start_import(db: impl sqlx::PgExecutor<'_>, id: i64) -> Result<Option<ImportJob>, BackendError> {
    Ok(sqlx::query_as(
        "update context_import set status = 'running' where import_id = $1 and status in ('queued', 'running') \
         returning import_id, kind, format, source, requested_by, requested_by_user_id, content, url",
    )
    .bind(id)
    .fetch_optional(db)
    .await?)
}

pub async fn set_progress(
    db: impl sqlx::PgExecutor<'_>,
    id: i64,
    total: usize,
    done: usize,
) -> Result<(), BackendError> {
    sqlx::query("update context_import set total_rows = $2, done_rows = $3 where import_id = $1")
        .bind(id)
        .bind(i32::try_from(total).unwrap_or(i32::MAX))
        .bind(i32::try_from(done).unwrap_or(i32::MAX))
        .execute(db)
        .await?;
    Ok(())
}

pub async fn finish_import(
    db: impl sqlx::PgExecutor<'_>,
    id: i64,
    status: &str,
    report: &riposte_domain::enrichment::ImportReport,
) -> Result<(), BackendError> {
    sqlx::query(
        "update context_import set status = $2, report = $3, finished_at = now(), content = null, \
             done_rows = case when $2 = 'imported' then coalesce(total_rows, done_rows) else done_rows end \
         where import_id = $1",
    )
    .bind(id)
    .bind(status)
    .bind(sqlx::types::Json(report))
    .execute(db)
    .await?;
    Ok(())
}

/// Jobs a stopped server left unfinished.
pub async fn unfinished_imports(db: impl sqlx::PgExecutor<'_>) -> Result<Vec<i64>, BackendError> {
    Ok(sqlx::query_scalar("select import_id from context_import where status in ('queued', 'running') order by 1")
        .fetch_all(db)
        .await?)
}

#[derive(Debug, sqlx::FromRow)]
pub struct ImportRow {
    pub import_id: i64,
    pub kind: String,
    pub format: String,
    pub source: String,
    pub file_name: String,
    pub requested_by: String,
    pub requested_at: time::OffsetDateTime,
    pub status: String,
    pub total_rows: Option<i32>,
    pub done_rows: i32,
    pub report: Option<sqlx::types::Json<riposte_domain::enrichment::ImportReport>>,
    pub finished_at: Option<time::OffsetDateTime>,
}

const IMPORT_COLUMNS: &str = "import_id, kind, format, source, file_name, requested_by, requested_at, status, \
                              total_rows, done_rows, report, finished_at";

pub async fn find_import(db: impl sqlx::PgExecutor<'_>, id: i64) -> Result<Option<ImportRow>, BackendError> {
    Ok(sqlx::query_as(&format!("select {IMPORT_COLUMNS} from context_import where import_id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?)
}

pub async fn recent_imports(db: impl sqlx::PgExecutor<'_>, limit: i64) -> Result<Vec<ImportRow>, BackendError> {
    Ok(sqlx::query_as(&format!("select {IMPORT_COLUMNS} from context_import order by requested_at desc limit $1"))
        .bind(limit)
        .fetch_all(db)
        .await?)
}
