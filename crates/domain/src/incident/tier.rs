//! Who holds an incident (the tier whose queue shows it), its priority and its TLP.

use serde::{Deserialize, Serialize};

use crate::Role;
use crate::alert::Severity;

/// The team an incident is with; each has its queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Tier1,
    Tier2,
    Ir,
    Noc,
}

impl Tier {
    pub const ALL: [Tier; 4] = [Tier::Tier1, Tier::Tier2, Tier::Ir, Tier::Noc];

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Tier1 => "tier1",
            Tier::Tier2 => "tier2",
            Tier::Ir => "ir",
            Tier::Noc => "noc",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Tier::Tier1 => "Tier 1",
            Tier::Tier2 => "Tier 2",
            Tier::Ir => "Incident response",
            Tier::Noc => "NOC",
        }
    }

    pub fn parse(value: &str) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.as_str() == value.trim())
    }

    /// The queue a role works from; managers and admins have none of their own.
    pub fn of_role(role: Role) -> Option<Tier> {
        match role {
            Role::Tier1 => Some(Tier::Tier1),
            Role::Tier2 => Some(Tier::Tier2),
            Role::Ir => Some(Tier::Ir),
            Role::Noc => Some(Tier::Noc),
            Role::Manager | Role::Admin => None,
        }
    }

    /// Whether a user of `role` may receive a hand-off to this tier (and acknowledge it).
    pub fn accepts(self, role: Role) -> bool {
        Tier::of_role(role) == Some(self) || role == Role::Admin
    }
}

/// P1 is the most urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Priority(u8);

impl Priority {
    pub const HIGHEST: Priority = Priority(1);
    pub const LOWEST: Priority = Priority(4);

    pub fn new(level: i64) -> Option<Priority> {
        (1..=4).contains(&level).then_some(Priority(level as u8))
    }

    pub fn level(self) -> u8 {
        self.0
    }

    pub fn label(self) -> String {
        format!("P{}", self.0)
    }

    /// The priority an incident opens with, from its first alert's severity.
    pub fn from_severity(severity: Severity) -> Priority {
        match severity {
            Severity::Critical => Priority(1),
            Severity::High => Priority(2),
            Severity::Medium => Priority(3),
            Severity::Low | Severity::Informational => Priority(4),
        }
    }

    /// The priority a triage score calls for: 80 and above P1, 60 P2, 35 P3, below P4.
    pub fn from_score(score: u8) -> Priority {
        match score {
            80.. => Priority(1),
            60..=79 => Priority(2),
            35..=59 => Priority(3),
            _ => Priority(4),
        }
    }
}

/// Traffic Light Protocol 2.0: how far what is in the incident may be shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Tlp {
    #[serde(rename = "clear")]
    Clear,
    #[serde(rename = "green")]
    Green,
    #[serde(rename = "amber")]
    Amber,
    #[serde(rename = "amber+strict")]
    AmberStrict,
    #[serde(rename = "red")]
    Red,
}

impl Tlp {
    pub const ALL: [Tlp; 5] = [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::AmberStrict, Tlp::Red];

    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "clear",
            Tlp::Green => "green",
            Tlp::Amber => "amber",
            Tlp::AmberStrict => "amber+strict",
            Tlp::Red => "red",
        }
    }

    pub fn parse(value: &str) -> Option<Tlp> {
        let value = value.trim().to_ascii_lowercase();
        let value = value.strip_prefix("tlp:").unwrap_or(&value);
        Tlp::ALL.into_iter().find(|t| t.as_str() == value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_map_to_their_queues() {
        assert_eq!(Tier::of_role(Role::Tier2), Some(Tier::Tier2));
        assert_eq!(Tier::of_role(Role::Manager), None);
        assert!(Tier::Noc.accepts(Role::Noc));
        assert!(!Tier::Ir.accepts(Role::Tier1));
    }

    #[test]
    fn priority_follows_severity_and_stays_in_range() {
        assert_eq!(Priority::from_severity(Severity::Critical), Priority::HIGHEST);
        assert_eq!(Priority::from_severity(Severity::Informational), Priority::LOWEST);
        assert_eq!(Priority::from_score(80), Priority::HIGHEST);
        assert_eq!(Priority::from_score(34), Priority::LOWEST);
        assert_eq!(Priority::from_score(60).level(), 2);
        assert_eq!(Priority::new(0), None);
        assert_eq!(Priority::new(5), None);
        assert_eq!(Priority::new(2).map(Priority::label), Some("P2".into()));
    }

    #[test]
    fn tlp_accepts_the_prefixed_form() {
        assert_eq!(Tlp::parse("TLP:AMBER+STRICT"), Some(Tlp::AmberStrict));
        assert_eq!(Tlp::parse("white"), None);
    }
}
