//! Errors that say what went wrong with the cluster and what to do about it.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(
        "no PostgreSQL server binaries found (looked for pg_ctl in {searched}); install the \
         `postgresql` package or set PG_BIN_DIR"
    )]
    BinariesNotFound { searched: String },

    #[error(
        "data directory {dir} is in use by another Riposte server (pid {pid}); stop it first or \
         choose another --data-dir"
    )]
    DataDirInUse { dir: PathBuf, pid: String },

    #[error(
        "{dir} holds a PostgreSQL {found} cluster but the binaries are PostgreSQL {binaries}; \
         upgrade it with pg_upgrade or set PG_BIN_DIR to PostgreSQL {found}'s bin directory"
    )]
    VersionMismatch { dir: PathBuf, found: String, binaries: String },

    #[error(
        "{dir} exists and is not empty but is not a PostgreSQL cluster (no PG_VERSION); \
         Riposte will not touch it: move it away or choose another --data-dir"
    )]
    NotACluster { dir: PathBuf },

    #[error(
        "PostgreSQL refuses to run as root and the OS account {account:?} to run it as was \
         not found; install the `postgresql` package or set RIPOSTE_PG_OS_USER"
    )]
    NoServiceAccount { account: String },

    #[error(
        "the cluster runs as OS account {account:?}, which cannot enter {dir}; make the \
         directories above the data directory searchable (chmod o+x) or choose another \
         --data-dir"
    )]
    NotReachable { account: String, dir: PathBuf },

    #[error("{command} failed ({status}): {detail}")]
    CommandFailed { command: String, status: String, detail: String },

    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },
}

impl ClusterError {
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ClusterError {
        let context = context.into();
        move |source| ClusterError::Io { context, source }
    }
}
