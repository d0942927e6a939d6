//! Palo Alto Networks PAN-OS syslog in its default CSV layout. THREAT logs become alerts;
//! TRAFFIC logs become firewall context (who talked to whom, allowed or denied). Field
//! positions follow the PAN-OS 10/11 log field reference; device times are read as UTC.

use riposte_domain::alert::{
    ContextEvent, DedupKey, Entity, EntityKind, EntityRole, NewAlert, Severity, content_dedup_key,
};
use time::PrimitiveDateTime;
use time::macros::format_description;

pub enum PanOs {
    Threat(Box<NewAlert>),
    Traffic(Box<ContextEvent>),
}

/// Whether a message looks like PAN-OS CSV (`FUTURE_USE,receive time,serial,TYPE,...`).
pub fn looks_like_panos(message: &str) -> bool {
    let mut fields = message.splitn(5, ',');
    let _ = fields.next();
    let time = fields.next().unwrap_or_default();
    let _serial = fields.next();
    let kind = fields.next().unwrap_or_default();
    time.len() == 19
        && time.as_bytes().get(4) == Some(&b'/')
        && matches!(
            kind,
            "THREAT"
                | "TRAFFIC"
                | "SYSTEM"
                | "CONFIG"
                | "AUTHENTICATION"
                | "USERID"
                | "GLOBALPROTECT"
                | "HIPMATCH"
                | "DECRYPTION"
        )
}

/// Splits one CSV line; quoted fields may hold commas and doubled quotes.
pub fn split_csv(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let mut in_quotes = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, in_quotes) {
            ('"', true) if chars.peek() == Some(&'"') => {
                current.push('"');
                chars.next();
            }
            ('"', _) => in_quotes = !in_quotes,
            (',', false) => fields.push(std::mem::take(&mut current)),
            (c, _) => current.push(c),
        }
    }
    fields.push(current);
    fields
}

fn device_time_ms(text: &str) -> Option<i64> {
    let format = format_description!("[year]/[month]/[day] [hour]:[minute]:[second]");
    let t = PrimitiveDateTime::parse(text.trim(), format).ok()?;
    Some(t.assume_utc().unix_timestamp() * 1000)
}

