//! The asset inventory and the indicator watchlists: bulk upserts for imports, and lists.

use riposte_domain::enrichment::{Asset, Indicator};
use sqlx::PgConnection;

use crate::BackendError;

/// Rows per statement: large files go in slices, all inside the caller's transaction.
const CHUNK: usize = 10_000;
/// Separates list items inside one array element (tags, connectors) on their way in.
const UNIT: &str = "\u{1f}";

/// The key an import updates an asset by: its name, else its first address.
pub fn natural_key(asset: &Asset) -> String {
    if asset.name.is_empty() { asset.addresses.first().cloned().unwrap_or_default() } else { asset.name.clone() }
}

/// Creates or updates assets by natural key; their address lists are replaced.
pub async fn upsert_assets(conn: &mut PgConnection, assets: &[Asset], actor: &str) -> Result<(), BackendError> {
    for chunk in assets.chunks(CHUNK) {
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
                 updated_at = now(), updated_by = excluded.updated_by",
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
        sqlx::query(
            "delete from asset_address n using asset a where a.asset_id = n.asset_id and a.natural_key = any($1)",
        )
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
    }
    Ok(())
}

/// Creates or updates indicators by (kind, value, source).
pub async fn upsert_indicators(conn: &mut PgConnection, indicators: &[Indicator]) -> Result<(), BackendError> {
    for chunk in indicators.chunks(CHUNK) {
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
    }
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
