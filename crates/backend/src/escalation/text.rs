//! The text form of a rule set: TOML, one `[[rule]]` table per rule. It is what an
//! administrator edits and reviews, and what the version history keeps.

use riposte_domain::escalation::RuleSpec;
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    #[serde(default, rename = "rule")]
    rules: Vec<RuleSpec>,
}

/// Reads a rule set; a syntax error names its line and column and shows the line.
pub fn parse(text: &str) -> Result<Vec<RuleSpec>, String> {
    toml::from_str::<Document>(text).map(|d| d.rules).map_err(|e| e.to_string().trim_end().to_owned())
}

/// Writes a rule set in the text form (for rules that arrive as data, through the API).
pub fn render(rules: &[RuleSpec]) -> String {
    toml::to_string(&Document { rules: rules.to_vec() }).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use riposte_domain::escalation::compile_all;

    #[test]
    fn the_default_rules_parse_and_compile() {
        let rules = parse(super::super::rules::DEFAULT_RULES).expect("parses");
        assert_eq!(rules.len(), 4);
        compile_all(&rules).expect("compiles");
        assert_eq!(rules[0].steps.len(), 2);
        assert_eq!(rules[0].steps[0].at_least, 5);
    }

    #[test]
    fn rendering_round_trips() {
        let rules = parse(super::super::rules::DEFAULT_RULES).expect("parses");
        assert_eq!(parse(&render(&rules)).expect("re-parses"), rules);
    }

    #[test]
    fn errors_name_the_line() {
        let error = parse("[[rule]]\nname = \"x\"\nthen = { priority = \"P1\" }\nwhen = score >= 80\n")
            .err()
            .unwrap_or_default();
        assert!(error.contains("line 4"), "{error}");
        let error = parse("[[rule]]\nname = \"x\"\ncolour = \"red\"\nthen = {}\n").err().unwrap_or_default();
        assert!(error.contains("colour"), "{error}");
    }
}
