//! Correlation: which open incident a new alert belongs to. Rules are data: each names the
//! entities two alerts must share (and within what window) to be one story. The database
//! finds the open incidents holding an alert's join keys; the choice among them, and what
//! may be joined on at all, is decided here, so every case is unit-tested.

mod decide;
mod exclusion;
mod rule;

pub use decide::{Candidate, Decision, LinkReason, decide, join_keys};
pub use exclusion::{Exclusion, Exclusions, is_network};
pub use rule::{CorrelationRule, EntitySelector, JoinKey, MAX_KEYS_PER_RULE, RuleError, format_join, parse_join};

/// The correlation settings page: rules in order, exclusions, the frequency cap.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CorrelationSettings {
    pub rules: Vec<CorrelationRule>,
    pub exclusions: Vec<ExclusionEntry>,
    pub max_frequency: u32,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExclusionEntry {
    pub id: i64,
    /// `network` for a CIDR range, else an entity kind.
    pub kind: String,
    pub value: String,
    pub note: String,
    pub created_by: String,
}
