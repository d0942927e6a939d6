//! Windows Security and System events as Winlogbeat (ECS: `winlog.event_id`,
//! `winlog.event_data`) and NXLog (`EventID` with the event data at the top level) export
//! them. Every event is kept as context; logons (4624, 4625, 4648, 4672) carry the user,
//! address and outcome that login history needs. Detection rules, kept as data below, raise
//! alerts for service installs (4697, 7045) and suspicious process command lines (4688).

use riposte_domain::alert::{
    ContextEvent, DedupKey, Entity, EntityKind, EntityRole, NewAlert, Severity, content_dedup_key,
};
use serde_json::{Map, Value};
use time::PrimitiveDateTime;
use time::macros::format_description;

use crate::time_parse::text_ms;

/// The fields of one event, whichever shipper sent it.
struct WinEvent<'a> {
    id: u32,
    computer: Option<String>,
    record: Option<String>,
    time_ms: Option<i64>,
    data: &'a Map<String, Value>,
}

/// A command-line rule: every needle present (case-insensitive) raises an alert.
struct ProcessRule {
    needles: &'static [&'static str],
    title: &'static str,
    technique: &'static str,
    severity: Severity,
}

const PROCESS_RULES: &[ProcessRule] = &[
    ProcessRule {
        needles: &["powershell", " -enc"],
        title: "Encoded PowerShell command",
        technique: "T1059.001",
        severity: Severity::High,
    },
    ProcessRule {
        needles: &["mimikatz"],
        title: "Credential dumping tool run",
        technique: "T1003.001",
        severity: Severity::Critical,
    },
    ProcessRule {
        needles: &["sekurlsa::"],
        title: "Credential dumping tool run",
        technique: "T1003.001",
        severity: Severity::Critical,
    },
    ProcessRule {
        needles: &["procdump", "lsass"],
        title: "LSASS memory dumped",
        technique: "T1003.001",
        severity: Severity::Critical,
    },
    ProcessRule {
        needles: &["vssadmin", "delete", "shadows"],
        title: "Shadow copies deleted",
        technique: "T1490",
        severity: Severity::Critical,
    },
    ProcessRule {
        needles: &["wmic", "shadowcopy", "delete"],
        title: "Shadow copies deleted",
        technique: "T1490",
        severity: Severity::Critical,
    },
    ProcessRule {
        needles: &["certutil", "-urlcache"],
        title: "File downloaded with certutil",
        technique: "T1105",
        severity: Severity::High,
    },
];

/// Service image paths that make an install look hostile rather than routine.
const SUSPICIOUS_SERVICE_PATHS: &[&str] =
    &["powershell", "cmd.exe /c", "cmd /c", "%comspec%", "\\temp\\", "\\users\\public\\", "rundll32"];

/// What one Windows event became.
pub struct WindowsRecord {
    pub context: ContextEvent,
    pub alert: Option<NewAlert>,
}

