//! SLA timers: per priority, the time allowed to acknowledge an incident and to contain it.
//! A clock runs from the incident's opening, stops at acknowledgement (or containment), and
//! pauses while the incident waits on an external party; paused time does not count.

use serde::{Deserialize, Serialize};

use super::Priority;

/// Upper bound on a target: one year.
pub const MAX_TARGET_MINUTES: u32 = 525_600;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SlaClock {
    Acknowledge,
    Contain,
}

impl SlaClock {
    pub fn as_str(self) -> &'static str {
        match self {
            SlaClock::Acknowledge => "acknowledge",
            SlaClock::Contain => "contain",
        }
    }

    pub fn parse(s: &str) -> Option<SlaClock> {
        match s {
            "acknowledge" => Some(SlaClock::Acknowledge),
            "contain" => Some(SlaClock::Contain),
            _ => None,
        }
    }

    fn short(self) -> &'static str {
        match self {
            SlaClock::Acknowledge => "ack",
            SlaClock::Contain => "contain",
        }
    }
}

/// The targets for one priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaTarget {
    pub priority: Priority,
    pub ack_minutes: u32,
    pub contain_minutes: u32,
}

impl SlaTarget {
    pub fn validate(&self) -> Result<(), String> {
        for (minutes, what) in [(self.ack_minutes, "acknowledge"), (self.contain_minutes, "contain")] {
            if !(1..=MAX_TARGET_MINUTES).contains(&minutes) {
                return Err(format!(
                    "{}: the time to {what} must be 1 to {MAX_TARGET_MINUTES} minutes",
                    self.priority.label()
                ));
            }
        }
        if self.contain_minutes < self.ack_minutes {
            return Err(format!(
                "{}: the time to contain cannot be shorter than the time to acknowledge",
                self.priority.label()
            ));
        }
        Ok(())
    }
}

/// What the clocks of one incident are computed from (times in ms since the epoch).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SlaFacts {
    pub opened_ms: i64,
    pub acknowledged_ms: Option<i64>,
    pub contained_ms: Option<i64>,
    /// Set while the incident waits on an external party.
    pub paused_since_ms: Option<i64>,
    pub waiting_on: Option<String>,
    /// Paused time already over.
    pub paused_total_ms: i64,
    pub ack_minutes: u32,
    pub contain_minutes: u32,
    /// Clocks already recorded as breached.
    pub breached: Vec<SlaClock>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SlaState {
    Running {
        remaining_ms: i64,
    },
    Overdue {
        by_ms: i64,
    },
    /// Stopped while waiting on someone outside the team.
    Paused {
        waiting_on: String,
        remaining_ms: i64,
    },
}

/// The clock that runs now, as a queue shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaView {
    pub clock: SlaClock,
    pub state: SlaState,
    /// When it falls due if nothing pauses it (ms since the epoch); none while paused.
    pub due_ms: Option<i64>,
}

impl SlaView {
    /// "ack in 12m", "contain overdue 1h 5m", "paused: waiting on ISP (ack 3m left)".
    pub fn label(&self) -> String {
        let clock = self.clock.short();
        match &self.state {
            SlaState::Running { remaining_ms } => format!("{clock} in {}", compact(*remaining_ms)),
            SlaState::Overdue { by_ms } => format!("{clock} overdue {}", compact(*by_ms)),
            SlaState::Paused { waiting_on, remaining_ms } if *remaining_ms >= 0 => {
                format!("paused: waiting on {waiting_on} ({clock} {} left)", compact(*remaining_ms))
            }
            SlaState::Paused { waiting_on, remaining_ms } => {
                format!("paused: waiting on {waiting_on} ({clock} overdue {})", compact(-remaining_ms))
            }
        }
    }

    /// A CSS-friendly word: ok, soon (under a quarter of the target left), overdue, paused.
    pub fn urgency(&self, target_ms: i64) -> &'static str {
        match &self.state {
            SlaState::Overdue { .. } => "overdue",
            SlaState::Paused { .. } => "paused",
            SlaState::Running { remaining_ms } if *remaining_ms * 4 < target_ms => "soon",
            SlaState::Running { .. } => "ok",
        }
    }
}

/// What a queue row shows of the running clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaBadge {
    pub clock: SlaClock,
    pub label: String,
    /// ok, soon, overdue or paused.
    pub urgency: String,
    pub due_ms: Option<i64>,
}

impl SlaFacts {
    pub fn badge(&self, now_ms: i64) -> Option<SlaBadge> {
        let view = self.view(now_ms)?;
        Some(SlaBadge {
            clock: view.clock,
            label: view.label(),
            urgency: view.urgency(self.target_ms(view.clock)).to_owned(),
            due_ms: view.due_ms,
        })
    }

    /// Time the clocks have run by `now_ms`: since opening, less every pause.
    pub fn elapsed_ms(&self, now_ms: i64) -> i64 {
        let end = self.paused_since_ms.map_or(now_ms, |p| p.min(now_ms));
        (end - self.opened_ms - self.paused_total_ms).max(0)
    }

    pub fn target_ms(&self, clock: SlaClock) -> i64 {
        let minutes = match clock {
            SlaClock::Acknowledge => self.ack_minutes,
            SlaClock::Contain => self.contain_minutes,
        };
        i64::from(minutes) * 60_000
    }

    /// The clock still running: acknowledge until acknowledged, then contain until contained.
    pub fn running_clock(&self) -> Option<SlaClock> {
        if self.contained_ms.is_some() {
            None
        } else if self.acknowledged_ms.is_none() {
            Some(SlaClock::Acknowledge)
        } else {
            Some(SlaClock::Contain)
        }
    }

