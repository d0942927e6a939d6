//! What enrichment reads and writes in the pipeline: asset and indicator matches for a
//! batch's entities, the score's weights, and each alert's context packet.

use riposte_domain::enrichment::{ContextPacket, Indicator, IndicatorKind, ScoreBreakdown, ScoreWeights};
use riposte_domain::incident::Tlp;
use sqlx::PgConnection;
use sqlx::types::Json;

use crate::BackendError;

pub async fn load_weights(conn: &mut PgConnection) -> Result<ScoreWeights, BackendError> {
    let Json(weights): Json<ScoreWeights> =
        sqlx::query_scalar("select weights from score_setting").fetch_one(conn).await?;
    Ok(weights)
}

/// An asset an entity value matched (by address or range, or by host name).
#[derive(Debug, sqlx::FromRow)]
pub struct AssetHit {
    /// The alert's value that matched.
    pub probe: String,
    pub asset_id: i64,
    pub name: String,
    pub criticality: i16,
    pub internet_facing: bool,
    pub owner: String,
    pub service: String,
    pub segment: String,
    pub tags: Vec<String>,
}

/// Assets holding an address, or named by a host (full name or first label). `addresses`
/// pairs each address with one network holding it (at a prefix length in use); an asset whose
/// address or range equals that network holds the address.
pub async fn match_assets(
    conn: &mut PgConnection,
    addresses: &[(&str, String)],
    hosts: &[&str],
) -> Result<Vec<AssetHit>, BackendError> {
    let (probes, nets): (Vec<&str>, Vec<&str>) = addresses.iter().map(|(a, n)| (*a, n.as_str())).unzip();
    Ok(sqlx::query_as(
        // LATERAL: one index probe per value, whatever the planner guesses about the arrays.
        "select x.probe, a.* from unnest($1::text[], $2::text[]) x(probe, net) cross join lateral ( \
             select a.asset_id, a.name, a.criticality, a.internet_facing, a.owner, a.service, a.segment, a.tags \
             from asset_address n join asset a using (asset_id) where n.net = x.net::inet) a \
         union all \
         select x.probe, a.* from unnest($3::text[]) x(probe) cross join lateral ( \
             select a.asset_id, a.name, a.criticality, a.internet_facing, a.owner, a.service, a.segment, a.tags \
             from asset a where a.name <> '' and a.name = x.probe \
             union \
             select a.asset_id, a.name, a.criticality, a.internet_facing, a.owner, a.service, a.segment, a.tags \
             from asset a where a.name <> '' and split_part(a.name, '.', 1) = x.probe) a",
    )
    .bind(&probes)
    .bind(&nets)
    .bind(hosts)
    .fetch_all(conn)
    .await?)
}

/// A table of context the enrichers match against, for the context filters.
#[derive(Debug, Clone, Copy)]
pub enum ContextTable {
    Assets,
    Indicators,
}

/// The change counter of assets or of indicators (migration 0019).
pub async fn context_generation(conn: &mut PgConnection, table: ContextTable) -> Result<i64, BackendError> {
    let name = match table {
        ContextTable::Assets => "assets",
        ContextTable::Indicators => "indicators",
    };
    Ok(sqlx::query_scalar("select generation from context_generation where name = $1")
        .bind(name)
        .fetch_one(conn)
        .await?)
}

/// Every asset address and range, as (address, prefix length).
pub async fn asset_networks(conn: &mut PgConnection) -> Result<Vec<(String, i32)>, BackendError> {
    Ok(sqlx::query_as("select host(net), masklen(net) from asset_address").fetch_all(conn).await?)
}

/// Every asset's host name.
pub async fn asset_names(conn: &mut PgConnection) -> Result<Vec<String>, BackendError> {
    Ok(sqlx::query_scalar("select name from asset where name <> ''").fetch_all(conn).await?)
}

/// id, kind, value, and a range's address and prefix length.
pub type IndicatorKeyRow = (i64, String, String, Option<String>, Option<i32>);

