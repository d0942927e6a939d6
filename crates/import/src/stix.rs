//! STIX 2.1 bundles: each `indicator` object whose pattern is one or more `=` comparisons
//! joined by OR (`[ipv4-addr:value = '198.51.100.7' OR domain-name:value = 'bad.example']`)
//! becomes watchlist entries, with its confidence, `valid_until` as expiry, and its TLP from
//! `object_marking_refs` (the standard TLP 1.0 and 2.0 markings, or definitions in the bundle).
//! Rows are the bundle's objects, counted from 1.

use std::collections::HashMap;

use riposte_domain::enrichment::{Indicator, IndicatorKind};
use riposte_domain::incident::Tlp;
use serde_json::Value;

use crate::indicators::{DEFAULT_CONFIDENCE, DEFAULT_TLP};
use crate::{ImportError, Parsed, RowError, text, time_text};

/// The TLP marking definitions published with STIX 2.1 (TLP 1.0) and the TLP 2.0 extension.
const STANDARD_TLP: [(&str, Tlp); 9] = [
    ("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", Tlp::Clear),
    ("marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", Tlp::Green),
    ("marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", Tlp::Amber),
    ("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", Tlp::Red),
    ("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", Tlp::Clear),
    ("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", Tlp::Green),
    ("marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", Tlp::Amber),
    ("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", Tlp::AmberStrict),
    ("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", Tlp::Red),
];

pub fn from_bundle(bytes: &[u8], feed: &str) -> Result<Parsed<Indicator>, ImportError> {
    let text = text(bytes)?;
    let bundle: Value = serde_json::from_str(text).map_err(|e| ImportError::Json(e.to_string()))?;
    let objects = match (bundle.get("type").and_then(Value::as_str), bundle.get("objects")) {
        (Some("bundle"), Some(Value::Array(objects))) => objects,
        _ => {
            return Err(ImportError::Shape {
                expected: "STIX 2.1 bundle",
                detail: "expected {\"type\": \"bundle\", \"objects\": [...]}".into(),
            });
        }
    };
    let mut markings: HashMap<&str, Tlp> = STANDARD_TLP.into_iter().collect();
    let mut identities: HashMap<&str, &str> = HashMap::new();
    for object in objects {
        let id = object.get("id").and_then(Value::as_str).unwrap_or("");
        match object.get("type").and_then(Value::as_str) {
            Some("marking-definition") => {
                if let Some(tlp) = marking_tlp(object) {
                    markings.insert(id, tlp);
                }
            }
            Some("identity") => {
                if let Some(name) = object.get("name").and_then(Value::as_str) {
                    identities.insert(id, name);
                }
            }
            _ => {}
        }
    }
    let mut parsed = Parsed::default();
    for (index, object) in objects.iter().enumerate() {
        let row = index + 1;
        if object.get("type").and_then(Value::as_str) != Some("indicator") {
            continue;
        }
        let id = object.get("id").and_then(Value::as_str).unwrap_or("(no id)");
        if object.get("revoked").and_then(Value::as_bool) == Some(true) {
            parsed.skipped.push(RowError { row, message: format!("{id} is revoked") });
            continue;
        }
        match indicators_of(object, feed, &markings, &identities) {
            Ok(found) => {
                parsed.rows.extend(std::iter::repeat_n(row, found.len()));
                parsed.records.extend(found);
            }
            Err(message) => parsed.errors.push(RowError { row, message: format!("{id}: {message}") }),
        }
    }
    Ok(parsed)
}

