//! A containment action and the one path its state may take. Jobs, people and the expiry
//! clock all move an action through [`ActionState::apply`]; whatever is not listed there is
//! refused, so an action can never, say, be applied after it was undone, or be approved by a
//! worker that crashed and came back.

use serde::{Deserialize, Serialize};

use crate::enrichment::prefixes::{Network, NetworkError};

/// What is done to the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Drop traffic from and/or to an address or range at a firewall.
    Block,
    /// Put an address in the firewall's quarantine (FortiGate banned IPs) until it expires.
    Quarantine,
    /// Cut a host off the network through its EDR, keeping the EDR's own channel.
    Isolate,
    /// Ask a sensor to capture the target's packets (a webhook).
    Capture,
}

impl ActionKind {
    pub const ALL: [ActionKind; 4] =
        [ActionKind::Block, ActionKind::Quarantine, ActionKind::Isolate, ActionKind::Capture];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Block => "block",
            ActionKind::Quarantine => "quarantine",
            ActionKind::Isolate => "isolate",
            ActionKind::Capture => "capture",
        }
    }

    pub fn parse(text: &str) -> Option<ActionKind> {
        ActionKind::ALL.into_iter().find(|k| k.as_str() == text.trim())
    }

    /// What undoing it is called in the UI and in vendor terms.
    pub fn undo_label(self) -> &'static str {
        match self {
            ActionKind::Block => "unblock",
            ActionKind::Quarantine => "release from quarantine",
            ActionKind::Isolate => "release",
            ActionKind::Capture => "stop capture",
        }
    }
}

/// Which traffic a block drops, seen from the protected network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the target towards us.
    Inbound,
    /// From us towards the target.
    Outbound,
    Both,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
            Direction::Both => "both",
        }
    }

    pub fn parse(text: &str) -> Option<Direction> {
        [Direction::Inbound, Direction::Outbound, Direction::Both].into_iter().find(|d| d.as_str() == text.trim())
    }
}

/// Shortest and longest time to live an action may ask for.
pub const MIN_TTL_SECS: u32 = 60;
pub const MAX_TTL_SECS: u32 = 30 * 24 * 3600;

/// What an action is aimed at: an address or range for firewalls and sensors, a host (its
/// name or the EDR's device id) for isolation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "value")]
pub enum Target {
    Network(Network),
    Host(String),
}

/// A request checked for shape: the right kind of target for the action, a direction where
/// one applies, a time to live within bounds. Guard rails and approval come after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionSpec {
    pub kind: ActionKind,
    pub target: Target,
    pub direction: Option<Direction>,
    pub ttl_secs: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error(transparent)]
    Address(#[from] NetworkError),
    #[error("a host to isolate is named by letters, digits, '.', '-' or '_' (1 to 255 of them), not {0:?}")]
    BadHost(String),
    #[error("the time to live must be between {MIN_TTL_SECS} s and {MAX_TTL_SECS} s, not {0} s")]
    BadTtl(u64),
    #[error("only a block takes a direction")]
    DirectionNotApplicable,
}

impl ActionSpec {
    /// Checks a request: `target` is an address or range, or a host name for `Isolate`.
    pub fn new(
        kind: ActionKind,
        target: &str,
        direction: Option<Direction>,
        ttl_secs: u64,
    ) -> Result<ActionSpec, SpecError> {
        let ttl_secs = u32::try_from(ttl_secs)
            .ok()
            .filter(|t| (MIN_TTL_SECS..=MAX_TTL_SECS).contains(t))
            .ok_or(SpecError::BadTtl(ttl_secs))?;
        let target = match kind {
            ActionKind::Isolate => Target::Host(host_name(target)?),
            ActionKind::Block | ActionKind::Quarantine | ActionKind::Capture => {
                Target::Network(Network::parse(target)?)
            }
        };
        let direction = match (kind, direction) {
            (ActionKind::Block, d) => Some(d.unwrap_or(Direction::Both)),
            (_, None) => None,
            (_, Some(_)) => return Err(SpecError::DirectionNotApplicable),
        };
        Ok(ActionSpec { kind, target, direction, ttl_secs })
    }