pub fn parse_panos(message: &str, source: &str) -> Result<PanOs, String> {
    let f = split_csv(message.trim());
    let field = |n: usize| f.get(n).map(|s| s.trim()).filter(|s| !s.is_empty());
    let kind = field(3).ok_or("PAN-OS log without a type (field 4)")?;
    let time_ms = field(6).and_then(device_time_ms).or_else(|| field(1).and_then(device_time_ms));
    let src = Some(EntityRole::Source);
    let dst = Some(EntityRole::Destination);
    match kind {
        "THREAT" => {
            if f.len() < 35 {
                return Err(format!("a PAN-OS THREAT log has at least 35 fields; this one has {}", f.len()));
            }
            let threat = field(32).unwrap_or("unknown threat");
            let subtype = field(4).unwrap_or_default();
            let action = field(30).unwrap_or_default();
            let candidates = [
                (EntityKind::Ip, field(7), src),
                (EntityKind::Ip, field(8), dst),
                (EntityKind::User, field(12), src),
                (EntityKind::User, field(13), dst),
                (EntityKind::Port, field(24), src),
                (EntityKind::Port, field(25), dst),
                (EntityKind::Protocol, field(29), None),
                (EntityKind::Url, field(31).filter(|_| subtype == "url"), dst),
                (EntityKind::File, field(31).filter(|_| subtype != "url"), None),
            ];
            let mut entities: Vec<Entity> =
                candidates.into_iter().filter_map(|(k, v, r)| Entity::new(k, v?, r)).collect();
            entities.sort();
            entities.dedup();
            let serial = field(2).unwrap_or_default();
            let dedup_key = match field(36) {
                Some(sequence) => DedupKey::from_parts(&[("serial", serial), ("seq", sequence)]),
                None => content_dedup_key(&[message]),
            };
            let mut tags = vec!["panos".to_owned(), subtype.to_owned()];
            if matches!(
                action,
                "drop" | "reset-both" | "reset-client" | "reset-server" | "block-url" | "deny" | "block-ip"
            ) {
                tags.push("blocked".into());
            }
            Ok(PanOs::Threat(Box::new(NewAlert {
                source: source.to_owned(),
                source_ref: field(36).map(str::to_owned),
                flow_id: None,
                title: threat.to_owned(),
                description: format!(
                    "PAN-OS {subtype} · action {action} · rule {} · {}",
                    field(11).unwrap_or("-"),
                    field(33).unwrap_or("-")
                ),
                severity: field(34).and_then(Severity::parse).unwrap_or(Severity::Medium),
                event_time_ms: time_ms,
                entities,
                attack_techniques: Vec::new(),
                tags: tags.into_iter().filter(|t| !t.is_empty()).collect(),
                dedup_key,
                raw: message.to_owned(),
                unmapped: None,
            })))
        }
        _ => {
            let sequence = if kind == "TRAFFIC" { field(39) } else { None };
            let dedup_key = match sequence {
                Some(sequence) => DedupKey::from_parts(&[("serial", field(2).unwrap_or_default()), ("seq", sequence)]),
                None => content_dedup_key(&[message]),
            };
            let traffic = kind == "TRAFFIC";
            Ok(PanOs::Traffic(Box::new(ContextEvent {
                source: source.to_owned(),
                kind: if traffic { "firewall_traffic".into() } else { format!("panos_{}", kind.to_ascii_lowercase()) },
                event_time_ms: time_ms,
                flow_id: None,
                community_id: None,
                src_ip: field(7)
                    .filter(|_| traffic)
                    .and_then(|ip| ip.parse::<std::net::IpAddr>().ok())
                    .map(|ip| ip.to_string()),
                dest_ip: field(8)
                    .filter(|_| traffic)
                    .and_then(|ip| ip.parse::<std::net::IpAddr>().ok())
                    .map(|ip| ip.to_string()),
                src_port: field(24).filter(|_| traffic).and_then(|p| p.parse().ok()),
                dest_port: field(25).filter(|_| traffic).and_then(|p| p.parse().ok()),
                proto: field(29).filter(|_| traffic).map(str::to_ascii_lowercase),
                user_name: field(12).filter(|_| traffic).map(str::to_owned),
                host_name: None,
                outcome: None,
                action: field(30).filter(|_| traffic).map(str::to_ascii_lowercase),
                dedup_key,
                raw: message.to_owned(),
            })))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub const THREAT: &str = r#"1,2026/11/22 09:58:01,012801096514,THREAT,vulnerability,2561,2026/11/22 09:58:01,10.1.1.20,203.0.113.9,0.0.0.0,0.0.0.0,outbound-web,corp\bob,,web-browsing,vsys1,trust,untrust,ethernet1/2,ethernet1/1,forward-logs,2026/11/22 09:58:01,48213,1,51234,80,0,0,0x2000,tcp,reset-both,"evil.example/gate.php?id=1,2",Apache Log4j Remote Code Execution Vulnerability(91991),any,critical,client-to-server,7204857021,0x2000000000000000,10.0.0.0-10.255.255.255,United States,0,,0,,,0,,,,,,,,0,0,0,0,0,,PA-220,,,,,0,,0,,N/A,code-execution,AppThreat-8700-8123,0x0,0,4294967295"#;
    pub const TRAFFIC: &str = "1,2026/11/22 09:57:40,012801096514,TRAFFIC,end,2561,2026/11/22 09:57:40,203.0.113.7,10.1.1.5,0.0.0.0,0.0.0.0,allow-ssh,,,ssh,vsys1,untrust,dmz,ethernet1/1,ethernet1/3,forward-logs,2026/11/22 09:57:40,39011,1,50522,22,0,0,0x19,tcp,allow,5120,2304,2816,24,2026/11/22 09:57:30,10,any,0,7204857002,0x0,United States,10.0.0.0-10.255.255.255,0,12,12,tcp-fin";

    #[test]
    fn threat_log_is_an_alert() {
        assert!(looks_like_panos(THREAT));
        let PanOs::Threat(alert) = parse_panos(THREAT, "panos").expect("parses") else { panic!("threat") };
        assert_eq!(alert.title, "Apache Log4j Remote Code Execution Vulnerability(91991)");
        assert_eq!(alert.severity, Severity::Critical);
        assert!(alert.tags.contains(&"blocked".to_owned()));
        assert_eq!(alert.dedup_key.0, "serial=012801096514|seq=7204857021");
        assert!(alert.entities.iter().any(|e| e.kind == EntityKind::User && e.value == r"corp\bob"));
        assert!(alert.entities.iter().any(|e| e.kind == EntityKind::File && e.value == "evil.example/gate.php?id=1,2"));
    }

    #[test]
    fn traffic_log_is_firewall_context() {
        let PanOs::Traffic(event) = parse_panos(TRAFFIC, "panos").expect("parses") else { panic!("traffic") };
        assert_eq!(event.kind, "firewall_traffic");
        assert_eq!(event.action.as_deref(), Some("allow"));
        assert_eq!(event.src_ip.as_deref(), Some("203.0.113.7"));
        assert_eq!(event.dest_port, Some(22));
        assert_eq!(event.event_time_ms, Some(1_795_341_460_000));
    }

    #[test]
    fn short_threat_logs_are_named() {
        let err = parse_panos("1,2026/11/22 09:58:01,0128,THREAT,url,1", "panos").err().expect("short");
        assert!(err.contains("35 fields"), "{err}");
        assert!(!looks_like_panos("hello,world"));
    }
}
