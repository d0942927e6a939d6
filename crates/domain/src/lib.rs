//! Riposte's shared vocabulary: types and pure rules used by both the server and the browser.
//! Nothing here performs I/O, so everything compiles to wasm and is unit-tested directly.

pub mod alert;
pub mod containment;
pub mod correlation;
pub mod enrichment;
pub mod escalation;
pub mod incident;
pub mod ingest_admin;
pub mod navigation;
pub mod notification;
pub mod permission;
pub mod role;
pub mod user;

pub use navigation::{NavItem, home_for, navigation_for};
pub use permission::Permission;
pub use role::Role;
pub use user::{Password, SignedInUser, UserSummary, Username, ValidationError};