/// Parses one event (a JSON object) sent with a token attributed to `source`.
pub fn parse_windows(raw: &str, source: &str) -> Result<WindowsRecord, String> {
    let value: Value = serde_json::from_str(raw).map_err(|e| format!("not JSON: {e}"))?;
    let object = value.as_object().ok_or("a Windows event must be a JSON object")?;
    let event = normalise(object)?;
    let text = |key: &str| {
        event
            .data
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty() && *v != "-")
            .map(str::to_owned)
    };
    let ip = text("IpAddress").and_then(|a| a.parse::<std::net::IpAddr>().ok()).map(|a| a.to_string());
    let port = text("IpPort").and_then(|p| p.parse::<i32>().ok()).filter(|p| *p > 0);
    let (kind, user, outcome) = match event.id {
        4624 => ("logon", text("TargetUserName"), Some("success")),
        4625 => ("logon", text("TargetUserName"), Some("failure")),
        4648 => ("explicit_credentials", text("TargetUserName"), Some("success")),
        4672 => ("privileged_logon", text("SubjectUserName"), None),
        4688 => ("process", text("SubjectUserName"), None),
        4697 | 7045 => ("service_install", text("SubjectUserName").or(text("AccountName")), None),
        _ => ("windows_event", text("TargetUserName").or(text("SubjectUserName")), None),
    };
    let dedup_key = match (&event.computer, &event.record) {
        (Some(computer), Some(record)) => DedupKey::from_parts(&[("host", computer), ("record", record)]),
        _ => content_dedup_key(&[raw]),
    };
    let context = ContextEvent {
        source: source.to_owned(),
        kind: kind.to_owned(),
        event_time_ms: event.time_ms,
        flow_id: None,
        community_id: None,
        src_ip: ip.clone(),
        dest_ip: None,
        src_port: port,
        dest_port: None,
        proto: None,
        user_name: user.clone(),
        host_name: event.computer.clone(),
        outcome: outcome.map(str::to_owned),
        action: None,
        dedup_key: dedup_key.clone(),
        raw: raw.to_owned(),
    };
    let detection = match event.id {
        4688 => {
            let command_line = text("CommandLine").or(text("NewProcessName")).unwrap_or_default();
            let lower = command_line.to_ascii_lowercase();
            PROCESS_RULES.iter().find(|rule| rule.needles.iter().all(|n| lower.contains(n))).map(|rule| {
                (rule.title.to_owned(), rule.technique, rule.severity, text("NewProcessName"), Some(command_line))
            })
        }
        4697 | 7045 => {
            let name = text("ServiceName").unwrap_or_else(|| "(unnamed)".into());
            let image = text("ImagePath").or(text("ServiceFileName")).unwrap_or_default();
            let lower = image.to_ascii_lowercase();
            let severity = if SUSPICIOUS_SERVICE_PATHS.iter().any(|s| lower.contains(s)) {
                Severity::High
            } else {
                Severity::Medium
            };
            Some((format!("Service installed: {name}"), "T1543.003", severity, Some(image.clone()), Some(image)))
        }
        _ => None,
    };
    let alert = detection.map(|(title, technique, severity, process, detail)| {
        let host = event.computer.clone().unwrap_or_default();
        let candidates = [
            (EntityKind::Host, Some(host.as_str()), None),
            (EntityKind::User, user.as_deref(), Some(EntityRole::Source)),
            (EntityKind::Process, process.as_deref(), None),
            (EntityKind::Ip, ip.as_deref(), Some(EntityRole::Source)),
        ];
        let mut entities: Vec<Entity> = candidates.into_iter().filter_map(|(k, v, r)| Entity::new(k, v?, r)).collect();
        entities.sort();
        entities.dedup();
        NewAlert {
            source: source.to_owned(),
            source_ref: event.record.clone(),
            flow_id: None,
            title,
            description: format!("Windows event {} on {host}: {}", event.id, detail.unwrap_or_default()),
            severity,
            event_time_ms: event.time_ms,
            entities,
            attack_techniques: vec![technique.to_owned()],
            tags: vec!["windows".into(), format!("event-{}", event.id)],
            dedup_key,
            raw: raw.to_owned(),
            unmapped: None,
        }
    });
    Ok(WindowsRecord { context, alert })
}

