//! HTTP pieces that are not Leptos pages: health endpoints and request middleware.

pub mod alert_rest;
pub mod api_auth;
pub mod api_error;
pub mod assets_api;
pub mod basic_auth;
pub mod client_addr;
pub mod context_api;
pub mod cross_site;
pub mod eve_api;
pub mod events_api;
pub mod health;
pub mod hec;
pub mod indicators_api;
pub mod live;
pub mod native_api;
pub mod openapi;
pub mod security_headers;
pub mod thehive;
