//! What an escalation rule sees of one event: an alert after enrichment, or a context event
//! (a logon, a firewall decision, a service install) from any source.

use serde::{Deserialize, Serialize};

use crate::alert::Severity;

/// Where an event is stored, for the why-trace's links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "table", content = "id", rename_all = "snake_case")]
pub enum EventRef {
    Alert(i64),
    Context(i64),
}

/// The fields a condition can test. Lists hold every value an event carries (an alert may
/// name several users or hosts); all names are lowercase.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFacts {
    pub event: Option<EventRef>,
    /// `alert`, or the context event's kind (`logon`, `firewall_traffic`, `service_install`, ...).
    pub kind: String,
    pub source: String,
    /// An alert's title (its signature); empty for context events.
    pub title: String,
    pub severity: Option<Severity>,
    pub score: Option<u8>,
    /// `success` or `failure`, for logons.
    pub outcome: Option<String>,
    /// A firewall's decision: `allow`, `deny`, `drop`, ...
    pub action: Option<String>,
    pub users: Vec<String>,
    pub hosts: Vec<String>,
    pub src_ips: Vec<String>,
    pub dest_ips: Vec<String>,
    pub dest_ports: Vec<u16>,
    /// Tags of the assets it touches (`domain-controller`, `pci`, ...).
    pub tags: Vec<String>,
    /// The highest criticality among those assets.
    pub criticality: Option<u8>,
    pub internet_facing: bool,
    /// The most confident watchlist match; none when nothing matched.
    pub intel_confidence: Option<u8>,
    pub techniques: Vec<String>,
    /// When it happened, in ms since the epoch.
    pub at_ms: i64,
}

impl EventFacts {
    /// One line naming the event, for the why-trace.
    pub fn label(&self) -> String {
        let mut parts = vec![if self.title.is_empty() { self.kind.replace('_', " ") } else { self.title.clone() }];
        if let Some(outcome) = self.outcome.as_deref().or(self.action.as_deref()) {
            parts.push(outcome.to_owned());
        }
        if let Some(user) = self.users.first() {
            parts.push(format!("user {user}"));
        }
        if let Some(src) = self.src_ips.first() {
            parts.push(format!("from {src}"));
        }
        if let Some(host) = self.hosts.first() {
            parts.push(format!("on {host}"));
        } else if let Some(dest) = self.dest_ips.first() {
            parts.push(format!("to {dest}"));
        }
        parts.push(format!("({})", self.source));
        parts.join(" ")
    }
}