    pub fn view(&self, now_ms: i64) -> Option<SlaView> {
        let clock = self.running_clock()?;
        let remaining_ms = self.target_ms(clock) - self.elapsed_ms(now_ms);
        let (state, due_ms) = match (&self.paused_since_ms, &self.waiting_on) {
            (Some(_), waiting_on) => {
                let waiting_on = waiting_on.clone().unwrap_or_else(|| "an external party".into());
                (SlaState::Paused { waiting_on, remaining_ms }, None)
            }
            (None, _) if remaining_ms < 0 => (SlaState::Overdue { by_ms: -remaining_ms }, Some(now_ms + remaining_ms)),
            (None, _) => (SlaState::Running { remaining_ms }, Some(now_ms + remaining_ms)),
        };
        Some(SlaView { clock, state, due_ms })
    }

    /// Running clocks past their target and not yet recorded as breached. Paused time does
    /// not count, so a clock paused in time never breaches while it waits.
    pub fn new_breaches(&self, now_ms: i64) -> Vec<SlaClock> {
        [SlaClock::Acknowledge, SlaClock::Contain]
            .into_iter()
            .filter(|clock| !self.breached.contains(clock))
            .filter(|clock| match clock {
                SlaClock::Acknowledge => self.acknowledged_ms.is_none() && self.contained_ms.is_none(),
                SlaClock::Contain => self.contained_ms.is_none(),
            })
            .filter(|clock| self.elapsed_ms(now_ms) > self.target_ms(*clock))
            .collect()
    }
}

/// "45s", "12m", "3h 5m", "2d 4h".
pub fn compact(ms: i64) -> String {
    let secs = ms.max(0) / 1000;
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{secs}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    fn p1() -> SlaFacts {
        SlaFacts { opened_ms: 0, ack_minutes: 15, contain_minutes: 60, ..SlaFacts::default() }
    }

    #[test]
    fn the_acknowledge_clock_runs_then_falls_overdue() {
        let facts = p1();
        let view = facts.view(10 * MIN).expect("running");
        assert_eq!(view.clock, SlaClock::Acknowledge);
        assert_eq!(view.state, SlaState::Running { remaining_ms: 5 * MIN });
        assert_eq!(view.due_ms, Some(15 * MIN));
        assert_eq!(view.label(), "ack in 5m");
        assert_eq!(view.urgency(facts.target_ms(SlaClock::Acknowledge)), "ok");
        let late = facts.view(20 * MIN).expect("running");
        assert_eq!(late.state, SlaState::Overdue { by_ms: 5 * MIN });
        assert_eq!(late.label(), "ack overdue 5m");
        assert_eq!(facts.new_breaches(20 * MIN), vec![SlaClock::Acknowledge]);
        assert!(facts.new_breaches(14 * MIN).is_empty());
    }

    #[test]
    fn after_acknowledgement_the_contain_clock_runs_until_containment() {
        let mut facts = p1();
        facts.acknowledged_ms = Some(5 * MIN);
        let view = facts.view(50 * MIN).expect("running");
        assert_eq!(view.clock, SlaClock::Contain);
        assert_eq!(view.label(), "contain in 10m");
        assert_eq!(view.urgency(facts.target_ms(SlaClock::Contain)), "soon");
        assert_eq!(facts.new_breaches(61 * MIN), vec![SlaClock::Contain]);
        facts.contained_ms = Some(55 * MIN);
        assert_eq!(facts.view(120 * MIN), None);
        assert!(facts.new_breaches(120 * MIN).is_empty());
    }

    #[test]
    fn waiting_on_an_external_party_pauses_the_clock() {
        let mut facts = p1();
        facts.paused_since_ms = Some(10 * MIN);
        facts.waiting_on = Some("ISP".into());
        // An hour later the clock still shows what was left when it paused, and nothing breaches.
        let view = facts.view(70 * MIN).expect("paused");
        assert_eq!(view.state, SlaState::Paused { waiting_on: "ISP".into(), remaining_ms: 5 * MIN });
        assert_eq!(view.label(), "paused: waiting on ISP (ack 5m left)");
        assert_eq!(view.due_ms, None);
        assert!(facts.new_breaches(70 * MIN).is_empty());
        // Resumed at 70 minutes: 60 paused minutes are added, so it falls due at 75.
        facts.paused_since_ms = None;
        facts.paused_total_ms = 60 * MIN;
        assert_eq!(facts.view(72 * MIN).expect("running").label(), "ack in 3m");
        assert_eq!(facts.new_breaches(76 * MIN), vec![SlaClock::Acknowledge]);
    }

    #[test]
    fn a_breach_is_reported_once() {
        let mut facts = p1();
        facts.breached = vec![SlaClock::Acknowledge];
        assert!(facts.new_breaches(30 * MIN).is_empty());
        assert_eq!(facts.new_breaches(90 * MIN), vec![SlaClock::Contain]);
    }

    #[test]
    fn targets_are_checked_and_durations_read_compactly() {
        let target = |ack, contain| SlaTarget {
            priority: Priority::new(2).expect("P2"),
            ack_minutes: ack,
            contain_minutes: contain,
        };
        assert!(target(30, 240).validate().is_ok());
        assert!(target(0, 240).validate().expect_err("zero").contains("P2"));
        assert!(target(60, 30).validate().expect_err("shorter").contains("shorter"));
        assert_eq!(compact(45_000), "45s");
        assert_eq!(compact(185 * MIN), "3h 5m");
        assert_eq!(compact(2 * 24 * 60 * MIN + 4 * 60 * MIN), "2d 4h");
    }
}
