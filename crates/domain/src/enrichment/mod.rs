//! Context before a human looks: the asset inventory, threat-intelligence indicators, the
//! context packet an alert carries, and the explainable triage score computed from it.

pub mod activity;
pub mod asset;
pub mod backtest;
pub mod identity;
pub mod indicator;
pub mod packet;
pub mod prefixes;
pub mod score;

pub use asset::{ASSET_PAGE_SIZE, Asset, AssetError, AssetPage, AssetRecord, MAX_CRITICALITY};
pub use backtest::{BacktestResult, BacktestSample, Mover, Ranking, backtest};
pub use indicator::{
    INDICATOR_COUNT_CAP, INDICATOR_PAGE_SIZE, Indicator, IndicatorError, IndicatorKind, IndicatorPage, IndicatorRecord,
    domain_candidates,
};
pub use packet::{AssetMatch, ContextPacket, EnricherOutcome, EnricherRun, IntelMatch};
pub use score::{Factor, ScoreBreakdown, ScoreInput, ScoreWeights, WeightsError, score};

use serde::{Deserialize, Serialize};

/// A problem with one record of an import file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowProblem {
    pub row: usize,
    pub message: String,
}

/// What an import did. With any errors nothing was stored: the file is fixed and sent again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ImportReport {
    /// Records stored (new or updated); 0 when there were errors.
    pub imported: usize,
    /// Records read and valid.
    pub valid: usize,
    pub errors: Vec<RowProblem>,
    /// Records deliberately passed over, with why.
    pub skipped: Vec<RowProblem>,
}

/// One import job as people follow it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportView {
    pub id: i64,
    /// `assets` or `indicators`.
    pub kind: String,
    pub format: String,
    pub source: String,
    pub file_name: String,
    pub requested_by: String,
    pub requested_at: String,
    /// `queued`, `running`, `imported`, `rejected` (bad rows: nothing stored) or `failed`.
    pub status: String,
    pub total_rows: Option<i32>,
    pub done_rows: i32,
    pub report: Option<ImportReport>,
    pub finished_at: Option<String>,
}

impl ImportView {
    pub fn is_finished(&self) -> bool {
        matches!(self.status.as_str(), "imported" | "rejected" | "failed")
    }
}
