//! The escalation matrix: written rules that decide who must act. A rule tests one alert
//! (score, asset tag, intel match...) or a sequence of events across sources within a window
//! ("5 failed logons for one user, then a firewall allow from the same address in 10
//! minutes"); when it holds, its outcomes apply to the incident and a why-trace records the
//! rule, the events that met it and their times.

pub mod condition;
pub mod facts;
pub mod rule;
pub mod sequence;
pub mod trace;

pub use condition::{Condition, ConditionError, FIELDS};
pub use facts::{EventFacts, EventRef};
pub use rule::{KeyField, OutcomeSpec, Outcomes, Rule, RuleSpec, StepSpec, Trigger, compile_all, parse_duration};
pub use sequence::{Matched, Sequence, SequenceState, Step};
pub use trace::{EscalationView, RuleSetVersion, RuleSummary, WhyTrace};
