//! Correlation rules and the join keys they derive from an alert's entities.

use serde::{Deserialize, Serialize};

use crate::alert::{Entity, EntityKind, EntityRole};

/// One entity an alert must carry for a rule to apply: a kind, and optionally the side it was
/// on. Without a role, the value joins whichever side it appears on (an address that was the
/// destination of a network alert and the source of a logon is one machine).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EntitySelector {
    pub kind: EntityKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<EntityRole>,
}

impl EntitySelector {
    pub const fn any(kind: EntityKind) -> Self {
        Self { kind, role: None }
    }

    pub const fn on(kind: EntityKind, role: EntityRole) -> Self {
        Self { kind, role: Some(role) }
    }

    fn matches(&self, entity: &Entity) -> bool {
        entity.kind == self.kind && (self.role.is_none() || entity.role == self.role)
    }
}

/// Alerts that share every selected entity within `window_secs` of the incident's latest
/// activity belong to one incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrelationRule {
    /// Stable identifier, recorded on every link the rule makes.
    pub id: String,
    pub name: String,
    pub enabled: bool,
    pub window_secs: u32,
    pub join_on: Vec<EntitySelector>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("a rule needs an id of letters, digits and dashes (1 to 64)")]
    BadId,
    #[error("rule {0}: join on at least one entity, at most four")]
    BadJoin(String),
    #[error("rule {0}: the window must be between 1 second and 30 days")]
    BadWindow(String),
}

/// The value an alert offers under one rule: equal keys join alerts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct JoinKey {
    pub rule_id: String,
    /// The entities, in the rule's selector order, with the selector's role (none when the
    /// rule takes either side).
    pub entities: Vec<Entity>,
}

impl JoinKey {
    /// The key as one string, for an index: `rule|kind:role:value|…`.
    pub fn text(&self) -> String {
        let mut out = self.rule_id.clone();
        for entity in &self.entities {
            out.push('|');
            out.push_str(entity.kind.as_str());
            out.push(':');
            out.push_str(entity.role.map_or("", EntityRole::as_str));
            out.push(':');
            out.push_str(&entity.value);
        }
        out
    }
}

/// Keys per rule are capped: an alert listing many hosts must not fan out without bound.
pub const MAX_KEYS_PER_RULE: usize = 16;

impl CorrelationRule {
    pub const MAX_WINDOW_SECS: u32 = 30 * 24 * 3600;

    pub fn validate(&self) -> Result<(), RuleError> {
        let id_ok = !self.id.is_empty()
            && self.id.len() <= 64
            && self.id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !id_ok {
            return Err(RuleError::BadId);
        }
        if self.join_on.is_empty() || self.join_on.len() > 4 {
            return Err(RuleError::BadJoin(self.id.clone()));
        }
        if self.window_secs == 0 || self.window_secs > Self::MAX_WINDOW_SECS {
            return Err(RuleError::BadWindow(self.id.clone()));
        }
        Ok(())
    }

    /// The keys `entities` offer under this rule (none when a selected entity is missing):
    /// every combination of the matching values, in a stable order, at most
    /// [`MAX_KEYS_PER_RULE`]. `usable` says whether an entity may be joined on at all.
    pub fn keys(&self, entities: &[Entity], usable: &dyn Fn(&Entity) -> bool) -> Vec<JoinKey> {
        let mut combinations: Vec<Vec<Entity>> = vec![Vec::new()];
        for selector in &self.join_on {
            let mut values: Vec<Entity> = entities
                .iter()
                .filter(|e| selector.matches(e) && usable(e))
                .map(|e| Entity { kind: e.kind, value: e.value.clone(), role: selector.role })
                .collect();
            values.sort();
            values.dedup();
            if values.is_empty() {
                return Vec::new();
            }
            combinations = combinations
                .iter()
                .flat_map(|prefix| {
                    values.iter().map(move |v| {
                        let mut next = prefix.clone();
                        next.push(v.clone());
                        next
                    })
                })
                .take(MAX_KEYS_PER_RULE)
                .collect();
        }
        combinations.into_iter().map(|entities| JoinKey { rule_id: self.id.clone(), entities }).collect()
    }

    /// The rules Riposte ships with, most specific first (the order breaks ties).
    pub fn defaults() -> Vec<CorrelationRule> {
        use EntityKind::{CommunityId, Hash, Host, Ip, User};
        use EntityRole::{Destination, Source};
        let rule = |id: &str, name: &str, window_secs: u32, join_on: Vec<EntitySelector>| CorrelationRule {
            id: id.into(),
            name: name.into(),
            enabled: true,
            window_secs,
            join_on,
        };
        vec![
            rule("same-flow", "Same flow (Community ID)", 3600, vec![EntitySelector::any(CommunityId)]),
            rule(
                "same-conversation",
                "Same source and destination address",
                3600,
                vec![EntitySelector::on(Ip, Source), EntitySelector::on(Ip, Destination)],
            ),
            rule("same-file", "Same file hash", 24 * 3600, vec![EntitySelector::any(Hash)]),
            rule("same-host", "Same host", 4 * 3600, vec![EntitySelector::any(Host)]),
            rule("same-user", "Same user", 4 * 3600, vec![EntitySelector::any(User)]),
            rule("same-attacker", "Same source address", 1800, vec![EntitySelector::on(Ip, Source)]),
        ]
    }
}

/// The join as an administrator types it: `ip:source + ip:destination`, `host`.
pub fn format_join(join_on: &[EntitySelector]) -> String {
    join_on
        .iter()
        .map(|s| match s.role {
            Some(role) => format!("{}:{}", s.kind.as_str(), role.as_str()),
            None => s.kind.as_str().to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

/// Parses [`format_join`]'s text; the error names the part it could not read.
pub fn parse_join(text: &str) -> Result<Vec<EntitySelector>, String> {
    text.split('+')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (kind, role) = part.split_once(':').map_or((part, None), |(k, r)| (k, Some(r)));
            let kind = EntityKind::parse(kind)
                .ok_or_else(|| format!("\"{part}\": unknown entity kind \"{}\"", kind.trim()))?;
            let role =
                match role {
                    None => None,
                    Some(r) => Some(EntityRole::parse(r).ok_or_else(|| {
                        format!("\"{part}\": the side is source or destination, not \"{}\"", r.trim())
                    })?),
                };
            Ok(EntitySelector { kind, role })
        })
        .collect()
}

#[cfg(test)]
mod join_text_tests {
    use super::*;

    #[test]
    fn join_text_round_trips_and_names_mistakes() {
        for rule in CorrelationRule::defaults() {
            assert_eq!(parse_join(&format_join(&rule.join_on)), Ok(rule.join_on.clone()));
        }
        assert_eq!(parse_join("IP:src + host").map(|j| format_join(&j)), Ok("ip:source + host".into()));
        assert!(parse_join("ipaddr").expect_err("unknown kind").contains("unknown entity kind"));
        assert!(parse_join("ip:left").expect_err("unknown side").contains("source or destination"));
    }
}
