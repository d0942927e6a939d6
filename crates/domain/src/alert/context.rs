//! Context events: what sensors saw around alerts (flows, DNS, HTTP, TLS, ...). They are not
//! alerts; they are joined to alerts by flow id or Community ID and feed enrichment.

use serde::{Deserialize, Serialize};

use super::DedupKey;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContextEvent {
    pub source: String,
    /// The sensor's event type (`flow`, `dns`, `http`, `tls`, `ssh`, `fileinfo`, ...).
    pub kind: String,
    pub event_time_ms: Option<i64>,
    pub flow_id: Option<String>,
    pub community_id: Option<String>,
    pub src_ip: Option<String>,
    pub dest_ip: Option<String>,
    pub src_port: Option<i32>,
    pub dest_port: Option<i32>,
    pub proto: Option<String>,
    /// The account an identity event is about (a logon, a failed logon, a privilege use).
    #[serde(default)]
    pub user_name: Option<String>,
    /// The host it happened on (the machine logged on to, the process's host).
    #[serde(default)]
    pub host_name: Option<String>,
    /// `success` or `failure`, for logons and authentications.
    #[serde(default)]
    pub outcome: Option<String>,
    /// What a firewall did (`allow`, `deny`, `drop`, ...), normalised to lowercase.
    #[serde(default)]
    pub action: Option<String>,
    pub dedup_key: DedupKey,
    /// The event exactly as received.
    pub raw: String,
}
