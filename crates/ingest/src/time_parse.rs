//! Event times arrive as RFC 3339 text or as epoch milliseconds.

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Milliseconds since the epoch, from RFC 3339 text or a number of milliseconds.
pub(crate) fn event_time_ms(value: &Value) -> Result<i64, String> {
    match value {
        Value::Number(n) => n.as_i64().ok_or_else(|| format!("event_time {n} is not whole milliseconds")),
        Value::String(text) => text_ms(text).map_err(|e| format!("event_time {text:?} is not RFC 3339 ({e})")),
        other => Err(format!("event_time must be RFC 3339 text or epoch milliseconds, not {other}")),
    }
}

/// RFC 3339, also accepting an offset without a colon (`+0000`, as Suricata writes it).
pub(crate) fn text_ms(text: &str) -> Result<i64, time::error::Parse> {
    let bytes = text.as_bytes();
    let compact_offset = bytes.len() > 5
        && matches!(bytes[bytes.len() - 5], b'+' | b'-')
        && bytes[bytes.len() - 4..].iter().all(u8::is_ascii_digit);
    let normalised = if compact_offset {
        format!("{}:{}", &text[..text.len() - 2], &text[text.len() - 2..])
    } else {
        text.to_owned()
    };
    OffsetDateTime::parse(&normalised, &Rfc3339).map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms() {
        assert_eq!(event_time_ms(&Value::from("2026-11-22T10:00:00Z")), Ok(1_795_341_600_000));
        assert_eq!(event_time_ms(&Value::from("2026-11-22T11:00:00+01:00")), Ok(1_795_341_600_000));
        assert_eq!(event_time_ms(&Value::from(1_795_341_600_000_i64)), Ok(1_795_341_600_000));
        assert!(event_time_ms(&Value::from("yesterday")).expect_err("bad").contains("RFC 3339"));
        assert_eq!(text_ms("2016-07-13T22:42:07.199672+0000").expect("eve"), 1_468_449_727_199);
        assert_eq!(text_ms("2016-07-14T00:42:07.199672+0200").expect("eve"), 1_468_449_727_199);
    }
}
