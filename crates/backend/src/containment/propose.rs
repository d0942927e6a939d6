//! What the Contain button offers on an incident: for each address and host it names, the
//! actions the configured connectors can take on it, preferring the connectors the inventory
//! lists for that asset, else those whose ranges cover it.

use riposte_connectors::Device;
use riposte_domain::Permission;
use riposte_domain::containment::ActionKind;
use riposte_domain::containment::view::Proposal;
use riposte_domain::enrichment::prefixes::Network;

use super::connectors::{covers, unlocked};
use crate::store::containment as actions;
use crate::store::containment_connectors as store;
use crate::{Backend, BackendError, CurrentUser};

/// The most entities of one incident offered (the most frequent first).
const MAX_ENTITIES: i64 = 20;

pub async fn proposals(backend: &Backend, user: &CurrentUser, incident_id: i64) -> Result<Vec<Proposal>, BackendError> {
    user.require(Permission::RequestContainment)?;
    let mut conn = backend.pool.acquire().await?;
    let entities: Vec<(String, String, String)> = sqlx::query_as(
        "select kind, role, value from incident_entity where incident_id = $1 and kind in ('ip', 'host') \
         order by alert_count desc, value limit $2",
    )
    .bind(incident_id)
    .bind(MAX_ENTITIES)
    .fetch_all(&mut *conn)
    .await?;
    proposals_for(&mut conn, entities).await
}

/// The same from one alert's page: its own entities; the action is recorded on the incident
/// the alert belongs to (returned with the proposals) when it has one.
pub async fn alert_proposals(
    backend: &Backend,
    user: &CurrentUser,
    alert_id: i64,
) -> Result<(Option<i64>, Vec<Proposal>), BackendError> {
    user.require(Permission::RequestContainment)?;
    let mut conn = backend.pool.acquire().await?;
    let entities: Vec<(String, String, String)> = sqlx::query_as(
        "select e->>'kind', coalesce(e->>'role', ''), e->>'value' from alert, jsonb_array_elements(entities) e \
         where alert_id = $1 and e->>'kind' in ('ip', 'host') limit $2",
    )
    .bind(alert_id)
    .bind(MAX_ENTITIES)
    .fetch_all(&mut *conn)
    .await?;
    let incident_id = crate::store::containment_policies::incident_of(&mut *conn, alert_id).await?;
    Ok((incident_id, proposals_for(&mut conn, entities).await?))
}

/// Proposals for `(kind, role, value)` entities.
async fn proposals_for(
    conn: &mut sqlx::PgConnection,
    entities: Vec<(String, String, String)>,
) -> Result<Vec<Proposal>, BackendError> {
    let connectors: Vec<(store::ConnectorRow, Device)> = store::all(&mut *conn)
        .await?
        .into_iter()
        .filter(|c| c.enabled)
        .filter_map(|c| unlocked(&c.name, &c.kind, &c.config).ok().map(|device| (c, device)))
        .collect();
    let mut proposals = Vec::new();
    for (kind, role, value) in entities {
        let (action, assets) = if kind == "ip" {
            let Ok(network) = Network::parse(&value) else { continue };
            (ActionKind::Block, actions::assets_overlapping(&mut *conn, &network).await.map(|a| (Some(network), a))?)
        } else {
            (ActionKind::Isolate, (None, actions::assets_named(&mut *conn, &value).await?))
        };
        let (network, assets) = assets;
        let listed: Vec<(&str, &str)> =
            assets.iter().flat_map(|a| a.connectors.iter().map(move |c| (c.as_str(), a.name.as_str()))).collect();
        for (connector, device) in &connectors {
            let kinds = device.kinds();
            if !kinds.contains(&action) {
                continue;
            }
            let because = if let Some((_, asset)) = listed.iter().find(|(c, _)| *c == connector.name) {
                format!("the inventory lists it for {asset}")
            } else if !listed.is_empty() {
                continue;
            } else {
                match &network {
                    Some(n) if covers(&connector.ranges, n) => {
                        if connector.ranges.is_empty() {
                            "acts on any address".into()
                        } else {
                            format!("covers {n}")
                        }
                    }
                    Some(_) => continue,
                    None => "can isolate any host it manages".into(),
                }
            };
            proposals.push(Proposal {
                kind: action.as_str().into(),
                target: value.clone(),
                direction: (action == ActionKind::Block).then(|| "both".into()),
                // What else the person may choose instead, for the same target and connector.
                kinds: std::iter::once(action)
                    .chain(
                        kinds
                            .iter()
                            .copied()
                            .filter(|k| *k != action && (*k == ActionKind::Isolate) == (action == ActionKind::Isolate)),
                    )
                    .map(|k| k.as_str().to_owned())
                    .collect(),
                directions: if action == ActionKind::Block {
                    device.directions().iter().map(|d| d.as_str().to_owned()).collect()
                } else {
                    Vec::new()
                },
                connector: connector.name.clone(),
                because,
                role: if role.is_empty() { kind.clone() } else { role.clone() },
            });
        }
    }
    Ok(proposals)
}
