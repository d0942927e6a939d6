//! The context packet stored with every alert: what matched, from which source, with what
//! confidence, and how each enricher fared.

use serde::{Deserialize, Serialize};

use super::indicator::IndicatorKind;
use crate::alert::Entity;
use crate::incident::Tlp;

/// An alert entity found in a watchlist or feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntelMatch {
    pub entity: Entity,
    pub kind: IndicatorKind,
    /// The indicator as listed (a range may hold the address).
    pub indicator: String,
    pub source: String,
    pub confidence: u8,
    pub tlp: Tlp,
    pub description: String,
    pub expires_at_ms: Option<i64>,
}

/// An alert entity found in the asset inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetMatch {
    pub entity: Entity,
    pub asset_id: i64,
    pub name: String,
    pub criticality: u8,
    pub internet_facing: bool,
    pub owner: String,
    pub service: String,
    pub segment: String,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum EnricherOutcome {
    Ok {
        matches: u32,
    },
    /// It did not answer within its time budget; the alert went on without it.
    TimedOut,
    Failed {
        error: String,
    },
}

/// How one enricher fared on one alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnricherRun {
    pub name: String,
    #[serde(flatten)]
    pub outcome: EnricherOutcome,
    pub elapsed_ms: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ContextPacket {
    pub intel: Vec<IntelMatch>,
    pub assets: Vec<AssetMatch>,
    /// The sign-in pattern of each user the alert names.
    #[serde(default)]
    pub identities: Vec<super::identity::IdentityContext>,
    /// Recent flows and DNS lookups of each address the alert names.
    #[serde(default)]
    pub activity: Vec<super::activity::NetworkActivity>,
    /// Where each address is, with a GeoIP/ASN database configured.
    #[serde(default)]
    pub places: Vec<AddressPlace>,
    /// How often this detection was a true positive in classified incidents.
    #[serde(default)]
    pub precision: Option<Precision>,
    pub enrichers: Vec<EnricherRun>,
}

/// A detection's track record: true positives among the closed incidents it appeared in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Precision {
    pub true_positives: u32,
    pub classified: u32,
}

impl Precision {
    /// Fewer classified incidents than this say too little; the default precision applies.
    pub const MIN_CLASSIFIED: u32 = 5;
    /// A detection that was never right still scores above zero: it may be right next time.
    pub const FLOOR: f64 = 0.1;

    /// The share of true positives, once there is enough history.
    pub fn share(&self) -> Option<f64> {
        (self.classified >= Self::MIN_CLASSIFIED)
            .then(|| (f64::from(self.true_positives) / f64::from(self.classified)).max(Self::FLOOR))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressPlace {
    pub address: String,
    /// "Paris, FR · AS3215 Orange".
    pub label: String,
    pub country: Option<String>,
    pub asn: Option<u32>,
}

impl ContextPacket {
    /// The most critical asset the alert touches.
    pub fn top_asset(&self) -> Option<&AssetMatch> {
        self.assets.iter().max_by_key(|a| (a.criticality, a.internet_facing))
    }

    /// The most confident intelligence match.
    pub fn top_intel(&self) -> Option<&IntelMatch> {
        self.intel.iter().max_by_key(|m| m.confidence)
    }

    /// Enrichers that failed or timed out, by name.
    pub fn skipped(&self) -> Vec<&str> {
        self.enrichers
            .iter()
            .filter(|r| !matches!(r.outcome, EnricherOutcome::Ok { .. }))
            .map(|r| r.name.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Precision;

    #[test]
    fn precision_needs_enough_history_and_has_a_floor() {
        assert_eq!(Precision { true_positives: 3, classified: 4 }.share(), None);
        assert_eq!(Precision { true_positives: 3, classified: 6 }.share(), Some(0.5));
        assert_eq!(Precision { true_positives: 0, classified: 40 }.share(), Some(Precision::FLOOR));
    }
}
