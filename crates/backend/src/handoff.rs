//! Alerts ingest has committed, handed in memory to this process's enricher and by it to the
//! pipeline, so that neither need read each one back from the `alert` table (a tenth of the
//! pipeline's database time). Only a shortcut: the `alert_pipeline` outbox stays the record
//! of what waits. An alert not held here (another server process stored it, this one
//! restarted, or the hand-off was full while the pipeline caught up) is read from the table.
//!
//! A copy can be older than the row: an alert changed between its commit and its batch (a
//! TheHive PATCH within that fraction of a second) passes the stages as it arrived, as it
//! would have had the change come a moment later.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use crate::store::pipeline::Pending;

/// At most this many alerts are held (about 1 KB each): two pipeline batches.
const HELD_AT_MOST: usize = 2 * crate::pipeline::BATCH as usize;

/// What a hand-off holds: an alert, or an alert with what a stage made of it.
pub trait Held {
    fn alert_id(&self) -> i64;
}

impl Held for Pending {
    fn alert_id(&self) -> i64 {
        self.alert_id
    }
}

/// At most this many ids of alerts that did not fit are remembered (8 bytes and a little
/// each); past that, the pipeline finds them in the outbox unaided.
const PASSED_OVER_AT_MOST: usize = 1_000_000;

#[derive(Debug)]
pub struct HandOff<T = Pending> {
    inner: Mutex<Inner<T>>,
}

#[derive(Debug)]
struct Inner<T> {
    held: BTreeMap<i64, T>,
    /// The ids of alerts given while full, when this hand-off remembers them: its taker then
    /// reads those from the table instead of leaving them to the pipeline's large batches.
    passed_over: Option<BTreeSet<i64>>,
}

impl<T> Default for HandOff<T> {
    fn default() -> Self {
        HandOff { inner: Mutex::new(Inner { held: BTreeMap::new(), passed_over: None }) }
    }
}

impl<T: Held> HandOff<T> {
    /// A hand-off that remembers which alerts it could not hold (see [`HandOff::take_next`]).
    pub fn remembering_overflow() -> Self {
        HandOff { inner: Mutex::new(Inner { held: BTreeMap::new(), passed_over: Some(BTreeSet::new()) }) }
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner<T>> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Called after the commit that stored `alerts`, never before: the pipeline must not see
    /// an alert that could still roll back.
    pub fn give(&self, alerts: impl IntoIterator<Item = T>) {
        let mut inner = self.inner();
        let Inner { held, passed_over } = &mut *inner;
        for alert in alerts {
            if held.len() < HELD_AT_MOST {
                held.insert(alert.alert_id(), alert);
            } else if let Some(ids) = passed_over.as_mut().filter(|ids| ids.len() < PASSED_OVER_AT_MOST) {
                ids.insert(alert.alert_id());
            }
        }
    }

    /// The held ones among `ids` (the outbox's oldest, ascending), in their order; `None`
    /// where the table must be read. Forgets every held alert older than `ids`: the outbox
    /// has no such alert left to hand out, or it is read from the table when it does.
    pub fn take(&self, ids: &[i64]) -> Vec<Option<T>> {
        let mut inner = self.inner();
        let held = &mut inner.held;
        if let Some(&first) = ids.first() {
            let kept = held.split_off(&first);
            *held = kept;
        }
        ids.iter().map(|id| held.remove(id)).collect()
    }

    /// The oldest id held or passed over.
    pub fn oldest(&self) -> Option<i64> {
        let inner = self.inner();
        let held = inner.held.first_key_value().map(|(id, _)| *id);
        let passed = inner.passed_over.as_ref().and_then(|ids| ids.first().copied());
        held.into_iter().chain(passed).min()
    }

    /// Takes the next `n` or fewer, oldest first: held alerts, or else (when older, or when
    /// nothing is held) the ids of alerts given while full, for the taker to read.
    pub fn take_next(&self, n: usize) -> (Vec<T>, Vec<i64>) {
        let mut inner = self.inner();
        let Inner { held, passed_over } = &mut *inner;
        let held_first = held.first_key_value().map(|(id, _)| *id);
        match passed_over.as_mut() {
            Some(passed) if passed.first().is_some_and(|p| held_first.is_none_or(|h| *p < h)) => {
                (Vec::new(), std::iter::from_fn(|| passed.pop_first()).take(n).collect())
            }
            _ => (std::iter::from_fn(|| held.pop_first().map(|(_, alert)| alert)).take(n).collect(), Vec::new()),
        }
    }

    pub fn len(&self) -> usize {
        self.inner().held.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::types::Json;
    use time::OffsetDateTime;

    fn pending(alert_id: i64) -> Pending {
        Pending {
            alert_id,
            source: "ids".into(),
            title: format!("alert {alert_id}"),
            severity: 4,
            entities: Json(Vec::new()),
            attack_techniques: Vec::new(),
            received_at: OffsetDateTime::UNIX_EPOCH,
            event_time: None,
            rollup_id: None,
        }
    }

    #[test]
    fn held_alerts_are_taken_once_in_the_order_asked_and_older_ones_forgotten() {
        let handoff = HandOff::default();
        handoff.give((1..=6).map(pending).collect::<Vec<_>>());
        let taken: Vec<Option<i64>> = handoff.take(&[3, 4, 9]).into_iter().map(|p| p.map(|p| p.alert_id)).collect();
        assert_eq!(taken, [Some(3), Some(4), None], "9 was never handed over: read from the table");
        assert_eq!(handoff.len(), 2, "1 and 2 are forgotten, 5 and 6 wait");
        assert!(handoff.take(&[3]).iter().all(Option::is_none), "taken once");
        assert_eq!(handoff.take(&[5, 6]).iter().flatten().count(), 2);
        assert!(handoff.is_empty());
    }

    #[test]
    fn a_remembering_hand_off_gives_back_the_ids_it_could_not_hold_oldest_first() {
        let handoff = HandOff::remembering_overflow();
        let over = HELD_AT_MOST as i64 + 3;
        handoff.give((1..=over).map(pending).collect::<Vec<_>>());
        assert_eq!(handoff.oldest(), Some(1));
        let (alerts, ids) = handoff.take_next(HELD_AT_MOST);
        assert_eq!((alerts.len(), ids.len()), (HELD_AT_MOST, 0), "held ones first: they are older");
        // Newer alerts arrive while the passed-over ones wait: those are still older.
        handoff.give([pending(over + 1)]);
        assert_eq!(handoff.oldest(), Some(over - 2));
        let (alerts, ids) = handoff.take_next(2);
        assert!(alerts.is_empty());
        assert_eq!(ids, [over - 2, over - 1]);
        let (_, ids) = handoff.take_next(10);
        assert_eq!(ids, [over], "the rest of what was passed over, then the held");
        let (alerts, ids) = handoff.take_next(10);
        assert_eq!((alerts.iter().map(|a| a.alert_id).collect::<Vec<_>>(), ids.len()), (vec![over + 1], 0));
        assert_eq!(handoff.oldest(), None);
    }

    #[test]
    fn a_full_hand_off_holds_no_more_and_the_rest_are_read() {
        let handoff = HandOff::default();
        let over = HELD_AT_MOST as i64 + 10;
        handoff.give((1..=over).map(pending).collect::<Vec<_>>());
        assert_eq!(handoff.len(), HELD_AT_MOST);
        let last = handoff.take(&[over]);
        assert!(last[0].is_none(), "the newest did not fit");
        assert!(handoff.take_next(HELD_AT_MOST + 10).1.is_empty(), "a plain hand-off remembers nothing");
    }
}
