//! Suricata EVE JSON: one event per line. `alert` events become alerts; every other event
//! type (flow, dns, http, tls, ssh, fileinfo, anomaly, drop, ...) is kept as a context event,
//! joined to alerts by `flow_id` and `community_id`. Nothing that parses is dropped.

use riposte_domain::alert::{
    ContextEvent, DedupKey, Entity, EntityKind, EntityRole, NewAlert, Severity, content_dedup_key, is_attack_technique,
};
use serde_json::Value;

use crate::RecordError;
use crate::time_parse::text_ms;

/// What a body of EVE lines held; errors are by line number (from 0).
pub type EveBatch = crate::Batch;

/// Parses newline-delimited EVE JSON. Blank lines are skipped.
pub fn parse_lines(body: &[u8], source: &str) -> EveBatch {
    let mut batch = EveBatch::default();
    for (index, line) in body.split(|b| *b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match parse_event(line, source) {
            Ok(Parsed::Alert(alert)) => batch.alerts.push(*alert),
            Ok(Parsed::Context(event)) => batch.context.push(*event),
            Err(message) => batch.errors.push(RecordError { index, message }),
        }
    }
    batch
}

pub enum Parsed {
    Alert(Box<NewAlert>),
    Context(Box<ContextEvent>),
}

/// One EVE event (a line, or an object a log shipper forwarded).
pub fn parse_event(line: &[u8], source: &str) -> Result<Parsed, String> {
    let raw = std::str::from_utf8(line).map_err(|e| format!("not UTF-8: {e}"))?;
    let event: Value = serde_json::from_str(raw).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(_) = &event else { return Err("not a JSON object".into()) };
    let kind = event["event_type"].as_str().ok_or("event_type is missing")?;
    let event_time_ms = match event["timestamp"].as_str() {
        Some(text) => Some(text_ms(text).map_err(|e| format!("timestamp {text:?}: {e}"))?),
        None => None,
    };
    let flow_id = id_text(&event["flow_id"]);
    if kind == "alert" {
        return alert(&event, raw, source, event_time_ms, flow_id).map(|a| Parsed::Alert(Box::new(a)));
    }
    Ok(Parsed::Context(Box::new(ContextEvent {
        source: source.to_owned(),
        kind: kind.to_owned(),
        event_time_ms,
        flow_id,
        community_id: event["community_id"].as_str().map(str::to_owned),
        src_ip: ip(&event["src_ip"]),
        dest_ip: ip(&event["dest_ip"]),
        src_port: port(&event["src_port"]),
        dest_port: port(&event["dest_port"]),
        proto: event["proto"].as_str().map(str::to_ascii_lowercase),
        user_name: None,
        host_name: None,
        outcome: None,
        action: None,
        dedup_key: content_dedup_key(&[raw]),
        raw: raw.to_owned(),
    })))
}

fn alert(
    event: &Value,
    raw: &str,
    source: &str,
    event_time_ms: Option<i64>,
    flow_id: Option<String>,
) -> Result<NewAlert, String> {
    let details = &event["alert"];
    if !details.is_object() {
        return Err("an alert event without its `alert` object".into());
    }
    let sid = details["signature_id"].as_i64();
    let title = details["signature"]
        .as_str()
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().to_owned())
        .or_else(|| sid.map(|sid| format!("Suricata signature {sid}")))
        .ok_or("alert has neither signature nor signature_id")?;
    let severity = Severity::from_suricata(details["severity"].as_i64().unwrap_or(3));
    let category = details["category"].as_str().unwrap_or_default();
    let action = details["action"].as_str().unwrap_or_default();
    let description = [category, action].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(" · ");

    let attack_techniques = details["metadata"]["mitre_technique_id"]
        .as_array()
        .map(|ids| {
            ids.iter().filter_map(Value::as_str).filter(|id| is_attack_technique(id)).map(str::to_owned).collect()
        })
        .unwrap_or_default();
    let mut tags = vec!["suricata".to_owned()];
    if action == "blocked" {
        tags.push("blocked".into());
    }
    let dedup_key = match (&flow_id, sid) {
        (Some(flow), Some(sid)) => {
            let tx = event["tx_id"].as_i64().map(|t| t.to_string());
            // Packet alerts have no transaction; their time tells repeats apart.
            let tx_or_time = tx.unwrap_or_else(|| format!("t{}", event_time_ms.unwrap_or_default()));
            DedupKey::from_parts(&[("flow", flow), ("sid", &sid.to_string()), ("tx", &tx_or_time)])
        }
        _ => content_dedup_key(&[raw]),
    };
    Ok(NewAlert {
        source: source.to_owned(),
        source_ref: None,
        flow_id,
        title,
        description,
        severity,
        event_time_ms,
        entities: entities(event),
        attack_techniques,
        tags,
        dedup_key,
        raw: raw.to_owned(),
        unmapped: None,
    })
}

/// Addresses, ports, protocol, Community ID, and names, URLs and hashes from app-layer data.
fn entities(event: &Value) -> Vec<Entity> {
    use EntityKind::*;
    let src = Some(EntityRole::Source);
    let dst = Some(EntityRole::Destination);
    let text = |v: &Value| v.as_str().map(str::to_owned).or_else(|| v.as_i64().map(|n| n.to_string()));
    let mut found: Vec<(EntityKind, Option<String>, Option<EntityRole>)> = vec![
        (Ip, text(&event["src_ip"]), src),
        (Ip, text(&event["dest_ip"]), dst),
        (Port, text(&event["src_port"]), src),
        (Port, text(&event["dest_port"]), dst),
        (Protocol, text(&event["proto"]), None),
        (CommunityId, text(&event["community_id"]), None),
        (Domain, text(&event["http"]["hostname"]), dst),
        (Domain, text(&event["tls"]["sni"]), dst),
        (Domain, text(&event["dns"]["rrname"]), None),
    ];
    if let (Some(host), Some(url)) = (event["http"]["hostname"].as_str(), event["http"]["url"].as_str()) {
        found.push((Url, Some(format!("http://{host}{url}")), dst));
    }
    for file in event["files"].as_array().into_iter().flatten().chain(std::iter::once(&event["fileinfo"])) {
        for algorithm in ["sha256", "sha1", "md5"] {
            found.push((Hash, text(&file[algorithm]), None));
        }
        found.push((File, text(&file["filename"]), None));
    }
    let mut entities: Vec<Entity> =
        found.into_iter().filter_map(|(kind, value, role)| Entity::new(kind, value.as_deref()?, role)).collect();
    entities.sort();
    entities.dedup();
    entities
}

/// `flow_id` is an unsigned 64-bit number; kept as decimal text so no value is mangled.
fn id_text(value: &Value) -> Option<String> {
    value.as_u64().map(|n| n.to_string()).or_else(|| value.as_str().map(str::to_owned))
}

fn ip(value: &Value) -> Option<String> {
    value.as_str().and_then(|s| s.parse::<std::net::IpAddr>().ok()).map(|ip| ip.to_string())
}

fn port(value: &Value) -> Option<i32> {
    value.as_i64().filter(|p| (0..=65535).contains(p)).map(|p| p as i32)
}
