//! Riposte's own JSON format: one alert object, or an array of them.
//!
//! ```json
//! { "title": "SSH brute force", "severity": "high", "source_ref": "det-42",
//!   "event_time": "2026-11-22T10:00:00Z", "description": "...",
//!   "entities": [{ "kind": "ip", "value": "203.0.113.7", "role": "source" }],
//!   "attack_techniques": ["T1110"], "tags": ["ssh"] }
//! ```
//! `severity` is a name (`informational` … `critical`) or OCSF id 1–5; `event_time` is
//! RFC 3339 or epoch milliseconds. Unknown fields are refused, so typos do not pass silently.

use riposte_domain::alert::{
    DedupKey, Entity, EntityKind, EntityRole, NewAlert, Severity, content_dedup_key, is_attack_technique,
};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::time_parse::event_time_ms;
use crate::{BatchError, RecordError};

/// Most alerts accepted in one request.
pub const MAX_BATCH: usize = 10_000;

/// Whether the body was one alert or a batch (the reply differs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyShape {
    One,
    Batch,
}

/// Parses a body. Each record becomes an alert or an error naming its position and problem.
pub fn parse_body(body: &[u8], source: &str) -> Result<(BodyShape, Vec<Result<NewAlert, RecordError>>), BatchError> {
    let text = std::str::from_utf8(body).map_err(|e| BatchError::NotJson(format!("not UTF-8: {e}")))?;
    let trimmed = text.trim_start();
    let (shape, records): (BodyShape, Vec<&RawValue>) = match trimmed.as_bytes().first() {
        Some(b'{') => {
            (BodyShape::One, vec![serde_json::from_str(trimmed).map_err(|e| BatchError::NotJson(e.to_string()))?])
        }
        Some(b'[') => {
            (BodyShape::Batch, serde_json::from_str(trimmed).map_err(|e| BatchError::NotJson(e.to_string()))?)
        }
        Some(_) => return Err(BatchError::WrongShape("something else")),
        None => return Err(BatchError::WrongShape("an empty body")),
    };
    if records.len() > MAX_BATCH {
        return Err(BatchError::TooMany { max: MAX_BATCH, found: records.len() });
    }
    let alerts = records
        .into_iter()
        .enumerate()
        .map(|(index, raw)| parse_record(raw, source).map_err(|message| RecordError { index, message }))
        .collect();
    Ok((shape, alerts))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    title: Option<String>,
    severity: Option<Value>,
    #[serde(default)]
    description: String,
    source_ref: Option<String>,
    event_time: Option<Value>,
    #[serde(default)]
    entities: Vec<EntityIn>,
    #[serde(default)]
    attack_techniques: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntityIn {
    kind: EntityKind,
    value: String,
    role: Option<EntityRole>,
}

fn parse_record(raw: &RawValue, source: &str) -> Result<NewAlert, String> {
    let record: Record = serde_json::from_str(raw.get()).map_err(|e| e.to_string())?;
    let title = record.title.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).ok_or("title is required")?;
    if title.chars().count() > 500 {
        return Err("title is longer than 500 characters".into());
    }
    if record.description.len() > 65_536 {
        return Err("description is longer than 64 KiB".into());
    }
    let severity = match record.severity.ok_or("severity is required")? {
        Value::String(name) => Severity::parse(&name)
            .ok_or(format!("severity {name:?} is not one of informational, low, medium, high, critical"))?,
        Value::Number(n) => n
            .as_i64()
            .filter(|id| (1..=5).contains(id))
            .and_then(Severity::from_ocsf_id)
            .ok_or(format!("severity {n} is not an OCSF id 1-5"))?,
        other => return Err(format!("severity must be a name or a number 1-5, not {other}")),
    };
    let event_time_ms = record.event_time.as_ref().map(event_time_ms).transpose()?;
    let mut entities = Vec::with_capacity(record.entities.len());
    for (n, entity) in record.entities.iter().enumerate() {
        let parsed = Entity::new(entity.kind, &entity.value, entity.role).ok_or(format!(
            "entities[{n}]: {:?} is not a valid {}",
            entity.value,
            entity.kind.as_str()
        ))?;
        entities.push(parsed);
    }
    entities.sort();
    entities.dedup();
    if let Some(bad) = record.attack_techniques.iter().find(|t| !is_attack_technique(t)) {
        return Err(format!("attack_techniques: {bad:?} is not an ATT&CK technique id like T1110 or T1110.001"));
    }
    if let Some(bad) = record.tags.iter().find(|t| t.is_empty() || t.len() > 100) {
        return Err(format!("tags: {bad:?} must be 1 to 100 characters"));
    }
    let source_ref = record.source_ref.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
    let dedup_key = match &source_ref {
        Some(reference) => DedupKey::from_parts(&[("ref", reference)]),
        None => {
            let entities_json = serde_json::to_string(&entities).unwrap_or_default();
            let time = event_time_ms.map(|t| t.to_string()).unwrap_or_default();
            content_dedup_key(&[&title, severity.as_str(), &time, &entities_json, &record.description])
        }
    };
    Ok(NewAlert {
        source: source.to_owned(),
        source_ref,
        flow_id: None,
        title,
        description: record.description,
        severity,
        event_time_ms,
        entities,
        attack_techniques: record.attack_techniques,
        tags: record.tags,
        dedup_key,
        raw: raw.get().to_owned(),
        unmapped: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_alert_with_everything() {
        let body = br#"{"title":" SSH brute force ","severity":"HIGH","source_ref":"det-42","event_time":"2026-11-22T10:00:00Z",
            "entities":[{"kind":"ip","value":"203.0.113.7","role":"source"},{"kind":"user","value":"root"}],
            "attack_techniques":["T1110.001"],"tags":["ssh"]}"#;
        let (shape, records) = parse_body(body, "native").expect("parses");
        assert_eq!(shape, BodyShape::One);
        let alert = records.into_iter().next().expect("one").expect("valid");
        assert_eq!(alert.title, "SSH brute force");
        assert_eq!(alert.severity, Severity::High);
        assert_eq!(alert.event_time_ms, Some(1_795_341_600_000));
        assert_eq!(alert.dedup_key.0, "ref=det-42");
        assert_eq!(alert.entities.len(), 2);
        assert_eq!(alert.raw, std::str::from_utf8(body).expect("utf8"), "raw kept verbatim");
    }

    #[test]
    fn batch_reports_each_bad_record_by_position() {
        let body = br#"[{"title":"ok","severity":3},{"severity":"low"},{"title":"x","severity":9},
            {"title":"y","severity":"low","entities":[{"kind":"ip","value":"999.1.1.1"}]},
            {"title":"z","severity":"low","colour":"red"},{"title":"t","severity":"low","attack_techniques":["T99"]}]"#;
        let (shape, records) = parse_body(body, "native").expect("parses");
        assert_eq!(shape, BodyShape::Batch);
        assert!(records[0].is_ok());
        let errors: Vec<String> = records.iter().filter_map(|r| r.as_ref().err()).map(|e| e.to_string()).collect();
        assert_eq!(errors.len(), 5, "{errors:?}");
        assert!(errors[0].starts_with("record 1: title is required"), "{errors:?}");
        assert!(errors[1].contains("not an OCSF id 1-5"), "{errors:?}");
        assert!(errors[2].contains("entities[0]") && errors[2].contains("valid ip"), "{errors:?}");
        assert!(errors[3].contains("unknown field `colour`"), "{errors:?}");
        assert!(errors[4].contains("ATT&CK"), "{errors:?}");
    }

    #[test]
    fn same_content_same_key_without_a_reference() {
        let a = br#"{"title":"t","severity":"low","entities":[{"kind":"ip","value":"10.0.0.1"},{"kind":"ip","value":"10.0.0.2"}]}"#;
        let b = br#"{"severity":"low","title":"t","entities":[{"kind":"ip","value":"10.0.0.2"},{"kind":"ip","value":"10.0.0.1"}]}"#;
        let key = |body: &[u8]| parse_body(body, "s").expect("ok").1.remove(0).expect("valid").dedup_key;
        assert_eq!(key(a), key(b));
    }

    #[test]
    fn malformed_bodies_are_named() {
        assert!(matches!(parse_body(b"{not json", "s"), Err(BatchError::NotJson(_))));
        assert!(matches!(parse_body(b"42", "s"), Err(BatchError::WrongShape(_))));
        assert!(matches!(parse_body(b"   ", "s"), Err(BatchError::WrongShape("an empty body"))));
        assert!(matches!(parse_body(&[0xff, 0xfe], "s"), Err(BatchError::NotJson(_))));
    }
}
