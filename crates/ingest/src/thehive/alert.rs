//! A TheHive alert body to the normalised model.
//!
//! Severity: TheHive 1 LOW, 2 MEDIUM, 3 HIGH, 4 CRITICAL map to OCSF Low, Medium, High,
//! Critical. Uniqueness is TheHive's `(type, source, sourceRef)`, which becomes the dedup key.

use riposte_domain::alert::{DedupKey, NewAlert, Severity, is_attack_technique};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::observable::{Observable, observable_entities, parse_observables};

/// Why a body was refused, in TheHive's error vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// Not JSON, or not an object (TheHive: `BadRequestError`).
    #[error("{0}")]
    BadRequest(String),
    /// A missing or invalid attribute (TheHive: `AttributeCheckingError`).
    #[error("{0}")]
    Attribute(String),
}

impl InputError {
    pub fn thehive_type(&self) -> &'static str {
        match self {
            InputError::BadRequest(_) => "BadRequestError",
            InputError::Attribute(_) => "AttributeCheckingError",
        }
    }
}

/// An ATT&CK procedure attached to an alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Procedure {
    pub pattern_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occur_date: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tactic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// What TheHive knows about an alert beyond the normalised model; stored as
/// `unmapped.thehive` and read back to answer in TheHive's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TheHiveAttributes {
    #[serde(rename = "type")]
    pub alert_type: String,
    pub source: String,
    pub source_ref: String,
    pub tlp: i64,
    pub pap: i64,
    #[serde(default)]
    pub flag: bool,
    #[serde(default = "yes")]
    pub follow: bool,
    #[serde(default)]
    pub external_link: Option<String>,
    #[serde(default)]
    pub custom_fields: Value,
    #[serde(default)]
    pub case_template: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub assignee: Option<String>,
    #[serde(default)]
    pub procedures: Vec<Procedure>,
    #[serde(default)]
    pub observables: Vec<Observable>,
    /// Deleted through TheHive's API: hidden from it, still kept (and dismissed) in Riposte.
    #[serde(default)]
    pub deleted: bool,
}

fn yes() -> bool {
    true
}

/// Reads TheHive's attributes back from a stored alert's `unmapped` document.
pub fn unmapped_of(unmapped: Option<&Value>) -> Option<TheHiveAttributes> {
    serde_json::from_value(unmapped?.get("thehive")?.clone()).ok()
}

/// OCSF severity back to TheHive's 1-4.
pub fn thehive_severity(severity: Severity) -> i64 {
    match severity {
        Severity::Informational | Severity::Low => 1,
        Severity::Medium => 2,
        Severity::High => 3,
        Severity::Critical => 4,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AlertIn {
    #[serde(rename = "type")]
    alert_type: Option<String>,
    source: Option<String>,
    source_ref: Option<String>,
    title: Option<String>,
    description: Option<String>,
    severity: Option<i64>,
    date: Option<Value>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    flag: bool,
    follow: Option<bool>,
    tlp: Option<i64>,
    pap: Option<i64>,
    external_link: Option<String>,
    #[serde(default)]
    custom_fields: Value,
    case_template: Option<String>,
    summary: Option<String>,
    assignee: Option<String>,
    #[serde(default)]
    procedures: Vec<Procedure>,
    #[serde(default)]
    observables: Vec<Value>,
    #[serde(default)]
    artifacts: Vec<Value>,
}

/// Parses one alert body sent with a token attributed to `token_source`.
pub fn parse_alert(body: &[u8], token_source: &str) -> Result<NewAlert, InputError> {
    let text = std::str::from_utf8(body).map_err(|e| InputError::BadRequest(format!("the body is not UTF-8: {e}")))?;
    let value: Value = serde_json::from_str(text).map_err(|e| InputError::BadRequest(format!("Invalid Json: {e}")))?;
    if !value.is_object() {
        return Err(InputError::BadRequest("an alert must be a JSON object".into()));
    }
    let input: AlertIn = serde_json::from_value(value).map_err(|e| InputError::Attribute(e.to_string()))?;
    let required = |field: Option<String>, name: &str| {
        field
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| InputError::Attribute(format!("Missing attribute alert.{name}")))
    };
    let alert_type = required(input.alert_type, "type")?;
    let source = required(input.source, "source")?;
    let source_ref = required(input.source_ref, "sourceRef")?;
    let title = required(input.title, "title")?;
    let description = input.description.unwrap_or_default();
    if title.chars().count() > 512 {
        return Err(InputError::Attribute("Invalid attribute alert.title: longer than 512 characters".into()));
    }
    let severity = match input.severity {
        None => Severity::Medium,
        Some(level @ 1..=4) => Severity::from_thehive(level),
        Some(other) => {
            return Err(InputError::Attribute(format!("Invalid attribute alert.severity: {other} is not 1 to 4")));
        }
    };
    for (name, level) in [("tlp", input.tlp), ("pap", input.pap)] {
        if let Some(level) = level
            && !(0..=4).contains(&level)
        {
            return Err(InputError::Attribute(format!("Invalid attribute alert.{name}: {level} is not 0 to 4")));
        }
    }
    let event_time_ms = match input.date {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(n.as_i64().ok_or_else(|| {
            InputError::Attribute(format!("Invalid attribute alert.date: {n} is not epoch milliseconds"))
        })?),
        Some(other) => {
            return Err(InputError::Attribute(format!(
                "Invalid attribute alert.date: {other} is not epoch milliseconds"
            )));
        }
    };
    let mut observables = parse_observables(&input.observables, "observables").map_err(InputError::Attribute)?;
    observables.extend(parse_observables(&input.artifacts, "artifacts").map_err(InputError::Attribute)?);
    let mut attack_techniques: Vec<String> = Vec::new();
    for procedure in &input.procedures {
        if !is_attack_technique(&procedure.pattern_id) {
            return Err(InputError::Attribute(format!(
                "Invalid attribute alert.procedures: {:?} is not an ATT&CK technique id",
                procedure.pattern_id
            )));
        }
        if !attack_techniques.contains(&procedure.pattern_id) {
            attack_techniques.push(procedure.pattern_id.clone());
        }
    }
    let attributes = TheHiveAttributes {
        alert_type,
        source,
        source_ref,
        tlp: input.tlp.unwrap_or(2),
        pap: input.pap.unwrap_or(2),
        flag: input.flag,
        follow: input.follow.unwrap_or(true),
        external_link: input.external_link,
        custom_fields: input.custom_fields,
        case_template: input.case_template,
        summary: input.summary,
        assignee: input.assignee,
        procedures: input.procedures,
        observables,
        deleted: false,
    };
    Ok(NewAlert {
        source: token_source.to_owned(),
        source_ref: Some(attributes.source_ref.clone()),
        flow_id: None,
        title,
        description,
        severity,
        event_time_ms,
        entities: observable_entities(&attributes.observables),
        attack_techniques,
        tags: input.tags.into_iter().map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).collect(),
        dedup_key: dedup_key(&attributes.alert_type, &attributes.source, &attributes.source_ref),
        raw: text.to_owned(),
        unmapped: Some(serde_json::json!({ "thehive": attributes })),
    })
}

/// TheHive's uniqueness: one alert per `(type, source, sourceRef)`.
pub fn dedup_key(alert_type: &str, source: &str, source_ref: &str) -> DedupKey {
    DedupKey::from_parts(&[("type", alert_type), ("source", source), ("ref", source_ref)])
}
