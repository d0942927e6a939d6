//! Server functions: each one authenticates, calls one backend use-case and maps the error.
//! They are public HTTP endpoints under `/api/`, so every one checks its caller itself.

pub mod alerts_api;
pub mod assets_api;
pub mod containment_api;
pub mod containment_guard_api;
pub mod containment_setup_api;
pub mod context_api;
pub mod correlation_admin_api;
pub mod escalation_api;
pub mod incidents_api;
pub mod indicators_api;
pub mod ingest_admin_api;
pub mod scoring_api;
pub mod session_api;
pub mod sla_api;
pub mod users_api;

#[cfg(feature = "ssr")]
mod containment_forms;
#[cfg(feature = "ssr")]
pub(crate) mod request;
