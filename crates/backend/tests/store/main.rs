//! The backend's integration tests against a real PostgreSQL, in one binary.

mod administration;
mod containment;
mod containment_flow;
mod containment_guard_rails;
mod containment_jobs;
mod containment_readiness;
mod email_channel;
mod enricher;
mod enrichment;
mod escalation;
mod identity;
mod incidents;
mod ingest_store;
mod search;
mod sign_in;
mod sla;
mod storms;
