//! A threat-intelligence indicator: an address, range, domain, URL, hash or e-mail address
//! named by a source, with its confidence, sharing level and expiry.

use serde::{Deserialize, Serialize};

use crate::alert::{Entity, EntityKind};
use crate::incident::Tlp;

const MAX_TEXT: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    Ip,
    Cidr,
    Domain,
    Url,
    Hash,
    Email,
}

impl IndicatorKind {
    pub const ALL: [IndicatorKind; 6] = [
        IndicatorKind::Ip,
        IndicatorKind::Cidr,
        IndicatorKind::Domain,
        IndicatorKind::Url,
        IndicatorKind::Hash,
        IndicatorKind::Email,
    ];

    pub fn as_str(self) -> &'static str {
        self.entity_kind().as_str()
    }

    /// The kind named by [`IndicatorKind::as_str`], or a common synonym used by feeds
    /// (`ip-dst`, `domain-name`, `md5`, `sha256`, `email-src`, `ipv4-addr`, …).
    pub fn parse(name: &str) -> Option<IndicatorKind> {
        let name = name.trim().to_ascii_lowercase();
        Some(match name.as_str() {
            "ip" | "ip-src" | "ip-dst" | "ipv4-addr" | "ipv6-addr" | "ipv4" | "ipv6" | "address" => IndicatorKind::Ip,
            "cidr" | "range" | "network" | "ip-range" => IndicatorKind::Cidr,
            "domain" | "hostname" | "domain-name" | "fqdn" => IndicatorKind::Domain,
            "url" | "uri" | "link" => IndicatorKind::Url,
            "hash" | "md5" | "sha1" | "sha256" | "sha512" | "file-hash" => IndicatorKind::Hash,
            "email" | "email-src" | "email-dst" | "email-addr" | "mail" => IndicatorKind::Email,
            _ => return None,
        })
    }

    /// The alert entity kind it is compared with.
    pub fn entity_kind(self) -> EntityKind {
        match self {
            IndicatorKind::Ip => EntityKind::Ip,
            IndicatorKind::Cidr => EntityKind::Cidr,
            IndicatorKind::Domain => EntityKind::Domain,
            IndicatorKind::Url => EntityKind::Url,
            IndicatorKind::Hash => EntityKind::Hash,
            IndicatorKind::Email => EntityKind::Email,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    pub kind: IndicatorKind,
    /// Canonical value: addresses and ranges as written by the standard library, names lower
    /// case, hashes lower-case hex.
    pub value: String,
    /// The feed or list it came from.
    pub source: String,
    /// 0 to 100.
    pub confidence: u8,
    pub tlp: Tlp,
    /// Stops matching from this time (ms since the epoch); never when absent.
    pub expires_at_ms: Option<i64>,
    pub description: String,
}

/// Indicators shown per page when browsing watchlists.
pub const INDICATOR_PAGE_SIZE: i64 = 50;
/// A watchlist search counts its matches up to this many, then says "more than".
pub const INDICATOR_COUNT_CAP: i64 = 10_000;

/// A stored indicator, as browsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndicatorRecord {
    pub id: i64,
    pub indicator: Indicator,
    /// RFC 3339: first imported, and last changed by an import.
    pub first_seen: String,
    pub updated_at: String,
    /// RFC 3339, when it stops matching; never when absent.
    pub expires_at: Option<String>,
    /// Past its expiry: kept, but no longer matched.
    pub expired: bool,
}

/// One page of a watchlist search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct IndicatorPage {
    pub indicators: Vec<IndicatorRecord>,
    /// Matches in all, counted up to [`INDICATOR_COUNT_CAP`] + 1.
    pub total: i64,
    pub offset: i64,
}

