//! Planning one pipeline batch's correlation in memory: which alerts open incidents, which
//! join one and why, which join keys and entity counts change. Alerts are taken in id order,
//! and each sees the incidents opened and the keys added by those before it in the batch, so
//! a batch decides exactly what the same alerts sent one by one would.

use std::collections::{BTreeMap, HashMap};

use riposte_domain::alert::{Entity, EntityKind};
use riposte_domain::correlation::{Candidate, CorrelationRule, Decision, Exclusions, LinkReason, decide, join_keys};

/// Incidents opened by this batch get ids from here up until they are stored, so that they
/// sort after every stored incident (the tie-break prefers the oldest incident).
pub const PLANNED_ID_BASE: i64 = 1 << 62;

/// Frequency counts cover this hour and the one before.
pub const FREQUENCY_BUCKET_MS: i64 = 3_600_000;

/// One alert as correlation sees it.
#[derive(Debug, Clone)]
pub struct AlertInput<'a> {
    pub alert_id: i64,
    pub at_ms: i64,
    pub entities: &'a [Entity],
}

/// An entity's recent alert count, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Frequency {
    pub bucket_start_ms: i64,
    pub count: i32,
    pub previous: i32,
}

impl Frequency {
    /// Counts one more alert at `at_ms`, moving to a new bucket when the hour is over.
    pub fn count_at(&mut self, at_ms: i64) {
        let age = at_ms - self.bucket_start_ms;
        if age >= FREQUENCY_BUCKET_MS {
            self.previous = if age < 2 * FREQUENCY_BUCKET_MS { self.count } else { 0 };
            self.count = 0;
            self.bucket_start_ms = at_ms;
        }
        self.count = self.count.saturating_add(1);
    }

    pub fn total(&self) -> u32 {
        u32::try_from(i64::from(self.count) + i64::from(self.previous)).unwrap_or(u32::MAX)
    }
}

/// The text an entity is counted under (roles merged: a DNS server is one either way).
pub fn frequency_key(entity: &Entity) -> String {
    format!("{}:{}", entity.kind.as_str(), entity.value)
}

/// Whether frequency may exclude this kind. A Community ID names one conversation, so many
/// alerts on it are one story by definition, never infrastructure.
fn counted(kind: EntityKind) -> bool {
    kind != EntityKind::CommunityId
}

