//! Choosing the incident a new alert joins, and recording why.

use serde::{Deserialize, Serialize};

use super::exclusion::Exclusions;
use super::rule::{CorrelationRule, JoinKey};
use crate::alert::Entity;

/// An open incident holding one of the new alert's join keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub incident_id: i64,
    pub key: JoinKey,
    /// When an alert last joined the incident under this key.
    pub last_seen_ms: i64,
}

/// Why an alert is in an incident: the rule and the entities it shared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkReason {
    pub rule_id: String,
    pub entities: Vec<Entity>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Link {
        incident_id: i64,
        reason: LinkReason,
    },
    /// No open incident shares a key within its window: the alert opens one.
    Open,
}

/// The alert's join keys under every enabled rule, without excluded entities. `frequency`
/// counts the recent alerts that carried an entity.
pub fn join_keys(
    rules: &[CorrelationRule],
    entities: &[Entity],
    exclusions: &Exclusions,
    frequency: &dyn Fn(&Entity) -> u32,
) -> Vec<JoinKey> {
    let usable = |entity: &Entity| !exclusions.excludes(entity, frequency(entity));
    rules.iter().filter(|rule| rule.enabled).flat_map(|rule| rule.keys(entities, &usable)).collect()
}

/// Picks the incident for an alert arriving at `at_ms` among `candidates` (found by its
/// keys): only keys still inside their rule's window count (activity after the alert's own
/// time always does); the rule listed first wins, then the incident active most recently,
/// then the oldest incident. So under each key only its most recent holder can ever win,
/// which lets the store return just that one. Several matching incidents are never merged
/// here: merging is an analyst's decision.
pub fn decide(rules: &[CorrelationRule], at_ms: i64, candidates: &[Candidate]) -> Decision {
    let best = candidates
        .iter()
        .filter_map(|candidate| {
            let (rank, rule) = rules.iter().enumerate().find(|(_, r)| r.enabled && r.id == candidate.key.rule_id)?;
            let window_ms = i64::from(rule.window_secs) * 1000;
            (at_ms - candidate.last_seen_ms <= window_ms).then_some((rank, candidate))
        })
        .min_by_key(|(rank, c)| (*rank, std::cmp::Reverse(c.last_seen_ms), c.incident_id));
    match best {
        Some((_, candidate)) => Decision::Link {
            incident_id: candidate.incident_id,
            reason: LinkReason { rule_id: candidate.key.rule_id.clone(), entities: candidate.key.entities.clone() },
        },
        None => Decision::Open,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::alert::{EntityKind, EntityRole};
    use crate::correlation::{EntitySelector, Exclusion, RuleError};

    const MIN: i64 = 60_000;

    fn ip(value: &str, role: EntityRole) -> Entity {
        Entity::new(EntityKind::Ip, value, Some(role)).expect("ip")
    }

    fn of(kind: EntityKind, value: &str) -> Entity {
        Entity::new(kind, value, None).expect("entity")
    }

    fn keys(entities: &[Entity]) -> Vec<JoinKey> {
        join_keys(&CorrelationRule::defaults(), entities, &Exclusions::default(), &|_| 1)
    }

    /// A toy store of open incidents: what the database does with join keys.
    #[derive(Default)]
    struct Incidents {
        by_key: HashMap<JoinKey, (i64, i64)>,
        next: i64,
    }

    impl Incidents {
        fn ingest(&mut self, entities: &[Entity], at_ms: i64, exclusions: &Exclusions) -> (i64, Option<LinkReason>) {
            let rules = CorrelationRule::defaults();
            let keys = join_keys(&rules, entities, exclusions, &|_| 1);
            let candidates: Vec<Candidate> = keys
                .iter()
                .filter_map(|k| {
                    self.by_key.get(k).map(|&(incident_id, last_seen_ms)| Candidate {
                        incident_id,
                        key: k.clone(),
                        last_seen_ms,
                    })
                })
                .collect();
            let (incident, reason) = match decide(&rules, at_ms, &candidates) {
                Decision::Link { incident_id, reason } => (incident_id, Some(reason)),
                Decision::Open => {
                    self.next += 1;
                    (self.next, None)
                }
            };
            for key in keys {
                self.by_key.insert(key, (incident, at_ms));
            }
            (incident, reason)
        }
    }

    #[test]
    fn a_conversation_needs_both_addresses() {
        let a = keys(&[ip("203.0.113.5", EntityRole::Source), ip("10.0.0.5", EntityRole::Destination)]);
        let b = keys(&[ip("203.0.113.5", EntityRole::Source), ip("10.0.0.6", EntityRole::Destination)]);
        let conversation = |ks: &[JoinKey]| ks.iter().find(|k| k.rule_id == "same-conversation").cloned();
        assert_ne!(conversation(&a), conversation(&b));
        assert!(conversation(&a).is_some());
        let reversed = keys(&[ip("10.0.0.5", EntityRole::Source), ip("203.0.113.5", EntityRole::Destination)]);
        assert_ne!(conversation(&a), conversation(&reversed), "direction matters for a conversation");
    }

    #[test]
    fn a_role_free_selector_joins_either_side_and_a_sided_one_does_not() {
        let dst_only = keys(&[ip("203.0.113.5", EntityRole::Destination)]);
        assert!(dst_only.iter().all(|k| k.rule_id != "same-attacker"), "a destination is not an attacker");
        let host_a = keys(&[Entity::new(EntityKind::Host, "WS01", Some(EntityRole::Source)).expect("h")]);
        let host_b = keys(&[Entity::new(EntityKind::Host, "ws01", Some(EntityRole::Destination)).expect("h")]);
        assert_eq!(host_a, host_b);
        assert_eq!(host_a[0].text(), "same-host|host::ws01");
    }

    #[test]
    fn network_logon_and_process_on_one_host_tell_one_story() {
        let mut incidents = Incidents::default();
        let none = Exclusions::default();
        let network = [ip("203.0.113.5", EntityRole::Source), ip("10.0.0.5", EntityRole::Destination)];
        let (first, why) = incidents.ingest(&network, 0, &none);
        assert_eq!(why, None, "the first alert opens the incident");
        let logon =
            [ip("203.0.113.5", EntityRole::Source), of(EntityKind::Host, "ws01"), of(EntityKind::User, "alice")];
        let (second, why) = incidents.ingest(&logon, 2 * MIN, &none);
        assert_eq!(second, first);
        let why = why.expect("linked");
        assert_eq!(why.rule_id, "same-attacker");
        assert_eq!(why.entities, vec![ip("203.0.113.5", EntityRole::Source)]);
        let process = [of(EntityKind::Host, "WS01"), of(EntityKind::Process, "powershell.exe -enc AAAA")];
        let (third, why) = incidents.ingest(&process, 3 * MIN, &none);
        assert_eq!(third, first);
        assert_eq!(why.expect("linked").rule_id, "same-host");
    }

    #[test]
    fn outside_the_window_a_new_incident_opens() {
        let mut incidents = Incidents::default();
        let none = Exclusions::default();
        let alert = [ip("203.0.113.5", EntityRole::Source)];
        let (first, _) = incidents.ingest(&alert, 0, &none);
        let (again, _) = incidents.ingest(&alert, 29 * MIN, &none);
        assert_eq!(again, first, "inside the 30 minutes");
        // The window runs from the latest activity, so a steady trickle stays one incident,
        // while a return after a quiet hour is a new story.
        let (later, _) = incidents.ingest(&alert, 29 * MIN + 31 * MIN, &none);
        assert_ne!(later, first);
    }

    #[test]
    fn a_late_alert_joins_an_incident_active_after_its_own_time() {
        // A sensor's clock or queue can deliver an alert stamped before the incident's latest
        // activity; that activity is no reason to open a second incident.
        let mut incidents = Incidents::default();
        let none = Exclusions::default();
        let alert = [ip("203.0.113.5", EntityRole::Source)];
        let (first, _) = incidents.ingest(&alert, 120 * MIN, &none);
        let (late, why) = incidents.ingest(&alert, 0, &none);
        assert_eq!(late, first);
        assert_eq!(why.expect("linked").rule_id, "same-attacker");
    }

    #[test]
    fn a_listed_dns_server_never_joins_unrelated_alerts() {
        let mut incidents = Incidents::default();
        let dns = Exclusions { list: vec![Exclusion::Network { cidr: "10.0.53.0/24".into() }], ..Default::default() };
        let from_dns = |dst: &str| [ip("10.0.53.1", EntityRole::Source), ip(dst, EntityRole::Destination)];
        let (a, _) = incidents.ingest(&from_dns("10.0.0.5"), 0, &dns);
        let (b, _) = incidents.ingest(&from_dns("10.0.0.6"), MIN, &dns);
        assert_ne!(a, b, "sharing only the DNS server is no story");
        let host = Exclusions {
            list: vec![Exclusion::Value { kind: EntityKind::Host, value: "proxy01".into() }],
            ..Default::default()
        };
        assert!(join_keys(&CorrelationRule::defaults(), &[of(EntityKind::Host, "proxy01")], &host, &|_| 1).is_empty());
    }

    #[test]
    fn an_entity_in_too_many_alerts_is_not_joined_on() {
        let scanner = ip("198.51.100.9", EntityRole::Source);
        let busy = |e: &Entity| if e.value == "198.51.100.9" { 10_000 } else { 3 };
        let rules = CorrelationRule::defaults();
        let exclusions = Exclusions::default();
        let keys = join_keys(&rules, &[scanner.clone(), of(EntityKind::User, "bob")], &exclusions, &busy);
        assert_eq!(keys.len(), 1, "only the user remains: {keys:?}");
        assert_eq!(keys[0].rule_id, "same-user");
        assert!(join_keys(&rules, &[scanner], &exclusions, &|_| 500).len() == 1, "at the limit it still joins");
    }

    #[test]
    fn the_first_rule_wins_then_the_latest_activity_then_the_oldest_incident() {
        let rules = CorrelationRule::defaults();
        let key = |rule: &str, kind, value: &str| JoinKey { rule_id: rule.into(), entities: vec![of(kind, value)] };
        let flow = key("same-flow", EntityKind::CommunityId, "1:abc");
        let host = key("same-host", EntityKind::Host, "ws01");
        let candidates = vec![
            Candidate { incident_id: 1, key: host.clone(), last_seen_ms: 5 * MIN },
            Candidate { incident_id: 2, key: flow.clone(), last_seen_ms: MIN },
        ];
        let chosen = decide(&rules, 6 * MIN, &candidates);
        assert_eq!(
            chosen,
            Decision::Link {
                incident_id: 2,
                reason: LinkReason { rule_id: "same-flow".into(), entities: flow.entities }
            }
        );
        let candidates = vec![
            Candidate { incident_id: 7, key: host.clone(), last_seen_ms: MIN },
            Candidate { incident_id: 8, key: host.clone(), last_seen_ms: 4 * MIN },
            Candidate { incident_id: 3, key: host.clone(), last_seen_ms: 4 * MIN },
        ];
        assert!(matches!(decide(&rules, 6 * MIN, &candidates), Decision::Link { incident_id: 3, .. }));
        assert_eq!(decide(&rules, 6 * MIN, &[]), Decision::Open);
    }

    #[test]
    fn a_disabled_or_unknown_rule_links_nothing() {
        let mut rules = CorrelationRule::defaults();
        rules.iter_mut().for_each(|r| r.enabled = r.id != "same-host");
        let host = JoinKey { rule_id: "same-host".into(), entities: vec![of(EntityKind::Host, "ws01")] };
        let gone = JoinKey { rule_id: "deleted".into(), entities: vec![of(EntityKind::Host, "ws01")] };
        let candidates = [
            Candidate { incident_id: 1, key: host, last_seen_ms: 0 },
            Candidate { incident_id: 2, key: gone, last_seen_ms: 0 },
        ];
        assert_eq!(decide(&rules, 0, &candidates), Decision::Open);
        assert!(join_keys(&rules, &[of(EntityKind::Host, "ws01")], &Exclusions::default(), &|_| 1).is_empty());
    }

    #[test]
    fn many_values_give_a_bounded_number_of_keys() {
        let rule = CorrelationRule {
            id: "pairs".into(),
            name: "pairs".into(),
            enabled: true,
            window_secs: 60,
            join_on: vec![EntitySelector::any(EntityKind::Host), EntitySelector::any(EntityKind::User)],
        };
        let mut entities: Vec<Entity> = (0..10).map(|n| of(EntityKind::Host, &format!("h{n}"))).collect();
        entities.extend((0..10).map(|n| of(EntityKind::User, &format!("u{n}"))));
        let keys = rule.keys(&entities, &|_| true);
        assert_eq!(keys.len(), crate::correlation::MAX_KEYS_PER_RULE);
        assert!(rule.keys(&entities[..10], &|_| true).is_empty(), "no user, no key");
    }

    #[test]
    fn rules_are_checked() {
        let mut rule = CorrelationRule::defaults().remove(0);
        assert_eq!(rule.validate(), Ok(()));
        rule.window_secs = 0;
        assert_eq!(rule.validate(), Err(RuleError::BadWindow("same-flow".into())));
        rule.window_secs = 60;
        rule.join_on.clear();
        assert!(matches!(rule.validate(), Err(RuleError::BadJoin(_))));
        rule.id = "has space".into();
        assert_eq!(rule.validate(), Err(RuleError::BadId));
        let text = serde_json::to_string(&CorrelationRule::defaults()).expect("json");
        let back: Vec<CorrelationRule> = serde_json::from_str(&text).expect("rules are data");
        assert_eq!(back, CorrelationRule::defaults());
    }
}
