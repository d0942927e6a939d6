//! The server's integration tests, in one binary so the workspace links (and stores) it once.

mod support;

mod alert_rest;
mod assets_api;
mod containment_lab;
mod containment_restart;
mod context_imports;
mod crash_recovery;
mod embedded_database;
mod eve_api;
mod group_commit;
mod hec_api;
mod native_api;
mod permission_matrix;
mod permission_rows_containment;
mod sign_in_http;
mod syslog_listener;
mod thehive_api;
mod two_servers;
