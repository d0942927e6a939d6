//! One page per file; each ends in `Page`.

pub mod admin_page;
pub mod alert_page;
pub mod asset_edit_page;
pub mod assets_page;
pub mod containment_page;
pub mod context_import_page;
pub mod context_page;
pub mod correlation_admin_page;
pub mod dashboards_page;
pub mod escalation_admin_page;
pub mod forbidden_page;
pub mod home_page;
pub mod incident_page;
pub mod incident_sections;
pub mod incident_work;
pub mod incidents_page;
pub mod indicators_page;
pub mod ingest_admin_page;
pub mod not_found_page;
pub mod queue_page;
pub mod scoring_admin_page;
pub mod search_page;
pub mod sign_in_page;
pub mod sla_targets_panel;
pub mod user_row;
