//! Reusable pieces of the shell: the layout, navigation, and small widgets.

pub mod admin_tabs;
pub mod app_layout;
pub mod context_packet;
pub mod error_notice;
pub mod http_status;
pub mod identity_activity;
pub mod list_outcome;
pub mod live_refresh;
pub mod markdown_view;
pub mod nav_bar;
pub mod require_permission;
pub mod row_keys;
pub mod section_placeholder;
pub mod session;
pub mod why_trace;
