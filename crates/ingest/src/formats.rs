//! Which parser a record needs: named by a Splunk `sourcetype`, or recognised from a syslog
//! message's content. Messages no parser claims are still kept, as `syslog` context.

use riposte_domain::alert::{ContextEvent, content_dedup_key};

use crate::syslog::{SyslogMessage, parse_header};
use crate::{Batch, cef, eve, fortigate, native, panos, sshd, windows};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Recognise the content (syslog lines, with or without a header).
    Auto,
    Eve,
    Native,
    Cef,
    PanOs,
    FortiGate,
    Sshd,
    Windows,
}

impl Format {
    /// The parser a Splunk sourcetype names; `None` for sourcetypes Riposte does not read.
    pub fn from_sourcetype(sourcetype: &str) -> Option<Format> {
        let st = sourcetype.trim().to_ascii_lowercase();
        Some(match st.as_str() {
            s if s.starts_with("suricata") => Format::Eve,
            "_json" | "riposte" | "riposte:alert" => Format::Native,
            s if s == "cef" || s.ends_with(":cef") || s == "cefevents" => Format::Cef,
            s if s.starts_with("pan:") || s.starts_with("pan_") => Format::PanOs,
            s if s.starts_with("fortigate") || s.starts_with("fgt_") || s.starts_with("fortinet") => Format::FortiGate,
            "sshd" => Format::Sshd,
            "linux_secure" | "syslog" | "linux_messages_syslog" => Format::Auto,
            s if s.starts_with("wineventlog") || s == "winlogbeat" || s == "nxlog" || s == "windows" => Format::Windows,
            _ => return None,
        })
    }

    /// The source name records are filed under when no token names one (the syslog listener).
    pub fn default_source(self) -> &'static str {
        match self {
            Format::Auto => "syslog",
            Format::Eve => "suricata",
            Format::Native => "native",
            Format::Cef => "cef",
            Format::PanOs => "panos",
            Format::FortiGate => "fortigate",
            Format::Sshd => "sshd",
            Format::Windows => "windows",
        }
    }
}

/// Parses one text record in `format` into `batch` (errors at `index`). `source` overrides
/// the per-format source name (a token's source); `now_ms` dates syslog stamps.
pub fn parse_record(format: Format, text: &str, source: Option<&str>, now_ms: i64, index: usize, batch: &mut Batch) {
    let source_for = |f: Format| source.unwrap_or(f.default_source()).to_owned();
    let result: Result<(), String> = match format {
        Format::Auto => {
            parse_syslog(text, source, now_ms, index, batch);
            Ok(())
        }
        Format::Eve => eve_into(text, &source_for(format), batch),
        Format::Native => match native::parse_body(text.as_bytes(), &source_for(format)) {
            Ok((_, records)) => {
                for record in records {
                    match record {
                        Ok(alert) => batch.alerts.push(alert),
                        Err(err) => batch.reject(index, err.message),
                    }
                }
                Ok(())
            }
            Err(err) => Err(err.to_string()),
        },
        Format::Cef => cef::parse_cef(text).map(|record| {
            batch.alerts.push(cef::cef_alert(&record, text, &source_for(format), None));
        }),
        Format::PanOs => panos_into(text, &source_for(format), batch),
        Format::FortiGate => fortigate_into(text, &source_for(format), batch),
        Format::Sshd => {
            parse_syslog(text, Some(source.unwrap_or("sshd")), now_ms, index, batch);
            Ok(())
        }
        Format::Windows => windows_into(text, &source_for(format), batch),
    };
    if let Err(message) = result {
        batch.reject(index, message);
    }
}

/// A syslog line (a header is optional: log files hold lines without `<PRI>`).
fn parse_syslog(text: &str, source: Option<&str>, now_ms: i64, index: usize, batch: &mut Batch) {
    let with_priority;
    let line = if text.starts_with('<') {
        text
    } else {
        with_priority = format!("<13>{text}");
        &with_priority
    };
    match parse_header(line, now_ms) {
        Ok(message) => parse_syslog_message(&message, text, source, index, batch),
        Err(err) => batch.reject(index, err),
    }
}

