//! Comparing what the connector sent with what the fortigate-api SDK sent (the recording):
//! method, path, query parameters (`vdom`), the bearer token, and the JSON body (`name`,
//! `subnet`, `comment`, `member`, `ip_addresses`, `expiry`) as values, not as text.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::common::{Seen, url_pairs};

type Query = BTreeMap<String, Vec<String>>;

fn recorded_query(call: &Value) -> Query {
    let query = call["query"].as_object().expect("recorded query");
    query
        .iter()
        .map(|(name, values)| {
            let values = values.as_array().expect("values").iter().map(|v| v.as_str().expect("text").to_owned());
            (name.clone(), values.collect())
        })
        .collect()
}

fn sent_query(seen: &Seen) -> Query {
    let mut query = Query::new();
    for (name, value) in url_pairs(&seen.query) {
        query.entry(name).or_default().push(value);
    }
    query
}

/// A body as JSON with the recording's lab comment replaced by what Riposte writes.
fn body(text: &str, substitutions: &[(&str, &str)]) -> Option<Value> {
    if text.trim().is_empty() {
        return None;
    }
    let mut value: Value = serde_json::from_str(text).expect("a JSON body");
    if let Some(comment) = value.get_mut("comment") {
        for (from, to) in substitutions {
            if comment == from {
                *comment = Value::from(*to);
            }
        }
    }
    Some(value)
}

fn same(seen: &Seen, call: &Value, substitutions: &[(&str, &str)]) -> bool {
    let recorded_body = body(call["body"].as_str().expect("body"), substitutions);
    let json_typed = seen.header("content-type").is_some_and(|c| c.starts_with("application/json"));
    seen.method == call["method"].as_str().expect("method")
        && seen.path == call["path"].as_str().expect("path")
        && sent_query(seen) == recorded_query(call)
        && seen.header("authorization") == call["headers"]["Authorization"].as_str()
        && body(&seen.body, &[]) == recorded_body
        && (recorded_body.is_none() || json_typed)
}

/// Every recorded call appears among the sent ones, in the same order (the connector's
/// reads may come between them).
pub fn assert_sent_in_order(seen: &[Seen], recorded: &[Value], substitutions: &[(&str, &str)]) {
    let mut from = 0;
    for call in recorded {
        match seen[from..].iter().position(|s| same(s, call, substitutions)) {
            Some(at) => from += at + 1,
            None => {
                let sent: Vec<String> =
                    seen.iter().map(|s| format!("{} {}?{} {}", s.method, s.path, s.query, s.body)).collect();
                panic!("the recorded call\n  {call}\nwas not sent (after request {from}); sent:\n{sent:#?}");
            }
        }
    }
}
