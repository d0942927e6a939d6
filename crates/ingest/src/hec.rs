//! Splunk HEC event envelopes (`{"time", "host", "sourcetype", "event"}`): the envelope's
//! `sourcetype` picks the parser; without one, the event's shape decides.

use serde_json::Value;
use serde_json::value::RawValue;

use crate::Batch;
use crate::formats::{Format, parse_record};

pub const READ: &str =
    "suricata*, _json, cef, pan:*, fortigate*, sshd, linux_secure, syslog, WinEventLog*, winlogbeat, nxlog";

/// Reads concatenated envelopes (HEC's body); returns how many events it held and what they
/// became. A syntax error ends the body: concatenated JSON cannot be resynchronised.
pub fn parse_events(body: &[u8], sourcetype: Option<&str>, source: &str, now_ms: i64) -> (usize, Batch) {
    let mut batch = Batch::default();
    let mut events = 0;
    let mut stream = serde_json::Deserializer::from_slice(body).into_iter::<Box<RawValue>>();
    for index in 0.. {
        let raw = match stream.next() {
            None => break,
            Some(Ok(raw)) => raw,
            Some(Err(err)) => {
                // Concatenated JSON cannot be resynchronised after a syntax error.
                batch.reject(index, format!("not JSON: {err}"));
                break;
            }
        };
        events += 1;
        if let Err(message) = one_event(&raw, sourcetype, source, now_ms, index, &mut batch) {
            batch.reject(index, message);
        }
    }
    (events, batch)
}

/// Reads one envelope into `batch`; an error names what is wrong with it (with HEC's code).
fn one_event(
    raw: &RawValue,
    sourcetype: Option<&str>,
    source: &str,
    now_ms: i64,
    index: usize,
    batch: &mut Batch,
) -> Result<(), String> {
    let envelope: Value = serde_json::from_str(raw.get()).map_err(|e| e.to_string())?;
    let event = envelope.get("event").ok_or("Event field is required (code 12)")?;
    let sourcetype = envelope.get("sourcetype").and_then(Value::as_str).or(sourcetype);
    let format = match sourcetype {
        Some(name) => Format::from_sourcetype(name)
            .ok_or_else(|| format!("sourcetype {name:?} is not one Riposte reads ({READ})"))?,
        None => guess(event),
    };
    // Epoch seconds (with a fraction) date lines that carry no time of their own.
    let time_ms = envelope.get("time").and_then(|t| t.as_f64().or_else(|| t.as_str()?.parse().ok()));
    let now_ms = time_ms.map(|t| (t * 1000.0) as i64).unwrap_or(now_ms);
    let text = match event {
        Value::String(text) if text.trim().is_empty() => return Err("Event field cannot be blank (code 13)".into()),
        Value::String(text) => text.clone(),
        Value::Null => return Err("Event field cannot be blank (code 13)".into()),
        other => other.to_string(),
    };
    parse_record(format, &text, Some(source), now_ms, index, batch);
    Ok(())
}

/// Without a sourcetype: EVE, Windows and Riposte objects are recognised; text is syslog.
fn guess(event: &Value) -> Format {
    match event {
        Value::Object(o) if o.contains_key("event_type") => Format::Eve,
        Value::Object(o) if o.contains_key("winlog") || o.contains_key("EventID") => Format::Windows,
        Value::Object(_) => Format::Native,
        _ => Format::Auto,
    }
}
