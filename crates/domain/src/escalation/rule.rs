//! Escalation rules: as written (the spec, kept as data and shown as text for review) and as
//! checked and compiled for the pipeline.

use serde::{Deserialize, Serialize};

use super::condition::{self, Condition};
use super::facts::EventFacts;
use super::sequence::Sequence;
use crate::incident::{Priority, Tier};

/// The most rules one set holds, and the most events one sequence step may count.
pub const MAX_RULES: usize = 200;
pub const MAX_AT_LEAST: u32 = 1000;
/// The longest a sequence may take: a week.
pub const MAX_WITHIN_SECS: i64 = 7 * 24 * 3600;

/// A rule as an administrator writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub enabled: bool,
    /// A single-event rule: the condition one alert must meet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// A sequence rule: what its events share (`user`, `host`, `src_ip`, `dest_ip`)...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// ...how long from its first event to its last (`90s`, `10m`, `2h`, `1d`)...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<String>,
    /// ...and its steps, in order.
    #[serde(default, rename = "step", skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepSpec>,
    pub then: OutcomeSpec,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepSpec {
    pub when: String,
    /// How many matching events the step needs.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub at_least: u32,
    /// Instead of the sequence's `by`, this step's events need only share this field with an
    /// earlier step's ("then a firewall allow from the same source address").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct OutcomeSpec {
    /// Raise the incident to at least this priority (`P1`..`P4`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// Move the incident to this queue (`tier1`, `tier2`, `ir`, `noc`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// Page through these notification channels, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub page: Vec<String>,
}

fn yes() -> bool {
    true
}
fn is_true(value: &bool) -> bool {
    *value
}
fn one() -> u32 {
    1
}
fn is_one(value: &u32) -> bool {
    *value == 1
}

/// The field that ties a sequence's events together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyField {
    User,
    Host,
    SrcIp,
    DestIp,
}

impl KeyField {
    pub const ALL: [KeyField; 4] = [KeyField::User, KeyField::Host, KeyField::SrcIp, KeyField::DestIp];

    pub fn as_str(self) -> &'static str {
        match self {
            KeyField::User => "user",
            KeyField::Host => "host",
            KeyField::SrcIp => "src_ip",
            KeyField::DestIp => "dest_ip",
        }
    }

    pub fn parse(text: &str) -> Option<KeyField> {
        KeyField::ALL.into_iter().find(|k| k.as_str() == text.trim())
    }

    /// The event's values of this field (lowercase).
    pub fn values(self, facts: &EventFacts) -> &[String] {
        match self {
            KeyField::User => &facts.users,
            KeyField::Host => &facts.hosts,
            KeyField::SrcIp => &facts.src_ips,
            KeyField::DestIp => &facts.dest_ips,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcomes {
    pub priority: Option<Priority>,
    pub tier: Option<Tier>,
    pub page: Vec<String>,
}

impl Outcomes {
    /// In words, for the rule list and the incident log.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(priority) = self.priority {
            parts.push(format!("raise to {}", priority.label()));
        }
        if let Some(tier) = self.tier {
            parts.push(format!("assign to {}", tier.label()));
        }
        if !self.page.is_empty() {
            parts.push(format!("page {}", self.page.join(", ")));
        }
        parts.join("; ")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    Single(Condition),
    Sequence(Sequence),
}

/// A checked rule, ready to evaluate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub name: String,
    pub enabled: bool,
    pub trigger: Trigger,
    pub outcomes: Outcomes,
}

/// Reads `90s`, `10m`, `2h` or `1d`, as seconds.
pub fn parse_duration(text: &str) -> Option<i64> {
    let text = text.trim();
    let unit = text.chars().last()?;
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return None,
    };
    text[..text.len() - 1].parse::<i64>().ok().filter(|n| *n > 0).map(|n| n * scale)
}

