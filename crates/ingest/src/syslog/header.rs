//! The syslog header. RFC 5424: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG`.
//! RFC 3164: `<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG`. What follows a header that fits
//! neither (FortiGate's `<189>date=...`) is taken whole as the message.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

use crate::time_parse::text_ms;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyslogMessage {
    pub facility: u8,
    pub severity: u8,
    /// The header's time, when it had one.
    pub time_ms: Option<i64>,
    pub hostname: Option<String>,
    pub app_name: Option<String>,
    pub proc_id: Option<String>,
    pub message: String,
}

/// Parses one message. `now_ms` dates RFC 3164 stamps, which carry no year.
pub fn parse_header(text: &str, now_ms: i64) -> Result<SyslogMessage, String> {
    let text = text.trim_end_matches(['\n', '\r', '\0']);
    let rest = text.strip_prefix('<').ok_or("a syslog message starts with <PRI>")?;
    let (pri, rest) = rest.split_once('>').ok_or("the <PRI> is not closed")?;
    let pri: u8 = pri.parse().ok().filter(|p| *p <= 191).ok_or_else(|| format!("<{pri}> is not a priority 0-191"))?;
    let mut message = SyslogMessage {
        facility: pri / 8,
        severity: pri % 8,
        time_ms: None,
        hostname: None,
        app_name: None,
        proc_id: None,
        message: String::new(),
    };
    if let Some(rest) = rest.strip_prefix("1 ") {
        rfc5424(rest, &mut message)?;
    } else if let Some((time_ms, rest)) = rfc3164_time(rest, now_ms) {
        message.time_ms = Some(time_ms);
        rfc3164_rest(rest, &mut message);
    } else {
        message.message = rest.trim_start().to_owned();
    }
    Ok(message)
}

fn nil(field: &str) -> Option<String> {
    (field != "-" && !field.is_empty()).then(|| field.to_owned())
}

fn rfc5424(rest: &str, out: &mut SyslogMessage) -> Result<(), String> {
    let mut parts = rest.splitn(5, ' ');
    let mut next = |name: &str| parts.next().ok_or_else(|| format!("RFC 5424 header ends before {name}"));
    let timestamp = next("TIMESTAMP")?;
    out.hostname = nil(next("HOSTNAME")?);
    out.app_name = nil(next("APP-NAME")?);
    out.proc_id = nil(next("PROCID")?);
    let after_proc = next("MSGID")?;
    let (_msgid, after_msgid) = after_proc.split_once(' ').unwrap_or((after_proc, ""));
    if timestamp != "-" {
        out.time_ms = Some(text_ms(timestamp).map_err(|e| format!("RFC 5424 TIMESTAMP {timestamp:?}: {e}"))?);
    }
    let message = skip_structured_data(after_msgid)?;
    out.message = message.trim_start_matches('\u{feff}').to_owned();
    Ok(())
}

