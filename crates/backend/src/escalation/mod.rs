//! The escalation stage of the pipeline, after correlation: every alert of the batch (with
//! its context packet and score) and every new context event (logons, firewall decisions,
//! service installs) is tested against the rules in force. Single-event rules test each one;
//! sequence rules advance a stored state per key. A rule that holds applies its outcomes to
//! the incident of the alerts it matched, once per incident, with a why-trace.

pub mod facts;
pub mod outcomes;
pub mod raised;
pub mod rules;
mod sequences;
pub mod text;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use riposte_domain::escalation::{EventFacts, EventRef, Matched, Rule, Trigger, WhyTrace};
use sqlx::PgConnection;

use crate::BackendError;
use crate::enrichment::Enrichment;
use crate::store::escalation as store;
use crate::store::pipeline::{Pending, PendingContext};

/// Who escalation's changes are attributed to in the incident log.
pub const ACTOR: &str = "escalation";

/// A rule that held: the key that tied its events (empty for a single event) and the events.
struct Firing<'a> {
    rule: &'a Rule,
    key: String,
    events: Vec<Matched>,
}

impl Firing<'_> {
    fn trace(&self, version: i32) -> WhyTrace {
        WhyTrace {
            rule: self.rule.name.clone(),
            version,
            key: self.key.clone(),
            events: self.events.clone(),
            outcomes: self.rule.outcomes.clone(),
        }
    }
}

/// Runs the batch's alerts and context events through the rules in force; returns the
/// incidents it changed.
pub async fn escalate(
    conn: &mut PgConnection,
    alerts: &[Pending],
    context: &[PendingContext],
    enrichment: &Enrichment,
) -> Result<BTreeSet<i64>, BackendError> {
    let mut changed = apply_waiting(&mut *conn, alerts).await?;
    let Some(set) = rules::in_force(&mut *conn).await? else {
        return Ok(changed);
    };
    if !set.rules.iter().any(|r| r.enabled) {
        return Ok(changed);
    }
    let mut events: Vec<EventFacts> = alerts
        .iter()
        .map(|a| facts::of_alert(a, enrichment.packets.get(&a.alert_id), enrichment.scores.get(&a.alert_id).copied()))
        .chain(context.iter().map(facts::of_context))
        .collect();
    events.sort_by_key(|e| (e.at_ms, e.event));
    let mut firings = Vec::new();
    for rule in set.rules.iter().filter(|r| r.enabled) {
        match &rule.trigger {
            Trigger::Single(condition) => {
                firings.extend(events.iter().filter(|e| condition.holds(e)).filter_map(matched).map(|m| Firing {
                    rule,
                    key: String::new(),
                    events: vec![m],
                }))
            }
            Trigger::Sequence(sequence) => {
                firings.extend(sequences::run(&mut *conn, rule, sequence, &events).await?);
            }
        }
    }
    if firings.is_empty() {
        return Ok(changed);
    }
    changed.extend(land(&mut *conn, set.version, firings, &events).await?);
    Ok(changed)
}

/// Escalations waiting on alerts Riposte raised: those alerts have just been correlated, so
/// their incidents are known. Only Riposte's own alerts can be waited on.
async fn apply_waiting(conn: &mut PgConnection, alerts: &[Pending]) -> Result<BTreeSet<i64>, BackendError> {
    let mut changed = BTreeSet::new();
    let raised_ids: Vec<i64> = alerts.iter().filter(|a| a.source == raised::SOURCE).map(|a| a.alert_id).collect();
    if raised_ids.is_empty() {
        return Ok(changed);
    }
    let waiting = store::take_waiting(&mut *conn, &raised_ids).await?;
    let raised: Vec<i64> = waiting.iter().map(|w| w.raised_alert_id).collect();
    let incident_of: HashMap<i64, i64> = store::incidents_of(&mut *conn, &raised).await?.into_iter().collect();
    for waiting in waiting {
        if let Some(&incident_id) = incident_of.get(&waiting.raised_alert_id)
            && outcomes::apply(&mut *conn, incident_id, waiting.rule_version, &waiting.trace.0, 1).await?
        {
            changed.insert(incident_id);
        }
    }
    Ok(changed)
}

fn matched(facts: &EventFacts) -> Option<Matched> {
    Some(Matched { event: facts.event?, at_ms: facts.at_ms, label: facts.label(), step: 0, joins: Vec::new() })
}

/// Finds each firing's incident (that of its latest alert) and applies it there once per
/// rule; a firing of context events only raises an alert of its own first.
async fn land(
    conn: &mut PgConnection,
    version: i32,
    firings: Vec<Firing<'_>>,
    events: &[EventFacts],
) -> Result<BTreeSet<i64>, BackendError> {
    let alert_ids: Vec<i64> = firings
        .iter()
        .flat_map(|f| f.events.iter())
        .filter_map(|m| match m.event {
            EventRef::Alert(id) => Some(id),
            EventRef::Context(_) => None,
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let incident_of: HashMap<i64, i64> = store::incidents_of(&mut *conn, &alert_ids).await?.into_iter().collect();
    // A storm of alerts that each meet a rule escalates its incident once, the rest repeats.
    let mut per_incident: BTreeMap<(i64, &str), (Firing<'_>, i32)> = BTreeMap::new();
    let facts_of: HashMap<EventRef, &EventFacts> = events.iter().filter_map(|e| e.event.map(|r| (r, e))).collect();
    for firing in firings {
        let incident = firing.events.iter().rev().find_map(|m| match m.event {
            EventRef::Alert(id) => incident_of.get(&id).copied(),
            EventRef::Context(_) => None,
        });
        match incident {
            Some(incident_id) => {
                per_incident.entry((incident_id, firing.rule.name.as_str())).or_insert((firing, 0)).1 += 1;
            }
            None => {
                let trace = firing.trace(version);
                let alert_id = raised::raise(&mut *conn, firing.rule, &trace, &facts_of).await?;
                store::record_waiting(&mut *conn, alert_id, version, &trace).await?;
            }
        }
    }
    let mut changed = BTreeSet::new();
    for ((incident_id, _), (firing, times)) in per_incident {
        let trace = firing.trace(version);
        if outcomes::apply(&mut *conn, incident_id, version, &trace, times).await? {
            changed.insert(incident_id);
        }
    }
    Ok(changed)
}
