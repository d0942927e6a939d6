//! Riposte's browser UI: the analyst shell, its pages, and the server functions they call.
//! Rendered on the server (feature `ssr`) and hydrated in the browser (feature `hydrate`).

pub mod api;
pub mod components;
pub mod error;
pub mod pages;
mod shell;

pub use error::AppError;
pub use shell::{App, shell};

#[cfg(feature = "ssr")]
pub use api::request::ClientAddr;

/// Browser entry point, called by the wasm crate.
#[cfg(feature = "hydrate")]
pub fn hydrate() {
    leptos::mount::hydrate_body(App);
}