/// Skips `-` or `[id k="v"...]...`, honouring `\]` and `\"` inside values.
fn skip_structured_data(text: &str) -> Result<&str, String> {
    if let Some(rest) = text.strip_prefix('-') {
        return Ok(rest.strip_prefix(' ').unwrap_or(rest));
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    while bytes.get(i) == Some(&b'[') {
        let mut in_quotes = false;
        i += 1;
        loop {
            match bytes.get(i) {
                None => return Err("RFC 5424 structured data is not closed".into()),
                Some(b'\\') if in_quotes => i += 2,
                Some(b'"') => {
                    in_quotes = !in_quotes;
                    i += 1;
                }
                Some(b']') if !in_quotes => {
                    i += 1;
                    break;
                }
                Some(_) => i += 1,
            }
        }
    }
    let rest = &text[i.min(text.len())..];
    Ok(rest.strip_prefix(' ').unwrap_or(rest))
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `Mmm dd hh:mm:ss` (day space-padded), in UTC, in the year that puts it nearest before now.
fn rfc3164_time(text: &str, now_ms: i64) -> Option<(i64, &str)> {
    let stamp = text.get(..15)?;
    let month = MONTHS.iter().position(|m| stamp.starts_with(m))? as u8 + 1;
    let day: u8 = stamp.get(4..6)?.trim().parse().ok()?;
    let clock = stamp.get(7..15)?;
    let mut hms = clock.split(':').map(|p| p.parse::<u8>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    let now = OffsetDateTime::from_unix_timestamp(now_ms / 1000).ok()?;
    let at = |year: i32| -> Option<i64> {
        let date = Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()?;
        let time = Time::from_hms(h, m, s).ok()?;
        Some(PrimitiveDateTime::new(date, time).assume_utc().unix_timestamp() * 1000)
    };
    // A stamp more than a day ahead of now is from last year (December read in January).
    let this_year = at(now.year())?;
    let time_ms = if this_year > now_ms + 86_400_000 { at(now.year() - 1)? } else { this_year };
    Some((time_ms, text[15..].strip_prefix(' ').unwrap_or(&text[15..])))
}

/// `HOST TAG[PID]: MSG`, where the tag is optional (PAN-OS sends `HOST 1,2026/...`).
fn rfc3164_rest(text: &str, out: &mut SyslogMessage) {
    let (host, rest) = text.split_once(' ').unwrap_or((text, ""));
    out.hostname = nil(host);
    let tag_end = rest.find(": ").filter(|&end| {
        let tag = &rest[..end];
        !tag.is_empty() && tag.len() <= 48 && !tag.contains(' ') && !tag.contains('=') && !tag.contains('|')
    });
    match tag_end {
        Some(end) => {
            let tag = &rest[..end];
            match tag.split_once('[') {
                Some((name, pid)) => {
                    out.app_name = nil(name);
                    out.proc_id = nil(pid.trim_end_matches(']'));
                }
                None => out.app_name = nil(tag),
            }
            out.message = rest[end + 2..].to_owned();
        }
        None => out.message = rest.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_341_600_000; // 2026-11-22T10:00:00Z

    #[test]
    fn rfc5424_with_structured_data() {
        let line = r#"<165>1 2026-11-22T09:59:58.123Z fw01.example.net sshd 4242 ID47 [exampleSDID@32473 iut="3" eventSource="App\]lication"] Failed password for root from 203.0.113.7 port 50522 ssh2"#;
        let m = parse_header(line, NOW).expect("parses");
        assert_eq!((m.facility, m.severity), (20, 5));
        assert_eq!(m.hostname.as_deref(), Some("fw01.example.net"));
        assert_eq!(m.app_name.as_deref(), Some("sshd"));
        assert_eq!(m.proc_id.as_deref(), Some("4242"));
        assert_eq!(m.time_ms, Some(NOW - 1877));
        assert!(m.message.starts_with("Failed password for root"), "{}", m.message);
    }

    #[test]
    fn rfc3164_with_and_without_tag() {
        let m = parse_header(
            "<38>Nov 22 09:58:01 bastion sshd[812]: Accepted publickey for alice from 10.0.0.9 port 51000 ssh2",
            NOW,
        )
        .expect("parses");
        assert_eq!(m.app_name.as_deref(), Some("sshd"));
        assert_eq!(m.proc_id.as_deref(), Some("812"));
        assert_eq!(m.time_ms, Some(NOW - 119_000));
        let m = parse_header("<14>Nov 22 09:58:01 PA-220 1,2026/11/22 09:58:01,012801096514,THREAT,vulnerability", NOW)
            .expect("parses");
        assert_eq!(m.hostname.as_deref(), Some("PA-220"));
        assert_eq!(m.app_name, None);
        assert!(m.message.starts_with("1,2026/11/22"));
    }

    #[test]
    fn december_read_in_january_is_last_year() {
        let jan_first = 1_798_761_600_000; // 2027-01-01T00:00:00Z
        let m = parse_header("<13>Dec 31 23:59:59 host app: x", jan_first).expect("parses");
        assert_eq!(m.time_ms, Some(jan_first - 1000));
    }

    #[test]
    fn bare_priority_keeps_the_payload() {
        let m = parse_header(r#"<189>date=2026-11-22 time=09:58:01 devname="FGT60F" type="utm""#, NOW).expect("parses");
        assert!(m.message.starts_with("date=2026-11-22"));
        assert_eq!(m.time_ms, None);
    }

    #[test]
    fn bad_headers_are_named() {
        assert!(parse_header("no priority", NOW).expect_err("no pri").contains("<PRI>"));
        assert!(parse_header("<999>x", NOW).expect_err("range").contains("0-191"));
        assert!(parse_header("<13>1 2026-13-99T00:00:00Z h a p m - x", NOW).expect_err("time").contains("TIMESTAMP"));
        assert!(parse_header("<13>1 - h a p m [unclosed", NOW).expect_err("sd").contains("not closed"));
    }
}
