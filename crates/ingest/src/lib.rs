//! Ingest adapters, one module per wire format. Each turns raw bytes into [`NewAlert`]s and
//! context events, reporting every bad record by position and reason; none of them decides
//! anything about incidents or touches storage.
//!
//! [`NewAlert`]: riposte_domain::alert::NewAlert

mod batch;
pub mod cef;
pub mod eve;
pub mod formats;
pub mod fortigate;
pub mod hec;
pub mod native;
pub mod panos;
mod record_error;
pub mod sshd;
pub mod syslog;
pub mod thehive;
mod time_parse;
pub mod windows;

pub use batch::Batch;
pub use record_error::{BatchError, RecordError};