impl RuleSpec {
    /// Checks the rule; an error names the part that is wrong.
    pub fn compile(&self) -> Result<Rule, String> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err("a rule needs a name of 1 to 100 characters".into());
        }
        let trigger = match (&self.when, self.steps.is_empty()) {
            (Some(_), false) => return Err("give either `when` (one event) or steps (a sequence), not both".into()),
            (None, true) => return Err("give `when` (one event) or steps (a sequence)".into()),
            (Some(when), true) => {
                if self.by.is_some() || self.within.is_some() {
                    return Err("`by` and `within` belong to sequence rules (with steps)".into());
                }
                Trigger::Single(condition::parse(when).map_err(|e| format!("when: {e}"))?)
            }
            (None, false) => Trigger::Sequence(self.sequence()?),
        };
        Ok(Rule { name: name.to_owned(), enabled: self.enabled, trigger, outcomes: self.then.compile()? })
    }

    fn sequence(&self) -> Result<Sequence, String> {
        let by = self.by.as_deref().ok_or("a sequence needs `by` (user, host, src_ip or dest_ip)")?;
        let by = KeyField::parse(by).ok_or_else(|| format!("by: '{by}' is not one of user, host, src_ip, dest_ip"))?;
        let within = self.within.as_deref().ok_or("a sequence needs `within`, such as \"10m\"")?;
        let within_secs = parse_duration(within)
            .filter(|s| *s <= MAX_WITHIN_SECS)
            .ok_or_else(|| format!("within: '{within}' is not a duration from 1s to 7d (such as 90s, 10m, 2h)"))?;
        let steps = self
            .steps
            .iter()
            .enumerate()
            .map(|(i, step)| step.compile(i).map_err(|e| format!("step {}: {e}", i + 1)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Sequence { by, within_ms: within_secs * 1000, steps })
    }
}

impl Rule {
    /// The rule in words, for the rules page.
    pub fn summary(&self, spec: &RuleSpec) -> super::trace::RuleSummary {
        let trigger = match &self.trigger {
            Trigger::Single(_) => format!("one alert: {}", spec.when.as_deref().unwrap_or_default().trim()),
            Trigger::Sequence(seq) => format!(
                "sequence by {} within {}: {}",
                seq.by.as_str(),
                spec.within.as_deref().unwrap_or_default().trim(),
                spec.steps
                    .iter()
                    .map(|s| {
                        let count = if s.at_least > 1 { format!("{}× ", s.at_least) } else { String::new() };
                        let same = s.same.as_deref().map(|f| format!(" (same {f})")).unwrap_or_default();
                        format!("{count}[{}]{same}", s.when.trim())
                    })
                    .collect::<Vec<_>>()
                    .join(" then ")
            ),
        };
        super::trace::RuleSummary {
            name: self.name.clone(),
            enabled: self.enabled,
            trigger,
            outcomes: self.outcomes.describe(),
        }
    }
}

impl StepSpec {
    fn compile(&self, index: usize) -> Result<super::sequence::Step, String> {
        let when = condition::parse(&self.when).map_err(|e| format!("when: {e}"))?;
        if !(1..=MAX_AT_LEAST).contains(&self.at_least) {
            return Err(format!("at_least must be from 1 to {MAX_AT_LEAST}"));
        }
        let same = match self.same.as_deref() {
            None => None,
            Some(_) if index == 0 => return Err("the first step has nothing earlier to share `same` with".into()),
            Some(text) => Some(
                KeyField::parse(text)
                    .ok_or_else(|| format!("same: '{text}' is not one of user, host, src_ip, dest_ip"))?,
            ),
        };
        Ok(super::sequence::Step { when, at_least: self.at_least, same })
    }
}

impl OutcomeSpec {
    fn compile(&self) -> Result<Outcomes, String> {
        let priority = match self.priority.as_deref() {
            None => None,
            Some(text) => Some(
                text.trim()
                    .strip_prefix(['P', 'p'])
                    .and_then(|n| n.parse().ok())
                    .and_then(Priority::new)
                    .ok_or_else(|| format!("then.priority: '{text}' is not one of P1, P2, P3, P4"))?,
            ),
        };
        let tier = match self.tier.as_deref() {
            None => None,
            Some(text) => Some(
                Tier::parse(text).ok_or_else(|| format!("then.tier: '{text}' is not one of tier1, tier2, ir, noc"))?,
            ),
        };
        let mut page: Vec<String> = Vec::new();
        for channel in self.page.iter().map(|c| c.trim()) {
            if channel.is_empty() {
                return Err("then.page: a channel name is empty".into());
            }
            if !page.iter().any(|c| c == channel) {
                page.push(channel.to_owned());
            }
        }
        if priority.is_none() && tier.is_none() && page.is_empty() {
            return Err("then: name at least one outcome (priority, tier or page)".into());
        }
        Ok(Outcomes { priority, tier, page })
    }
}

