//! Single assets of the inventory, as people edit them: search, read, create, change (only
//! against the version the editor saw) and delete.

use riposte_domain::enrichment::{Asset, AssetRecord};
use sqlx::PgConnection;

use crate::BackendError;
use crate::store::context_sources::natural_key;
use crate::store::search::escape_like;

#[derive(Debug, sqlx::FromRow)]
pub struct AssetRow {
    pub asset_id: i64,
    pub version: i32,
    pub name: String,
    pub addresses: Vec<String>,
    pub owner: String,
    pub service: String,
    pub criticality: i16,
    pub segment: String,
    pub internet_facing: bool,
    pub tags: Vec<String>,
    pub connectors: Vec<String>,
    pub updated_at: time::OffsetDateTime,
    pub updated_by: String,
    /// Rows the search matched in all (searches only).
    #[sqlx(default)]
    pub total: Option<i64>,
}

impl AssetRow {
    pub fn record(self) -> AssetRecord {
        AssetRecord {
            id: self.asset_id,
            version: self.version,
            asset: Asset {
                name: self.name,
                addresses: self.addresses,
                owner: self.owner,
                service: self.service,
                criticality: u8::try_from(self.criticality).unwrap_or(1),
                segment: self.segment,
                internet_facing: self.internet_facing,
                tags: self.tags,
                connectors: self.connectors,
            },
            updated_at: crate::alerts::rfc3339(self.updated_at),
            updated_by: self.updated_by,
        }
    }
}

/// The columns of [`AssetRow`]; `abbrev` writes a host address without its `/32`.
const COLUMNS: &str = "a.asset_id, a.version, a.name, \
     array(select abbrev(n.net) from asset_address n where n.asset_id = a.asset_id order by n.net) addresses, \
     a.owner, a.service, a.criticality, a.segment, a.internet_facing, a.tags, a.connectors, a.updated_at, a.updated_by";

/// What an inventory search looks for.
pub enum AssetFilter<'a> {
    All,
    /// Assets holding this address, inside this range, or whose range holds it.
    Address(&'a str),
    /// Part of a name, owner or service, or a whole tag.
    Text(&'a str),
}

pub async fn search(
    conn: &mut PgConnection,
    filter: AssetFilter<'_>,
    limit: i64,
    offset: i64,
) -> Result<Vec<AssetRow>, BackendError> {
    let sql = |condition: &str| {
        format!(
            "select {COLUMNS}, count(*) over () total from asset a where {condition} \
             order by a.name = '', a.name, a.natural_key limit $1 offset $2"
        )
    };
    let rows = match filter {
        AssetFilter::All => sqlx::query_as(&sql("true")).bind(limit).bind(offset).fetch_all(conn).await?,
        AssetFilter::Address(net) => {
            let condition = "exists (select 1 from asset_address n where n.asset_id = a.asset_id \
                             and (n.net >>= $3::inet or n.net <<= $3::inet))";
            sqlx::query_as(&sql(condition)).bind(limit).bind(offset).bind(net).fetch_all(conn).await?
        }
        AssetFilter::Text(text) => {
            let condition = "(a.name ilike $3 or a.owner ilike $3 or a.service ilike $3 or a.tags @> array[lower($4)])";
            let pattern = format!("%{}%", escape_like(text));
            sqlx::query_as(&sql(condition)).bind(limit).bind(offset).bind(pattern).bind(text).fetch_all(conn).await?
        }
    };
    Ok(rows)
}

pub async fn find(db: impl sqlx::PgExecutor<'_>, id: i64) -> Result<Option<AssetRow>, BackendError> {
    Ok(sqlx::query_as(&format!("select {COLUMNS} from asset a where a.asset_id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?)
}

/// Creates `asset`; None when another asset has its name (or, unnamed, its first address).
pub async fn insert(conn: &mut PgConnection, asset: &Asset, actor: &str) -> Result<Option<i64>, BackendError> {
    let insert = sqlx::query_scalar(
        "insert into asset (natural_key, name, owner, service, criticality, segment, internet_facing, tags, \
                            connectors, updated_by) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict (natural_key) do nothing returning asset_id",
    );
    let id: Option<i64> = with_fields(insert, &natural_key(asset), asset, actor).fetch_optional(&mut *conn).await?;
    if let Some(id) = id {
        set_addresses(conn, id, &asset.addresses).await?;
    }
    Ok(id)
}

/// How a change against a version ended.
pub enum Changed {
    Done,
    /// Someone changed it since: the version now stored.
    Stale(i32),
    Missing,
    /// Another asset already has the new name (or first address).
    Taken,
}

pub async fn update(
    conn: &mut PgConnection,
    id: i64,
    version: i32,
    asset: &Asset,
    actor: &str,
) -> Result<Changed, BackendError> {
    let key = natural_key(asset);
    let update = sqlx::query_scalar(
        "update asset set natural_key = $3, name = $4, owner = $5, service = $6, criticality = $7, segment = $8, \
             internet_facing = $9, tags = $10, connectors = $11, updated_by = $12, updated_at = now(), \
             version = version + 1 \
         where asset_id = $1 and version = $2 returning asset_id",
    )
    .bind(id)
    .bind(version);
    // Another asset's name: the unique key refuses it (the caller's transaction is then spent).
    let updated: Option<i64> = match with_fields(update, &key, asset, actor).fetch_optional(&mut *conn).await {
        Err(sqlx::Error::Database(db)) if db.is_unique_violation() => return Ok(Changed::Taken),
        other => other?,
    };
    if updated.is_none() {
        return Ok(current_version(conn, id).await?.map_or(Changed::Missing, Changed::Stale));
    }
    set_addresses(conn, id, &asset.addresses).await?;
    Ok(Changed::Done)
}

/// Deletes the asset if it is still at `version`.
pub async fn delete(conn: &mut PgConnection, id: i64, version: i32) -> Result<Changed, BackendError> {
    let deleted: Option<i64> =
        sqlx::query_scalar("delete from asset where asset_id = $1 and version = $2 returning asset_id")
            .bind(id)
            .bind(version)
            .fetch_optional(&mut *conn)
            .await?;
    if deleted.is_some() {
        return Ok(Changed::Done);
    }
    Ok(current_version(conn, id).await?.map_or(Changed::Missing, Changed::Stale))
}

type Scalar<'q> = sqlx::query::QueryScalar<'q, sqlx::Postgres, i64, sqlx::postgres::PgArguments>;

/// Binds an asset's stored fields, in the order both writes list them.
fn with_fields<'q>(query: Scalar<'q>, key: &'q str, asset: &'q Asset, actor: &'q str) -> Scalar<'q> {
    query
        .bind(key)
        .bind(&asset.name)
        .bind(&asset.owner)
        .bind(&asset.service)
        .bind(i16::from(asset.criticality))
        .bind(&asset.segment)
        .bind(asset.internet_facing)
        .bind(&asset.tags)
        .bind(&asset.connectors)
        .bind(actor)
}

async fn current_version(conn: &mut PgConnection, id: i64) -> Result<Option<i32>, BackendError> {
    Ok(sqlx::query_scalar("select version from asset where asset_id = $1").bind(id).fetch_optional(conn).await?)
}

async fn set_addresses(conn: &mut PgConnection, id: i64, addresses: &[String]) -> Result<(), BackendError> {
    sqlx::query("delete from asset_address where asset_id = $1").bind(id).execute(&mut *conn).await?;
    sqlx::query("insert into asset_address (asset_id, net) select $1, unnest($2::text[])::inet on conflict do nothing")
        .bind(id)
        .bind(addresses)
        .execute(conn)
        .await?;
    Ok(())
}
