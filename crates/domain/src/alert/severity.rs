//! Severity on OCSF's scale, and how each source's own scale maps onto it.
//!
//! | Source | Source value | Severity |
//! |---|---|---|
//! | Suricata `alert.severity` | 1 / 2 / 3 / 4+ | High / Medium / Low / Informational |
//! | TheHive `severity` | 1 / 2 / 3 / 4 | Low / Medium / High / Critical |
//! | Syslog / CEF `Severity` | 0–3 / 4–6 / 7–8 / 9–10 | Low / Medium / High / Critical |
//! | Native API | name or OCSF id 1–5 | as given |

use serde::{Deserialize, Serialize};

/// OCSF `severity_id` 1–5 (0 Unknown and 6 Fatal fold into the nearest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] =
        [Severity::Informational, Severity::Low, Severity::Medium, Severity::High, Severity::Critical];

    /// OCSF `severity_id`.
    pub fn ocsf_id(self) -> i16 {
        match self {
            Severity::Informational => 1,
            Severity::Low => 2,
            Severity::Medium => 3,
            Severity::High => 4,
            Severity::Critical => 5,
        }
    }

    pub fn from_ocsf_id(id: i64) -> Option<Severity> {
        match id {
            0 | 1 => Some(Severity::Informational),
            2 => Some(Severity::Low),
            3 => Some(Severity::Medium),
            4 => Some(Severity::High),
            5 | 6 => Some(Severity::Critical),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Informational => "informational",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Accepts the names (and common short forms) case-insensitively.
    pub fn parse(name: &str) -> Option<Severity> {
        match name.trim().to_ascii_lowercase().as_str() {
            "informational" | "info" | "information" => Some(Severity::Informational),
            "low" => Some(Severity::Low),
            "medium" | "moderate" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" | "crit" => Some(Severity::Critical),
            _ => None,
        }
    }

    /// Suricata: 1 is the most severe.
    pub fn from_suricata(level: i64) -> Severity {
        match level {
            i64::MIN..=1 => Severity::High,
            2 => Severity::Medium,
            3 => Severity::Low,
            _ => Severity::Informational,
        }
    }

    /// TheHive: 1 low, 2 medium, 3 high, 4 critical.
    pub fn from_thehive(level: i64) -> Severity {
        match level {
            i64::MIN..=1 => Severity::Low,
            2 => Severity::Medium,
            3 => Severity::High,
            _ => Severity::Critical,
        }
    }

    /// CEF: 0–10.
    pub fn from_cef(level: i64) -> Severity {
        match level {
            i64::MIN..=3 => Severity::Low,
            4..=6 => Severity::Medium,
            7..=8 => Severity::High,
            _ => Severity::Critical,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suricata_one_is_high() {
        assert_eq!(Severity::from_suricata(1), Severity::High);
        assert_eq!(Severity::from_suricata(2), Severity::Medium);
        assert_eq!(Severity::from_suricata(3), Severity::Low);
        assert_eq!(Severity::from_suricata(255), Severity::Informational);
    }

    #[test]
    fn thehive_and_cef_scales() {
        assert_eq!(Severity::from_thehive(4), Severity::Critical);
        assert_eq!(Severity::from_thehive(1), Severity::Low);
        assert_eq!(Severity::from_cef(10), Severity::Critical);
        assert_eq!(Severity::from_cef(5), Severity::Medium);
    }

    #[test]
    fn names_and_ids_round_trip() {
        for severity in Severity::ALL {
            assert_eq!(Severity::parse(severity.as_str()), Some(severity));
            assert_eq!(Severity::from_ocsf_id(i64::from(severity.ocsf_id())), Some(severity));
        }
        assert_eq!(Severity::parse("bogus"), None);
        assert!(Severity::Critical > Severity::High);
    }
}
