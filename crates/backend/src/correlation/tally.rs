//! What a batch's links add up to, per incident, before anything is written: a new incident
//! is then inserted with its figures instead of inserted and then updated.

use std::collections::{BTreeMap, HashMap};

use riposte_domain::alert::Entity;

use super::plan::PlannedLink;
use super::{PANEL_SKIPS, priority_of};
use crate::store::incident_links::{EntitySeen, Growth};
use crate::store::pipeline::Pending;
use crate::store::storms::RolledUp;

#[derive(Default)]
pub struct Tally<'a> {
    /// Per incident: counts, times, severity, score, priority and techniques.
    pub growth: BTreeMap<i64, Growth>,
    /// Alerts per (incident, source), for the narrative.
    pub sources: BTreeMap<(i64, String), i64>,
    /// This batch's alerts as linked: alert to (incident, source).
    pub linked_now: HashMap<i64, (i64, &'a str)>,
    /// Per (incident, entity): the alerts that carried it, first and last seen.
    pub seen: BTreeMap<(i64, &'a Entity), EntitySeen>,
    /// Per (incident, technique): when it was first seen.
    pub techniques: BTreeMap<(i64, &'a str), i64>,
}

impl<'a> Tally<'a> {
    /// Counts the batch's links; `real` turns a planned incident id into the stored one.
    pub fn links(
        &mut self,
        links: &[PlannedLink],
        by_id: &HashMap<i64, &'a Pending>,
        real: impl Fn(i64) -> i64,
        scores: &HashMap<i64, u8>,
    ) {
        for link in links {
            let incident = real(link.incident_id);
            let alert = by_id[&link.alert_id];
            self.linked_now.insert(alert.alert_id, (incident, alert.source.as_str()));
            *self.sources.entry((incident, alert.source.clone())).or_default() += 1;
            for technique in &alert.attack_techniques {
                let first = self.techniques.entry((incident, technique.as_str())).or_insert(link.at_ms);
                *first = (*first).min(link.at_ms);
            }
            let g = self.growth.entry(incident).or_default();
            g.add(1, 1, link.at_ms);
            g.severity = g.severity.max(alert.severity);
            g.score = g.score.max(scores.get(&alert.alert_id).copied().unwrap_or(0));
            g.priority = g.priority.min(priority_of(alert, scores).level());
            g.techniques.extend(alert.attack_techniques.iter().cloned());
            for entity in alert.entities.0.iter().filter(|e| !PANEL_SKIPS.contains(&e.kind)) {
                let s = self.seen.entry((incident, entity)).or_insert(EntitySeen {
                    count: 0,
                    first_ms: link.at_ms,
                    last_ms: link.at_ms,
                });
                s.count += 1;
                s.first_ms = s.first_ms.min(link.at_ms);
                s.last_ms = s.last_ms.max(link.at_ms);
            }
        }
    }

    /// Storm members add to their head's incident: counts, latest activity and source only.
    /// `incidents_of_older` holds (head, incident, source) for heads not linked in this batch.
    pub fn storm_members(&mut self, rolled: &RolledUp, incidents_of_older: Vec<(i64, i64, String)>) {
        let linked_here =
            rolled.growth.keys().filter_map(|head| self.linked_now.get(head).map(|&(i, s)| (*head, i, s.to_owned())));
        let heads: Vec<(i64, i64, String)> = linked_here.chain(incidents_of_older).collect();
        for (head, incident, source) in heads {
            let (members, latest_ms) = rolled.growth[&head];
            self.growth.entry(incident).or_default().add(0, i64::from(members), latest_ms);
            *self.sources.entry((incident, source)).or_default() += i64::from(members);
        }
    }

    /// The storm heads whose incident this batch did not link (to be looked up).
    pub fn older_heads(&self, rolled: &RolledUp) -> Vec<i64> {
        rolled.growth.keys().copied().filter(|head| !self.linked_now.contains_key(head)).collect()
    }
}
