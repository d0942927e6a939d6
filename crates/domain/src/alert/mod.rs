//! The one alert model every adapter normalises into, aligned with OCSF Detection Finding:
//! severity, entities, ATT&CK techniques, event and received time, the source's own id and
//! the raw payload kept verbatim.

mod context;
mod dedup;
mod entity;
mod severity;
mod status;
mod storm;
mod summary;

pub use context::ContextEvent;
pub use dedup::{DedupKey, content_dedup_key};
pub use entity::{Entity, EntityKind, EntityRole};
pub use severity::Severity;
pub use status::AlertStatus;
pub use storm::{DEFAULT_POLICY_SOURCE, Placement, StormField, StormPolicy, StormState};
pub use summary::{AlertDetail, AlertEnrichment, AlertFilter, AlertSummary, ContextSummary};

use serde::{Deserialize, Serialize};

/// An alert as an adapter produced it, before it is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewAlert {
    /// Which tool sent it (`suricata`, `thehive`, `native`, ...).
    pub source: String,
    /// The source's own identifier, when it has one.
    pub source_ref: Option<String>,
    /// The network session it belongs to (Suricata `flow_id`), joining it to context events.
    pub flow_id: Option<String>,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    /// When it happened at the source, in milliseconds since the Unix epoch (UTC).
    pub event_time_ms: Option<i64>,
    pub entities: Vec<Entity>,
    /// ATT&CK technique ids such as `T1110` or `T1110.001`.
    pub attack_techniques: Vec<String>,
    pub tags: Vec<String>,
    /// Identifies repeats of the same alert from the same source.
    pub dedup_key: DedupKey,
    /// The payload exactly as received.
    pub raw: String,
    /// The source's own attributes that the model has no place for (OCSF `unmapped`), kept
    /// so a compatible API can answer in its original's shape (TheHive's tlp, pap, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unmapped: Option<serde_json::Value>,
}

/// An ATT&CK technique id: `T` + 4 digits, optionally `.` + 3 digits.
pub fn is_attack_technique(id: &str) -> bool {
    let bytes = id.as_bytes();
    let digits = |range: std::ops::Range<usize>| bytes.get(range).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    match bytes.len() {
        5 => bytes[0] == b'T' && digits(1..5),
        9 => bytes[0] == b'T' && digits(1..5) && bytes[5] == b'.' && digits(6..9),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attack_ids() {
        assert!(is_attack_technique("T1110"));
        assert!(is_attack_technique("T1110.001"));
        assert!(!is_attack_technique("T111"));
        assert!(!is_attack_technique("t1110"));
        assert!(!is_attack_technique("T1110.01"));
        assert!(!is_attack_technique("T1110x001"));
    }
}
