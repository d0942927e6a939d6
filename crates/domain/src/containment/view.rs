//! What the containment pages show: actions with their story, the NOC's notices, policies,
//! proposals for an incident, and the readiness summary.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionView {
    pub action_id: i64,
    pub kind: String,
    pub target: String,
    pub direction: Option<String>,
    pub connector: String,
    pub incident_id: Option<i64>,
    pub state: String,
    pub reason: String,
    pub ttl_secs: i32,
    pub requested_by: String,
    pub approved_by: Option<String>,
    pub requested_at: String,
    pub expires_at: Option<String>,
    pub last_error: Option<String>,
    /// Ran under a pre-authorised policy and no person has reviewed it yet.
    pub needs_review: bool,
    pub policy: Option<String>,
    /// The guard's concerns that asked for a second person.
    pub concerns: Value,
    pub blast_radius: Value,
    pub events: Vec<ActionEventView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionEventView {
    pub at: String,
    pub actor: String,
    pub event: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub evidence: Value,
}

/// A change the NOC is told of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeView {
    pub notice_id: i64,
    pub action_id: i64,
    pub incident_id: Option<i64>,
    pub event: String,
    pub change: String,
    pub created_at: String,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<String>,
    pub objection: Option<String>,
    pub objected_by: Option<String>,
}

/// An action the Contain button offers for one of an incident's entities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    pub kind: String,
    pub target: String,
    pub direction: Option<String>,
    pub connector: String,
    /// Why this connector: "inventory lists it for web-01", "covers 10.0.0.0/8", "any address".
    pub because: String,
    /// The entity's role on the incident ("source", "destination", "host").
    pub role: String,
    /// The kinds of action the person may choose instead for this target on this connector
    /// (block, quarantine, capture for an address; isolate for a host), `kind` first among them.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// The block directions this connector enforces as asked (both only, for a firewall
    /// whose own rules decide).
    #[serde(default)]
    pub directions: Vec<String>,
}

/// A proposal judged before the click: its blast radius and guard-rail verdict, or why it
/// could not be judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    pub proposal: Proposal,
    pub preview: Result<PreviewView, String>,
}

/// Containment readiness: what each connector covers and how much of the critical inventory
/// some connector can act on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Readiness {
    pub connectors: Vec<ConnectorCoverage>,
    pub critical_assets: i64,
    pub critical_covered: i64,
    /// Every inventory asset, and how many of them no connector can act on.
    #[serde(default)]
    pub assets: i64,
    #[serde(default)]
    pub assets_uncovered: i64,
    /// Assets no connector can act on (no API), most critical first (at most 200).
    pub uncovered: Vec<UncoveredAsset>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectorCoverage {
    pub name: String,
    pub kind: String,
    pub enabled: bool,
    pub can: Vec<String>,
    pub ranges: Vec<String>,
    pub assets: i64,
    pub segments: Vec<String>,
    pub check_ok: Option<bool>,
    pub check_message: Option<String>,
    pub checked_at: Option<String>,
    pub last_success_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UncoveredAsset {
    pub name: String,
    pub addresses: Vec<String>,
    pub criticality: i16,
    pub segment: String,
}

impl Readiness {
    /// Share of critical assets some connector can act on, in percent (100 with none).
    pub fn coverage_percent(&self) -> f64 {
        if self.critical_assets == 0 {
            100.0
        } else {
            self.critical_covered as f64 * 100.0 / self.critical_assets as f64
        }
    }
}

/// A pre-authorised policy as listed and edited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyView {
    pub policy_id: i64,
    pub name: String,
    pub enabled: bool,
    pub condition: super::Condition,
    pub describe: String,
    pub kind: String,
    pub direction: Option<String>,
    pub aim: String,
    pub connector: String,
    pub ttl_secs: i32,
    pub rate_cap_per_hour: i32,
    /// Actions it took in the last hour.
    pub last_hour: i64,
}

/// What the Contain form shows before the click.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewView {
    pub target: String,
    pub allowed: bool,
    pub refusals: Vec<String>,
    pub needs_approval: Vec<String>,
    /// How many addresses lose connectivity (as text: a /0 of IPv6 exceeds JSON numbers).
    pub addresses: String,
    /// "dc01.corp (criticality 5, Directory)", most critical first.
    pub assets: Vec<String>,
    pub services: Vec<String>,
}

/// A request as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestedView {
    pub action_id: i64,
    pub state: String,
    pub created: bool,
}

/// A SIEM output with how its messages are faring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiemOutputView {
    pub name: String,
    pub kind: String,
    pub address: String,
    pub has_token: bool,
    pub enabled: bool,
    pub pending: i64,
    pub failed: i64,
    pub last_sent_at: Option<String>,
    pub last_error: Option<String>,
}

/// The guard rails as an administrator sees and edits them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardRailsView {
    /// Listed entries, then every connector's own management address (not removable here).
    pub protected: Vec<ProtectedEntry>,
    pub internal: Vec<String>,
    pub broadest_v4: u8,
    pub broadest_v6: u8,
    pub critical_from: u8,
    pub approver_roles: Vec<String>,
    pub protected_tags: Vec<String>,
    /// Inventory assets those tags protect now.
    pub tagged_assets: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtectedEntry {
    pub net: String,
    pub why: String,
    /// `None` for a connector's management address (edited with the connector).
    pub added_by: Option<String>,
}