/// Up to `limit` live indicators after id `after`, in id order.
pub async fn live_indicator_keys(
    conn: &mut PgConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<IndicatorKeyRow>, BackendError> {
    Ok(sqlx::query_as(
        "select indicator_id, kind, value, host(net), masklen(net) from indicator \
         where indicator_id > $1 and (expires_at is null or expires_at > now()) \
         order by indicator_id limit $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// An indicator's stored fields, as the matcher and the watchlist pages read them.
#[derive(Debug, sqlx::FromRow)]
pub struct StoredIndicator {
    pub kind: String,
    pub value: String,
    pub source: String,
    pub confidence: i16,
    pub tlp: String,
    pub description: String,
    pub expires_at_ms: Option<i64>,
}

/// The columns of [`StoredIndicator`] from `indicator i`.
pub const INDICATOR_COLUMNS: &str = "i.kind, i.value, i.source, i.confidence, i.tlp, i.description, \
     (extract(epoch from i.expires_at) * 1000)::int8 expires_at_ms";

impl StoredIndicator {
    /// None for a kind this version does not know.
    pub fn indicator(&self) -> Option<Indicator> {
        Some(Indicator {
            kind: IndicatorKind::parse(&self.kind)?,
            value: self.value.clone(),
            source: self.source.clone(),
            confidence: u8::try_from(self.confidence).unwrap_or(0),
            tlp: Tlp::parse(&self.tlp).unwrap_or(Tlp::Amber),
            expires_at_ms: self.expires_at_ms,
            description: self.description.clone(),
        })
    }
}

/// A live indicator a value matched.
#[derive(Debug, sqlx::FromRow)]
pub struct IndicatorHit {
    pub probe_kind: String,
    pub probe: String,
    #[sqlx(flatten)]
    pub stored: StoredIndicator,
}

/// Live indicators equal to any (kind, value) probe, and ranges holding an address (given
/// as pairs of an address and one network holding it, as for [`match_assets`]).
pub async fn match_indicators(
    conn: &mut PgConnection,
    kinds: &[&str],
    values: &[&str],
    addresses: &[(&str, String)],
) -> Result<Vec<IndicatorHit>, BackendError> {
    let (probes, nets): (Vec<&str>, Vec<&str>) = addresses.iter().map(|(a, n)| (*a, n.as_str())).unzip();
    Ok(sqlx::query_as(&format!(
        "select x.kind probe_kind, x.value probe, i.* from unnest($1::text[], $2::text[]) x(kind, value) \
         cross join lateral ( \
             select {INDICATOR_COLUMNS} \
             from indicator i where i.kind = x.kind and i.value = x.value \
               and (i.expires_at is null or i.expires_at > now())) i \
         union all \
         select 'ip', x.value, i.* from unnest($3::text[], $4::text[]) x(value, net) cross join lateral ( \
             select {INDICATOR_COLUMNS} \
             from indicator i where i.net is not null and i.net = x.net::inet \
               and (i.expires_at is null or i.expires_at > now())) i"
    ))
    .bind(kinds)
    .bind(values)
    .bind(&probes)
    .bind(&nets)
    .fetch_all(conn)
    .await?)
}

/// One alert's enrichment, as stored.
pub struct Enriched<'a> {
    pub alert_id: i64,
    pub packet: &'a ContextPacket,
    pub breakdown: &'a ScoreBreakdown,
    pub received_at: time::OffsetDateTime,
}

/// Stores a chunk's or batch's packets; `started` is when its enrichment began.
pub async fn save_context(
    conn: &mut PgConnection,
    rows: &[Enriched<'_>],
    started: time::OffsetDateTime,
) -> Result<(), BackendError> {
    if rows.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.alert_id).collect();
    // As text for `json` columns: PostgreSQL only checks the syntax (see migration 0019).
    let packets: Vec<String> = rows.iter().map(|r| json_text(r.packet)).collect::<Result<_, _>>()?;
    let scores: Vec<i16> = rows.iter().map(|r| i16::from(r.breakdown.score)).collect();
    let breakdowns: Vec<String> = rows.iter().map(|r| json_text(r.breakdown)).collect::<Result<_, _>>()?;
    let received: Vec<time::OffsetDateTime> = rows.iter().map(|r| r.received_at).collect();
    sqlx::query(
        "insert into alert_context (alert_id, packet, score, breakdown, enrich_ms, enriched_at) \
         select id, p::json, s, b::json, greatest(0, extract(epoch from clock_timestamp() - r) * 1000)::int4, $6 \
         from unnest($1::int8[], $2::text[], $3::int2[], $4::text[], $5::timestamptz[]) n(id, p, s, b, r) \
         on conflict (alert_id) do nothing",
    )
    .bind(&ids)
    .bind(&packets)
    .bind(&scores)
    .bind(&breakdowns)
    .bind(&received)
    .bind(started)
    .execute(conn)
    .await?;
    Ok(())
}

/// The stored score and packet of those of `alert_ids` (ascending) that have them.
pub async fn stored_context(
    conn: &mut PgConnection,
    alert_ids: &[i64],
) -> Result<Vec<(i64, crate::enrichment::Scored)>, BackendError> {
    // One probe per id, as the pipeline reads its alerts.
    let rows: Vec<(i64, i16, Json<ContextPacket>)> = sqlx::query_as(
        "select c.alert_id, c.score, c.packet from unnest($1::int8[]) as w(alert_id) \
         join alert_context c using (alert_id)",
    )
    .bind(alert_ids)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, score, Json(packet))| (id, (u8::try_from(score.clamp(0, 100)).unwrap_or(0), packet)))
        .collect())
}

