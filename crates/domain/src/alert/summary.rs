//! What the queue and the alert page show, as sent to the browser.

use serde::{Deserialize, Serialize};

use super::{AlertStatus, Entity, Severity};

/// One row of the alert queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertSummary {
    pub id: i64,
    pub source: String,
    pub title: String,
    pub severity: Severity,
    pub status: AlertStatus,
    /// RFC 3339, UTC, formatted on the server.
    pub received_at: String,
    pub event_time: Option<String>,
    pub entities: Vec<Entity>,
    /// How many alerts this row stands for: above 1 for the head of a rolled-up storm.
    #[serde(default = "one")]
    pub occurrences: i32,
    /// The newest alert of its storm, when it is a storm's head (RFC 3339).
    #[serde(default)]
    pub last_seen: Option<String>,
    /// The storm head this alert was rolled into.
    #[serde(default)]
    pub rollup_id: Option<i64>,
}

fn one() -> i32 {
    1
}

/// Everything the alert page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertDetail {
    pub summary: AlertSummary,
    pub source_ref: Option<String>,
    /// The network session it belongs to (Suricata `flow_id`).
    pub flow_id: Option<String>,
    pub description: String,
    pub attack_techniques: Vec<String>,
    pub tags: Vec<String>,
    pub raw: String,
    pub context: Vec<ContextSummary>,
    /// None until the pipeline has enriched it (a fraction of a second after ingest).
    #[serde(default)]
    pub enrichment: Option<AlertEnrichment>,
}

/// What enrichment found for an alert, and its score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertEnrichment {
    pub packet: crate::enrichment::ContextPacket,
    pub score: crate::enrichment::ScoreBreakdown,
    /// From receipt to enrichment.
    pub enrich_ms: i32,
}

/// A context event beside an alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContextSummary {
    pub id: i64,
    pub kind: String,
    pub event_time: Option<String>,
    pub raw: String,
}

/// Queue filters; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertFilter {
    pub source: Option<String>,
    pub severity: Option<Severity>,
    pub status: Option<AlertStatus>,
    /// Matches any entity value exactly (an address, a host, a user, ...).
    pub entity: Option<String>,
    /// Lists the alerts rolled into this storm head instead of the queue.
    #[serde(default)]
    pub rollup_of: Option<i64>,
}