/// The kinds whose counts matter: enabled rules join on them and frequency may exclude them.
pub fn counted_kinds(rules: &[CorrelationRule]) -> Vec<EntityKind> {
    let mut kinds: Vec<EntityKind> = rules
        .iter()
        .filter(|r| r.enabled)
        .flat_map(|r| r.join_on.iter().map(|s| s.kind))
        .filter(|kind| counted(*kind))
        .collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedLink {
    pub alert_id: i64,
    pub incident_id: i64,
    pub at_ms: i64,
    /// None for the alert that opened the incident.
    pub reason: Option<LinkReason>,
}

#[derive(Debug, Default)]
pub struct Plan {
    /// Planned ids of opened incidents with the alert that opened each, in order.
    pub opened: Vec<(i64, i64)>,
    pub links: Vec<PlannedLink>,
    /// Join key text -> the incident holding it after this batch, and when it last took an
    /// alert under it.
    pub keys: BTreeMap<String, (i64, i64)>,
    /// Counts changed by this batch, by frequency key.
    pub frequencies: BTreeMap<String, Frequency>,
}

/// Plans the batch. `stored` holds the open incident already holding each of the batch's
/// keys (key text -> (incident, last seen ms)); `frequencies` the stored counts.
pub fn plan(
    rules: &[CorrelationRule],
    exclusions: &Exclusions,
    alerts: &[AlertInput<'_>],
    stored: &HashMap<String, (i64, i64)>,
    frequencies: &HashMap<String, Frequency>,
) -> Plan {
    let mut plan = Plan::default();
    let counted_kinds = counted_kinds(rules);
    let mut batch_keys: HashMap<String, (i64, i64)> = HashMap::new();
    for alert in alerts {
        for entity in alert.entities.iter().filter(|e| counted_kinds.contains(&e.kind)) {
            let key = frequency_key(entity);
            let counts = plan.frequencies.entry(key.clone()).or_insert_with(|| {
                frequencies
                    .get(&key)
                    .copied()
                    .unwrap_or(Frequency { bucket_start_ms: alert.at_ms, ..Frequency::default() })
            });
            counts.count_at(alert.at_ms);
        }
        let frequency = |entity: &Entity| {
            if !counted(entity.kind) {
                return 0;
            }
            plan.frequencies.get(&frequency_key(entity)).map_or(0, Frequency::total)
        };
        let keys = join_keys(rules, alert.entities, exclusions, &frequency);
        let mut candidates = Vec::new();
        for key in &keys {
            let text = key.text();
            for &(incident_id, last_seen_ms) in [stored.get(&text), batch_keys.get(&text)].into_iter().flatten() {
                candidates.push(Candidate { incident_id, key: key.clone(), last_seen_ms });
            }
        }
        let (incident_id, reason) = match decide(rules, alert.at_ms, &candidates) {
            Decision::Link { incident_id, reason } => (incident_id, Some(reason)),
            Decision::Open => {
                let id = PLANNED_ID_BASE + plan.opened.len() as i64;
                plan.opened.push((id, alert.alert_id));
                (id, None)
            }
        };
        plan.links.push(PlannedLink { alert_id: alert.alert_id, incident_id, at_ms: alert.at_ms, reason });
        for key in keys {
            let taken = (incident_id, alert.at_ms);
            batch_keys.entry(key.text()).and_modify(|held| *held = later_holder(*held, taken)).or_insert(taken);
        }
    }
    plan.keys = batch_keys.into_iter().collect();
    plan
}

/// Of two (incident, time) holders of one key, the one that can still win it: the later, and
/// on the same instant the older incident (as [`decide`] breaks ties).
fn later_holder(a: (i64, i64), b: (i64, i64)) -> (i64, i64) {
    if (b.1, std::cmp::Reverse(b.0)) > (a.1, std::cmp::Reverse(a.0)) { b } else { a }
}

#[cfg(test)]
mod tests {
    use riposte_domain::alert::{EntityKind, EntityRole};

    use super::*;

    fn ip(value: &str, role: EntityRole) -> Entity {
        Entity::new(EntityKind::Ip, value, Some(role)).expect("test value")
    }

    fn host(value: &str) -> Entity {
        Entity::new(EntityKind::Host, value, None).expect("test value")
    }

    #[test]
    fn later_alerts_in_a_batch_join_the_incident_an_earlier_one_opened() {
        let first = [ip("203.0.113.9", EntityRole::Source), ip("10.0.0.5", EntityRole::Destination)];
        let second = [ip("203.0.113.9", EntityRole::Source), host("dc01")];
        let unrelated = [host("printer7")];
        let alerts = [
            AlertInput { alert_id: 1, at_ms: 1_000, entities: &first },
            AlertInput { alert_id: 2, at_ms: 2_000, entities: &second },
            AlertInput { alert_id: 3, at_ms: 3_000, entities: &unrelated },
        ];
        let plan =
            plan(&CorrelationRule::defaults(), &Exclusions::default(), &alerts, &HashMap::new(), &HashMap::new());
        assert_eq!(plan.opened, vec![(PLANNED_ID_BASE, 1), (PLANNED_ID_BASE + 1, 3)]);
        assert_eq!(plan.links[1].incident_id, PLANNED_ID_BASE);
        assert_eq!(plan.links[1].reason.as_ref().map(|r| r.rule_id.as_str()), Some("same-attacker"));
        assert_eq!(plan.links[2].incident_id, PLANNED_ID_BASE + 1);
        assert_eq!(plan.keys["same-host|host::dc01"], (PLANNED_ID_BASE, 2_000));
    }

    #[test]
    fn stored_open_incidents_attract_new_alerts() {
        let entities = [host("dc01")];
        let alerts = [AlertInput { alert_id: 9, at_ms: 10_000, entities: &entities }];
        let stored = HashMap::from([("same-host|host::dc01".to_owned(), (42, 5_000))]);
        let plan = plan(&CorrelationRule::defaults(), &Exclusions::default(), &alerts, &stored, &HashMap::new());
        assert!(plan.opened.is_empty());
        assert_eq!(plan.links[0].incident_id, 42);
        assert_eq!(plan.keys["same-host|host::dc01"], (42, 10_000));
    }

    #[test]
    fn an_entity_past_the_frequency_cap_stops_joining_within_the_batch() {
        let exclusions = Exclusions { list: Vec::new(), max_frequency: 2 };
        let resolver = [ip("10.0.53.53", EntityRole::Source)];
        let alerts: Vec<AlertInput> =
            (1..=4).map(|i| AlertInput { alert_id: i, at_ms: i * 1000, entities: &resolver }).collect();
        let plan = plan(&CorrelationRule::defaults(), &exclusions, &alerts, &HashMap::new(), &HashMap::new());
        // The second alert still joins the first; from the third the address is too common.
        assert_eq!(plan.opened.iter().map(|(_, alert)| *alert).collect::<Vec<_>>(), vec![1, 3, 4]);
        assert_eq!(plan.frequencies["ip:10.0.53.53"].count, 4);
    }

    #[test]
    fn frequency_counts_roll_hourly_and_forget_after_two_hours() {
        let mut f = Frequency { bucket_start_ms: 0, count: 10, previous: 3 };
        f.count_at(FREQUENCY_BUCKET_MS + 1);
        assert_eq!((f.count, f.previous, f.total()), (1, 10, 11));
        f.count_at(f.bucket_start_ms + 3 * FREQUENCY_BUCKET_MS);
        assert_eq!((f.count, f.previous), (1, 0));
    }
}
