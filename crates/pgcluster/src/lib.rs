//! A private PostgreSQL cluster for Riposte, run from the system's own `initdb`/`pg_ctl` in a
//! data directory: created on first use, reused afterwards, reachable only through a Unix
//! socket in a directory no other account can enter.

mod binaries;
mod cluster;
mod error;
mod lock;
mod os_user;
mod tuning;

pub use binaries::PgBinaries;
pub use cluster::{Cluster, ClusterState, ConnectionTarget};
pub use error::ClusterError;
pub use lock::DataDirLock;
