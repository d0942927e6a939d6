//! The incident status lifecycle and the classification closing asks for.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    New,
    Triage,
    Investigating,
    Contained,
    Remediated,
    Closed,
}

impl IncidentStatus {
    pub const ALL: [IncidentStatus; 6] = [
        IncidentStatus::New,
        IncidentStatus::Triage,
        IncidentStatus::Investigating,
        IncidentStatus::Contained,
        IncidentStatus::Remediated,
        IncidentStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IncidentStatus::New => "new",
            IncidentStatus::Triage => "triage",
            IncidentStatus::Investigating => "investigating",
            IncidentStatus::Contained => "contained",
            IncidentStatus::Remediated => "remediated",
            IncidentStatus::Closed => "closed",
        }
    }

    pub fn parse(value: &str) -> Option<IncidentStatus> {
        IncidentStatus::ALL.into_iter().find(|s| s.as_str() == value.trim())
    }

    /// Open incidents still attract new alerts and sit in queues.
    pub fn is_open(self) -> bool {
        self != IncidentStatus::Closed
    }
}

/// What an incident turned out to be; asked for when it is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    TruePositive,
    Benign,
    FalsePositive,
    Duplicate,
}

impl Classification {
    pub const ALL: [Classification; 4] = [
        Classification::TruePositive,
        Classification::Benign,
        Classification::FalsePositive,
        Classification::Duplicate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Classification::TruePositive => "true_positive",
            Classification::Benign => "benign",
            Classification::FalsePositive => "false_positive",
            Classification::Duplicate => "duplicate",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Classification::TruePositive => "True positive",
            Classification::Benign => "Benign (true, but expected)",
            Classification::FalsePositive => "False positive",
            Classification::Duplicate => "Duplicate",
        }
    }

    pub fn parse(value: &str) -> Option<Classification> {
        Classification::ALL.into_iter().find(|c| c.as_str() == value.trim())
    }
}

/// Why a status change is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("closing an incident needs a classification (true positive, benign, false positive or duplicate)")]
    ClassificationRequired,
    #[error("a classification is only given when closing")]
    ClassificationWithoutClosing,
}

/// Checks a move to `to`; returns the classification the incident keeps afterwards
/// (reopening clears it, so a reopened incident asks again when closed again).
pub fn check_status_change(
    to: IncidentStatus,
    classification: Option<Classification>,
) -> Result<Option<Classification>, LifecycleError> {
    match (to, classification) {
        (IncidentStatus::Closed, None) => Err(LifecycleError::ClassificationRequired),
        (IncidentStatus::Closed, Some(c)) => Ok(Some(c)),
        (_, Some(_)) => Err(LifecycleError::ClassificationWithoutClosing),
        (_, None) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_needs_a_classification() {
        assert_eq!(check_status_change(IncidentStatus::Closed, None), Err(LifecycleError::ClassificationRequired));
        assert_eq!(
            check_status_change(IncidentStatus::Closed, Some(Classification::Benign)),
            Ok(Some(Classification::Benign))
        );
    }

    #[test]
    fn other_statuses_refuse_a_classification_and_clear_it() {
        assert_eq!(
            check_status_change(IncidentStatus::Triage, Some(Classification::TruePositive)),
            Err(LifecycleError::ClassificationWithoutClosing)
        );
        assert_eq!(check_status_change(IncidentStatus::Investigating, None), Ok(None));
    }

    #[test]
    fn names_round_trip() {
        for status in IncidentStatus::ALL {
            assert_eq!(IncidentStatus::parse(status.as_str()), Some(status));
        }
        for c in Classification::ALL {
            assert_eq!(Classification::parse(c.as_str()), Some(c));
        }
        assert!(!IncidentStatus::Closed.is_open());
    }
}
