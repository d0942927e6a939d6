//! Containment connectors: one module per firewall or EDR. Each applies a change
//! idempotently, reads it back to verify it, and undoes it, and reports failures as errors
//! that say whether a retry could help. Connectors never read or write incidents; the
//! use-case that called them records what happened.

pub mod error;
pub mod nftables;

pub use error::ConnectorError;
