//! Integration readiness: each connector with what it covers (inventory assets listing it, or
//! inside its ranges), its credential health and last success; how many critical assets some
//! enabled connector can act on; and the assets none can (flagged: no API), most critical
//! first.

use riposte_domain::Permission;
use riposte_domain::containment::view::{ConnectorCoverage, Readiness, UncoveredAsset};

use super::connectors::abilities;
use crate::admin::Actor;
use crate::alerts::rfc3339;
use crate::store::containment_connectors as store;
use crate::{Backend, BackendError};

/// An asset counts as covered by a connector that the inventory names for it, or whose
/// ranges hold one of its addresses (a connector with no ranges covers outside addresses,
/// not the inventory).
const COVERED: &str = "exists(select 1 from containment_connector c where c.enabled and \
     (c.name = any(a.connectors) or exists(select 1 from asset_address x, unnest(c.ranges) r \
         where x.asset_id = a.asset_id and x.net <<= r)))";

pub async fn readiness(backend: &Backend, actor: Actor<'_>) -> Result<Readiness, BackendError> {
    actor.require(Permission::ManageSettings)?;
    let pool = &backend.pool;
    let mut connectors = Vec::new();
    for row in store::all(pool).await? {
        let (assets, segments): (i64, Vec<String>) = sqlx::query_as(
            "select count(*), coalesce(array_agg(distinct a.segment) filter (where a.segment <> ''), '{}') \
             from asset a join containment_connector c on c.name = $1 \
             where c.name = any(a.connectors) or exists(select 1 from asset_address x, unnest(c.ranges) r \
                 where x.asset_id = a.asset_id and x.net <<= r)",
        )
        .bind(&row.name)
        .fetch_one(pool)
        .await?;
        let can = abilities(&row.name, &row.kind, &row.config)
            .map(|kinds| kinds.iter().map(|k| k.as_str().to_owned()).collect())
            .unwrap_or_default();
        connectors.push(ConnectorCoverage {
            name: row.name,
            kind: row.kind,
            enabled: row.enabled,
            can,
            ranges: row.ranges,
            assets,
            segments,
            check_ok: row.check_ok,
            check_message: row.check_message,
            checked_at: row.checked_at.map(rfc3339),
            last_success_at: row.last_success_at.map(rfc3339),
        });
    }
    let (critical_assets, critical_covered, assets, assets_uncovered): (i64, i64, i64, i64) = sqlx::query_as(&format!(
        "select count(*) filter (where critical), count(*) filter (where critical and covered), count(*), \
                 count(*) filter (where not covered) \
             from (select a.criticality >= (select critical_from from containment_setting) critical, \
                       {COVERED} covered from asset a) s"
    ))
    .fetch_one(pool)
    .await?;
    let uncovered: Vec<(String, Vec<String>, i16, String)> = sqlx::query_as(&format!(
        "select coalesce(nullif(a.name, ''), a.natural_key), \
             array(select text(x.net) from asset_address x where x.asset_id = a.asset_id), a.criticality, a.segment \
         from asset a where not {COVERED} \
         order by a.criticality desc, a.natural_key limit 200"
    ))
    .fetch_all(pool)
    .await?;
    Ok(Readiness {
        connectors,
        critical_assets,
        critical_covered,
        assets,
        assets_uncovered,
        uncovered: uncovered
            .into_iter()
            .map(|(name, addresses, criticality, segment)| UncoveredAsset { name, addresses, criticality, segment })
            .collect(),
    })
}
