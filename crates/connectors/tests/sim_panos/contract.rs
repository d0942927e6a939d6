//! Comparing what the connector sent with what pan-os-python sent (the recording): method,
//! path, query, the form's content type and every form field (`type`, `cmd`, `xpath`,
//! `element`, `action`, `key`, `user`, `password`), XML compared after whitespace between
//! tags is dropped.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::common::{Seen, url_pairs};

/// XML without the whitespace between tags, and with the recording's lab comment replaced
/// by what Riposte writes there.
fn normal(text: &str, substitutions: &[(&str, &str)]) -> String {
    let mut squeezed = String::new();
    let mut blank = String::new();
    for c in text.trim().chars() {
        if c.is_whitespace() {
            blank.push(c);
            continue;
        }
        if !(squeezed.ends_with('>') && c == '<') {
            squeezed.push_str(&blank);
        }
        blank.clear();
        squeezed.push(c);
    }
    substitutions.iter().fold(squeezed, |t, (from, to)| t.replace(from, to))
}

type Form = BTreeMap<String, Vec<String>>;

fn recorded_form(call: &Value, substitutions: &[(&str, &str)]) -> Form {
    let form = call["form"].as_object().expect("recorded form");
    form.iter()
        .map(|(name, values)| {
            let values = values.as_array().expect("values").iter().map(|v| v.as_str().expect("text"));
            (name.clone(), values.map(|v| normal(v, substitutions)).collect())
        })
        .collect()
}

fn sent_form(seen: &Seen) -> Form {
    let mut form = Form::new();
    for (name, value) in url_pairs(&seen.body) {
        form.entry(name).or_default().push(normal(&value, &[]));
    }
    form
}

fn same(seen: &Seen, call: &Value, substitutions: &[(&str, &str)]) -> bool {
    let query_empty = call["query"].as_object().is_some_and(|q| q.is_empty());
    seen.method == call["method"].as_str().expect("method")
        && seen.path == call["path"].as_str().expect("path")
        && (seen.query.is_empty() == query_empty)
        && seen.header("content-type").is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"))
        && sent_form(seen) == recorded_form(call, substitutions)
}

/// Every recorded call appears among the sent ones, in the same order (the connector's
/// read-backs may come between them).
pub fn assert_sent_in_order(seen: &[Seen], recorded: &[Value], substitutions: &[(&str, &str)]) {
    let mut from = 0;
    for call in recorded {
        match seen[from..].iter().position(|s| same(s, call, substitutions)) {
            Some(at) => from += at + 1,
            None => {
                let sent: Vec<Form> = seen.iter().map(sent_form).collect();
                panic!(
                    "the recorded call\n  {:?}\nwas not sent (after request {from}); sent:\n{sent:#?}",
                    recorded_form(call, substitutions)
                );
            }
        }
    }
}