/// A parsed syslog message, dispatched on its content. `raw` is the datagram or frame.
pub fn parse_syslog_message(message: &SyslogMessage, raw: &str, source: Option<&str>, index: usize, batch: &mut Batch) {
    let body = message.message.as_str();
    let named = |f: Format| source.unwrap_or(f.default_source()).to_owned();
    let outcome = if body.contains("CEF:") {
        cef::parse_cef(body)
            .map(|record| batch.alerts.push(cef::cef_alert(&record, raw, &named(Format::Cef), message.time_ms)))
    } else if panos::looks_like_panos(body) {
        panos_into(body, &named(Format::PanOs), batch)
    } else if fortigate::looks_like_fortigate(body) {
        fortigate_into(body, &named(Format::FortiGate), batch)
    } else if message.app_name.as_deref() == Some("sshd") {
        batch.context.push(sshd::parse_sshd(body, message.hostname.as_deref(), message.time_ms, &named(Format::Sshd)));
        Ok(())
    } else if body.trim_start().starts_with('{') && (body.contains("\"EventID\"") || body.contains("\"winlog\"")) {
        windows_into(body.trim(), &named(Format::Windows), batch)
    } else if body.trim_start().starts_with('{') && body.contains("\"event_type\"") {
        eve_into(body.trim(), &named(Format::Eve), batch)
    } else {
        batch.context.push(unclaimed(message, raw, &named(Format::Auto)));
        Ok(())
    };
    if let Err(reason) = outcome {
        batch.reject(index, reason);
    }
}

fn eve_into(text: &str, source: &str, batch: &mut Batch) -> Result<(), String> {
    match eve::parse_event(text.as_bytes(), source)? {
        eve::Parsed::Alert(alert) => batch.alerts.push(*alert),
        eve::Parsed::Context(event) => batch.context.push(*event),
    }
    Ok(())
}

fn panos_into(text: &str, source: &str, batch: &mut Batch) -> Result<(), String> {
    match panos::parse_panos(text, source)? {
        panos::PanOs::Threat(alert) => batch.alerts.push(*alert),
        panos::PanOs::Traffic(event) => batch.context.push(*event),
    }
    Ok(())
}

fn fortigate_into(text: &str, source: &str, batch: &mut Batch) -> Result<(), String> {
    match fortigate::parse_fortigate(text, source)? {
        fortigate::FortiGate::Alert(alert) => batch.alerts.push(*alert),
        fortigate::FortiGate::Context(event) => batch.context.push(*event),
    }
    Ok(())
}

fn windows_into(text: &str, source: &str, batch: &mut Batch) -> Result<(), String> {
    let record = windows::parse_windows(text, source)?;
    batch.context.push(record.context);
    batch.alerts.extend(record.alert);
    Ok(())
}

/// A message no parser claims, kept whole so nothing sent is lost.
fn unclaimed(message: &SyslogMessage, raw: &str, source: &str) -> ContextEvent {
    ContextEvent {
        source: source.to_owned(),
        kind: "syslog".into(),
        event_time_ms: message.time_ms,
        flow_id: None,
        community_id: None,
        src_ip: None,
        dest_ip: None,
        src_port: None,
        dest_port: None,
        proto: None,
        user_name: None,
        host_name: message.hostname.as_deref().map(str::to_ascii_lowercase),
        outcome: None,
        action: None,
        dedup_key: content_dedup_key(&[raw]),
        raw: raw.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_341_600_000;

    fn one(line: &str) -> Batch {
        let mut batch = Batch::default();
        parse_record(Format::Auto, line, None, NOW, 0, &mut batch);
        batch
    }

    #[test]
    fn syslog_content_picks_the_parser() {
        let cef = one(
            "<134>Nov 22 09:58:01 cp-mgmt CEF:0|Check Point|SmartDefense|R81|Port Scan|Port scan detected|7|src=203.0.113.7 dst=10.1.1.5",
        );
        assert_eq!(cef.alerts[0].source, "cef");
        assert_eq!(cef.alerts[0].event_time_ms, Some(NOW - 119_000), "the header's time when CEF has no rt");
        let sshd = one("Nov 22 09:58:01 bastion sshd[812]: Failed password for root from 203.0.113.7 port 50522 ssh2");
        assert_eq!(sshd.context[0].kind, "logon");
        let other = one("<13>Nov 22 09:58:01 host cron[1]: job done");
        assert_eq!(other.context[0].kind, "syslog");
        assert!(one("<13>Nov 22 09:58:01 h x: CEF:0|short").errors[0].message.contains("7 fields"));
    }

    #[test]
    fn sourcetypes_name_parsers() {
        assert_eq!(Format::from_sourcetype("suricata:eve"), Some(Format::Eve));
        assert_eq!(Format::from_sourcetype("pan:threat"), Some(Format::PanOs));
        assert_eq!(Format::from_sourcetype("fortigate_utm"), Some(Format::FortiGate));
        assert_eq!(Format::from_sourcetype("XmlWinEventLog:Security"), None);
        assert_eq!(Format::from_sourcetype("WinEventLog:Security"), Some(Format::Windows));
        assert_eq!(Format::from_sourcetype("access_combined"), None);
    }
}
