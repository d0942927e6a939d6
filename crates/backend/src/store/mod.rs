//! All SQL lives here, one module per table group. Functions take an executor so use-cases
//! can compose them inside one transaction.

pub mod alerts;
pub mod assets;
pub mod audit;
pub mod containment;
pub mod containment_connectors;
pub mod containment_jobs;
pub mod containment_notices;
pub mod containment_policies;
pub mod context_events;
pub mod context_sources;
pub mod correlation;
pub mod enrichment;
pub mod escalation;
pub mod identity;
pub mod incident_evidence;
pub mod incident_links;
pub mod incident_moves;
pub mod incidents;
pub mod indicators;
pub mod notify;
pub mod pipeline;
pub mod search;
pub mod siem;
pub mod sla;
pub mod storms;
pub mod thehive;
pub mod throttle;
pub mod tokens;
pub mod users;
pub mod workspace;
