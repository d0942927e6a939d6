//! Comparing what a connector sent with what the vendor's SDK sent (`common::recorded`):
//! method, path, query parameters, the form or the JSON body's fields, and the auth headers.
//! The recorded calls must appear in order among the connector's (which may add reads of its
//! own: lookups before a change, read-backs after). Shared by the Check Point and Falcon
//! contract tests.
#![allow(dead_code)]

use serde_json::Value;

use crate::common::{Seen, url_pairs};

/// The headers compared when the recording has them.
const HEADERS: [&str; 3] = ["X-chkp-sid", "Authorization", "Content-Type"];

/// Asserts that `recorded` appear in order within `seen`. Values under `loose` keys (free
/// text Riposte writes itself, ids the simulator issues) need only be present.
pub fn assert_in_order(recorded: &[Value], seen: &[Seen], loose: &[&str]) {
    let mut from = 0;
    for (index, call) in recorded.iter().enumerate() {
        match seen[from..].iter().position(|s| differences(call, s, loose).is_empty()) {
            Some(offset) => from += offset + 1,
            None => {
                let near: Vec<String> = seen[from..]
                    .iter()
                    .filter(|s| Some(s.path.as_str()) == call["path"].as_str())
                    .map(|s| {
                        format!("{} {}?{} {}: {:?}", s.method, s.path, s.query, s.body, differences(call, s, loose))
                    })
                    .collect();
                panic!(
                    "recorded call {index} ({} {}) was not sent (in order); nearest: {near:#?}\nall sent: {:#?}",
                    call["method"],
                    call["path"],
                    seen.iter().map(|s| format!("{} {}?{}", s.method, s.path, s.query)).collect::<Vec<_>>()
                );
            }
        }
    }
}

/// How `seen` differs from the recorded `call`; empty when it matches.
pub fn differences(call: &Value, seen: &Seen, loose: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    if call["method"].as_str() != Some(seen.method.as_str()) || call["path"].as_str() != Some(seen.path.as_str()) {
        found.push(format!("{} {} is not {} {}", seen.method, seen.path, call["method"], call["path"]));
        return found;
    }
    let sent_query = url_pairs(&seen.query);
    if let Some(query) = call["query"].as_object() {
        for (key, values) in query {
            let sent: Vec<&str> = sent_query.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect();
            let wanted: Vec<&str> = values.as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            let fine = if loose.contains(&key.as_str()) { sent.len() == wanted.len() } else { sent == wanted };
            if !fine {
                found.push(format!("query {key}: sent {sent:?}, recorded {wanted:?}"));
            }
        }
    }
    for name in HEADERS {
        let recorded = call["headers"]
            .as_object()
            .and_then(|h| h.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).and_then(|(_, v)| v.as_str()));
        if let Some(recorded) = recorded {
            // A charset after the media type is no difference.
            let sent = seen.header(name).map(|v| v.split(';').next().unwrap_or_default().trim());
            if sent != Some(recorded) {
                found.push(format!("header {name}: sent {sent:?}, recorded {recorded:?}"));
            }
        }
    }
    if let Some(form) = call["form"].as_object() {
        let mut sent = url_pairs(&seen.body);
        sent.sort();
        let mut wanted: Vec<(String, String)> = form
            .iter()
            .flat_map(|(k, vs)| {
                vs.as_array().into_iter().flatten().filter_map(Value::as_str).map(|v| (k.clone(), v.to_owned()))
            })
            .collect();
        wanted.sort();
        if sent != wanted {
            found.push(format!("form: sent {sent:?}, recorded {wanted:?}"));
        }
    } else if let Some(body) = call["body"].as_str().filter(|b| !b.trim().is_empty()) {
        let wanted: Value = serde_json::from_str(body).expect("recorded JSON body");
        match serde_json::from_str::<Value>(&seen.body) {
            Ok(sent) => covers(&wanted, &sent, loose, "body", &mut found),
            Err(_) => found.push(format!("body is not JSON: {}", seen.body)),
        }
    }
    found
}

/// Whether `sent` holds every field of `wanted` with the same value (lists element by element).
fn covers(wanted: &Value, sent: &Value, loose: &[&str], at: &str, found: &mut Vec<String>) {
    match (wanted, sent) {
        (Value::Object(wanted), Value::Object(sent)) => {
            for (key, value) in wanted {
                let at = format!("{at}.{key}");
                match sent.get(key) {
                    None => found.push(format!("{at} missing")),
                    Some(_) if loose.contains(&key.as_str()) => {}
                    Some(other) => covers(value, other, loose, &at, found),
                }
            }
        }
        (Value::Array(wanted), Value::Array(sent)) if wanted.len() == sent.len() => {
            for (i, (w, s)) in wanted.iter().zip(sent).enumerate() {
                covers(w, s, loose, &format!("{at}[{i}]"), found);
            }
        }
        (wanted, sent) if wanted == sent => {}
        (wanted, sent) => found.push(format!("{at}: sent {sent}, recorded {wanted}")),
    }
}
