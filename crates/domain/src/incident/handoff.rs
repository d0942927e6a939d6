//! The hand-off packet: what one tier gives the next so that no context is lost.

use serde::{Deserialize, Serialize};

use super::Tier;

/// Each part is free text (Markdown); `summary` and `next_actions` are required, because a
/// receiver who does not know what was found or what to do next has not been handed anything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffPacket {
    /// What was done and found so far.
    pub summary: String,
    /// What is still open.
    pub pending: String,
    pub hypotheses: String,
    pub next_actions: String,
    pub risks: String,
}

pub const MAX_HANDOFF_PART: usize = 20_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandoffError {
    #[error("a hand-off needs {0}")]
    Missing(&'static str),
    #[error("{0} is longer than {MAX_HANDOFF_PART} characters")]
    TooLong(&'static str),
    #[error("the incident is already with {0}; a hand-off goes to another tier")]
    SameTier(&'static str),
}

impl HandoffPacket {
    pub fn parts(&self) -> [(&'static str, &str); 5] {
        [
            ("what was done", self.summary.as_str()),
            ("what is pending", self.pending.as_str()),
            ("hypotheses", self.hypotheses.as_str()),
            ("next actions", self.next_actions.as_str()),
            ("risks", self.risks.as_str()),
        ]
    }

    pub fn validate(&self, from: Tier, to: Tier) -> Result<(), HandoffError> {
        if from == to {
            return Err(HandoffError::SameTier(to.label()));
        }
        if self.summary.trim().is_empty() {
            return Err(HandoffError::Missing("what was done"));
        }
        if self.next_actions.trim().is_empty() {
            return Err(HandoffError::Missing("next actions"));
        }
        match self.parts().into_iter().find(|(_, text)| text.chars().count() > MAX_HANDOFF_PART) {
            Some((name, _)) => Err(HandoffError::TooLong(name)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet() -> HandoffPacket {
        HandoffPacket {
            summary: "Blocked nothing yet; 40 failed logons on dc01".into(),
            next_actions: "Check whether the logon from 203.0.113.9 succeeded".into(),
            ..HandoffPacket::default()
        }
    }

    #[test]
    fn a_complete_packet_to_another_tier_passes() {
        assert_eq!(packet().validate(Tier::Tier1, Tier::Tier2), Ok(()));
    }

    #[test]
    fn summary_and_next_actions_are_required() {
        let mut p = packet();
        p.summary = "  ".into();
        assert_eq!(p.validate(Tier::Tier1, Tier::Tier2), Err(HandoffError::Missing("what was done")));
        let mut p = packet();
        p.next_actions.clear();
        assert_eq!(p.validate(Tier::Tier1, Tier::Tier2), Err(HandoffError::Missing("next actions")));
    }

    #[test]
    fn a_hand_off_goes_somewhere_else_and_stays_bounded() {
        assert!(matches!(packet().validate(Tier::Ir, Tier::Ir), Err(HandoffError::SameTier(_))));
        let mut p = packet();
        p.risks = "x".repeat(MAX_HANDOFF_PART + 1);
        assert_eq!(p.validate(Tier::Tier1, Tier::Noc), Err(HandoffError::TooLong("risks")));
    }
}
