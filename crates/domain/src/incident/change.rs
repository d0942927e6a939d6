//! Edits to an incident record. Each carries the version the editor saw: the server applies
//! it only if nobody changed the incident since, and otherwise reports a conflict.

use serde::{Deserialize, Serialize};

use super::{Classification, IncidentStatus, Priority, Tier, Tlp};
use crate::alert::Severity;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum IncidentEdit {
    Status {
        to: IncidentStatus,
        classification: Option<Classification>,
    },
    /// A username, or none to leave it unowned.
    Owner(Option<String>),
    Tier(Tier),
    Priority(Priority),
    Severity(Severity),
    Title(String),
    Tags(Vec<String>),
    Tlp(Tlp),
    /// Waiting on an external party (pauses the SLA clocks), or none to resume them.
    WaitingOn(Option<String>),
}

impl IncidentEdit {
    /// The event-log kind this edit is recorded as.
    pub fn event_kind(&self) -> &'static str {
        match self {
            IncidentEdit::Status { .. } => "status_changed",
            IncidentEdit::Owner(_) => "owner_changed",
            IncidentEdit::Tier(_) => "tier_changed",
            IncidentEdit::Priority(_) => "priority_changed",
            IncidentEdit::Severity(_) => "severity_changed",
            IncidentEdit::Title(_) => "title_changed",
            IncidentEdit::Tags(_) => "tags_changed",
            IncidentEdit::Tlp(_) => "tlp_changed",
            IncidentEdit::WaitingOn(Some(_)) => "sla_paused",
            IncidentEdit::WaitingOn(None) => "sla_resumed",
        }
    }
}

pub const MAX_TITLE: usize = 300;
pub const MAX_TAGS: usize = 50;

/// Tags trimmed, deduplicated, in the order given; empty ones dropped.
pub fn clean_tags(tags: &[String]) -> Result<Vec<String>, String> {
    let mut clean: Vec<String> = Vec::new();
    for tag in tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if tag.chars().count() > 100 {
            return Err(format!("tag \"{}…\" is longer than 100 characters", tag.chars().take(20).collect::<String>()));
        }
        if !clean.iter().any(|t| t == tag) {
            clean.push(tag.to_owned());
        }
    }
    if clean.len() > MAX_TAGS {
        return Err(format!("at most {MAX_TAGS} tags"));
    }
    Ok(clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_trimmed_and_deduplicated() {
        let tags = vec![" brute-force ".into(), "".into(), "brute-force".into(), "vpn".into()];
        assert_eq!(clean_tags(&tags), Ok(vec!["brute-force".to_owned(), "vpn".to_owned()]));
        assert!(clean_tags(&["x".repeat(101)]).is_err());
    }
}
