//! What the incident queues and the incident page show, as sent to the browser. Times are
//! RFC 3339 text formatted on the server.

use serde::{Deserialize, Serialize};

use super::markdown::Block;
use super::{Classification, HandoffPacket, IncidentStatus, Priority, Tactic, Tier, Tlp};
use crate::alert::{AlertSummary, Entity, Severity};
use crate::correlation::LinkReason;

/// One row of an incident queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentSummary {
    pub id: i64,
    pub title: String,
    pub status: IncidentStatus,
    pub classification: Option<Classification>,
    pub severity: Severity,
    pub priority: Priority,
    pub tier: Tier,
    pub owner: Option<String>,
    /// Alert rows linked (a rolled-up storm counts once here)...
    pub alert_count: i64,
    /// ...and every alert they stand for.
    pub event_count: i64,
    pub first_seen: String,
    pub last_seen: String,
    pub updated_at: String,
    pub tags: Vec<String>,
    /// A hand-off waiting for the receiving tier to acknowledge it.
    pub pending_handoff: Option<Tier>,
    /// The SLA clock running now (none once contained).
    pub sla: Option<super::sla::SlaBadge>,
    /// The external party the incident waits on (its SLA clocks are paused meanwhile).
    pub waiting_on: Option<String>,
}

/// Which incidents a queue lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Queue {
    Tier(Tier),
    /// Owned by the signed-in user.
    Mine,
    All,
}

impl Queue {
    pub fn as_str(self) -> &'static str {
        match self {
            Queue::Tier(tier) => tier.as_str(),
            Queue::Mine => "mine",
            Queue::All => "all",
        }
    }

    pub fn parse(value: &str) -> Option<Queue> {
        match value.trim() {
            "mine" => Some(Queue::Mine),
            "all" => Some(Queue::All),
            other => Tier::parse(other).map(Queue::Tier),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum IncidentSort {
    /// Most recent activity first.
    #[default]
    Activity,
    /// Most urgent first, then most recent.
    Priority,
    /// Newest incidents first.
    Opened,
}

impl IncidentSort {
    pub const ALL: [IncidentSort; 3] = [IncidentSort::Activity, IncidentSort::Priority, IncidentSort::Opened];

    pub fn as_str(self) -> &'static str {
        match self {
            IncidentSort::Activity => "activity",
            IncidentSort::Priority => "priority",
            IncidentSort::Opened => "opened",
        }
    }

    pub fn parse(value: &str) -> Option<IncidentSort> {
        IncidentSort::ALL.into_iter().find(|s| s.as_str() == value.trim())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentFilter {
    pub queue: Queue,
    /// `None` lists every open status.
    pub status: Option<IncidentStatus>,
    pub severity: Option<Severity>,
    pub sort: IncidentSort,
}

impl Default for IncidentFilter {
    fn default() -> Self {
        IncidentFilter { queue: Queue::All, status: None, severity: None, sort: IncidentSort::Activity }
    }
}

/// Everything the incident page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentDetail {
    pub summary: IncidentSummary,
    /// The version an edit must name (see [`super::IncidentEdit`]).
    pub version: i32,
    pub tlp: Tlp,
    pub attack_techniques: Vec<String>,
    /// The incident this one was merged into, if any.
    pub merged_into: Option<i64>,
    pub narrative: Vec<String>,
    pub timeline: Timeline,
    pub entities: Vec<EntityUsage>,
    pub alerts: Vec<LinkedAlert>,
    /// Linked alert rows beyond those listed.
    pub alerts_total: i64,
    pub comments: Vec<CommentView>,
    pub tasks: Vec<TaskView>,
    pub handoffs: Vec<HandoffView>,
    pub events: Vec<EventView>,
    /// Why the escalation matrix raised it, rule by rule.
    pub escalations: Vec<crate::escalation::EscalationView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// Per tactic in kill-chain order (unmapped last), the entries of that stage in time order.
    pub groups: Vec<TimelineGroup>,
    /// Entries in the incident; the page lists the most recent ones.
    pub total: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineGroup {
    pub tactic: Option<Tactic>,
    pub entries: Vec<TimelineEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: String,
    pub source: String,
    pub what: TimelineItem,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TimelineItem {
    Alert {
        id: i64,
        title: String,
        severity: Severity,
        occurrences: i32,
    },
    /// A flow, DNS, HTTP, TLS... event from the same network session as a linked alert.
    Context {
        id: i64,
        kind: String,
        alert_id: i64,
    },
}

/// An entity of the incident and where else it appears.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityUsage {
    pub entity: Entity,
    pub alert_count: i64,
    pub last_seen: String,
    /// Other incidents holding it (the most recent few).
    pub other_incidents: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkedAlert {
    pub alert: AlertSummary,
    /// Why correlation linked it; none for the alert that opened the incident or a manual link.
    pub reason: Option<LinkReason>,
    pub linked_by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommentView {
    pub id: i64,
    pub author: String,
    pub at: String,
    pub body: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskView {
    pub id: i64,
    pub title: String,
    pub owner: Option<String>,
    pub done: bool,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandoffView {
    pub id: i64,
    pub from: Tier,
    pub to: Tier,
    pub packet: HandoffPacket,
    pub sent_by: String,
    pub sent_at: String,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<String>,
    /// Seconds from sending to acknowledgement.
    pub ack_seconds: Option<i64>,
}

/// One row of the incident event log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventView {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub kind: String,
    /// A one-line account of the change.
    pub text: String,
    pub reason: Option<String>,
    /// A merge, split or unlink that can still be undone.
    pub undoable: bool,
}

/// An in-app notice for a user (a hand-off to their tier, a task given to them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    pub id: i64,
    /// `None` for a notice about a containment action that no incident holds.
    pub incident_id: Option<i64>,
    pub text: String,
    pub at: String,
}

/// What a search found, per kind; each list is the most recent matches.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    pub incidents: Vec<IncidentSummary>,
    pub alerts: Vec<AlertHit>,
    pub entities: Vec<EntityHit>,
    pub comments: Vec<CommentHit>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertHit {
    pub id: i64,
    pub title: String,
    pub source: String,
    pub severity: Severity,
    pub received_at: String,
    pub incident_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityHit {
    pub kind: String,
    pub value: String,
    pub incident_id: i64,
    pub alert_count: i64,
    pub last_seen: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommentHit {
    pub id: i64,
    pub incident_id: i64,
    pub author: String,
    pub at: String,
    /// The start of the comment, as plain text.
    pub excerpt: String,
}
