//! Sequence rules, evaluated incrementally: each key (a user, a host, an address) has a small
//! state holding the events that met each step so far, and every new event only advances
//! the states of its own keys. History is never rescanned.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::condition::Condition;
use super::facts::{EventFacts, EventRef};
use super::rule::KeyField;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub when: Condition,
    pub at_least: u32,
    pub same: Option<KeyField>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sequence {
    pub by: KeyField,
    pub within_ms: i64,
    pub steps: Vec<Step>,
}

/// One event that met a step: what the why-trace shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matched {
    pub event: EventRef,
    pub at_ms: i64,
    pub label: String,
    /// The step it met (0-based).
    pub step: usize,
    /// Its values of the fields later steps share (`src_ip=203.0.113.9`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joins: Vec<String>,
}

/// The progress of one key through a sequence: the events that met each step, the most recent
/// `at_least` of each (older ones add nothing the window could use).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SequenceState {
    pub steps: Vec<Vec<Matched>>,
}

impl SequenceState {
    pub fn is_empty(&self) -> bool {
        self.steps.iter().all(Vec::is_empty)
    }

    /// The join values of every event held: how an event without the key (a firewall allow
    /// has no user) finds this state.
    pub fn joins(&self) -> BTreeSet<&str> {
        self.steps.iter().flatten().flat_map(|m| m.joins.iter().map(String::as_str)).collect()
    }

    fn holds(&self, event: EventRef) -> bool {
        self.steps.iter().flatten().any(|m| m.event == event)
    }
}

impl Sequence {
    /// The event's values of the shared fields, as `field=value`.
    pub fn join_tokens(&self, facts: &EventFacts) -> Vec<String> {
        let mut tokens = Vec::new();
        for field in self.steps.iter().filter_map(|s| s.same) {
            for value in field.values(facts) {
                let token = format!("{}={value}", field.as_str());
                if !tokens.contains(&token) {
                    tokens.push(token);
                }
            }
        }
        tokens
    }

    /// Whether the event can open a new state for `key`.
    pub fn starts(&self, key: &str, facts: &EventFacts) -> bool {
        self.steps.first().is_some_and(|s| s.when.holds(facts)) && self.by.values(facts).iter().any(|v| v == key)
    }

    /// Feeds one event to `key`'s state. When it completes the sequence, returns every event
    /// that met a step, oldest first, and empties the state.
    pub fn advance(&self, state: &mut SequenceState, key: &str, facts: &EventFacts) -> Option<Vec<Matched>> {
        let event = facts.event?;
        state.steps.resize_with(self.steps.len(), Vec::new);
        if state.holds(event) {
            return None;
        }
        // Drop what is too old to share a window with this event; a step that no longer has
        // enough undoes the progress made after it.
        let cutoff = facts.at_ms - self.within_ms;
        for held in &mut state.steps {
            held.retain(|m| m.at_ms >= cutoff);
        }
        let current = self.current(state);
        for later in state.steps.iter_mut().skip(current + 1) {
            later.clear();
        }
        let has_key = self.by.values(facts).iter().any(|v| v == key);
        for index in (0..=current).rev() {
            let step = &self.steps[index];
            if !step.when.holds(facts) || !self.tied(state, index, step, has_key, facts) {
                continue;
            }
            // A repeat of the last step met (a sixth failed logon) slides its window forward,
            // but only before the next step has begun.
            if index < current && !(index + 1 == current && state.steps[current].is_empty()) {
                continue;
            }
            state.steps[index].push(Matched {
                event,
                at_ms: facts.at_ms,
                label: facts.label(),
                step: index,
                joins: self.join_tokens(facts),
            });
            let keep = step.at_least as usize;
            let held = &mut state.steps[index];
            if held.len() > keep {
                held.drain(..held.len() - keep);
            }
            if index + 1 == self.steps.len() && state.steps[index].len() >= keep {
                let mut fired: Vec<Matched> = state.steps.drain(..).flatten().collect();
                fired.sort_by_key(|m| (m.at_ms, m.step));
                return Some(fired);
            }
            return None;
        }
        None
    }

    /// The first step not yet met.
    fn current(&self, state: &SequenceState) -> usize {
        self.steps
            .iter()
            .zip(&state.steps)
            .position(|(step, held)| held.len() < step.at_least as usize)
            .unwrap_or(self.steps.len() - 1)
    }

