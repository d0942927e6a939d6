//! Where an alert stands in triage.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    New,
    Acknowledged,
    InIncident,
    Dismissed,
}

impl AlertStatus {
    pub const ALL: [AlertStatus; 4] =
        [AlertStatus::New, AlertStatus::Acknowledged, AlertStatus::InIncident, AlertStatus::Dismissed];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::New => "new",
            AlertStatus::Acknowledged => "acknowledged",
            AlertStatus::InIncident => "in_incident",
            AlertStatus::Dismissed => "dismissed",
        }
    }

    pub fn parse(value: &str) -> Option<AlertStatus> {
        AlertStatus::ALL.into_iter().find(|s| s.as_str() == value)
    }
}
