//! Storm control: when one source floods the same signature, the flood becomes one queue row
//! (the *head*) with a running count and first/last seen. Every original is still stored and
//! countable; only the queue folds them. Pure rules here; the store keeps the state per key.

use serde::{Deserialize, Serialize};

use super::{Entity, EntityKind, EntityRole};

/// The policy that applies to a source without one of its own.
pub const DEFAULT_POLICY_SOURCE: &str = "*";

/// An entity field a storm can be split by, so that (say) one signature from many attackers
/// is one storm per attacker rather than one storm for all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StormField {
    SrcIp,
    DstIp,
    DstPort,
    Host,
    User,
}

impl StormField {
    pub const ALL: [StormField; 5] =
        [StormField::SrcIp, StormField::DstIp, StormField::DstPort, StormField::Host, StormField::User];

    pub fn as_str(self) -> &'static str {
        match self {
            StormField::SrcIp => "src_ip",
            StormField::DstIp => "dst_ip",
            StormField::DstPort => "dst_port",
            StormField::Host => "host",
            StormField::User => "user",
        }
    }

    pub fn parse(text: &str) -> Result<StormField, String> {
        StormField::ALL.into_iter().find(|f| f.as_str() == text.trim()).ok_or_else(|| {
            let known: Vec<_> = StormField::ALL.iter().map(|f| f.as_str()).collect();
            format!("unknown storm field {text:?}; expected one of {}", known.join(", "))
        })
    }

    /// The alert's value for this field, or empty when it has none.
    fn value(self, entities: &[Entity]) -> &str {
        let (kind, role) = match self {
            StormField::SrcIp => (EntityKind::Ip, Some(EntityRole::Source)),
            StormField::DstIp => (EntityKind::Ip, Some(EntityRole::Destination)),
            StormField::DstPort => (EntityKind::Port, Some(EntityRole::Destination)),
            StormField::Host => (EntityKind::Host, None),
            StormField::User => (EntityKind::User, None),
        };
        entities.iter().find(|e| e.kind == kind && (role.is_none() || e.role == role)).map_or("", |e| e.value.as_str())
    }
}

/// How one source's floods are rolled up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StormPolicy {
    /// The source it applies to, or [`DEFAULT_POLICY_SOURCE`].
    pub source: String,
    pub enabled: bool,
    /// Alerts of one signature shown one by one within a window before the rest roll up.
    pub threshold: u32,
    /// The counting window, and the quiet time after which a storm is over.
    pub window_secs: u32,
    /// Entity fields that split a signature into separate storms.
    pub group_by: Vec<StormField>,
}

impl StormPolicy {
    pub const MAX_WINDOW_SECS: u32 = 7 * 24 * 3600;

    /// Checks the values an administrator entered; the message names the bad one.
    pub fn validate(&self) -> Result<(), String> {
        let source = self.source.trim();
        if source.is_empty() || source.len() > 64 {
            return Err("source must be 1 to 64 characters (or * for the default)".into());
        }
        if self.window_secs == 0 || self.window_secs > Self::MAX_WINDOW_SECS {
            return Err(format!("window must be between 1 and {} seconds", Self::MAX_WINDOW_SECS));
        }
        if self.threshold > 1_000_000 {
            return Err("threshold must be at most 1000000".into());
        }
        Ok(())
    }

    /// What makes two alerts "the same signature" under this policy: the title (a source's
    /// rule or signature name) plus the values of the grouping fields.
    pub fn storm_key(&self, title: &str, entities: &[Entity]) -> String {
        let mut key = title.to_owned();
        for field in &self.group_by {
            key.push('\u{1f}');
            key.push_str(field.as_str());
            key.push('=');
            key.push_str(field.value(entities));
        }
        key
    }
}

/// The stored state of one storm key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StormState {
    pub window_start_ms: i64,
    /// Alerts counted in the current window.
    pub window_count: u32,
    /// The alert the storm rolls into, while one is running.
    pub head: Option<i64>,
    pub last_seen_ms: Option<i64>,
}

/// Where one new alert goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Shown on its own in the queue.
    Alone,
    /// The first alert past the threshold: the queue's row for the storm.
    Head,
    /// Folded into the running storm's head.
    Member(i64),
}