/// Checks a whole rule set: every rule, and names unique. Errors name the rule.
pub fn compile_all(specs: &[RuleSpec]) -> Result<Vec<Rule>, String> {
    if specs.len() > MAX_RULES {
        return Err(format!("at most {MAX_RULES} rules"));
    }
    let mut rules: Vec<Rule> = Vec::with_capacity(specs.len());
    for (i, spec) in specs.iter().enumerate() {
        let rule = spec.compile().map_err(|e| format!("rule {} (\"{}\"): {e}", i + 1, spec.name.trim()))?;
        if rules.iter().any(|r| r.name.eq_ignore_ascii_case(&rule.name)) {
            return Err(format!("rule {}: the name \"{}\" is used twice", i + 1, rule.name));
        }
        rules.push(rule);
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn single(when: &str) -> RuleSpec {
        RuleSpec {
            name: "Hot".into(),
            description: String::new(),
            enabled: true,
            when: Some(when.into()),
            by: None,
            within: None,
            steps: Vec::new(),
            then: OutcomeSpec { priority: Some("P1".into()), tier: Some("ir".into()), page: vec!["on-call".into()] },
        }
    }

    fn step(when: &str, at_least: u32, same: Option<&str>) -> StepSpec {
        StepSpec { when: when.into(), at_least, same: same.map(str::to_owned) }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Some(90));
        assert_eq!(parse_duration("10m"), Some(600));
        assert_eq!(parse_duration("2h"), Some(7200));
        assert_eq!(parse_duration("1d"), Some(86_400));
        assert_eq!(parse_duration("0m"), None);
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_duration("m"), None);
    }

    #[test]
    fn a_single_rule_compiles_with_its_outcomes() {
        let rule = single("score >= 80").compile().expect("valid");
        assert!(matches!(rule.trigger, Trigger::Single(_)));
        assert_eq!(rule.outcomes.priority, Priority::new(1));
        assert_eq!(rule.outcomes.tier, Some(Tier::Ir));
        assert_eq!(rule.outcomes.describe(), "raise to P1; assign to Incident response; page on-call");
    }

    #[test]
    fn errors_name_the_part_that_is_wrong() {
        let error = |spec: RuleSpec| spec.compile().err().unwrap_or_default();
        assert!(error(single("score >= x")).starts_with("when: at column 10"));
        let mut spec = single("score >= 80");
        spec.then.priority = Some("P9".into());
        assert!(error(spec).contains("then.priority: 'P9'"));
        let mut spec = single("score >= 80");
        spec.then = OutcomeSpec::default();
        assert!(error(spec).contains("at least one outcome"));
        let mut spec = single("score >= 80");
        spec.by = Some("user".into());
        assert!(error(spec).contains("belong to sequence rules"));

        let mut spec = single("x");
        spec.when = None;
        spec.steps = vec![step("kind = logon", 5, None), step("kind = logon", 1, Some("src_ip"))];
        assert!(error(spec.clone()).contains("needs `by`"));
        spec.by = Some("account".into());
        assert!(error(spec.clone()).contains("by: 'account'"));
        spec.by = Some("user".into());
        spec.within = Some("8d".into());
        assert!(error(spec.clone()).contains("within: '8d'"));
        spec.within = Some("10m".into());
        assert!(spec.compile().is_ok());
        spec.steps[0].same = Some("src_ip".into());
        assert!(error(spec.clone()).contains("step 1: the first step"));
        spec.steps[0].same = None;
        spec.steps[1].at_least = 0;
        assert!(error(spec).contains("step 2: at_least"));
    }

    #[test]
    fn a_set_rejects_duplicate_names_and_names_the_rule() {
        let error = compile_all(&[single("score >= 80"), single("score >= 90")]).err().unwrap_or_default();
        assert!(error.contains("rule 2: the name \"Hot\" is used twice"), "{error}");
        let error = compile_all(&[single("score >= 80"), single("scor >= 1")]).err().unwrap_or_default();
        assert!(error.starts_with("rule 2 (\"Hot\"): when: at column 1: unknown field 'scor'"), "{error}");
    }
}
