//! Fortinet FortiGate syslog: `key=value` pairs, values quoted when they hold spaces.
//! `type=utm` (ips, virus, webfilter, app-ctrl, anomaly, ...) become alerts; `type=traffic`
//! is firewall context; `type=event` logons (admin, VPN, user) are identity context.

use std::collections::BTreeMap;

use riposte_domain::alert::{
    ContextEvent, DedupKey, Entity, EntityKind, EntityRole, NewAlert, Severity, content_dedup_key,
};
use time::PrimitiveDateTime;
use time::macros::format_description;

pub enum FortiGate {
    Alert(Box<NewAlert>),
    Context(Box<ContextEvent>),
}

/// Whether a message looks like FortiGate's key=value format.
pub fn looks_like_fortigate(message: &str) -> bool {
    message.contains("logid=") && (message.contains("devid=") || message.contains("devname="))
}

/// `k=v k2="v with spaces"`; `\"` inside quotes is a quote.
pub fn parse_pairs(text: &str) -> BTreeMap<String, String> {
    let mut pairs = BTreeMap::new();
    let mut rest = text.trim_start();
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq].trim().to_owned();
        let after = &rest[eq + 1..];
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            let mut value = String::new();
            let mut end = quoted.len();
            let mut chars = quoted.char_indices();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, next)) = chars.next() {
                            value.push(next);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => value.push(c),
                }
            }
            (value, &quoted[end.min(quoted.len())..])
        } else {
            let end = after.find(' ').unwrap_or(after.len());
            (after[..end].to_owned(), &after[end..])
        };
        if !key.is_empty() && !key.contains(' ') {
            pairs.insert(key, value);
        }
        rest = remaining.trim_start();
    }
    pairs
}

fn event_time_ms(pairs: &BTreeMap<String, String>) -> Option<i64> {
    // FortiOS 6.2+ writes eventtime in nanoseconds (older: seconds); both are epoch.
    if let Some(t) = pairs.get("eventtime").and_then(|t| t.parse::<i64>().ok()) {
        return Some(match t {
            t if t > 10_i64.pow(17) => t / 1_000_000,
            t if t > 10_i64.pow(14) => t / 1_000,
            t if t > 10_i64.pow(11) => t,
            t => t * 1000,
        });
    }
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let text = format!("{} {}", pairs.get("date")?, pairs.get("time")?);
    Some(PrimitiveDateTime::parse(&text, format).ok()?.assume_utc().unix_timestamp() * 1000)
}

fn severity(pairs: &BTreeMap<String, String>) -> Severity {
    if let Some(s) = pairs.get("severity").and_then(|s| Severity::parse(s)) {
        return s;
    }
    match pairs.get("level").map(String::as_str) {
        Some("emergency" | "alert" | "critical") => Severity::Critical,
        Some("error") => Severity::High,
        Some("warning") => Severity::Medium,
        Some("notice") => Severity::Low,
        _ => Severity::Informational,
    }
}

