//! A whole MISP feed: its `manifest.json` (`{"<event uuid>": {"info": ..., ...}, ...}`) names
//! the events served beside it as `<uuid>.json`. The events are read as one file: rows count
//! on from one event to the next, and every problem names the event it is in, so one bad
//! event keeps the whole feed out (nothing half-imported).

use riposte_domain::enrichment::Indicator;
use serde_json::Value;

use crate::{ImportError, Parsed, RowError, misp, text};

/// Most events one feed import fetches.
pub const MAX_EVENTS: usize = 10_000;

/// The event uuids a manifest lists, in uuid order. Each is checked to be a uuid, since it
/// becomes part of the address the event is fetched from.
pub fn manifest(bytes: &[u8]) -> Result<Vec<String>, ImportError> {
    let root: Value = serde_json::from_str(text(bytes)?).map_err(|e| ImportError::Json(e.to_string()))?;
    let shape = |detail: String| ImportError::Shape { expected: "MISP feed manifest", detail };
    let events = root.as_object().ok_or_else(|| shape("expected {\"<event uuid>\": {...}, ...}".into()))?;
    if events.len() > MAX_EVENTS {
        return Err(shape(format!("it lists {} events; at most {MAX_EVENTS} are fetched at once", events.len())));
    }
    let mut uuids = Vec::with_capacity(events.len());
    for key in events.keys() {
        if !is_uuid(key) {
            return Err(shape(format!("{key:?} is not an event uuid")));
        }
        uuids.push(key.to_ascii_lowercase());
    }
    uuids.sort();
    uuids.dedup();
    Ok(uuids)
}

/// Reads each `(uuid, file)` event of one feed into one list of watchlist entries.
pub fn from_events(events: &[(String, Vec<u8>)], feed: &str) -> Result<Parsed<Indicator>, ImportError> {
    if events.is_empty() {
        return Err(ImportError::Empty);
    }
    let mut all = Parsed::default();
    let mut offset = 0;
    for (uuid, bytes) in events {
        let named = |row: usize, message: &str| RowError { row, message: format!("event {uuid}: {message}") };
        match misp::from_event(bytes, feed) {
            Ok(parsed) => {
                let read = parsed.rows.iter().chain(parsed.errors.iter().map(|e| &e.row));
                let last = read.chain(parsed.skipped.iter().map(|s| &s.row)).copied().max().unwrap_or(0);
                all.records.extend(parsed.records);
                all.rows.extend(parsed.rows.iter().map(|r| r + offset));
                all.errors.extend(parsed.errors.iter().map(|e| named(e.row + offset, &e.message)));
                all.skipped.extend(parsed.skipped.iter().map(|s| named(s.row + offset, &s.message)));
                offset += last;
            }
            // An unreadable event is a bad row of the feed: the rest is still checked.
            Err(err) => {
                offset += 1;
                all.errors.push(named(offset, &err.to_string()));
            }
        }
    }
    Ok(all)
}

fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "5f1a2b3c-0000-4000-8000-00000000000a";
    const B: &str = "5f1a2b3c-0000-4000-8000-00000000000b";

    fn event(attributes: &str) -> Vec<u8> {
        format!(r#"{{"Event":{{"info":"wave","threat_level_id":"2","Attribute":[{attributes}]}}}}"#).into_bytes()
    }

    #[test]
    fn a_manifest_lists_its_event_uuids() {
        let text = format!(r#"{{"{A}": {{"info": "one"}}, "{}": {{"info": "two"}}}}"#, B.to_uppercase());
        assert_eq!(manifest(text.as_bytes()).expect("manifest"), vec![A.to_owned(), B.to_owned()]);
    }

    #[test]
    fn a_manifest_key_that_is_not_a_uuid_is_refused() {
        let err = manifest(br#"{"../../etc/passwd": {}}"#).expect_err("refused");
        assert!(err.to_string().contains("is not an event uuid"), "{err}");
        assert!(matches!(manifest(b"[1]"), Err(ImportError::Shape { .. })));
    }

    #[test]
    fn events_read_as_one_file_with_rows_counting_on_and_problems_naming_their_event() {
        let first = event(
            r#"{"type":"ip-dst","value":"198.51.100.7","to_ids":true},{"type":"text","value":"x","to_ids":false}"#,
        );
        let second =
            event(r#"{"type":"domain","value":"bad.example","to_ids":true},{"type":"md5","value":"zz","to_ids":true}"#);
        let parsed = from_events(&[(A.into(), first), (B.into(), second)], "feed").expect("readable");
        let values: Vec<&str> = parsed.records.iter().map(|i| i.value.as_str()).collect();
        assert_eq!(values, ["198.51.100.7", "bad.example"]);
        assert_eq!(parsed.rows, vec![1, 3]);
        assert_eq!(parsed.skipped[0].row, 2);
        assert_eq!(
            parsed.errors,
            vec![RowError { row: 4, message: format!("event {B}: \"zz\" is not a valid hash indicator") }]
        );
    }

    #[test]
    fn an_unreadable_event_is_a_bad_row_naming_it() {
        let good = event(r#"{"type":"ip-dst","value":"198.51.100.7","to_ids":true}"#);
        let parsed = from_events(&[(A.into(), b"{".to_vec()), (B.into(), good)], "feed").expect("read");
        assert_eq!(parsed.errors.len(), 1);
        assert!(parsed.errors[0].message.starts_with(&format!("event {A}: not valid JSON")), "{:?}", parsed.errors);
        assert_eq!(parsed.records.len(), 1);
    }
}