    /// Whether the event belongs to this state at `index`: it carries the key, or, for a step
    /// with `same`, shares that field's value with an event of an earlier step.
    fn tied(&self, state: &SequenceState, index: usize, step: &Step, has_key: bool, facts: &EventFacts) -> bool {
        match step.same {
            None => has_key,
            Some(field) => {
                let earlier: BTreeSet<&str> =
                    state.steps[..index].iter().flatten().flat_map(|m| m.joins.iter().map(String::as_str)).collect();
                field.values(facts).iter().any(|v| earlier.contains(format!("{}={v}", field.as_str()).as_str()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::escalation::condition::parse;

    fn brute_force() -> Sequence {
        Sequence {
            by: KeyField::User,
            within_ms: 600_000,
            steps: vec![
                Step { when: parse("kind = logon and outcome = failure").expect("valid"), at_least: 5, same: None },
                Step {
                    when: parse("kind = logon and outcome = success or kind = firewall_traffic and action = allow")
                        .expect("valid"),
                    at_least: 1,
                    same: Some(KeyField::SrcIp),
                },
            ],
        }
    }

    fn logon(id: i64, at_s: i64, user: &str, src: &str, outcome: &str) -> EventFacts {
        EventFacts {
            event: Some(EventRef::Context(id)),
            kind: "logon".into(),
            source: "winlogbeat".into(),
            outcome: Some(outcome.into()),
            users: vec![user.into()],
            src_ips: vec![src.into()],
            at_ms: at_s * 1000,
            ..EventFacts::default()
        }
    }

    fn allow(id: i64, at_s: i64, src: &str) -> EventFacts {
        EventFacts {
            event: Some(EventRef::Context(id)),
            kind: "firewall_traffic".into(),
            source: "pan-os".into(),
            action: Some("allow".into()),
            src_ips: vec![src.into()],
            at_ms: at_s * 1000,
            ..EventFacts::default()
        }
    }

    fn feed(seq: &Sequence, state: &mut SequenceState, events: &[EventFacts]) -> Option<Vec<Matched>> {
        let mut fired = None;
        for e in events {
            if let Some(f) = seq.advance(state, "alice", e) {
                fired = Some(f);
            }
        }
        fired
    }

    #[test]
    fn five_failures_then_a_firewall_allow_from_the_same_source_fires() {
        let seq = brute_force();
        let mut state = SequenceState::default();
        let mut events: Vec<EventFacts> = (0..5).map(|i| logon(i, i * 10, "alice", "203.0.113.9", "failure")).collect();
        assert!(feed(&seq, &mut state, &events).is_none());
        events = vec![allow(100, 80, "203.0.113.9")];
        let fired = feed(&seq, &mut state, &events).expect("fires");
        assert_eq!(fired.len(), 6);
        assert_eq!(fired.last().map(|m| m.event), Some(EventRef::Context(100)));
        assert!(fired[0].label.contains("user alice"), "{}", fired[0].label);
        assert!(state.is_empty(), "a fired sequence starts over");
    }

    #[test]
    fn an_allow_from_another_source_does_not_fire() {
        let seq = brute_force();
        let mut state = SequenceState::default();
        let events: Vec<EventFacts> = (0..5).map(|i| logon(i, i, "alice", "203.0.113.9", "failure")).collect();
        feed(&seq, &mut state, &events);
        assert!(feed(&seq, &mut state, &[allow(100, 30, "198.51.100.1")]).is_none());
    }

    #[test]
    fn four_failures_are_not_enough() {
        let seq = brute_force();
        let mut state = SequenceState::default();
        let mut events: Vec<EventFacts> = (0..4).map(|i| logon(i, i, "alice", "203.0.113.9", "failure")).collect();
        events.push(logon(9, 20, "alice", "203.0.113.9", "success"));
        assert!(feed(&seq, &mut state, &events).is_none());
    }

    #[test]
    fn events_outside_the_window_fall_away() {
        let seq = brute_force();
        let mut state = SequenceState::default();
        // Five failures, but the first is more than ten minutes before the success.
        let mut events: Vec<EventFacts> = [0, 400, 410, 420, 430]
            .iter()
            .enumerate()
            .map(|(i, t)| logon(i as i64, *t, "alice", "203.0.113.9", "failure"))
            .collect();
        events.push(logon(9, 605, "alice", "203.0.113.9", "success"));
        assert!(feed(&seq, &mut state, &events).is_none());
        // A sixth failure inside the window restores the count; the success then fires.
        let fired = feed(
            &seq,
            &mut state,
            &[logon(10, 606, "alice", "203.0.113.9", "failure"), logon(11, 607, "alice", "203.0.113.9", "success")],
        )
        .expect("fires");
        assert_eq!(fired.len(), 6);
        assert!(fired.iter().all(|m| m.at_ms >= 7_000));
    }

    #[test]
    fn extra_failures_slide_the_window_and_the_trace_keeps_the_latest() {
        let seq = brute_force();
        let mut state = SequenceState::default();
        let events: Vec<EventFacts> = (0..8).map(|i| logon(i, i * 100, "alice", "203.0.113.9", "failure")).collect();
        feed(&seq, &mut state, &events);
        assert_eq!(state.steps[0].len(), 5);
        let fired = feed(&seq, &mut state, &[allow(100, 900, "203.0.113.9")]).expect("fires");
        assert_eq!(fired.first().map(|m| m.at_ms), Some(300_000));
    }

    #[test]
    fn another_users_events_and_repeats_do_not_count() {
        let seq = brute_force();
        let mut state = SequenceState::default();
        let mut events: Vec<EventFacts> = (0..4).map(|i| logon(i, i, "bob", "203.0.113.9", "failure")).collect();
        events.push(logon(7, 5, "alice", "203.0.113.9", "failure"));
        events.push(logon(7, 5, "alice", "203.0.113.9", "failure"));
        feed(&seq, &mut state, &events);
        assert_eq!(state.steps[0].len(), 1, "bob's failures and a re-delivered event add nothing");
    }

    #[test]
    fn a_key_starts_a_state_only_with_its_first_step() {
        let seq = brute_force();
        assert!(seq.starts("alice", &logon(1, 1, "alice", "203.0.113.9", "failure")));
        assert!(!seq.starts("alice", &logon(1, 1, "alice", "203.0.113.9", "success")));
        assert!(!seq.starts("bob", &logon(1, 1, "alice", "203.0.113.9", "failure")));
        assert_eq!(seq.join_tokens(&allow(1, 1, "203.0.113.9")), vec!["src_ip=203.0.113.9".to_owned()]);
    }
}
