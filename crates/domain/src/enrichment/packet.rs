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
    pub enrichers: Vec<EnricherRun>,
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
