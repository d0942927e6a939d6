//! Pre-authorised containment: the condition an alert must meet for an action to run with no
//! person in the loop. Every part given must hold (they narrow, never widen), and a condition
//! must say something about the alert itself: "any alert" is refused, as is a policy resting on
//! nothing but a source name.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Condition {
    /// Words the alert's title (the signature) must contain, ignoring case.
    pub signature_contains: Option<String>,
    /// Words the alert's category must contain, ignoring case: Suricata's classification
    /// ("Attempted Administrator Privilege Gain"), a CEF `cat`, as the alert's description
    /// carries them.
    pub category_contains: Option<String>,
    /// Alert sources it applies to ("suricata", "fortigate"); any when empty.
    pub sources: Vec<String>,
    /// OCSF severity id, 1 to 5.
    pub min_severity: Option<u8>,
    /// Triage score, 0 to 100.
    pub min_score: Option<u8>,
    /// The address aimed at must be on a watchlist.
    pub watchlist_match: bool,
    /// One of these ATT&CK techniques must be on the alert.
    pub techniques: Vec<String>,
}

/// What a condition is judged on.
#[derive(Debug, Clone, Copy)]
pub struct AlertFacts<'a> {
    pub title: &'a str,
    /// Where the alert's category is: its description.
    pub description: &'a str,
    pub source: &'a str,
    pub severity: u8,
    pub score: Option<u8>,
    pub techniques: &'a [String],
    /// Whether the aimed address matched an indicator.
    pub watchlisted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConditionError {
    #[error(
        "a pre-authorised condition must test the alert itself (signature, category, severity, score, watchlist or technique)"
    )]
    TooBroad,
    #[error("{0} must be between {1} and {2}")]
    OutOfRange(&'static str, u8, u8),
    #[error("signature_contains needs at least 3 characters")]
    SignatureTooShort,
    #[error("category_contains needs at least 3 characters")]
    CategoryTooShort,
}

impl Condition {
    pub fn validate(&self) -> Result<(), ConditionError> {
        if let Some(words) = &self.signature_contains
            && words.trim().chars().count() < 3
        {
            return Err(ConditionError::SignatureTooShort);
        }
        if let Some(words) = &self.category_contains
            && words.trim().chars().count() < 3
        {
            return Err(ConditionError::CategoryTooShort);
        }
        if self.min_severity.is_some_and(|s| !(1..=5).contains(&s)) {
            return Err(ConditionError::OutOfRange("min_severity", 1, 5));
        }
        if self.min_score.is_some_and(|s| s > 100) {
            return Err(ConditionError::OutOfRange("min_score", 0, 100));
        }
        let tests_alert = self.signature_contains.is_some()
            || self.category_contains.is_some()
            || self.min_severity.is_some()
            || self.min_score.is_some()
            || self.watchlist_match
            || !self.techniques.is_empty();
        if tests_alert { Ok(()) } else { Err(ConditionError::TooBroad) }
    }

    pub fn matches(&self, alert: &AlertFacts<'_>) -> bool {
        let signature = self
            .signature_contains
            .as_deref()
            .is_none_or(|words| alert.title.to_lowercase().contains(&words.trim().to_lowercase()));
        let category = self
            .category_contains
            .as_deref()
            .is_none_or(|words| alert.description.to_lowercase().contains(&words.trim().to_lowercase()));
        let source = self.sources.is_empty() || self.sources.iter().any(|s| s.eq_ignore_ascii_case(alert.source));
        let severity = self.min_severity.is_none_or(|min| alert.severity >= min);
        let score = self.min_score.is_none_or(|min| alert.score.is_some_and(|s| s >= min));
        let technique = self.techniques.is_empty()
            || self.techniques.iter().any(|t| alert.techniques.iter().any(|a| a.eq_ignore_ascii_case(t)));
        signature
            && category
            && source
            && severity
            && score
            && technique
            && (!self.watchlist_match || alert.watchlisted)
    }

