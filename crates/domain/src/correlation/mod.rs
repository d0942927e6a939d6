//! Correlation: which open incident a new alert belongs to. Rules are data: each names the
//! entities two alerts must share (and within what window) to be one story. The database
//! finds the open incidents holding an alert's join keys; the choice among them, and what
//! may be joined on at all, is decided here, so every case is unit-tested.

mod decide;
mod exclusion;
mod rule;

pub use decide::{Candidate, Decision, LinkReason, decide, join_keys};
pub use exclusion::{Exclusion, Exclusions};
pub use rule::{CorrelationRule, EntitySelector, JoinKey, MAX_KEYS_PER_RULE, RuleError};
