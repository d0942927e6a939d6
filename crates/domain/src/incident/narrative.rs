//! The incident's narrative: who, what, where, when and how it progressed, written from the
//! evidence alone, deterministically (the same evidence always reads the same).

use super::Tactic;

/// What the narrative is written from; gathered by the server from the linked alerts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evidence {
    pub alert_rows: i64,
    pub events: i64,
    /// Sources and how many alerts each sent, most first.
    pub sources: Vec<(String, i64)>,
    pub first_seen: String,
    pub last_seen: String,
    pub first_title: String,
    pub latest_title: String,
    /// Tactics reached, with the time each was first seen, in time order.
    pub tactics: Vec<(Tactic, String)>,
    pub attackers: Vec<String>,
    pub targets: Vec<String>,
    pub hosts: Vec<String>,
    pub users: Vec<String>,
    pub domains: Vec<String>,
    pub hashes: Vec<String>,
}

/// Up to this many values of each kind are named; the rest are counted.
const NAMED: usize = 3;

pub fn narrate(evidence: &Evidence) -> Vec<String> {
    if evidence.alert_rows == 0 {
        return vec!["No alerts are linked to this incident.".to_owned()];
    }
    let mut lines = Vec::new();
    let count = if evidence.events > evidence.alert_rows {
        format!("{} alerts ({} distinct after storm roll-up)", evidence.events, evidence.alert_rows)
    } else {
        plural(evidence.alert_rows, "alert")
    };
    let sources = evidence.sources.iter().map(|(name, n)| format!("{name} ({n})")).collect::<Vec<_>>();
    lines.push(format!(
        "What: {count} from {}, between {} and {}.",
        name_list(&sources),
        evidence.first_seen,
        evidence.last_seen
    ));
    lines.push(format!("It began with \"{}\".", evidence.first_title));
    let mut who = Vec::new();
    if !evidence.attackers.is_empty() {
        who.push(format!("from {}", name_list(&evidence.attackers)));
    }
    if !evidence.targets.is_empty() {
        who.push(format!("against {}", name_list(&evidence.targets)));
    }
    if !who.is_empty() {
        lines.push(format!("Who: activity {}.", who.join(" ")));
    }
    let mut where_ = Vec::new();
    for (label, values) in [
        ("hosts", &evidence.hosts),
        ("users", &evidence.users),
        ("domains", &evidence.domains),
        ("file hashes", &evidence.hashes),
    ] {
        if !values.is_empty() {
            where_.push(format!("{label} {}", name_list(values)));
        }
    }
    if !where_.is_empty() {
        lines.push(format!("Where: {}.", where_.join("; ")));
    }
    match evidence.tactics.as_slice() {
        [] => {}
        [(only, at)] => lines.push(format!("How: one ATT&CK stage, {} (from {at}).", only.label())),
        stages => {
            let path = stages.iter().map(|(t, at)| format!("{} ({at})", t.label())).collect::<Vec<_>>();
            lines.push(format!("How it progressed: {}.", path.join(" → ")));
        }
    }
    if evidence.alert_rows > 1 && evidence.latest_title != evidence.first_title {
        lines.push(format!("Latest: \"{}\" at {}.", evidence.latest_title, evidence.last_seen));
    }
    lines
}

fn plural(n: i64, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

fn name_list(values: &[String]) -> String {
    let named: Vec<&str> = values.iter().take(NAMED).map(String::as_str).collect();
    let rest = values.len().saturating_sub(NAMED);
    let head = match named.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] if rest == 0 => format!("{} and {last}", init.join(", ")),
        all => all.join(", "),
    };
    if rest > 0 { format!("{head} and {rest} more") } else { head }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence() -> Evidence {
        Evidence {
            alert_rows: 3,
            events: 42,
            sources: vec![("suricata".into(), 2), ("windows".into(), 1)],
            first_seen: "2026-11-22 10:00:00".into(),
            last_seen: "2026-11-22 10:09:00".into(),
            first_title: "ET SCAN SSH brute force".into(),
            latest_title: "New service installed".into(),
            tactics: vec![(Tactic::CredentialAccess, "10:00:00".into()), (Tactic::Persistence, "10:09:00".into())],
            attackers: vec!["203.0.113.9".into()],
            targets: vec!["10.0.0.5".into()],
            hosts: vec!["dc01".into(), "ws1".into(), "ws2".into(), "ws3".into(), "ws4".into()],
            users: vec!["alice".into()],
            ..Evidence::default()
        }
    }

    #[test]
    fn tells_what_who_where_and_how_in_order() {
        let text = narrate(&evidence());
        assert_eq!(
            text[0],
            "What: 42 alerts (3 distinct after storm roll-up) from suricata (2) and windows (1), between 2026-11-22 10:00:00 and 2026-11-22 10:09:00."
        );
        assert_eq!(text[1], "It began with \"ET SCAN SSH brute force\".");
        assert_eq!(text[2], "Who: activity from 203.0.113.9 against 10.0.0.5.");
        assert_eq!(text[3], "Where: hosts dc01, ws1, ws2 and 2 more; users alice.");
        assert_eq!(text[4], "How it progressed: Credential access (10:00:00) → Persistence (10:09:00).");
        assert_eq!(text[5], "Latest: \"New service installed\" at 2026-11-22 10:09:00.");
    }

    #[test]
    fn is_deterministic_and_handles_the_empty_case() {
        assert_eq!(narrate(&evidence()), narrate(&evidence()));
        assert_eq!(narrate(&Evidence::default()), vec!["No alerts are linked to this incident.".to_owned()]);
    }

    #[test]
    fn a_single_alert_reads_simply() {
        let single = Evidence {
            alert_rows: 1,
            events: 1,
            sources: vec![("suricata".into(), 1)],
            first_title: "X".into(),
            latest_title: "X".into(),
            ..Evidence::default()
        };
        let text = narrate(&single);
        assert!(text[0].starts_with("What: 1 alert from suricata (1)"));
        assert_eq!(text.len(), 2);
    }
}
