//! Containment connectors: one module per firewall or EDR. Each applies a change
//! idempotently, reads it back to verify it, and undoes it, and reports failures as errors
//! that say whether a retry could help. Connectors never read or write incidents; the
//! use-case that called them records what happened.

pub mod checkpoint;
pub mod defender;
pub mod device;
pub mod error;
pub mod falcon;
pub mod fortigate;
pub mod http;
pub mod naming;
pub mod nftables;
pub mod oauth;
pub mod order;
pub mod panos;
pub mod webhook;

pub use device::Device;
pub use error::ConnectorError;
pub use order::{ConfigError, Order, Outcome};
