//! What the SIEM is told about each containment state change: a CEF record (carried in an
//! RFC 5424 syslog frame) and a Splunk HEC event with the same fields. Values come from
//! checked actions, but reasons are free text, so every value is escaped as CEF requires.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// One state change of one action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateChange {
    pub action_id: i64,
    pub kind: String,
    pub target: String,
    pub direction: Option<String>,
    pub connector: String,
    pub incident_id: Option<i64>,
    /// The event ("requested", "applied", "verified", "undone", "expired", "failed", …).
    pub event: String,
    /// The state it led to.
    pub state: String,
    pub actor: String,
    pub reason: Option<String>,
    /// RFC 3339, UTC.
    pub at: String,
    /// Milliseconds since the epoch (CEF's `rt`, HEC's `time`).
    pub at_ms: i64,
}

pub const VENDOR: &str = "Riposte";
pub const PRODUCT: &str = "Riposte";

impl StateChange {
    /// CEF severity 0–10: a failure is what a SIEM must surface first.
    pub fn severity(&self) -> u8 {
        match self.event.as_str() {
            "failed" => 9,
            "applied" | "verified" => 7,
            "requested" | "approved" | "started" => 5,
            _ => 3,
        }
    }

    /// `CEF:0|Riposte|Riposte|version|containment:event|name|severity|extension`.
    pub fn cef(&self, version: &str) -> String {
        let name = format!("Containment {} {} {}", self.kind, self.event, self.target);
        let mut extension = vec![
            ("rt", self.at_ms.to_string()),
            ("act", self.kind.clone()),
            ("outcome", self.state.clone()),
            ("suser", self.actor.clone()),
            ("cs1Label", "connector".into()),
            ("cs1", self.connector.clone()),
            ("cn1Label", "actionId".into()),
            ("cn1", self.action_id.to_string()),
        ];
        if self.target.contains('/') {
            let (address, bits) = self.target.split_once('/').unwrap_or((&self.target, ""));
            let host_bits = if address.contains(':') { "128" } else { "32" };
            if bits == host_bits {
                extension.push((if address.contains(':') { "c6a2" } else { "dst" }, address.to_owned()));
            }
            extension.push(("cs2Label", "target".into()));
            extension.push(("cs2", self.target.clone()));
        } else {
            extension.push(("dhost", self.target.clone()));
        }
        if let Some(direction) = &self.direction {
            extension.push(("deviceDirection", if direction == "outbound" { "1".into() } else { "0".into() }));
            extension.push(("cs3Label", "direction".into()));
            extension.push(("cs3", direction.clone()));
        }
        if let Some(incident) = self.incident_id {
            extension.push(("cn2Label", "incidentId".into()));
            extension.push(("cn2", incident.to_string()));
        }
        if let Some(reason) = &self.reason {
            extension.push(("msg", reason.clone()));
        }
        let extension: Vec<String> = extension.iter().map(|(k, v)| format!("{k}={}", escape_value(v))).collect();
        format!(
            "CEF:0|{}|{}|{}|containment:{}|{}|{}|{}",
            escape_header(VENDOR),
            escape_header(PRODUCT),
            escape_header(version),
            escape_header(&self.event),
            escape_header(&name),
            self.severity(),
            extension.join(" ")
        )
    }

    /// An RFC 5424 line: facility security/authorization (10), severity from the CEF one.
    pub fn syslog(&self, hostname: &str, version: &str) -> String {
        let severity = match self.severity() {
            9.. => 2,   // critical
            7..=8 => 4, // warning
            5..=6 => 5, // notice
            _ => 6,     // informational
        };
        let hostname = if hostname.is_empty() || hostname.contains(' ') { "-" } else { hostname };
        format!("<{}>1 {} {hostname} riposte - containment - {}", 10 * 8 + severity, self.at, self.cef(version))
    }

    /// The HEC event: `{"time", "sourcetype", "source", "event": {...}}`.
    pub fn hec(&self) -> Value {
        json!({
            "time": self.at_ms as f64 / 1000.0,
            "sourcetype": "riposte:containment",
            "source": "riposte",
            "event": self,
        })
    }
}

/// CEF header fields escape `\` and `|`; a line break would end the record.
fn escape_header(text: &str) -> String {
    text.replace('\\', "\\\\").replace('|', "\\|").replace(['\r', '\n'], " ")
}

/// CEF extension values escape `\` and `=`, and write line breaks as `\n`/`\r`.
fn escape_value(text: &str) -> String {
    text.replace('\\', "\\\\").replace('=', "\\=").replace('\n', "\\n").replace('\r', "\\r")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change() -> StateChange {
        StateChange {
            action_id: 42,
            kind: "block".into(),
            target: "203.0.113.7/32".into(),
            direction: Some("both".into()),
            connector: "edge-fw".into(),
            incident_id: Some(7),
            event: "verified".into(),
            state: "verified".into(),
            actor: "riposte".into(),
            reason: Some("C2 beacon | seen = twice\nagain".into()),
            at: "2026-11-23T10:00:00.000Z".into(),
            at_ms: 1_795_428_000_000,
        }
    }

    #[test]
    fn cef_escapes_free_text_and_names_the_address() {
        let cef = change().cef("0.1.0");
        assert!(
            cef.starts_with(
                "CEF:0|Riposte|Riposte|0.1.0|containment:verified|Containment block verified 203.0.113.7/32|7|"
            ),
            "{cef}"
        );
        assert!(cef.contains(" dst=203.0.113.7 "), "{cef}");
        assert!(cef.contains("msg=C2 beacon | seen \\= twice\\nagain"), "{cef}");
        assert!(cef.contains("cn1=42") && cef.contains("cn2=7") && cef.contains("cs1=edge-fw"), "{cef}");
        assert!(!cef.contains('\n'));
    }

    #[test]
    fn a_range_has_no_dst_and_a_host_is_dhost() {
        let mut range = change();
        range.target = "203.0.113.0/24".into();
        assert!(!range.cef("1").contains(" dst="));
        let mut host = change();
        host.target = "WKS-042".into();
        host.kind = "isolate".into();
        host.direction = None;
        assert!(host.cef("1").contains("dhost=WKS-042"));
    }

    #[test]
    fn syslog_frame_is_rfc5424_with_a_security_facility() {
        let mut failed = change();
        failed.event = "failed".into();
        let line = failed.syslog("riposte-1", "0.1.0");
        assert!(line.starts_with("<82>1 2026-11-23T10:00:00.000Z riposte-1 riposte - containment - CEF:0|"), "{line}");
        assert!(change().syslog("bad host", "1").contains(" - riposte - containment"));
    }

    #[test]
    fn hec_event_carries_every_field() {
        let event = change().hec();
        assert_eq!(event["sourcetype"], "riposte:containment");
        assert_eq!(event["event"]["action_id"], 42);
        assert_eq!(event["time"], 1_795_428_000.0);
    }
}
