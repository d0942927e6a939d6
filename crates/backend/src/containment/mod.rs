//! Containment use-cases: a request checked against the guard rails and the blast radius,
//! recorded with an idempotency key; approval by a second person; rejection and undo; the
//! jobs that carry actions out through their connectors; the NOC's notices; pre-authorised
//! policies. Every step moves the action along `ActionState`'s one path with a conditional
//! update (two people, or two workers, acting at once cannot both win) and is logged on the
//! action, on its incident, in the audit trail and to the SIEM.

pub mod connectors;
pub mod decide;
pub mod guard_rails;
pub mod jobs;
pub mod log;
pub mod notices;
pub mod policies;
pub mod propose;
pub mod readiness;
pub mod request;
pub mod settings;
pub mod views;

use riposte_domain::containment::ActionState;

use crate::BackendError;
use crate::store::containment::ActionRow;

pub use decide::{approve, cancel, reject};
pub use request::{ContainRequest, Preview, Requested, preview, request};

fn state_of(row: &ActionRow) -> Result<ActionState, BackendError> {
    ActionState::parse(&row.state).ok_or_else(|| BackendError::Internal(format!("stored action state {:?}", row.state)))
}
