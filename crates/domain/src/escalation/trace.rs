//! What the incident page and the rules page show of escalations.

use serde::{Deserialize, Serialize};

use super::rule::Outcomes;
use super::sequence::Matched;

/// Why an incident was escalated: the rule (and the version of the rule set it was in), the
/// key that tied the events together, and every event that met the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhyTrace {
    pub rule: String,
    pub version: i32,
    /// `user=alice` for a sequence; empty for a single-alert rule.
    pub key: String,
    pub events: Vec<Matched>,
    /// What the rule called for when it held.
    pub outcomes: Outcomes,
}

/// An escalation as the incident page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationView {
    pub id: i64,
    pub fired_at: String,
    pub trace: WhyTrace,
    /// Each traced event's time, RFC 3339.
    pub event_times: Vec<String>,
    /// Times the rule held again for this incident after the first.
    pub repeats: i32,
}

/// One rule in a saved set, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSummary {
    pub name: String,
    pub enabled: bool,
    /// "one alert: score >= 80" or "sequence by user within 10m: 2 steps".
    pub trigger: String,
    pub outcomes: String,
}

/// A saved version of the rule set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSetVersion {
    pub version: i32,
    pub text: String,
    pub saved_by: String,
    pub saved_at: String,
    pub comment: String,
    pub rules: Vec<RuleSummary>,
}
