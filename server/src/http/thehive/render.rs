//! Alerts in TheHive's JSON: v1 (TheHive 5: `_id: "~123"`, `observables`, labels, clocks)
//! and v0 (TheHive 3/4: `id`, `artifacts`, `customFields` as an object).

use riposte_backend::thehive::TheHiveAlert;
use riposte_domain::alert::Severity;
use riposte_ingest::thehive::{Observable, thehive_severity};
use serde_json::{Value, json};

use crate::clock::epoch_ms as ms;

pub fn thehive_id(alert_id: i64) -> String {
    format!("~{alert_id}")
}

fn severity_label(level: i64) -> &'static str {
    match level {
        1 => "LOW",
        2 => "MEDIUM",
        3 => "HIGH",
        _ => "CRITICAL",
    }
}

fn tlp_label(level: i64) -> &'static str {
    match level {
        0 => "WHITE",
        1 => "GREEN",
        2 => "AMBER",
        3 => "RED",
        _ => "AMBER+STRICT",
    }
}

/// Riposte's status as TheHive 5 names it, and its stage.
fn status_v1(status: &str) -> (&'static str, &'static str) {
    match status {
        "acknowledged" => ("InProgress", "InProgress"),
        "in_incident" => ("Imported", "Imported"),
        "dismissed" => ("Ignored", "Closed"),
        _ => ("New", "New"),
    }
}

fn status_v0(status: &str) -> &'static str {
    match status {
        "acknowledged" => "Updated",
        "in_incident" => "Imported",
        "dismissed" => "Ignored",
        _ => "New",
    }
}

fn severity_of(alert: &TheHiveAlert) -> i64 {
    Severity::from_ocsf_id(i64::from(alert.row.severity)).map(thehive_severity).unwrap_or(2)
}

fn date_ms(alert: &TheHiveAlert) -> i64 {
    alert.row.event_time.map(ms).unwrap_or_else(|| ms(alert.row.received_at))
}

/// TheHive 5 lists custom fields; v0 bodies send them keyed by name.
fn custom_fields_v1(fields: &Value) -> Value {
    match fields {
        Value::Object(map) => Value::Array(
            map.iter()
                .map(|(name, field)| {
                    let order = field.get("order").cloned().unwrap_or(Value::Null);
                    let value = match field {
                        Value::Object(typed) => {
                            typed.iter().find(|(k, _)| *k != "order").map(|(_, v)| v.clone()).unwrap_or(Value::Null)
                        }
                        plain => plain.clone(),
                    };
                    json!({ "name": name, "value": value, "order": order })
                })
                .collect(),
        ),
        Value::Array(_) => fields.clone(),
        _ => json!([]),
    }
}

pub fn observable_v1(alert_id: i64, index: usize, observable: &Observable, created_at: i64) -> Value {
    json!({
        "_id": format!("~{alert_id}:{index}"),
        "_type": "Observable",
        "_createdAt": created_at,
        "dataType": observable.data_type,
        "data": observable.data,
        "message": observable.message,
        "tlp": observable.tlp,
        "tlpLabel": tlp_label(observable.tlp),
        "pap": observable.pap,
        "papLabel": tlp_label(observable.pap),
        "tags": observable.tags,
        "ioc": observable.ioc,
        "sighted": observable.sighted,
        "ignoreSimilarity": observable.ignore_similarity,
    })
}

pub fn alert_v1(alert: &TheHiveAlert) -> Value {
    let a = &alert.attributes;
    let row = &alert.row;
    let severity = severity_of(alert);
    let (status, stage) = status_v1(&row.status);
    let created = ms(row.received_at);
    let date = date_ms(alert);
    json!({
        "_id": thehive_id(row.alert_id),
        "_type": "Alert",
        "_createdBy": row.source,
        "_createdAt": created,
        "type": a.alert_type,
        "source": a.source,
        "sourceRef": a.source_ref,
        "externalLink": a.external_link,
        "title": row.title,
        "description": row.description,
        "severity": severity,
        "severityLabel": severity_label(severity),
        "date": date,
        "tags": row.tags,
        "tlp": a.tlp,
        "tlpLabel": tlp_label(a.tlp),
        "pap": a.pap,
        "papLabel": tlp_label(a.pap),
        "follow": a.follow,
        "flag": a.flag,
        "customFields": custom_fields_v1(&a.custom_fields),
        "caseTemplate": a.case_template,
        "observableCount": a.observables.len(),
        "status": status,
        "stage": stage,
        "assignee": a.assignee,
        "summary": a.summary,
        "procedures": a.procedures,
        "extraData": {},
        "newDate": created,
        "timeToDetect": (created - date).max(0),
    })
}

pub fn alert_v0(alert: &TheHiveAlert) -> Value {
    let a = &alert.attributes;
    let row = &alert.row;
    let id = row.alert_id.to_string();
    let created = ms(row.received_at);
    let artifacts: Vec<Value> = a
        .observables
        .iter()
        .map(|o| {
            json!({ "dataType": o.data_type, "data": o.data, "message": o.message, "tlp": o.tlp,
                    "tags": o.tags, "ioc": o.ioc, "sighted": o.sighted })
        })
        .collect();
    json!({
        "_id": id,
        "id": id,
        "_type": "alert",
        "_version": 1,
        "type": a.alert_type,
        "source": a.source,
        "sourceRef": a.source_ref,
        "title": row.title,
        "description": row.description,
        "severity": severity_of(alert),
        "date": date_ms(alert),
        "tags": row.tags,
        "tlp": a.tlp,
        "pap": a.pap,
        "status": status_v0(&row.status),
        "follow": a.follow,
        "artifacts": artifacts,
        "customFields": if a.custom_fields.is_null() { json!({}) } else { a.custom_fields.clone() },
        "caseTemplate": a.case_template,
        "externalLink": a.external_link,
        "createdBy": row.source,
        "createdAt": created,
        "lastSyncDate": created,
    })
}
