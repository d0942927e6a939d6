//! What an address did around an alert, from ingested context events: its recent flows
//! (peers, ports, firewall denies) and the names it looked up.

use serde::{Deserialize, Serialize};

use super::identity::{Seen, top};

/// Hours of context read before an alert.
pub const ACTIVITY_HOURS: u32 = 24;
/// Context events read per address (the most recent).
pub const ACTIVITY_EVENTS: usize = 200;

/// One context event touching the address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Touch {
    pub at_ms: i64,
    pub kind: String,
    /// The other side of the conversation.
    pub peer: Option<String>,
    pub dest_port: Option<i32>,
    /// A firewall's verdict (allow, deny, drop).
    pub action: Option<String>,
    /// The name asked, for DNS events sent by the address.
    pub query: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkActivity {
    pub address: String,
    /// Context events read (at most [`ACTIVITY_EVENTS`]).
    pub events: u32,
    pub flows: u32,
    pub denied: u32,
    pub peers: Vec<Seen>,
    pub ports: Vec<Seen>,
    pub dns: Vec<Seen>,
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
}

/// Kinds that describe a conversation (a flow record or a firewall session).
fn is_flow(kind: &str) -> bool {
    matches!(kind, "flow" | "netflow" | "firewall_traffic" | "traffic") || kind.ends_with("_traffic")
}

pub fn summarize(address: &str, touches: &[Touch]) -> NetworkActivity {
    let count = |items: Vec<String>| top(items.into_iter().map(|v| (v, String::new())));
    let flows: Vec<&Touch> = touches.iter().filter(|t| is_flow(&t.kind)).collect();
    let denied = touches
        .iter()
        .filter(|t| t.action.as_deref().is_some_and(|a| matches!(a, "deny" | "drop" | "reject" | "block")))
        .count();
    NetworkActivity {
        address: address.to_owned(),
        events: u32::try_from(touches.len()).unwrap_or(u32::MAX),
        flows: u32::try_from(flows.len()).unwrap_or(u32::MAX),
        denied: u32::try_from(denied).unwrap_or(u32::MAX),
        peers: count(touches.iter().filter_map(|t| t.peer.clone()).collect()),
        ports: count(flows.iter().filter_map(|t| t.dest_port.map(|p| p.to_string())).collect()),
        dns: count(
            touches.iter().filter_map(|t| t.query.as_ref().map(|q| q.trim_end_matches('.').to_lowercase())).collect(),
        ),
        first_ms: touches.iter().map(|t| t.at_ms).min(),
        last_ms: touches.iter().map(|t| t.at_ms).max(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(kind: &str, peer: &str, port: Option<i32>, action: Option<&str>, query: Option<&str>) -> Touch {
        Touch {
            at_ms: 1_000,
            kind: kind.into(),
            peer: Some(peer.into()),
            dest_port: port,
            action: action.map(Into::into),
            query: query.map(Into::into),
        }
    }

    #[test]
    fn flows_peers_ports_denies_and_lookups_are_counted() {
        let touches = vec![
            touch("flow", "82.165.177.154", Some(80), None, None),
            touch("flow", "82.165.177.154", Some(443), None, None),
            touch("firewall_traffic", "198.51.100.1", Some(443), Some("deny"), None),
            touch("dns", "10.0.0.53", Some(53), None, Some("Evil.Example.")),
            touch("dns", "10.0.0.53", Some(53), None, Some("evil.example")),
            touch("http", "82.165.177.154", Some(80), None, None),
        ];
        let a = summarize("10.0.0.5", &touches);
        assert_eq!((a.events, a.flows, a.denied), (6, 3, 1));
        assert_eq!(a.peers[0], Seen { value: "82.165.177.154".into(), count: 3, place: String::new() });
        assert_eq!(a.ports[0].value, "443");
        assert_eq!(a.dns, vec![Seen { value: "evil.example".into(), count: 2, place: String::new() }]);
    }

    #[test]
    fn no_context_is_an_empty_summary() {
        let a = summarize("10.0.0.5", &[]);
        assert_eq!((a.events, a.first_ms), (0, None));
    }
}
