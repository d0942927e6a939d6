//! MISP feed events (`{"Event": {..., "Attribute": [...], "Object": [{"Attribute": [...]}]}}`,
//! the files a MISP feed serves next to its manifest). Attributes marked for detection
//! (`to_ids`) of the types below become watchlist entries; the event's TLP tag gives their
//! sharing level and its threat level their confidence. Rows are the attributes in order,
//! the event's own first, then each object's, counted from 1.

use riposte_domain::enrichment::{Indicator, IndicatorKind};
use riposte_domain::incident::Tlp;
use serde_json::Value;

use crate::indicators::DEFAULT_TLP;
use crate::{ImportError, Parsed, RowError, text};

pub fn from_event(bytes: &[u8], feed: &str) -> Result<Parsed<Indicator>, ImportError> {
    let text = text(bytes)?;
    let root: Value = serde_json::from_str(text).map_err(|e| ImportError::Json(e.to_string()))?;
    let event = root.get("Event").ok_or_else(|| ImportError::Shape {
        expected: "MISP event",
        detail: "expected {\"Event\": {...}} as a MISP feed serves it".into(),
    })?;
    let tlp = tags_tlp(event).unwrap_or(DEFAULT_TLP);
    let confidence = confidence_of(event);
    let info = event.get("info").and_then(Value::as_str).unwrap_or("");
    let own = event.get("Attribute").and_then(Value::as_array).into_iter().flatten();
    let in_objects = event
        .get("Object")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|o| o.get("Attribute").and_then(Value::as_array).into_iter().flatten());
    let mut parsed = Parsed::default();
    for (index, attribute) in own.chain(in_objects).enumerate() {
        let row = index + 1;
        let kind_text = attribute.get("type").and_then(Value::as_str).unwrap_or("");
        let value = attribute.get("value").and_then(Value::as_str).unwrap_or("");
        if !to_ids(attribute) {
            parsed
                .skipped
                .push(RowError { row, message: format!("{kind_text} {value} is not marked for detection (to_ids)") });
            continue;
        }
        if attribute.get("deleted").and_then(Value::as_bool) == Some(true) {
            parsed.skipped.push(RowError { row, message: format!("{kind_text} {value} is deleted") });
            continue;
        }
        let Some(pairs) = split(kind_text, value) else {
            parsed.skipped.push(RowError {
                row,
                message: format!("attribute type \"{kind_text}\" is not matched by watchlists"),
            });
            continue;
        };
        let comment = attribute.get("comment").and_then(Value::as_str).unwrap_or("");
        let description = [info, comment].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(": ");
        let tlp = tags_tlp(attribute).unwrap_or(tlp);
        for (kind, value) in pairs {
            let indicator =
                Indicator::new(kind, value, feed, confidence, tlp, None, &description).map_err(|e| e.to_string());
            parsed.push(row, indicator);
        }
    }
    Ok(parsed)
}

/// The watchlist entries an attribute of `kind` holds; None for types watchlists do not match.
fn split<'v>(kind: &str, value: &'v str) -> Option<Vec<(IndicatorKind, &'v str)>> {
    let first = |v: &'v str| v.split('|').next().unwrap_or(v);
    let second = |v: &'v str| v.split_once('|').map_or(v, |(_, b)| b);
    Some(match kind {
        "ip-src" | "ip-dst" => vec![(IndicatorKind::Ip, value)],
        "ip-src|port" | "ip-dst|port" => vec![(IndicatorKind::Ip, first(value))],
        "domain" | "hostname" => vec![(IndicatorKind::Domain, value)],
        "domain|ip" => vec![(IndicatorKind::Domain, first(value)), (IndicatorKind::Ip, second(value))],
        "url" | "link" => vec![(IndicatorKind::Url, value)],
        "md5" | "sha1" | "sha256" | "sha512" => vec![(IndicatorKind::Hash, value)],
        "filename|md5" | "filename|sha1" | "filename|sha256" | "filename|sha512" => {
            vec![(IndicatorKind::Hash, second(value))]
        }
        "email" | "email-src" | "email-dst" => vec![(IndicatorKind::Email, value)],
        _ => return None,
    })
}

fn to_ids(attribute: &Value) -> bool {
    match attribute.get("to_ids") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "1" || s.eq_ignore_ascii_case("true"),
        Some(Value::Number(n)) => n.as_u64() == Some(1),
        _ => true,
    }
}

/// MISP's threat level (1 high … 4 undefined) as a confidence.
fn confidence_of(event: &Value) -> u8 {
    let level = match event.get("threat_level_id") {
        Some(Value::String(s)) => s.parse().unwrap_or(4),
        Some(Value::Number(n)) => n.as_u64().unwrap_or(4),
        _ => 4,
    };
    match level {
        1 => 90,
        2 => 70,
        3 => 50,
        _ => 30,
    }
}

fn tags_tlp(item: &Value) -> Option<Tlp> {
    item.get("Tag")?.as_array()?.iter().filter_map(|t| t.get("name").and_then(Value::as_str)).find_map(|name| {
        let lower = name.to_ascii_lowercase();
        let level = lower.strip_prefix("tlp:")?;
        if level == "white" { Some(Tlp::Clear) } else { Tlp::parse(level) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT: &str = r#"{"Event":{"info":"Phishing wave","threat_level_id":"1","Tag":[{"name":"tlp:green"}],
      "Attribute":[
        {"type":"ip-dst","value":"198.51.100.20","to_ids":true,"comment":"C2"},
        {"type":"domain|ip","value":"bad.example|198.51.100.21","to_ids":true},
        {"type":"text","value":"free text","to_ids":false},
        {"type":"md5","value":"zz","to_ids":true},
        {"type":"regkey","value":"HKLM\\x","to_ids":true},
        {"type":"email-src","value":"Boss@Bad.Example","to_ids":"1","Tag":[{"name":"tlp:red"}]}],
      "Object":[{"name":"file","Attribute":[{"type":"sha256","value":"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB","to_ids":true}]}]}}"#;

    #[test]
    fn an_event_gives_entries_for_detection_attributes_and_names_bad_ones() {
        let parsed = from_event(EVENT.as_bytes(), "misp-feed").expect("readable");
        let values: Vec<&str> = parsed.records.iter().map(|i| i.value.as_str()).collect();
        assert_eq!(values, ["198.51.100.20", "bad.example", "198.51.100.21", "boss@bad.example", &"b".repeat(64)]);
        assert_eq!((parsed.records[0].confidence, parsed.records[0].tlp), (90, Tlp::Green));
        assert_eq!(parsed.records[0].description, "Phishing wave: C2");
        assert_eq!(parsed.records[3].tlp, Tlp::Red);
        assert_eq!(parsed.errors, vec![RowError { row: 4, message: "\"zz\" is not a valid hash indicator".into() }]);
        let skipped: Vec<usize> = parsed.skipped.iter().map(|s| s.row).collect();
        assert_eq!(skipped, vec![3, 5]);
    }

    #[test]
    fn not_an_event_is_a_file_error() {
        assert!(matches!(from_event(b"[]", "f"), Err(ImportError::Shape { .. })));
    }
}