fn json_text(value: &impl serde::Serialize) -> Result<String, BackendError> {
    serde_json::to_string(value).map_err(|err| BackendError::Internal(format!("context packet as JSON: {err}")))
}

/// An alert's stored enrichment: packet, score breakdown and time to enrich (ms).
pub async fn context_of(
    db: impl sqlx::PgExecutor<'_>,
    alert_id: i64,
) -> Result<Option<(ContextPacket, ScoreBreakdown, i32)>, BackendError> {
    let row: Option<(Json<ContextPacket>, Json<ScoreBreakdown>, i32)> =
        sqlx::query_as("select packet, breakdown, enrich_ms from alert_context where alert_id = $1")
            .bind(alert_id)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(Json(packet), Json(breakdown), ms)| (packet, breakdown, ms)))
}

pub async fn save_weights(conn: &mut PgConnection, weights: &ScoreWeights, actor: &str) -> Result<(), BackendError> {
    sqlx::query("update score_setting set weights = $1, updated_by = $2, updated_at = now()")
        .bind(Json(weights))
        .bind(actor)
        .execute(conn)
        .await?;
    Ok(())
}

/// An alert of a closed incident with what its score was computed from.
#[derive(Debug, sqlx::FromRow)]
pub struct ClosedSample {
    pub alert_id: i64,
    pub title: String,
    pub severity: i16,
    pub classification: String,
    pub packet: Json<ContextPacket>,
}

/// Enriched alerts of incidents closed within `days`, newest first.
pub async fn closed_samples(
    db: impl sqlx::PgExecutor<'_>,
    days: i32,
    limit: i64,
) -> Result<Vec<ClosedSample>, BackendError> {
    Ok(sqlx::query_as(
        "select a.alert_id, a.title, a.severity, i.classification, c.packet \
         from incident i join incident_alert l using (incident_id) join alert a using (alert_id) \
         join alert_context c on c.alert_id = a.alert_id \
         where i.status = 'closed' and i.updated_at > now() - make_interval(days => $1) \
         order by a.alert_id desc limit $2",
    )
    .bind(days)
    .bind(limit)
    .fetch_all(db)
    .await?)
}