    /// The text a connector, the audit trail and the idempotency key use for the target.
    pub fn target_text(&self) -> String {
        match &self.target {
            Target::Network(network) => network.to_string(),
            Target::Host(host) => host.clone(),
        }
    }
}

/// Host names and device ids as EDRs know them; anything else (spaces, quotes, shell or
/// query syntax) is refused before it can reach a vendor's filter language.
fn host_name(text: &str) -> Result<String, SpecError> {
    let text = text.trim();
    let fine = !text.is_empty()
        && text.len() <= 255
        && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if fine { Ok(text.to_owned()) } else { Err(SpecError::BadHost(text.to_owned())) }
}

/// Where an action stands. The last four are terminal: every action ends in one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionState {
    /// Requested; a second person must approve it.
    AwaitingApproval,
    /// Ready for a job to apply (approved, or needing no approval).
    Approved,
    /// A job is calling the connector; after a restart the job resumes here, and the
    /// connector's apply is idempotent.
    Applying,
    /// The connector accepted the change; its read-back has not confirmed it yet.
    Applied,
    /// The read-back shows the change in place.
    Verified,
    /// Being rolled back, and why.
    RollingBack(Rollback),
    /// Rolled back at a person's request, or cancelled before it was applied.
    Undone,
    /// Its time to live ran out (rolled back, or never applied).
    Expired,
    /// The approver said no.
    Rejected,
    /// The connector failed, or the change could not be verified (and was rolled back as
    /// far as the connector allowed); the evidence says which.
    Failed,
}

/// Why an action is being rolled back: it decides the terminal state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rollback {
    Undo,
    Expiry,
    /// The read-back did not show the change: whatever part of it landed is taken back.
    Unverified,
}

/// What happens to an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionEvent {
    Approve,
    Reject,
    /// A job starts (or, after a restart, resumes) applying it.
    Start,
    Applied,
    Verified,
    VerificationFailed,
    /// The connector gave up (after its retries).
    Failed,
    Undo,
    Expire,
    /// The rollback's read-back shows the change gone.
    RolledBack,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a containment action that is {from} cannot take the event {event:?}")]
pub struct TransitionError {
    pub from: &'static str,
    pub event: ActionEvent,
}