fn normalise(object: &Map<String, Value>) -> Result<WinEvent<'_>, String> {
    let number = |v: &Value| v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok()));
    if let Some(winlog) = object.get("winlog").and_then(Value::as_object) {
        // Winlogbeat / ECS.
        let id = winlog
            .get("event_id")
            .and_then(number)
            .or_else(|| object.get("event").and_then(|e| e.get("code")).and_then(number))
            .ok_or("winlog.event_id is missing")?;
        let computer = winlog
            .get("computer_name")
            .or_else(|| object.get("host").and_then(|h| h.get("name")))
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase);
        static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
        let data = winlog.get("event_data").and_then(Value::as_object).unwrap_or_else(|| EMPTY.get_or_init(Map::new));
        let time_ms = object.get("@timestamp").and_then(Value::as_str).and_then(|t| text_ms(t).ok());
        let record =
            winlog.get("record_id").and_then(|r| r.as_u64().map(|n| n.to_string()).or(r.as_str().map(str::to_owned)));
        return Ok(WinEvent {
            id: u32::try_from(id).map_err(|_| "event id out of range")?,
            computer,
            record,
            time_ms,
            data,
        });
    }
    // NXLog im_msvistalog with to_json(): event data at the top level.
    let id =
        object.get("EventID").and_then(number).ok_or("neither winlog.event_id (Winlogbeat) nor EventID (NXLog)")?;
    let computer =
        object.get("Hostname").or(object.get("Computer")).and_then(Value::as_str).map(str::to_ascii_lowercase);
    let time_ms = object.get("EventTime").and_then(Value::as_str).and_then(|t| {
        text_ms(t).ok().or_else(|| {
            let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
            PrimitiveDateTime::parse(t, format).ok().map(|p| p.assume_utc().unix_timestamp() * 1000)
        })
    });
    let record = object.get("RecordNumber").and_then(|r| r.as_u64().map(|n| n.to_string()));
    Ok(WinEvent {
        id: u32::try_from(id).map_err(|_| "event id out of range")?,
        computer,
        record,
        time_ms,
        data: object,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINLOGBEAT_4625: &str = r#"{"@timestamp":"2026-11-22T09:57:12.345Z","event":{"code":"4625","kind":"event","provider":"Microsoft-Windows-Security-Auditing","action":"logon-failed","outcome":"failure"},"winlog":{"channel":"Security","event_id":"4625","computer_name":"DC01.corp.example","record_id":884213,"event_data":{"TargetUserName":"alice","TargetDomainName":"CORP","LogonType":"3","IpAddress":"203.0.113.7","IpPort":"50522","FailureReason":"%%2313","Status":"0xc000006d"}},"host":{"name":"dc01"}}"#;
    const NXLOG_7045: &str = r#"{"EventTime":"2026-11-22 09:59:00","Hostname":"WS042.corp.example","EventID":7045,"SourceName":"Service Control Manager","Channel":"System","RecordNumber":5521,"ServiceName":"updsvc","ImagePath":"%COMSPEC% /c powershell -nop -w hidden -enc SQBFAFgA","ServiceType":"user mode service","StartType":"demand start","AccountName":"LocalSystem"}"#;
    const WINLOGBEAT_4688: &str = r#"{"@timestamp":"2026-11-22T09:59:30Z","winlog":{"event_id":4688,"computer_name":"WS042.corp.example","record_id":99120,"event_data":{"SubjectUserName":"bob","NewProcessName":"C:\\Windows\\System32\\vssadmin.exe","CommandLine":"vssadmin.exe Delete Shadows /All /Quiet"}}}"#;

    #[test]
    fn failed_logon_is_identity_context() {
        let record = parse_windows(WINLOGBEAT_4625, "windows").expect("parses");
        assert!(record.alert.is_none());
        let c = record.context;
        assert_eq!(
            (c.kind.as_str(), c.outcome.as_deref(), c.user_name.as_deref()),
            ("logon", Some("failure"), Some("alice"))
        );
        assert_eq!(c.src_ip.as_deref(), Some("203.0.113.7"));
        assert_eq!(c.host_name.as_deref(), Some("dc01.corp.example"));
        assert_eq!(c.event_time_ms, Some(1_795_341_432_345));
        assert_eq!(c.dedup_key.0, "host=dc01.corp.example|record=884213");
    }

    #[test]
    fn hostile_service_install_from_nxlog_is_a_high_alert() {
        let record = parse_windows(NXLOG_7045, "windows").expect("parses");
        assert_eq!(record.context.kind, "service_install");
        let alert = record.alert.expect("raised");
        assert_eq!(alert.title, "Service installed: updsvc");
        assert_eq!(alert.severity, Severity::High);
        assert_eq!(alert.attack_techniques, vec!["T1543.003"]);
    }

    #[test]
    fn shadow_copy_deletion_is_critical() {
        let alert = parse_windows(WINLOGBEAT_4688, "windows").expect("parses").alert.expect("raised");
        assert_eq!(alert.severity, Severity::Critical);
        assert_eq!(alert.attack_techniques, vec!["T1490"]);
        assert!(alert.entities.iter().any(|e| e.kind == EntityKind::User && e.value == "bob"));
    }

    #[test]
    fn unknown_shapes_are_named() {
        assert!(parse_windows(r#"{"foo":1}"#, "w").err().expect("shape").contains("EventID"));
        assert!(parse_windows("[]", "w").err().expect("array").contains("object"));
    }
}
