//! Watchlists as CSV: `type,value` and optionally `source`, `confidence`, `tlp`, `expires`,
//! `description`. A row without its own source takes the list's name.

use riposte_domain::enrichment::{Indicator, IndicatorKind};
use riposte_domain::incident::Tlp;

use crate::{ImportError, Parsed, read_csv, time_text};

/// Confidence given to indicators whose file says nothing about it.
pub const DEFAULT_CONFIDENCE: u8 = 50;
/// Sharing level of indicators whose file names none: not to be passed on beyond the team.
pub const DEFAULT_TLP: Tlp = Tlp::Amber;

pub fn from_csv(bytes: &[u8], list_name: &str) -> Result<Parsed<Indicator>, ImportError> {
    read_csv(bytes, &["value"], |get| {
        let value = get(&["value", "indicator"]);
        let kind_text = get(&["type", "kind"]);
        let kind = if kind_text.is_empty() { guess_kind(&value) } else { IndicatorKind::parse(&kind_text) }
            .ok_or_else(|| format!("unknown indicator type \"{kind_text}\" (ip, cidr, domain, url, hash or email)"))?;
        let confidence = match get(&["confidence"]).as_str() {
            "" => DEFAULT_CONFIDENCE,
            text => Indicator::parse_confidence(text).map_err(|e| e.to_string())?,
        };
        let tlp = match get(&["tlp"]).as_str() {
            "" => DEFAULT_TLP,
            text => Indicator::parse_tlp(text).map_err(|e| e.to_string())?,
        };
        let expires = match get(&["expires", "expires_at", "valid_until", "expiry"]).as_str() {
            "" => None,
            text => Some(time_text::epoch_ms(text)?),
        };
        let source = get(&["source", "feed"]);
        let source = if source.is_empty() { list_name } else { source.as_str() };
        Indicator::new(kind, &value, source, confidence, tlp, expires, &get(&["description", "comment"]))
            .map_err(|e| e.to_string())
    })
}

/// The kind a bare value most likely is, for lists with only a value column.
fn guess_kind(value: &str) -> Option<IndicatorKind> {
    let value = value.trim();
    Some(if value.contains("://") {
        IndicatorKind::Url
    } else if value.contains('/') {
        IndicatorKind::Cidr
    } else if value.parse::<std::net::IpAddr>().is_ok() {
        IndicatorKind::Ip
    } else if value.contains('@') {
        IndicatorKind::Email
    } else if matches!(value.len(), 32 | 40 | 64 | 128) && value.bytes().all(|b| b.is_ascii_hexdigit()) {
        IndicatorKind::Hash
    } else if value.contains('.') {
        IndicatorKind::Domain
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_watchlist_with_bad_rows_names_each_one() {
        let file = "type,value,confidence,tlp,expires,description\n\
                    ip,203.0.113.9,90,red,2030-01-01,C2 server\n\
                    domain,Evil.Example,,,,\n\
                    ,10.66.0.0/16,70,green,,\n\
                    hash,nothex,80,amber,,\n\
                    ip,203.0.113.10,120,amber,,\n\
                    ip,203.0.113.11,80,purple,,\n\
                    ip,203.0.113.12,80,amber,someday,\n\
                    fax,12345,80,amber,,\n";
        let parsed = from_csv(file.as_bytes(), "team watchlist").expect("readable");
        assert_eq!(parsed.records.len(), 3);
        let first = &parsed.records[0];
        assert_eq!((first.confidence, first.tlp, first.source.as_str()), (90, Tlp::Red, "team watchlist"));
        assert_eq!(first.expires_at_ms, Some(1_893_456_000_000));
        assert_eq!(parsed.records[1].value, "evil.example");
        assert_eq!(parsed.records[1].confidence, DEFAULT_CONFIDENCE);
        assert_eq!(parsed.records[2].kind, IndicatorKind::Cidr);
        let rows: Vec<(usize, &str)> = parsed.errors.iter().map(|e| (e.row, e.message.as_str())).collect();
        assert_eq!(
            rows,
            vec![
                (4, "\"nothex\" is not a valid hash indicator"),
                (5, "confidence must be 0 to 100, not 120"),
                (6, "unknown TLP \"purple\" (clear, green, amber, amber+strict, red)"),
                (7, "\"someday\" is not a time (2027-01-31 or 2027-01-31T12:00:00Z)"),
                (8, "unknown indicator type \"fax\" (ip, cidr, domain, url, hash or email)"),
            ]
        );
    }

    #[test]
    fn a_list_of_bare_values_is_read_by_their_shape() {
        let file = "value\nhttp://bad.example/x\n198.51.100.7\nbad.example\nuser@bad.example\n";
        let parsed = from_csv(file.as_bytes(), "list").expect("readable");
        let kinds: Vec<IndicatorKind> = parsed.records.iter().map(|i| i.kind).collect();
        assert_eq!(kinds, [IndicatorKind::Url, IndicatorKind::Ip, IndicatorKind::Domain, IndicatorKind::Email]);
    }
}