impl ActionState {
    /// The state after `event`, or why it cannot happen now.
    pub fn apply(self, event: ActionEvent) -> Result<ActionState, TransitionError> {
        use ActionEvent as E;
        use ActionState as S;
        let next = match (self, event) {
            (S::AwaitingApproval, E::Approve) => S::Approved,
            (S::AwaitingApproval, E::Reject) => S::Rejected,
            // Nothing was applied yet: cancelling or expiring needs no rollback.
            (S::AwaitingApproval | S::Approved, E::Undo) => S::Undone,
            (S::AwaitingApproval | S::Approved, E::Expire) => S::Expired,
            (S::Approved | S::Applying, E::Start) => S::Applying,
            (S::Applying, E::Applied) => S::Applied,
            (S::Applying, E::Failed) => S::Failed,
            // A change half made may be in place: take it back as far as possible.
            (S::Applying, E::Undo) => S::RollingBack(Rollback::Undo),
            (S::Applying, E::Expire) => S::RollingBack(Rollback::Expiry),
            (S::Applied | S::Verified, E::Verified) => S::Verified,
            (S::Applied, E::VerificationFailed) => S::RollingBack(Rollback::Unverified),
            (S::Applied | S::Verified, E::Undo) => S::RollingBack(Rollback::Undo),
            (S::Applied | S::Verified, E::Expire) => S::RollingBack(Rollback::Expiry),
            // Asked twice (a double click, the clock during an undo): one rollback.
            (S::RollingBack(why), E::Undo | E::Expire) => S::RollingBack(why),
            (S::RollingBack(Rollback::Undo), E::RolledBack) => S::Undone,
            (S::RollingBack(Rollback::Expiry), E::RolledBack) => S::Expired,
            (S::RollingBack(Rollback::Unverified), E::RolledBack) => S::Failed,
            // The rollback itself failed: a person must look (the evidence says what is left).
            (S::RollingBack(_), E::Failed) => S::Failed,
            (from, event) => return Err(TransitionError { from: from.as_str(), event }),
        };
        Ok(next)
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, ActionState::Undone | ActionState::Expired | ActionState::Rejected | ActionState::Failed)
    }

    /// Whether the change may be in force on the device (what the NOC sees as active).
    pub fn may_be_in_force(self) -> bool {
        matches!(
            self,
            ActionState::Applying | ActionState::Applied | ActionState::Verified | ActionState::RollingBack(_)
        )
    }

    /// The stable name stored in the database (`rolling_back:undo` and so on).
    pub fn as_str(self) -> &'static str {
        match self {
            ActionState::AwaitingApproval => "awaiting_approval",
            ActionState::Approved => "approved",
            ActionState::Applying => "applying",
            ActionState::Applied => "applied",
            ActionState::Verified => "verified",
            ActionState::RollingBack(Rollback::Undo) => "rolling_back:undo",
            ActionState::RollingBack(Rollback::Expiry) => "rolling_back:expiry",
            ActionState::RollingBack(Rollback::Unverified) => "rolling_back:unverified",
            ActionState::Undone => "undone",
            ActionState::Expired => "expired",
            ActionState::Rejected => "rejected",
            ActionState::Failed => "failed",
        }
    }

    pub const ALL: [ActionState; 12] = [
        ActionState::AwaitingApproval,
        ActionState::Approved,
        ActionState::Applying,
        ActionState::Applied,
        ActionState::Verified,
        ActionState::RollingBack(Rollback::Undo),
        ActionState::RollingBack(Rollback::Expiry),
        ActionState::RollingBack(Rollback::Unverified),
        ActionState::Undone,
        ActionState::Expired,
        ActionState::Rejected,
        ActionState::Failed,
    ];

    pub fn parse(text: &str) -> Option<ActionState> {
        ActionState::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ActionEvent as E;
    use ActionState as S;

    fn run(events: &[ActionEvent], from: ActionState) -> Result<ActionState, TransitionError> {
        events.iter().try_fold(from, |state, event| state.apply(*event))
    }

    #[test]
    fn the_usual_lives_of_an_action_end_in_a_terminal_state() {
        let applied = [E::Start, E::Applied, E::Verified];
        assert_eq!(run(&applied, S::Approved), Ok(S::Verified));
        assert_eq!(run(&[&applied[..], &[E::Expire, E::RolledBack]].concat(), S::Approved), Ok(S::Expired));
        assert_eq!(run(&[&applied[..], &[E::Undo, E::RolledBack]].concat(), S::Approved), Ok(S::Undone));
        assert_eq!(run(&[E::Approve, E::Start, E::Failed], S::AwaitingApproval), Ok(S::Failed));
        assert_eq!(run(&[E::Reject], S::AwaitingApproval), Ok(S::Rejected));
        assert_eq!(run(&[E::Expire], S::AwaitingApproval), Ok(S::Expired), "an approval that never came");
        assert_eq!(run(&[E::Undo], S::Approved), Ok(S::Undone), "cancelled before any job ran");
    }

    #[test]
    fn a_change_that_cannot_be_verified_is_taken_back_and_ends_failed() {
        let state = run(&[E::Start, E::Applied, E::VerificationFailed], S::Approved).expect("path");
        assert_eq!(state, S::RollingBack(Rollback::Unverified));
        assert!(state.may_be_in_force());
        assert_eq!(state.apply(E::RolledBack), Ok(S::Failed));
        assert_eq!(state.apply(E::Failed), Ok(S::Failed), "a rollback that fails also ends, for a person to see");
    }

    #[test]
    fn a_restarted_job_resumes_and_repeats_are_harmless() {
        assert_eq!(S::Applying.apply(E::Start), Ok(S::Applying), "resume after a crash mid-apply");
        assert_eq!(S::Verified.apply(E::Verified), Ok(S::Verified), "a later read-back");
        let undoing = S::RollingBack(Rollback::Undo);
        assert_eq!(undoing.apply(E::Expire), Ok(undoing), "expiry during an undo keeps the undo");
        assert_eq!(undoing.apply(E::Undo), Ok(undoing), "a second click");
    }

    #[test]
    fn nothing_moves_a_finished_action_or_skips_a_step() {
        for state in S::ALL.into_iter().filter(|s| s.is_terminal()) {
            for event in [E::Approve, E::Start, E::Applied, E::Verified, E::Undo, E::Expire, E::RolledBack, E::Failed] {
                let err = state.apply(event).expect_err("terminal");
                assert!(err.to_string().contains(state.as_str()), "{err}");
            }
        }
        assert!(S::AwaitingApproval.apply(E::Start).is_err(), "no apply without approval");
        assert!(S::Approved.apply(E::Approve).is_err(), "approved once");
        assert!(S::Approved.apply(E::Applied).is_err(), "no apply without a job");
        assert!(S::Applied.apply(E::Start).is_err(), "never applied twice");
        assert!(S::Verified.apply(E::RolledBack).is_err(), "no rollback that was not asked for");
    }

    #[test]
    fn states_keep_their_stored_names() {
        for state in S::ALL {
            assert_eq!(S::parse(state.as_str()), Some(state));
        }
        assert_eq!(S::parse("done"), None);
        assert_eq!(S::ALL.iter().filter(|s| s.is_terminal()).count(), 4);
    }

    #[test]
    fn a_request_is_checked_for_shape() {
        let block = ActionSpec::new(ActionKind::Block, "203.0.113.7", None, 3600).expect("block");
        assert_eq!(block.direction, Some(Direction::Both), "a block drops both ways unless told");
        assert_eq!(block.target_text(), "203.0.113.7/32");
        let isolate = ActionSpec::new(ActionKind::Isolate, " WKS-042.corp ", None, 3600).expect("isolate");
        assert_eq!(isolate.target, Target::Host("WKS-042.corp".into()));

        let err = |kind, target, direction, ttl| ActionSpec::new(kind, target, direction, ttl).expect_err("refused");
        assert!(matches!(err(ActionKind::Block, "10.1.2.7/24", None, 3600), SpecError::Address(_)));
        assert!(matches!(err(ActionKind::Block, "evil.example", None, 3600), SpecError::Address(_)));
        assert!(matches!(err(ActionKind::Isolate, "wks' or 1=1", None, 3600), SpecError::BadHost(_)));
        assert!(matches!(err(ActionKind::Isolate, "", None, 3600), SpecError::BadHost(_)));
        assert!(matches!(
            err(ActionKind::Quarantine, "203.0.113.7", Some(Direction::Inbound), 3600),
            SpecError::DirectionNotApplicable
        ));
        assert!(matches!(err(ActionKind::Block, "203.0.113.7", None, 59), SpecError::BadTtl(59)));
        assert!(matches!(err(ActionKind::Block, "203.0.113.7", None, u64::MAX), SpecError::BadTtl(_)));
        assert!(err(ActionKind::Block, "203.0.113.7", None, 0).to_string().contains("between 60 s"));
    }

    #[test]
    fn kinds_and_directions_keep_their_names() {
        for kind in ActionKind::ALL {
            assert_eq!(ActionKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(Direction::parse("outbound"), Some(Direction::Outbound));
        assert_eq!(Direction::parse("sideways"), None);
    }
}