fn indicators_of(
    object: &Value,
    feed: &str,
    markings: &HashMap<&str, Tlp>,
    identities: &HashMap<&str, &str>,
) -> Result<Vec<Indicator>, String> {
    let pattern_type = object.get("pattern_type").and_then(Value::as_str).unwrap_or("stix");
    if pattern_type != "stix" {
        return Err(format!("pattern_type \"{pattern_type}\" is not supported (only stix)"));
    }
    let pattern = object.get("pattern").and_then(Value::as_str).ok_or("no pattern")?;
    let confidence = match object.get("confidence") {
        None | Some(Value::Null) => DEFAULT_CONFIDENCE,
        Some(value) => value
            .as_u64()
            .and_then(|c| u8::try_from(c).ok())
            .filter(|c| *c <= 100)
            .ok_or_else(|| format!("confidence must be 0 to 100, not {value}"))?,
    };
    let tlp = object
        .get("object_marking_refs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.as_str().and_then(|r| markings.get(r)))
        .copied()
        .next()
        .unwrap_or(DEFAULT_TLP);
    let expires = match object.get("valid_until").and_then(Value::as_str) {
        Some(text) => Some(time_text::epoch_ms(text)?),
        None => None,
    };
    let source = object
        .get("created_by_ref")
        .and_then(Value::as_str)
        .and_then(|r| identities.get(r))
        .map_or_else(|| feed.to_owned(), |name| format!("{feed} ({name})"));
    let description = ["name", "description"]
        .iter()
        .filter_map(|f| object.get(*f).and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join(": ");
    comparisons(pattern)?
        .into_iter()
        .map(|(kind, value)| {
            Indicator::new(kind, &value, &source, confidence, tlp, expires, &description).map_err(|e| e.to_string())
        })
        .collect()
}

/// The (kind, value) pairs of a pattern made of `=` comparisons joined by OR.
pub fn comparisons(pattern: &str) -> Result<Vec<(IndicatorKind, String)>, String> {
    let unsupported =
        || format!("pattern {pattern:?} is not one a watchlist can match (only = comparisons joined by OR)");
    let inner = pattern.trim().strip_prefix('[').and_then(|p| p.strip_suffix(']')).ok_or_else(unsupported)?;
    let mut found = Vec::new();
    for part in split_outside_quotes(inner, " OR ") {
        if part.contains('[') || part.contains(']') || split_outside_quotes(&part, " AND ").len() > 1 {
            return Err(unsupported());
        }
        let (path, value) = part.split_once('=').ok_or_else(unsupported)?;
        let path = path.trim();
        if path.ends_with('!') {
            return Err(unsupported());
        }
        let value = value.trim();
        let value = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')).ok_or_else(unsupported)?;
        let value = value.replace("\\'", "'").replace("\\\\", "\\");
        let kind = match path {
            "ipv4-addr:value" | "ipv6-addr:value" => IndicatorKind::Ip,
            "domain-name:value" => IndicatorKind::Domain,
            "url:value" => IndicatorKind::Url,
            "email-addr:value" => IndicatorKind::Email,
            p if p.starts_with("file:hashes.") => IndicatorKind::Hash,
            other => return Err(format!("\"{other}\" is not an object a watchlist can match")),
        };
        found.push((kind, value));
    }
    Ok(found)
}

/// Splits on `separator` where it is not inside a quoted string.
fn split_outside_quotes(text: &str, separator: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if !quoted && rest.starts_with(separator) {
            parts.push(std::mem::take(&mut current));
            rest = &rest[separator.len()..];
            continue;
        }
        if c == '\\' && quoted {
            current.push(c);
            rest = &rest[1..];
            if let Some(next) = rest.chars().next() {
                current.push(next);
                rest = &rest[next.len_utf8()..];
            }
            continue;
        }
        if c == '\'' {
            quoted = !quoted;
        }
        current.push(c);
        rest = &rest[c.len_utf8()..];
    }
    parts.push(current);
    parts
}

fn marking_tlp(object: &Value) -> Option<Tlp> {
    let from_definition = object.get("definition").and_then(|d| d.get("tlp")).and_then(Value::as_str);
    let from_extension = object
        .get("extensions")
        .and_then(Value::as_object)
        .and_then(|e| e.values().find_map(|v| v.get("tlp_2_0").and_then(Value::as_str)));
    let from_name = object.get("name").and_then(Value::as_str);
    [from_definition, from_extension, from_name].into_iter().flatten().find_map(|t| {
        Tlp::parse(t)
            .or_else(|| (t.eq_ignore_ascii_case("white") || t.eq_ignore_ascii_case("tlp:white")).then_some(Tlp::Clear))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUNDLE: &str = r#"{"type":"bundle","id":"bundle--1","objects":[
      {"type":"identity","id":"identity--a","name":"CERT-X"},
      {"type":"indicator","id":"indicator--1","pattern":"[ipv4-addr:value = '198.51.100.7' OR domain-name:value = 'Bad.Example']",
       "pattern_type":"stix","confidence":85,"valid_until":"2030-01-01T00:00:00Z","name":"C2",
       "created_by_ref":"identity--a","object_marking_refs":["marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"]},
      {"type":"indicator","id":"indicator--2","pattern":"[file:hashes.'SHA-256' = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']"},
      {"type":"indicator","id":"indicator--3","pattern":"[ipv4-addr:value = '10.0.0.1' AND network-traffic:dst_port = 22]"},
      {"type":"indicator","id":"indicator--4","pattern":"[ipv4-addr:value = '10.0.0.1']","revoked":true},
      {"type":"indicator","id":"indicator--5","pattern":"[ipv4-addr:value = 'not-an-ip']"},
      {"type":"indicator","id":"indicator--6","pattern":"alert tcp any any","pattern_type":"snort"},
      {"type":"malware","id":"malware--1","name":"ignored"}
    ]}"#;

    #[test]
    fn a_bundle_gives_each_comparison_its_own_entry_and_names_bad_objects() {
        let parsed = from_bundle(BUNDLE.as_bytes(), "feed").expect("readable");
        assert_eq!(parsed.records.len(), 3);
        let c2 = &parsed.records[0];
        assert_eq!(
            (c2.kind, c2.value.as_str(), c2.confidence, c2.tlp),
            (IndicatorKind::Ip, "198.51.100.7", 85, Tlp::Red)
        );
        assert_eq!(c2.source, "feed (CERT-X)");
        assert_eq!(c2.expires_at_ms, Some(1_893_456_000_000));
        assert_eq!(parsed.records[1].value, "bad.example");
        assert_eq!((parsed.records[2].kind, parsed.records[2].confidence), (IndicatorKind::Hash, DEFAULT_CONFIDENCE));
        let rows: Vec<usize> = parsed.errors.iter().map(|e| e.row).collect();
        assert_eq!(rows, vec![4, 6, 7]);
        assert!(parsed.errors[0].message.starts_with("indicator--3: pattern"), "{}", parsed.errors[0].message);
        assert_eq!(parsed.errors[1].message, "indicator--5: \"not-an-ip\" is not a valid ip indicator");
        assert_eq!(parsed.skipped, vec![RowError { row: 5, message: "indicator--4 is revoked".into() }]);
    }

    #[test]
    fn quotes_inside_values_do_not_split_the_pattern() {
        let found = comparisons("[url:value = 'http://x.example/a OR b\\'c']").expect("one comparison");
        assert_eq!(found, vec![(IndicatorKind::Url, "http://x.example/a OR b'c".to_owned())]);
    }

    #[test]
    fn not_a_bundle_is_a_file_error() {
        assert!(matches!(from_bundle(br#"{"type":"indicator"}"#, "f"), Err(ImportError::Shape { .. })));
    }
}