    /// One line for the policy list and the action's reason.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(words) = &self.signature_contains {
            parts.push(format!("signature contains {words:?}"));
        }
        if let Some(words) = &self.category_contains {
            parts.push(format!("category contains {words:?}"));
        }
        if !self.sources.is_empty() {
            parts.push(format!("source is {}", self.sources.join(" or ")));
        }
        if let Some(min) = self.min_severity {
            parts.push(format!("severity >= {min}"));
        }
        if let Some(min) = self.min_score {
            parts.push(format!("score >= {min}"));
        }
        if self.watchlist_match {
            parts.push("address on a watchlist".into());
        }
        if !self.techniques.is_empty() {
            parts.push(format!("technique {}", self.techniques.join(" or ")));
        }
        parts.join(" and ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(title: &'a str, techniques: &'a [String]) -> AlertFacts<'a> {
        AlertFacts {
            title,
            description: "Attempted Information Leak · allowed",
            source: "suricata",
            severity: 4,
            score: Some(70),
            techniques,
            watchlisted: false,
        }
    }

    #[test]
    fn every_part_given_must_hold() {
        let condition = Condition {
            signature_contains: Some("ET SCAN".into()),
            sources: vec!["Suricata".into()],
            min_severity: Some(4),
            ..Condition::default()
        };
        assert!(condition.matches(&facts("ET SCAN Nmap Scripting Engine", &[])));
        assert!(!condition.matches(&facts("ET POLICY curl", &[])));
        let mut other_source = facts("ET SCAN x", &[]);
        other_source.source = "fortigate";
        assert!(!condition.matches(&other_source));
        let mut low = facts("et scan x", &[]);
        low.severity = 3;
        assert!(!condition.matches(&low));
    }

    #[test]
    fn score_watchlist_and_technique() {
        let condition = Condition {
            min_score: Some(60),
            watchlist_match: true,
            techniques: vec!["T1110".into()],
            ..Condition::default()
        };
        let techniques = vec!["T1110".to_owned()];
        let mut alert = facts("brute force", &techniques);
        assert!(!condition.matches(&alert), "not watchlisted");
        alert.watchlisted = true;
        assert!(condition.matches(&alert));
        alert.score = None;
        assert!(!condition.matches(&alert), "an unscored alert does not reach a minimum score");
        let mut untagged = facts("brute force", &[]);
        untagged.watchlisted = true;
        assert!(!condition.matches(&untagged), "technique missing");
    }

    #[test]
    fn a_category_is_matched_in_words_and_tests_the_alert() {
        let leak = Condition { category_contains: Some(" information LEAK ".into()), ..Condition::default() };
        assert_eq!(leak.validate(), Ok(()), "a category alone says something about the alert");
        assert!(leak.matches(&facts("ET SCAN x", &[])));
        let mut other = facts("ET SCAN x", &[]);
        other.description = "Web Application Attack · allowed";
        assert!(!leak.matches(&other));
        assert_eq!(leak.describe(), "category contains \" information LEAK \"");
        let short = Condition { category_contains: Some("ab".into()), ..Condition::default() };
        assert_eq!(short.validate(), Err(ConditionError::CategoryTooShort));
    }

    #[test]
    fn a_condition_must_test_the_alert() {
        assert_eq!(Condition::default().validate(), Err(ConditionError::TooBroad));
        let only_source = Condition { sources: vec!["suricata".into()], ..Condition::default() };
        assert_eq!(only_source.validate(), Err(ConditionError::TooBroad));
        let short = Condition { signature_contains: Some(" a ".into()), ..Condition::default() };
        assert_eq!(short.validate(), Err(ConditionError::SignatureTooShort));
        let bad = Condition { min_severity: Some(9), ..Condition::default() };
        assert!(matches!(bad.validate(), Err(ConditionError::OutOfRange("min_severity", 1, 5))));
        let fine = Condition { min_score: Some(90), ..Condition::default() };
        assert_eq!(fine.validate(), Ok(()));
        assert_eq!(fine.describe(), "score >= 90");
    }
}
