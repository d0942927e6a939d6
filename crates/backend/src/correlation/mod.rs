//! The correlation stage of the pipeline: each new alert joins the open incident it shares
//! entities with (by the rules, within their windows) or opens one. Storm members follow
//! their head, adding to its incident's counts. Runs inside the pipeline's transaction, so a
//! batch is correlated exactly once.

pub mod admin;
pub mod plan;
mod tally;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use riposte_domain::alert::{EntityKind, Severity};
use riposte_domain::correlation::join_keys;
use riposte_domain::incident::Priority;
use sqlx::{PgConnection, PgPool};

use crate::BackendError;
use crate::alerts::epoch_ms;
use crate::pipeline::StageTimer;
use crate::store::correlation as store;
use crate::store::incident_links::{self, NewLink, Opening};
use crate::store::pipeline::Pending;
use crate::store::storms::RolledUp;
use plan::{AlertInput, PLANNED_ID_BASE, frequency_key};
use tally::Tally;

/// Who correlation's links and events are attributed to.
pub const ACTOR: &str = "correlation";

/// Entity kinds an incident's entity panel leaves out: ports, protocols and flow ids only
/// repeat what the addresses say. Moves recompute the panel with the same list.
pub const PANEL_SKIPS: [EntityKind; 3] = [EntityKind::Port, EntityKind::Protocol, EntityKind::CommunityId];

/// Correlates a batch's alerts that are not storm members (`singles`), each with its triage
/// score; storm members add to their head's incident. Returns the incidents it changed.
/// `beside` lends a second connection for the writes that need not share the transaction.
pub async fn correlate(
    conn: &mut PgConnection,
    beside: &PgPool,
    singles: &[&Pending],
    rolled: &RolledUp,
    scores: &HashMap<i64, u8>,
) -> Result<BTreeSet<i64>, BackendError> {
    let mut tally = Tally::default();
    // Incidents opened here (their growth is in the insert) and grown.
    let mut changed: BTreeSet<i64> = BTreeSet::new();
    let mut timer = StageTimer::start();
    if !singles.is_empty() {
        let rules = store::load_rules(&mut *conn).await?;
        let exclusions = store::load_exclusions(&mut *conn).await?;
        timer.lap("rules");
        let inputs: Vec<AlertInput> = singles
            .iter()
            .map(|a| AlertInput { alert_id: a.alert_id, at_ms: epoch_ms(a.received_at), entities: &a.entities.0 })
            .collect();
        // Only the counts the plan reads.
        let counted = plan::counted_kinds(&rules);
        let entity_keys: Vec<String> = {
            let set: BTreeSet<String> = inputs
                .iter()
                .flat_map(|a| a.entities.iter().filter(|e| counted.contains(&e.kind)).map(frequency_key))
                .collect();
            set.into_iter().collect()
        };
        let frequencies = store::load_frequencies(&mut *conn, &entity_keys).await?;
        timer.lap("frequencies");
        let all_keys: Vec<String> = {
            // Every key any alert could have: frequency can only remove keys, never add one.
            let set: BTreeSet<String> = inputs
                .iter()
                .flat_map(|a| join_keys(&rules, a.entities, &exclusions, &|_| 0))
                .map(|k| k.text())
                .collect();
            set.into_iter().collect()
        };
        let holders = store::open_holders(&mut *conn, &all_keys).await?;
        timer.lap("holders");
        let plan = plan::plan(&rules, &exclusions, &inputs, &holders, &frequencies);
        timer.lap("plan");

        let ids = incident_links::reserve_incident_ids(&mut *conn, plan.opened.len()).await?;
        timer.lap("ids");
        let real_id: HashMap<i64, i64> = plan.opened.iter().map(|(planned, _)| *planned).zip(ids).collect();
        let real = |id: i64| if id >= PLANNED_ID_BASE { real_id[&id] } else { id };
        let by_id: HashMap<i64, &Pending> = singles.iter().map(|a| (a.alert_id, *a)).collect();

        // Everything the batch adds is counted first, so that a new incident is inserted
        // with its figures rather than inserted and then updated.
        tally.links(&plan.links, &by_id, real, scores);
        add_storm_members(&mut *conn, rolled, &mut tally).await?;
        timer.lap("count");

        let openings = plan
            .opened
            .iter()
            .map(|(planned, alert_id)| {
                let incident_id = real(*planned);
                // The plan links every alert, the one that opens an incident included.
                let growth = tally.growth.remove(&incident_id).ok_or_else(|| {
                    BackendError::Internal(format!("alert {alert_id} opened incident {incident_id} without a link"))
                })?;
                Ok(Opening { incident_id, alert_id: *alert_id, title: &by_id[alert_id].title, growth })
            })
            .collect::<Result<Vec<Opening>, BackendError>>()?;

        let links: Vec<NewLink> = plan
            .links
            .iter()
            .map(|l| NewLink { alert_id: l.alert_id, incident_id: real(l.incident_id), reason: l.reason.as_ref() })
            .collect();
        let opened_by: BTreeSet<i64> = plan.opened.iter().map(|(_, alert)| *alert).collect();
        let keys: BTreeMap<String, (i64, i64)> =
            plan.keys.into_iter().map(|(text, (incident, at))| (text, (real(incident), at))).collect();
        let writes = async {
            incident_links::open_incidents(&mut *conn, &openings).await?;
            timer.lap("open");
            incident_links::link_alerts(&mut *conn, &links, ACTOR, &opened_by).await?;
            timer.lap("link");
            incident_links::add_entities(&mut *conn, &tally.seen).await?;
            timer.lap("entities");
            incident_links::add_techniques(&mut *conn, &tally.techniques).await?;
            timer.lap("techniques");
            store::touch_keys(&mut *conn, &keys).await?;
            timer.lap("keys");
            store::save_frequencies(&mut *conn, &plan.frequencies).await?;
            timer.lap("save_frequencies");
            Ok::<_, BackendError>(())
        };
        // Search's dictionary of values needs nothing from this transaction (see
        // `remember_values`): written beside it, on a second connection, in the meantime.
        let values = async {
            let mut beside = beside.acquire().await?;
            incident_links::remember_values(&mut beside, &tally.seen).await
        };
        tokio::try_join!(writes, values)?;
        changed.extend(openings.iter().map(|o| o.incident_id));
    } else {
        add_storm_members(&mut *conn, rolled, &mut tally).await?;
    }
    incident_links::add_sources(&mut *conn, &tally.sources).await?;
    timer.lap("sources");
    incident_links::grow_incidents(&mut *conn, &tally.growth).await?;
    timer.lap("grow");
    changed.extend(tally.growth.into_keys());
    tracing::debug!(alerts = singles.len(), steps = %timer, "correlation: batch done");
    Ok(changed)
}

/// Storm members add to their head's incident; heads this batch did not link are looked up.
async fn add_storm_members(
    conn: &mut PgConnection,
    rolled: &RolledUp,
    tally: &mut Tally<'_>,
) -> Result<(), BackendError> {
    let older = incident_links::incidents_of(conn, &tally.older_heads(rolled)).await?;
    tally.storm_members(rolled, older);
    Ok(())
}

/// The priority an alert calls for: from its triage score, or its severity when it was not
/// scored.
pub(super) fn priority_of(alert: &Pending, scores: &HashMap<i64, u8>) -> Priority {
    match scores.get(&alert.alert_id) {
        Some(score) => Priority::from_score(*score),
        None => Priority::from_severity(Severity::from_ocsf_id(i64::from(alert.severity)).unwrap_or(Severity::Medium)),
    }
}
