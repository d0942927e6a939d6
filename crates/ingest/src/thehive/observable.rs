//! Observables (v1) and artifacts (v0): `{dataType, data, message, tlp, tags, ioc, sighted}`.
//! `data` may be one value or an array (one observable per value); a file arrives as
//! `name;mime;base64` and is kept by name only, never as content.

use riposte_domain::alert::{Entity, EntityKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One observable as TheHive returns it (without its id, which is its position).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Observable {
    pub data_type: String,
    pub data: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub tlp: i64,
    pub pap: i64,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub ioc: bool,
    #[serde(default)]
    pub sighted: bool,
    #[serde(default)]
    pub ignore_similarity: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ObservableIn {
    data_type: Option<String>,
    data: Option<Value>,
    message: Option<String>,
    tlp: Option<i64>,
    pap: Option<i64>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    ioc: bool,
    #[serde(default)]
    sighted: bool,
    #[serde(default)]
    ignore_similarity: bool,
}

/// Reads a list of observables; `what` names the list in errors (`observables[2]: ...`).
pub fn parse_observables(list: &[Value], what: &str) -> Result<Vec<Observable>, String> {
    let mut out = Vec::new();
    for (n, value) in list.iter().enumerate() {
        let input: ObservableIn = serde_json::from_value(value.clone()).map_err(|e| format!("{what}[{n}]: {e}"))?;
        let data_type = input
            .data_type
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .ok_or(format!("{what}[{n}]: dataType is required"))?;
        let values: Vec<String> = match input.data {
            Some(Value::String(s)) => vec![s],
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s),
                    Value::Number(n) => Ok(n.to_string()),
                    other => Err(format!("{what}[{n}]: data items must be text, not {other}")),
                })
                .collect::<Result<_, _>>()?,
            Some(Value::Number(number)) => vec![number.to_string()],
            Some(other) => return Err(format!("{what}[{n}]: data must be text or an array of text, not {other}")),
            None => return Err(format!("{what}[{n}]: data is required")),
        };
        for level in [input.tlp, input.pap].into_iter().flatten() {
            if !(0..=4).contains(&level) {
                return Err(format!("{what}[{n}]: tlp and pap are 0 to 4, not {level}"));
            }
        }
        for data in values {
            let data = if data_type == "file" { file_name(&data) } else { data.trim().to_owned() };
            if data.is_empty() {
                return Err(format!("{what}[{n}]: data is empty"));
            }
            out.push(Observable {
                data_type: data_type.clone(),
                data,
                message: input.message.clone(),
                tlp: input.tlp.unwrap_or(2),
                pap: input.pap.unwrap_or(2),
                tags: input.tags.clone(),
                ioc: input.ioc,
                sighted: input.sighted,
                ignore_similarity: input.ignore_similarity,
            });
        }
    }
    Ok(out)
}

/// `name;mime;base64` keeps only the name: the content is not Riposte's to store.
fn file_name(data: &str) -> String {
    data.split(';').next().unwrap_or_default().trim().to_owned()
}

/// The entities observables name, by TheHive dataType; types with no entity kind (registry
/// keys, user agents, ...) stay observables only.
pub fn observable_entities(observables: &[Observable]) -> Vec<Entity> {
    let mut entities: Vec<Entity> = observables
        .iter()
        .filter_map(|o| {
            let kind = match o.data_type.as_str() {
                "ip" => {
                    return Entity::new(EntityKind::Ip, &o.data, None)
                        .or_else(|| Entity::new(EntityKind::Cidr, &o.data, None));
                }
                "domain" => EntityKind::Domain,
                "fqdn" | "hostname" => EntityKind::Host,
                "url" => EntityKind::Url,
                "hash" => EntityKind::Hash,
                "mail" | "mail-address" | "email" => EntityKind::Email,
                "filename" | "file" => EntityKind::File,
                "user" | "user-account" | "username" => EntityKind::User,
                _ => return None,
            };
            Entity::new(kind, &o.data, None)
        })
        .collect();
    entities.sort();
    entities.dedup();
    entities
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn arrays_expand_and_files_keep_their_name() {
        let list = vec![
            json!({"dataType":"ip","data":["203.0.113.7","10.0.0.0/8"],"ioc":true,"tags":["c2"]}),
            json!({"dataType":"file","data":"invoice.exe;application/octet-stream;TVqQAAMAAAAEAAAA"}),
            json!({"dataType":"user-agent","data":"curl/8"}),
        ];
        let observables = parse_observables(&list, "observables").expect("valid");
        assert_eq!(observables.len(), 4);
        assert_eq!(observables[2].data, "invoice.exe");
        let entities = observable_entities(&observables);
        let kinds: Vec<_> = entities.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, vec![EntityKind::Ip, EntityKind::Cidr, EntityKind::File]);
    }

    #[test]
    fn problems_are_named_by_position() {
        let err = parse_observables(&[json!({"data":"x"})], "artifacts").expect_err("no type");
        assert_eq!(err, "artifacts[0]: dataType is required");
        let err = parse_observables(&[json!({"dataType":"ip","data":{}})], "observables").expect_err("object");
        assert!(err.contains("data must be text"), "{err}");
        let err =
            parse_observables(&[json!({"dataType":"ip","data":"1.2.3.4","tlp":9})], "observables").expect_err("tlp");
        assert!(err.contains("0 to 4"), "{err}");
    }
}
