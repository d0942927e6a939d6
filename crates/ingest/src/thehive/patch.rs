//! `PATCH /api/v1/alert/{id}`: the attributes a client may change, each checked as on
//! creation. Attributes TheHive does not let clients change (type, source, sourceRef) are
//! refused by name.

use riposte_domain::alert::Severity;
use serde_json::{Map, Value};

use super::alert::InputError;

/// The changes one PATCH asks for; `None` leaves an attribute as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub severity: Option<Severity>,
    pub tags: Option<Vec<String>>,
    /// TheHive's status name (`New`, `InProgress`, `Imported`, `Ignored`).
    pub status: Option<String>,
    /// TheHive-only attributes, merged into the stored ones as given.
    pub attributes: Map<String, Value>,
}

/// TheHive's alert status names and the Riposte statuses they mean.
pub fn status_from_thehive(name: &str) -> Option<&'static str> {
    Some(match name {
        "New" => "new",
        "InProgress" | "Updated" => "acknowledged",
        "Imported" => "in_incident",
        "Ignored" => "dismissed",
        _ => return None,
    })
}

const ATTRIBUTES: [&str; 8] = ["tlp", "pap", "follow", "flag", "summary", "assignee", "externalLink", "customFields"];

pub fn parse_patch(body: &[u8]) -> Result<AlertPatch, InputError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| InputError::BadRequest(format!("Invalid Json: {e}")))?;
    let Value::Object(fields) = value else {
        return Err(InputError::BadRequest("the changes must be a JSON object".into()));
    };
    let mut patch = AlertPatch::default();
    for (name, value) in fields {
        let wrong =
            |expected: &str| InputError::Attribute(format!("Invalid attribute alert.{name}: expected {expected}"));
        match name.as_str() {
            "title" => {
                let title = value.as_str().map(str::trim).filter(|t| !t.is_empty()).ok_or_else(|| wrong("text"))?;
                patch.title = Some(title.to_owned());
            }
            "description" => patch.description = Some(value.as_str().ok_or_else(|| wrong("text"))?.to_owned()),
            "severity" => {
                let level = value.as_i64().filter(|l| (1..=4).contains(l)).ok_or_else(|| wrong("1 to 4"))?;
                patch.severity = Some(Severity::from_thehive(level));
            }
            "tags" => {
                let tags = value.as_array().ok_or_else(|| wrong("an array of text"))?;
                let tags = tags.iter().map(|t| t.as_str().map(str::to_owned)).collect::<Option<Vec<_>>>();
                patch.tags = Some(tags.ok_or_else(|| wrong("an array of text"))?);
            }
            "status" | "stage" => {
                let status = value.as_str().ok_or_else(|| wrong("a status name"))?;
                if status_from_thehive(status).is_none() {
                    return Err(wrong("New, InProgress, Imported or Ignored"));
                }
                patch.status = Some(status.to_owned());
            }
            "tlp" | "pap" => {
                value.as_i64().filter(|l| (0..=4).contains(l)).ok_or_else(|| wrong("0 to 4"))?;
                patch.attributes.insert(name, value);
            }
            "follow" | "flag" => {
                value.as_bool().ok_or_else(|| wrong("true or false"))?;
                patch.attributes.insert(name, value);
            }
            "summary" | "assignee" | "externalLink" => {
                if !(value.is_string() || value.is_null()) {
                    return Err(wrong("text or null"));
                }
                patch.attributes.insert(name, value);
            }
            "customFields" => {
                patch.attributes.insert(name, value);
            }
            "type" | "source" | "sourceRef" => {
                return Err(InputError::Attribute(format!("alert.{name} cannot be changed")));
            }
            other => {
                return Err(InputError::Attribute(format!(
                    "Unknown attribute alert.{other}; changeable: title, description, severity, tags, status, {}",
                    ATTRIBUTES.join(", ")
                )));
            }
        }
    }
    Ok(patch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_checked_and_named() {
        let patch =
            parse_patch(br#"{"title":"new","severity":4,"tags":["a"],"status":"Ignored","tlp":3,"assignee":null}"#)
                .expect("valid");
        assert_eq!(patch.title.as_deref(), Some("new"));
        assert_eq!(patch.severity, Some(Severity::Critical));
        assert_eq!(patch.status.as_deref(), Some("Ignored"));
        assert_eq!(patch.attributes.len(), 2);
        let err = |body: &[u8]| parse_patch(body).expect_err("refused").to_string();
        assert!(err(br#"{"severity":7}"#).contains("alert.severity"));
        assert!(err(br#"{"sourceRef":"x"}"#).contains("cannot be changed"));
        assert!(err(br#"{"colour":"red"}"#).contains("alert.colour"));
        assert!(err(b"[1]").contains("object"));
        assert!(err(b"{").contains("Invalid Json"));
    }
}