impl IndicatorPage {
    /// "1,234" or "more than 10000".
    pub fn total_text(&self) -> String {
        if self.total > INDICATOR_COUNT_CAP {
            format!("more than {INDICATOR_COUNT_CAP}")
        } else {
            self.total.to_string()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndicatorError {
    #[error("unknown indicator type \"{0}\" (ip, cidr, domain, url, hash or email)")]
    Kind(String),
    #[error("\"{value}\" is not a valid {kind} indicator")]
    Value { kind: &'static str, value: String },
    #[error("confidence must be 0 to 100, not {0}")]
    Confidence(String),
    #[error("unknown TLP \"{0}\" (clear, green, amber, amber+strict, red)")]
    Tlp(String),
    #[error("the source is empty")]
    NoSource,
    #[error("{0} is longer than {MAX_TEXT} characters")]
    TooLong(&'static str),
}

impl Indicator {
    /// A checked indicator; `value` is normalised for its kind. A range written as an
    /// address (`10.0.0.0/24` given as `ip`) becomes a `cidr`.
    pub fn new(
        kind: IndicatorKind,
        value: &str,
        source: &str,
        confidence: u8,
        tlp: Tlp,
        expires_at_ms: Option<i64>,
        description: &str,
    ) -> Result<Indicator, IndicatorError> {
        let kind = if kind == IndicatorKind::Ip && value.contains('/') { IndicatorKind::Cidr } else { kind };
        let bad = || IndicatorError::Value { kind: kind.as_str(), value: value.trim().chars().take(80).collect() };
        let mut value = Entity::new(kind.entity_kind(), value, None).ok_or_else(bad)?.value;
        if kind == IndicatorKind::Cidr {
            value = network_of(&value).ok_or_else(bad)?;
        }
        if kind == IndicatorKind::Url && !(value.contains("://") || value.contains('.')) {
            return Err(bad());
        }
        let source = source.trim();
        if source.is_empty() {
            return Err(IndicatorError::NoSource);
        }
        if confidence > 100 {
            return Err(IndicatorError::Confidence(confidence.to_string()));
        }
        if value.chars().count() > MAX_TEXT || source.chars().count() > MAX_TEXT {
            return Err(IndicatorError::TooLong(if source.chars().count() > MAX_TEXT { "source" } else { "value" }));
        }
        let description: String = description.trim().chars().take(2000).collect();
        Ok(Indicator { kind, value, source: source.to_owned(), confidence, tlp, expires_at_ms, description })
    }

    pub fn parse_confidence(text: &str) -> Result<u8, IndicatorError> {
        let text = text.trim();
        text.parse::<u8>().ok().filter(|c| *c <= 100).ok_or_else(|| IndicatorError::Confidence(text.to_owned()))
    }

    pub fn parse_tlp(text: &str) -> Result<Tlp, IndicatorError> {
        Tlp::parse(text).ok_or_else(|| IndicatorError::Tlp(text.trim().to_owned()))
    }

    /// Whether it still matches at `now_ms`.
    pub fn is_live(&self, now_ms: i64) -> bool {
        self.expires_at_ms.is_none_or(|at| at > now_ms)
    }
}

/// The names a domain indicator may list for `name`: itself and each parent with at least two
/// labels (`a.evil.example` -> `a.evil.example`, `evil.example`).
pub fn domain_candidates(name: &str) -> impl Iterator<Item = &str> {
    let labels = name.matches('.').count();
    std::iter::successors(Some(name), |n| n.split_once('.').map(|(_, rest)| rest)).take(labels.max(1))
}

/// A range with its host bits cleared (`10.1.2.3/16` -> `10.1.0.0/16`), as a feed means it.
fn network_of(cidr: &str) -> Option<String> {
    let (addr, bits) = cidr.split_once('/')?;
    let bits: u32 = bits.parse().ok()?;
    match addr.parse::<std::net::IpAddr>().ok()? {
        std::net::IpAddr::V4(v4) => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            Some(format!("{}/{bits}", std::net::Ipv4Addr::from(u32::from(v4) & mask)))
        }
        std::net::IpAddr::V6(v6) => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            Some(format!("{}/{bits}", std::net::Ipv6Addr::from(u128::from(v6) & mask)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make(kind: IndicatorKind, value: &str) -> Result<Indicator, IndicatorError> {
        Indicator::new(kind, value, "feed", 80, Tlp::Amber, None, "")
    }

    #[test]
    fn values_are_canonical_and_ranges_lose_host_bits() {
        assert_eq!(make(IndicatorKind::Domain, "Evil.Example.").expect("ok").value, "evil.example");
        let range = make(IndicatorKind::Ip, "10.1.2.3/16").expect("ok");
        assert_eq!((range.kind, range.value.as_str()), (IndicatorKind::Cidr, "10.1.0.0/16"));
        assert_eq!(make(IndicatorKind::Cidr, "2001:db8::1/32").expect("ok").value, "2001:db8::/32");
        assert_eq!(make(IndicatorKind::Cidr, "0.0.0.0/0").expect("ok").value, "0.0.0.0/0");
    }

    #[test]
    fn bad_values_name_their_kind() {
        assert_eq!(
            make(IndicatorKind::Hash, "abc").expect_err("short").to_string(),
            "\"abc\" is not a valid hash indicator"
        );
        assert!(make(IndicatorKind::Ip, "999.1.1.1").is_err());
        assert_eq!(Indicator::parse_confidence("101"), Err(IndicatorError::Confidence("101".into())));
        assert_eq!(
            Indicator::new(IndicatorKind::Ip, "1.2.3.4", " ", 1, Tlp::Red, None, ""),
            Err(IndicatorError::NoSource)
        );
        assert_eq!(IndicatorKind::parse("ip-dst"), Some(IndicatorKind::Ip));
        assert_eq!(IndicatorKind::parse("sha256"), Some(IndicatorKind::Hash));
    }

    #[test]
    fn a_listed_domain_covers_its_subdomains() {
        assert_eq!(
            domain_candidates("a.b.evil.example").collect::<Vec<_>>(),
            ["a.b.evil.example", "b.evil.example", "evil.example"]
        );
        assert_eq!(domain_candidates("localhost").collect::<Vec<_>>(), ["localhost"]);
    }

    #[test]
    fn expired_indicators_stop_matching() {
        let mut i = make(IndicatorKind::Ip, "203.0.113.9").expect("ok");
        assert!(i.is_live(1_000));
        i.expires_at_ms = Some(1_000);
        assert!(i.is_live(999));
        assert!(!i.is_live(1_000));
    }
}
