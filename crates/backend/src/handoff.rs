//! Alerts ingest has committed, handed to this process's pipeline in memory, so that the
//! pipeline need not read each one back from the `alert` table (a tenth of its database time).
//! Only a shortcut: the `alert_pipeline` outbox stays the record of what waits. An alert not
//! held here (another server process stored it, this one restarted, or the hand-off was full
//! while the pipeline caught up) is read from the table as before.
//!
//! A copy can be older than the row: an alert changed between its commit and its batch (a
//! TheHive PATCH within that fraction of a second) passes the stages as it arrived, as it
//! would have had the change come a moment later.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::store::pipeline::Pending;

/// At most this many alerts are held (about 1 KB each): two pipeline batches.
const HELD_AT_MOST: usize = 2 * crate::pipeline::BATCH as usize;

#[derive(Debug, Default)]
pub struct HandOff {
    held: Mutex<BTreeMap<i64, Pending>>,
}

impl HandOff {
    /// Called after the commit that stored `alerts`, never before: the pipeline must not see
    /// an alert that could still roll back.
    pub fn give(&self, alerts: Vec<Pending>) {
        let mut held = self.held.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for alert in alerts {
            if held.len() >= HELD_AT_MOST {
                return;
            }
            held.insert(alert.alert_id, alert);
        }
    }

    /// The held ones among `ids` (the outbox's oldest, ascending), in their order; `None`
    /// where the table must be read. Forgets every held alert older than `ids`: the outbox
    /// has no such alert left to hand out, or it is read from the table when it does.
    pub fn take(&self, ids: &[i64]) -> Vec<Option<Pending>> {
        let mut held = self.held.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(&first) = ids.first() {
            let kept = held.split_off(&first);
            *held = kept;
        }
        ids.iter().map(|id| held.remove(id)).collect()
    }

    pub fn len(&self) -> usize {
        self.held.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len()
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
        handoff.give((1..=6).map(pending).collect());
        let taken: Vec<Option<i64>> = handoff.take(&[3, 4, 9]).into_iter().map(|p| p.map(|p| p.alert_id)).collect();
        assert_eq!(taken, [Some(3), Some(4), None], "9 was never handed over: read from the table");
        assert_eq!(handoff.len(), 2, "1 and 2 are forgotten, 5 and 6 wait");
        assert!(handoff.take(&[3]).iter().all(Option::is_none), "taken once");
        assert_eq!(handoff.take(&[5, 6]).iter().flatten().count(), 2);
        assert!(handoff.is_empty());
    }

    #[test]
    fn a_full_hand_off_holds_no_more_and_the_rest_are_read() {
        let handoff = HandOff::default();
        let over = HELD_AT_MOST as i64 + 10;
        handoff.give((1..=over).map(pending).collect());
        assert_eq!(handoff.len(), HELD_AT_MOST);
        let last = handoff.take(&[over]);
        assert!(last[0].is_none(), "the newest did not fit");
    }
}
