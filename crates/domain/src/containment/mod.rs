//! Containment: the actions that stop a threat (block, quarantine, isolate, capture), the one
//! path each action's state may take, and the guard rails and approval rules that decide
//! whether it may run. Connectors and jobs live on the server; the rules live here.

pub mod action;
pub mod feedback;
pub mod guard;
pub mod policy;
pub mod view;

pub use action::{ActionEvent, ActionKind, ActionSpec, ActionState, Direction, Rollback, SpecError, Target};
pub use feedback::StateChange;
pub use guard::{
    BlastRadius, Concern, GuardPolicy, Protected, Requester, Verdict, blast_radius, host_radius, judge, judge_host,
    may_approve,
};
pub use policy::{AlertFacts, Condition, ConditionError};