impl StormState {
    /// Places a new alert arriving at `now_ms` (its id is `alert_id`) and updates the state.
    pub fn place(&mut self, policy: &StormPolicy, alert_id: i64, now_ms: i64) -> Placement {
        let window_ms = i64::from(policy.window_secs) * 1000;
        if let (Some(head), Some(last)) = (self.head, self.last_seen_ms)
            && now_ms - last <= window_ms
        {
            self.last_seen_ms = Some(now_ms);
            return Placement::Member(head);
        }
        // No storm running (or it went quiet for a whole window): count afresh.
        self.head = None;
        if self.window_count == 0 || now_ms - self.window_start_ms > window_ms {
            self.window_start_ms = now_ms;
            self.window_count = 0;
        }
        self.window_count = self.window_count.saturating_add(1);
        self.last_seen_ms = Some(now_ms);
        if self.window_count > policy.threshold {
            self.head = Some(alert_id);
            Placement::Head
        } else {
            Placement::Alone
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::{DedupKey, NewAlert, Severity};

    fn policy(threshold: u32, group_by: Vec<StormField>) -> StormPolicy {
        StormPolicy { source: "suricata".into(), enabled: true, threshold, window_secs: 60, group_by }
    }

    fn alert(title: &str, src: &str) -> NewAlert {
        NewAlert {
            source: "suricata".into(),
            source_ref: None,
            flow_id: None,
            title: title.into(),
            description: String::new(),
            severity: Severity::High,
            event_time_ms: None,
            entities: vec![Entity::new(EntityKind::Ip, src, Some(EntityRole::Source)).expect("valid address")],
            attack_techniques: vec![],
            tags: vec![],
            dedup_key: DedupKey("k".into()),
            raw: String::new(),
            unmapped: None,
        }
    }

    #[test]
    fn alerts_up_to_the_threshold_stand_alone_then_one_head_takes_the_rest() {
        let policy = policy(3, vec![]);
        let mut state = StormState::default();
        let placed: Vec<_> = (1..=6).map(|id| state.place(&policy, id, 1_000 + id)).collect();
        assert_eq!(
            placed,
            [
                Placement::Alone,
                Placement::Alone,
                Placement::Alone,
                Placement::Head,
                Placement::Member(4),
                Placement::Member(4)
            ]
        );
    }

    #[test]
    fn a_storm_ends_after_a_quiet_window_and_counting_starts_again() {
        let policy = policy(1, vec![]);
        let mut state = StormState::default();
        assert_eq!(state.place(&policy, 1, 0), Placement::Alone);
        assert_eq!(state.place(&policy, 2, 1_000), Placement::Head);
        // Keeps running as long as arrivals come within a window of each other.
        assert_eq!(state.place(&policy, 3, 50_000), Placement::Member(2));
        assert_eq!(state.place(&policy, 4, 100_000), Placement::Member(2));
        assert_eq!(state.place(&policy, 5, 200_000), Placement::Alone);
        assert_eq!(state.place(&policy, 6, 200_500), Placement::Head);
    }

    #[test]
    fn a_slow_trickle_never_becomes_a_storm() {
        let policy = policy(2, vec![]);
        let mut state = StormState::default();
        for id in 0..10 {
            assert_eq!(state.place(&policy, id, id * 61_000), Placement::Alone, "alert {id}");
        }
    }

    #[test]
    fn threshold_zero_rolls_up_from_the_first_alert() {
        let policy = policy(0, vec![]);
        let mut state = StormState::default();
        assert_eq!(state.place(&policy, 7, 0), Placement::Head);
        assert_eq!(state.place(&policy, 8, 1), Placement::Member(7));
    }

    #[test]
    fn grouping_fields_split_one_signature_into_separate_storms() {
        let by_signature = policy(3, vec![]);
        let by_attacker = policy(3, vec![StormField::SrcIp]);
        let a = alert("ET SCAN", "10.0.0.1");
        let b = alert("ET SCAN", "10.0.0.2");
        assert_eq!(by_signature.storm_key(&a.title, &a.entities), by_signature.storm_key(&b.title, &b.entities));
        assert_ne!(by_attacker.storm_key(&a.title, &a.entities), by_attacker.storm_key(&b.title, &b.entities));
        assert_ne!(by_signature.storm_key(&a.title, &a.entities), {
            let other = alert("ET POLICY", "10.0.0.1");
            by_signature.storm_key(&other.title, &other.entities)
        });
    }

    #[test]
    fn policies_with_bad_values_are_refused_by_name() {
        let mut bad = policy(3, vec![]);
        bad.window_secs = 0;
        assert!(bad.validate().expect_err("zero window").contains("window"));
        assert!(StormField::parse("src").expect_err("unknown field").contains("src_ip"));
        assert_eq!(StormField::parse("dst_port"), Ok(StormField::DstPort));
    }
}
