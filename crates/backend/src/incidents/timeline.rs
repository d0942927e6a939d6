//! The timeline (alerts and context events in time order, grouped by ATT&CK tactic), the
//! narrative's evidence, and the one-line account of each event-log row.

use std::collections::BTreeMap;

use riposte_domain::alert::Severity;
use riposte_domain::incident::{Evidence, Tactic, Timeline, TimelineEntry, TimelineGroup, TimelineItem};
use serde_json::Value;
use time::OffsetDateTime;

use crate::alerts::rfc3339;
use crate::store::incident_evidence::{EntityRow, SourceCount, TimelineAlertRow, TimelineContextRow};

pub fn timeline(alerts: &[TimelineAlertRow], context: &[TimelineContextRow], total: i64) -> Timeline {
    let tactic_of: BTreeMap<i64, Option<Tactic>> =
        alerts.iter().map(|a| (a.alert_id, Tactic::earliest(&a.attack_techniques))).collect();
    let mut entries: Vec<(OffsetDateTime, Option<Tactic>, TimelineEntry)> = alerts
        .iter()
        .map(|a| {
            let what = TimelineItem::Alert {
                id: a.alert_id,
                title: a.title.clone(),
                severity: Severity::from_ocsf_id(i64::from(a.severity)).unwrap_or(Severity::Medium),
                occurrences: a.occurrences,
            };
            (a.at, tactic_of[&a.alert_id], TimelineEntry { at: rfc3339(a.at), source: a.source.clone(), what })
        })
        .collect();
    // A context event sits in the stage of the alert whose session it belongs to.
    entries.extend(context.iter().map(|c| {
        let what = TimelineItem::Context { id: c.context_event_id, kind: c.kind.clone(), alert_id: c.alert_id };
        let tactic = tactic_of.get(&c.alert_id).copied().flatten();
        (c.at, tactic, TimelineEntry { at: rfc3339(c.at), source: c.source.clone(), what })
    }));
    entries.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.2.at.cmp(&b.2.at)));
    let mut groups: BTreeMap<(bool, Option<Tactic>), Vec<TimelineEntry>> = BTreeMap::new();
    for (_, tactic, entry) in entries {
        // Unmapped entries last.
        groups.entry((tactic.is_none(), tactic)).or_default().push(entry);
    }
    Timeline {
        groups: groups.into_iter().map(|((_, tactic), entries)| TimelineGroup { tactic, entries }).collect(),
        total: total + context.len() as i64,
    }
}

pub struct EvidenceInputs<'a> {
    pub alert_rows: i64,
    pub events: i64,
    pub sources: &'a [SourceCount],
    pub first_seen: OffsetDateTime,
    pub last_seen: OffsetDateTime,
    pub titles: Option<(String, String)>,
    pub techniques: &'a [(String, OffsetDateTime)],
    pub entities: &'a [EntityRow],
}

pub fn evidence(inputs: EvidenceInputs<'_>) -> Evidence {
    let mut tactics: BTreeMap<Tactic, OffsetDateTime> = BTreeMap::new();
    for (technique, at) in inputs.techniques {
        if let Some(tactic) = Tactic::of_technique(technique) {
            let first = tactics.entry(tactic).or_insert(*at);
            *first = (*first).min(*at);
        }
    }
    let mut tactics: Vec<(Tactic, OffsetDateTime)> = tactics.into_iter().collect();
    tactics.sort_by_key(|(tactic, at)| (*at, *tactic));
    let values = |kind: &str, role: Option<&str>| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for e in inputs.entities.iter().filter(|e| e.kind == kind && role.is_none_or(|r| e.role == r)) {
            if !out.contains(&e.value) {
                out.push(e.value.clone());
            }
        }
        out
    };
    let (first_title, latest_title) = inputs.titles.unwrap_or_default();
    Evidence {
        alert_rows: inputs.alert_rows,
        events: inputs.events,
        sources: inputs.sources.iter().map(|s| (s.source.clone(), s.alerts)).collect(),
        first_seen: short(inputs.first_seen),
        last_seen: short(inputs.last_seen),
        first_title,
        latest_title,
        tactics: tactics.into_iter().map(|(t, at)| (t, short(at))).collect(),
        attackers: values("ip", Some("source")),
        targets: values("ip", Some("destination")),
        hosts: values("host", None),
        users: values("user", None),
        domains: values("domain", None),
        hashes: values("hash", None),
    }
}

/// "2026-11-22 18:03:04 UTC".
fn short(t: OffsetDateTime) -> String {
    let text = rfc3339(t);
    format!("{} UTC", text.get(..19).unwrap_or(&text).replace('T', " "))
}

/// A one-line account of an event-log row.
pub fn event_text(kind: &str, detail: &Value) -> String {
    let text = |key: &str| match &detail[key] {
        Value::String(s) => s.clone(),
        Value::Null => "none".to_owned(),
        other => other.to_string(),
    };
    let count = |key: &str| detail[key].as_i64().unwrap_or(0);
    match kind {
        "opened" => format!("Opened by alert #{}", text("alert_id")),
        "alerts_linked" => {
            let rules = detail["rules"]
                .as_object()
                .map(|m| m.iter().map(|(rule, n)| format!("{rule} ×{n}")).collect::<Vec<_>>().join(", "))
                .unwrap_or_default();
            format!("{} alert(s) linked ({rules})", count("count"))
        }
        "status_changed" => match detail["classification"].as_str() {
            Some(c) => format!("Status {} → {} ({c})", text("from"), text("to")),
            None => format!("Status {} → {}", text("from"), text("to")),
        },
        "owner_changed" | "tier_changed" | "priority_changed" | "severity_changed" | "title_changed"
        | "tags_changed" | "tlp_changed" => {
            let field = kind.trim_end_matches("_changed");
            format!("{}{} {} → {}", field[..1].to_uppercase(), &field[1..], text("from"), text("to"))
        }
        "comment_added" => "Comment added".to_owned(),
        "task_added" => format!("Task added: {}", text("title")),
        "task_done" => format!("Task done: {}", text("title")),
        "task_reopened" => format!("Task reopened: {}", text("title")),
        "handoff_sent" => format!("Handed off from {} to {}", text("from"), text("to")),
        "handoff_acknowledged" => {
            format!("Hand-off to {} acknowledged after {} s", text("to"), count("seconds"))
        }
        "merged_in" => format!("Incident #{} merged into this one ({} alerts)", text("from"), count("count")),
        "merged_away" => format!("Merged into incident #{}", text("into")),
        "split_out" => format!("{} alert(s) split off into incident #{}", count("count"), text("into")),
        "split_from" => format!("Split off from incident #{} ({} alerts)", text("from"), count("count")),
        "unlinked" => format!("Alert #{} unlinked", text("alert_id")),
        "undo" => format!("Undid: {}", text("undone")),
        "escalated" => format!("Escalated by rule \"{}\" ({}): {}", text("rule"), text("key"), text("outcomes")),
        "paged" => format!(
            "Paged {}",
            detail["channels"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        "sla_breached" => format!(
            "SLA breached: not {} within {} min ({})",
            if text("clock") == "acknowledge" { "acknowledged" } else { "contained" },
            count("target_minutes"),
            text("priority")
        ),
        "sla_paused" => format!("SLA clocks paused: waiting on {}", text("to")),
        "sla_resumed" => format!(
            "SLA clocks resumed after waiting on {} for {}",
            text("from"),
            riposte_domain::incident::sla::compact(count("paused_ms"))
        ),
        other => other.replace('_', " "),
    }
}