pub fn parse_fortigate(message: &str, source: &str) -> Result<FortiGate, String> {
    let pairs = parse_pairs(message);
    let get = |k: &str| pairs.get(k).map(String::as_str).filter(|v| !v.is_empty() && *v != "N/A");
    let kind = get("type").ok_or("a FortiGate log without type=")?;
    let logid = get("logid").ok_or("a FortiGate log without logid=")?;
    let time_ms = event_time_ms(&pairs);
    let dedup_key = match (get("devid"), get("eventtime")) {
        (Some(device), Some(at)) => DedupKey::from_parts(&[
            ("dev", device),
            ("logid", logid),
            ("at", at),
            ("session", get("sessionid").unwrap_or("-")),
        ]),
        _ => content_dedup_key(&[message]),
    };
    let src = Some(EntityRole::Source);
    let dst = Some(EntityRole::Destination);
    if kind == "utm" || kind == "anomaly" {
        let subtype = get("subtype").unwrap_or(kind);
        let title = get("attack").or(get("virus")).or(get("msg")).or(get("logdesc")).unwrap_or("FortiGate UTM event");
        let url = get("url").and_then(|u| get("hostname").map(|h| format!("http://{h}{u}")));
        let candidates = [
            (EntityKind::Ip, get("srcip"), src),
            (EntityKind::Ip, get("dstip"), dst),
            (EntityKind::Port, get("srcport"), src),
            (EntityKind::Port, get("dstport"), dst),
            (EntityKind::User, get("user").or(get("srcuser")), src),
            (EntityKind::Host, get("hostname"), dst),
            (EntityKind::Url, url.as_deref(), dst),
            (EntityKind::File, get("filename"), None),
            (EntityKind::Hash, get("filehash").or(get("analyticscksum")), None),
        ];
        let mut entities: Vec<Entity> = candidates.into_iter().filter_map(|(k, v, r)| Entity::new(k, v?, r)).collect();
        entities.sort();
        entities.dedup();
        let action = get("action").unwrap_or("-");
        let mut tags = vec!["fortigate".to_owned(), subtype.to_owned()];
        if matches!(action, "dropped" | "blocked" | "reset" | "clear_session" | "deny") {
            tags.push("blocked".into());
        }
        return Ok(FortiGate::Alert(Box::new(NewAlert {
            source: source.to_owned(),
            source_ref: get("attackid").or(get("virusid")).map(|id| format!("{logid}:{id}")),
            flow_id: None,
            title: title.to_owned(),
            description: format!(
                "FortiGate {subtype} · action {action} · {}",
                get("msg").or(get("ref")).unwrap_or(get("devname").unwrap_or("-"))
            ),
            severity: severity(&pairs),
            event_time_ms: time_ms,
            entities,
            attack_techniques: Vec::new(),
            tags,
            dedup_key,
            raw: message.to_owned(),
            unmapped: None,
        })));
    }
    let ip = |k: &str| get(k).and_then(|v| v.parse::<std::net::IpAddr>().ok()).map(|ip| ip.to_string());
    let logon =
        kind == "event" && (get("action").is_some_and(|a| a.contains("login") || a == "tunnel-up" || a == "auth"));
    let outcome = get("status").map(|s| match s {
        "success" | "succeeded" => "success".to_owned(),
        "failed" | "failure" | "denied" => "failure".to_owned(),
        other => other.to_owned(),
    });
    Ok(FortiGate::Context(Box::new(ContextEvent {
        source: source.to_owned(),
        kind: if kind == "traffic" {
            "firewall_traffic".into()
        } else if logon {
            "logon".into()
        } else {
            format!("fortigate_{kind}")
        },
        event_time_ms: time_ms,
        flow_id: None,
        community_id: None,
        src_ip: ip("srcip").or_else(|| ip("remip")),
        dest_ip: ip("dstip"),
        src_port: get("srcport").and_then(|p| p.parse().ok()),
        dest_port: get("dstport").and_then(|p| p.parse().ok()),
        proto: get("proto").map(|p| match p {
            "6" => "tcp".to_owned(),
            "17" => "udp".to_owned(),
            "1" => "icmp".to_owned(),
            other => other.to_owned(),
        }),
        user_name: get("user").or(get("srcuser")).map(str::to_owned),
        host_name: get("devname").filter(|_| logon).map(str::to_owned),
        outcome: if logon { outcome } else { None },
        action: get("action").filter(|_| kind == "traffic").map(str::to_ascii_lowercase),
        dedup_key,
        raw: message.to_owned(),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    const IPS: &str = r#"date=2026-11-22 time=09:58:01 devname="FGT60F-HQ" devid="FGT60FTK2109XXXX" eventtime=1795341481123456789 tz="+0000" logid="0419016384" type="utm" subtype="ips" eventtype="signature" level="alert" vd="root" severity="critical" srcip=203.0.113.7 srccountry="Reserved" dstip=10.1.1.5 srcintf="wan1" dstintf="dmz" sessionid=883211 action="dropped" proto=6 service="HTTPS" policyid=4 attack="Apache.Log4j.Error.Log.Remote.Code.Execution" srcport=40112 dstport=443 hostname="portal.example.com" url="/login" direction="outgoing" attackid=51006 ref="http://www.fortinet.com/ids/VID51006" msg="applications3: Apache.Log4j.Error.Log.Remote.Code.Execution," crscore=50 craction=4096 crlevel="critical""#;
    const ADMIN_FAIL: &str = r#"date=2026-11-22 time=09:57:12 devname="FGT60F-HQ" devid="FGT60FTK2109XXXX" eventtime=1795341432000000000 logid="0100032002" type="event" subtype="system" level="alert" vd="root" logdesc="Admin login failed" sn="0" user="admin" ui="https(203.0.113.7)" method="https" srcip=203.0.113.7 dstip=10.0.0.1 action="login" status="failed" reason="passwd_invalid" msg="Administrator admin login failed from https(203.0.113.7) because of invalid password""#;
    const TRAFFIC: &str = r#"date=2026-11-22 time=09:58:30 devname="FGT60F-HQ" devid="FGT60FTK2109XXXX" eventtime=1795341510000000000 logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=10.1.1.20 srcport=51234 srcintf="internal" dstip=198.51.100.20 dstport=443 dstintf="wan1" sessionid=883300 proto=6 action="accept" policyid=1 service="HTTPS" sentbyte=1200 rcvdbyte=5400"#;

    #[test]
    fn ips_events_are_alerts() {
        assert!(looks_like_fortigate(IPS));
        let FortiGate::Alert(alert) = parse_fortigate(IPS, "fortigate").expect("parses") else { panic!("alert") };
        assert_eq!(alert.title, "Apache.Log4j.Error.Log.Remote.Code.Execution");
        assert_eq!(alert.severity, Severity::Critical);
        assert_eq!(alert.event_time_ms, Some(1_795_341_481_123));
        assert!(alert.tags.contains(&"blocked".to_owned()));
        assert!(
            alert.entities.iter().any(|e| e.kind == EntityKind::Url && e.value == "http://portal.example.com/login")
        );
    }

    #[test]
    fn failed_admin_logins_are_identity_context() {
        let FortiGate::Context(event) = parse_fortigate(ADMIN_FAIL, "fortigate").expect("parses") else {
            panic!("ctx")
        };
        assert_eq!(event.kind, "logon");
        assert_eq!(event.outcome.as_deref(), Some("failure"));
        assert_eq!(event.user_name.as_deref(), Some("admin"));
        assert_eq!(event.src_ip.as_deref(), Some("203.0.113.7"));
    }

    #[test]
    fn traffic_is_firewall_context() {
        let FortiGate::Context(event) = parse_fortigate(TRAFFIC, "fortigate").expect("parses") else { panic!("ctx") };
        assert_eq!(event.kind, "firewall_traffic");
        assert_eq!(event.action.as_deref(), Some("accept"));
        assert_eq!(event.proto.as_deref(), Some("tcp"));
        assert!(parse_fortigate("devname=x logid=1", "f").err().expect("no type").contains("type="));
    }
}
