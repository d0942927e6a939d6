//! What a connector is asked to do, and what it reports back.

use riposte_domain::containment::{ActionKind, Direction, Target};
use serde::Serialize;
use serde_json::Value;

/// One action as a connector sees it: checked for shape before it gets here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// Riposte's action id: written into the device's comment or name where it has one, so a
    /// person on the device can tell what put the entry there.
    pub action_id: i64,
    pub kind: ActionKind,
    pub target: Target,
    pub direction: Option<Direction>,
    pub ttl_secs: u32,
}

/// Where the change stands on the device after a call, read back from it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// Whether the device holds the change now (true after a good apply, false after a good
    /// undo).
    pub in_force: bool,
    /// One line for people: "in blocked_in_v4 (expires in 3599 s)".
    pub summary: String,
    /// What the device answered, kept as the action's evidence.
    pub evidence: Value,
}

impl Outcome {
    pub fn new(in_force: bool, summary: impl Into<String>, evidence: Value) -> Outcome {
        Outcome { in_force, summary: summary.into(), evidence }
    }
}

/// A connector's settings did not make sense; names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ConfigError {
    pub field: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> ConfigError {
        ConfigError { field: field.into(), message: message.into() }
    }

    /// A serde error from reading the settings object.
    pub fn from_json(error: &serde_json::Error) -> ConfigError {
        ConfigError::new("config", error.to_string())
    }
}
