//! Builds what escalation rules see of an alert (with its context packet and score) and of
//! a context event.

use riposte_domain::alert::{EntityKind, EntityRole, Severity};
use riposte_domain::enrichment::ContextPacket;
use riposte_domain::escalation::{EventFacts, EventRef};

use crate::alerts::epoch_ms;
use crate::store::pipeline::{Pending, PendingContext};

/// Host names compare by their first label, lowercase: a sensor says `WS-7`, Windows says
/// `ws-7.corp.example`, the inventory says `ws-7`; all three are one host.
pub fn host_key(name: &str) -> String {
    let name = name.trim().to_lowercase();
    if name.parse::<std::net::IpAddr>().is_ok() {
        return name;
    }
    name.split('.').next().unwrap_or_default().to_owned()
}

fn push_unique(list: &mut Vec<String>, value: String) {
    if !value.is_empty() && !list.contains(&value) {
        list.push(value);
    }
}

pub fn of_alert(alert: &Pending, packet: Option<&ContextPacket>, score: Option<u8>) -> EventFacts {
    let mut facts = EventFacts {
        event: Some(EventRef::Alert(alert.alert_id)),
        kind: "alert".into(),
        source: alert.source.to_lowercase(),
        title: alert.title.clone(),
        severity: Severity::from_ocsf_id(i64::from(alert.severity)),
        score,
        techniques: alert.attack_techniques.clone(),
        at_ms: epoch_ms(alert.event_time.unwrap_or(alert.received_at)),
        ..EventFacts::default()
    };
    for entity in &alert.entities.0 {
        let value = entity.value.to_lowercase();
        match entity.kind {
            EntityKind::User => push_unique(&mut facts.users, value),
            EntityKind::Host => push_unique(&mut facts.hosts, host_key(&value)),
            // An address without a role counts on both sides.
            EntityKind::Ip => {
                if entity.role != Some(EntityRole::Destination) {
                    push_unique(&mut facts.src_ips, value.clone());
                }
                if entity.role != Some(EntityRole::Source) {
                    push_unique(&mut facts.dest_ips, value);
                }
            }
            EntityKind::Port if entity.role != Some(EntityRole::Source) => {
                if let Ok(port) = value.parse() {
                    facts.dest_ports.push(port);
                }
            }
            _ => {}
        }
    }
    if let Some(packet) = packet {
        // The inventory names the hosts behind the addresses: "an IDS alert on a host".
        for asset in &packet.assets {
            push_unique(&mut facts.hosts, host_key(&asset.name));
            for tag in &asset.tags {
                push_unique(&mut facts.tags, tag.to_lowercase());
            }
            facts.internet_facing |= asset.internet_facing;
        }
        facts.criticality = packet.top_asset().map(|a| a.criticality);
        facts.intel_confidence = packet.top_intel().map(|m| m.confidence);
    }
    facts
}

/// Firewalls name the same decision differently (PAN-OS `allow`, FortiGate `accept`, Cisco
/// `permit`); rules say `allow`.
pub fn firewall_action(action: &str) -> String {
    let action = action.trim().to_lowercase();
    match action.as_str() {
        "accept" | "accepted" | "permit" | "permitted" | "pass" | "allowed" => "allow".into(),
        _ => action,
    }
}

pub fn of_context(event: &PendingContext) -> EventFacts {
    let mut facts = EventFacts {
        event: Some(EventRef::Context(event.context_event_id)),
        kind: event.kind.to_lowercase(),
        source: event.source.to_lowercase(),
        outcome: event.outcome.as_deref().map(str::to_lowercase),
        action: event.action.as_deref().map(firewall_action),
        at_ms: epoch_ms(event.event_time.unwrap_or(event.received_at)),
        ..EventFacts::default()
    };
    if let Some(user) = &event.user_name {
        push_unique(&mut facts.users, user.to_lowercase());
    }
    if let Some(host) = &event.host_name {
        push_unique(&mut facts.hosts, host_key(host));
    }
    if let Some(src) = &event.src_ip {
        push_unique(&mut facts.src_ips, src.clone());
    }
    if let Some(dest) = &event.dest_ip {
        push_unique(&mut facts.dest_ips, dest.clone());
    }
    if let Some(port) = event.dest_port.and_then(|p| u16::try_from(p).ok()) {
        facts.dest_ports.push(port);
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::{firewall_action, host_key};

    #[test]
    fn firewall_decisions_read_alike() {
        assert_eq!(firewall_action("accept"), "allow");
        assert_eq!(firewall_action("Permit"), "allow");
        assert_eq!(firewall_action("deny"), "deny");
    }

    #[test]
    fn hosts_compare_by_their_first_label() {
        assert_eq!(host_key("WS-7.corp.example"), "ws-7");
        assert_eq!(host_key("ws-7"), "ws-7");
        assert_eq!(host_key("10.1.2.3"), "10.1.2.3");
    }
}
