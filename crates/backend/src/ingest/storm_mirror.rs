//! Ingest's own running count of storms, so that alerts of a storm that has just begun are
//! stored inside it. The stored storm state only learns of a new storm when the pipeline has
//! counted past the threshold; until then every alert of that storm was inserted on its own
//! and then moved by the pipeline, a second write of each wide, many-indexed row.
//!
//! The mirror is only a guess: it sees this process's commits, in commit order. The stored
//! state wins whenever it names a running storm, and the pipeline still places every alert
//! and corrects the few a guess got wrong.

use std::collections::HashMap;
use std::sync::Mutex;

use riposte_domain::alert::{StormPolicy, StormState};

/// Keys remembered at most; past it, keys idle for a whole window are forgotten, and if
/// that is not enough, all of them (a forgotten key only means a later guess).
const MAX_KEYS: usize = 100_000;

/// One committed alert, as the mirror counts it.
pub struct Committed<'a> {
    pub policy: &'a StormPolicy,
    pub source: &'a str,
    pub key: &'a str,
    pub alert_id: i64,
}

#[derive(Default)]
pub struct StormMirror {
    states: Mutex<HashMap<(String, String), StormState>>,
}

impl StormMirror {
    /// The head of the storm running under `(source, key)` at `now_ms`, if this process saw
    /// one start and it has not gone quiet for a whole window.
    pub fn guess(&self, source: &str, key: &str, window_secs: u32, now_ms: i64) -> Option<i64> {
        let states = self.states.lock().unwrap_or_else(|e| e.into_inner());
        let state = states.get(&(source.to_owned(), key.to_owned()))?;
        let running = state.last_seen_ms.is_some_and(|last| now_ms - last <= i64::from(window_secs) * 1000);
        state.head.filter(|_| running)
    }

    /// Counts alerts just committed, oldest first (as the pipeline will).
    pub fn record(&self, mut committed: Vec<Committed<'_>>, now_ms: i64) {
        if committed.is_empty() {
            return;
        }
        committed.sort_by_key(|c| c.alert_id);
        let mut states = self.states.lock().unwrap_or_else(|e| e.into_inner());
        for alert in committed {
            let state = states.entry((alert.source.to_owned(), alert.key.to_owned())).or_default();
            state.place(alert.policy, alert.alert_id, now_ms);
        }
        if states.len() > MAX_KEYS {
            let longest = i64::from(StormPolicy::MAX_WINDOW_SECS) * 1000;
            states.retain(|_, s| s.last_seen_ms.is_some_and(|last| now_ms - last <= longest));
            if states.len() > MAX_KEYS {
                states.clear();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(threshold: u32) -> StormPolicy {
        StormPolicy { source: "ids".into(), enabled: true, threshold, window_secs: 60, group_by: vec![] }
    }

    fn committed<'a>(policy: &'a StormPolicy, key: &'a str, ids: std::ops::Range<i64>) -> Vec<Committed<'a>> {
        ids.map(|alert_id| Committed { policy, source: "ids", key, alert_id }).collect()
    }

    #[test]
    fn the_alert_past_the_threshold_is_guessed_as_head_until_the_storm_goes_quiet() {
        let (mirror, policy) = (StormMirror::default(), policy(3));
        mirror.record(committed(&policy, "k", 10..13), 1_000);
        assert_eq!(mirror.guess("ids", "k", 60, 1_000), None, "three alone: no storm yet");
        // Out of order, as two writers may commit: counted by id all the same.
        let mut late = committed(&policy, "k", 13..16);
        late.reverse();
        mirror.record(late, 2_000);
        assert_eq!(mirror.guess("ids", "k", 60, 2_000), Some(13));
        assert_eq!(mirror.guess("ids", "other", 60, 2_000), None);
        assert_eq!(mirror.guess("ids", "k", 60, 62_001), None, "quiet for a whole window");
    }

    #[test]
    fn a_storm_that_went_quiet_counts_afresh() {
        let (mirror, policy) = (StormMirror::default(), policy(1));
        mirror.record(committed(&policy, "k", 1..3), 0);
        assert_eq!(mirror.guess("ids", "k", 60, 0), Some(2));
        mirror.record(committed(&policy, "k", 3..4), 120_000);
        assert_eq!(mirror.guess("ids", "k", 60, 120_000), None, "one alone after the pause");
        mirror.record(committed(&policy, "k", 4..5), 121_000);
        assert_eq!(mirror.guess("ids", "k", 60, 121_000), Some(4));
    }

    #[test]
    fn keys_beyond_the_bound_are_forgotten() {
        let (mirror, policy) = (StormMirror::default(), policy(0));
        let keys: Vec<String> = (0..=MAX_KEYS).map(|n| format!("k{n}")).collect();
        let all =
            keys.iter().zip(0..).map(|(key, alert_id)| Committed { policy: &policy, source: "ids", key, alert_id });
        mirror.record(all.collect(), 0);
        assert!(mirror.states.lock().expect("lock").is_empty(), "all recent, so all forgotten");
    }
}
