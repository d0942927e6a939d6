//! Creating, starting, inspecting and stopping the cluster. Data is never deleted: a cluster
//! that did not shut down cleanly is started again and PostgreSQL replays its write-ahead log.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::os_user::{RunAs, private_dir};
use crate::tuning;
use crate::{ClusterError, PgBinaries};

/// The superuser created by `initdb`; it can only log in through the private socket.
const SUPERUSER: &str = "riposte";
/// Only names the socket file; the socket directory is private, so it never collides.
const PORT: u16 = 5432;
/// Longest Unix socket path Linux accepts, less room for "/.s.PGSQL.5432".
const MAX_SOCKET_DIR: usize = 107 - 15;

/// A PostgreSQL cluster living in `<data_dir>/pgdata`.
#[derive(Debug, Clone)]
pub struct Cluster {
    data_dir: PathBuf,
    binaries: PgBinaries,
    run_as: RunAs,
}

/// Whether the cluster is running, judged from `postmaster.pid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterState {
    NotCreated,
    Stopped,
    Running {
        pid: i32,
    },
    /// `postmaster.pid` names a process that is gone: the last run ended without a clean stop.
    Crashed {
        pid: i32,
    },
}

/// Where to connect: a Unix socket directory, a port (naming the socket file) and a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionTarget {
    pub socket_dir: PathBuf,
    pub port: u16,
    pub user: String,
}

impl Cluster {
    pub fn new(data_dir: &Path, bin_dir: Option<&Path>) -> Result<Self, ClusterError> {
        let binaries = PgBinaries::locate(bin_dir)?;
        let run_as = RunAs::decide()?;
        let data_dir = absolute(data_dir)?;
        Ok(Self { data_dir, binaries, run_as })
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn pgdata(&self) -> PathBuf {
        self.data_dir.join("pgdata")
    }

    pub fn log_file(&self) -> PathBuf {
        self.data_dir.join("log").join("postgres.log")
    }

    pub fn target(&self) -> ConnectionTarget {
        ConnectionTarget { socket_dir: self.socket_dir(), port: PORT, user: SUPERUSER.to_owned() }
    }

    /// The socket lives inside the data directory unless that path is too long for a socket.
    fn socket_dir(&self) -> PathBuf {
        let inside = self.data_dir.join("run");
        if inside.as_os_str().len() <= MAX_SOCKET_DIR {
            return inside;
        }
        let digest = self
            .data_dir
            .to_string_lossy()
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
        std::env::temp_dir().join(format!("riposte-pg-{digest:016x}"))
    }

    pub fn state(&self) -> ClusterState {
        let pgdata = self.pgdata();
        if !pgdata.join("PG_VERSION").is_file() {
            return ClusterState::NotCreated;
        }
        let Ok(text) = std::fs::read_to_string(pgdata.join("postmaster.pid")) else {
            return ClusterState::Stopped;
        };
        match text.lines().next().and_then(|line| line.trim().parse::<i32>().ok()) {
            Some(pid) if postmaster_alive(pid) => ClusterState::Running { pid },
            Some(pid) => ClusterState::Crashed { pid },
            None => ClusterState::Stopped,
        }
    }

    /// Creates the cluster on first use, then starts it. Returns where to connect.
    ///
    /// A cluster left running by a Riposte process that was killed is stopped cleanly and
    /// started again with this run's settings; a crashed one is started and recovers itself.
    pub fn start(&self) -> Result<ConnectionTarget, ClusterError> {
        self.run_as.check_reachable(&self.data_dir)?;
        match self.state() {
            ClusterState::NotCreated => self.create()?,
            ClusterState::Running { pid } => {
                tracing::warn!(
                    postgres.pid = pid,
                    "PostgreSQL is still running from a previous run that did not shut down; stopping it cleanly first"
                );
                self.stop()?;
            }
            ClusterState::Crashed { pid } => tracing::warn!(
                postgres.pid = pid,
                "the previous run did not shut PostgreSQL down cleanly; it will now recover from its write-ahead log (no data is discarded)"
            ),
            ClusterState::Stopped => {}
        }
        self.check_version()?;
        self.write_settings()?;
        let log_dir = self.data_dir.join("log");
        private_dir(&self.run_as, &log_dir)?;
        let mut command = self.command("pg_ctl");
        command
            .args(["start", "--wait", "--timeout=120", "--silent", "-D"])
            .arg(self.pgdata())
            .arg("-l")
            .arg(self.log_file());
        // Its own process group: a Ctrl-C meant for Riposte must not reach PostgreSQL first,
        // or connections would vanish while Riposte is still shutting down gracefully.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        self.run(command, "pg_ctl start").map_err(|err| self.with_log_tail(err))?;
        tracing::info!(pgdata = %self.pgdata().display(), socket = %self.socket_dir().display(), "PostgreSQL started");
        Ok(self.target())
    }

    /// Stops the cluster ("fast": open transactions are rolled back, data is flushed).
    pub fn stop(&self) -> Result<(), ClusterError> {
        if !matches!(self.state(), ClusterState::Running { .. }) {
            return Ok(());
        }
        let mut command = self.command("pg_ctl");
        command.args(["stop", "--wait", "--timeout=120", "--silent", "-m", "fast", "-D"]).arg(self.pgdata());
        self.run(command, "pg_ctl stop")?;
        tracing::info!(pgdata = %self.pgdata().display(), "PostgreSQL stopped");
        Ok(())
    }

    /// Runs initdb into a scratch directory and renames it into place, so an interrupted
    /// initdb never leaves a half-made cluster where a real one is expected.
    fn create(&self) -> Result<(), ClusterError> {
        let pgdata = self.pgdata();
        if pgdata.exists() && std::fs::read_dir(&pgdata).map(|mut d| d.next().is_some()).unwrap_or(true) {
            return Err(ClusterError::NotACluster { dir: pgdata });
        }
        let scratch = self.data_dir.join("pgdata.initdb");
        if scratch.exists() {
            tracing::warn!(dir = %scratch.display(), "removing an interrupted initdb (it never held data)");
            std::fs::remove_dir_all(&scratch).map_err(ClusterError::io(format!("removing {}", scratch.display())))?;
        }
        private_dir(&self.run_as, &scratch)?;
        tracing::info!(pgdata = %pgdata.display(), version = %self.binaries.major, "creating a PostgreSQL cluster");
        let mut command = self.command("initdb");
        command
            .args(["--pgdata"])
            .arg(&scratch)
            .args(["--username", SUPERUSER, "--auth-local=trust", "--auth-host=reject"])
            .args(["--encoding=UTF8", "--locale=C", "--no-instructions"]);
        self.run(command, "initdb")?;
        let conf = scratch.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).map_err(ClusterError::io("reading postgresql.conf"))?;
        text.push_str("\n# Riposte: per-run settings (socket location) are written to this file at each start.\ninclude_if_exists = 'riposte.conf'\n");
        std::fs::write(&conf, text).map_err(ClusterError::io("writing postgresql.conf"))?;
        if pgdata.exists() {
            std::fs::remove_dir(&pgdata).map_err(ClusterError::io(format!("replacing empty {}", pgdata.display())))?;
        }
        std::fs::rename(&scratch, &pgdata)
            .map_err(ClusterError::io(format!("moving the new cluster to {}", pgdata.display())))
    }

    fn check_version(&self) -> Result<(), ClusterError> {
        let found = std::fs::read_to_string(self.pgdata().join("PG_VERSION"))
            .map_err(ClusterError::io("reading PG_VERSION"))?
            .trim()
            .to_owned();
        if found != self.binaries.major {
            return Err(ClusterError::VersionMismatch {
                dir: self.pgdata(),
                found,
                binaries: self.binaries.major.clone(),
            });
        }
        Ok(())
    }

    /// No TCP at all; one private socket directory.
    fn write_settings(&self) -> Result<(), ClusterError> {
        let socket_dir = self.socket_dir();
        private_dir(&self.run_as, &socket_dir)?;
        let escaped = socket_dir.to_string_lossy().replace('\'', "''");
        let settings = format!(
            "listen_addresses = ''\nunix_socket_directories = '{escaped}'\nport = {PORT}\n\
             max_connections = 200\nlogging_collector = off\n{}",
            tuning::settings(tuning::memory_mb())
        );
        let path = self.pgdata().join("riposte.conf");
        std::fs::write(&path, settings).map_err(ClusterError::io(format!("writing {}", path.display())))?;
        self.run_as.give(&path)
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.binaries.program(program));
        self.run_as.apply(&mut command);
        // The service account may not be able to enter our working directory.
        command.current_dir(&self.data_dir);
        command.env_remove("PGDATA").env("LC_ALL", "C");
        command
    }

    fn run(&self, mut command: Command, what: &str) -> Result<(), ClusterError> {
        let output = command.output().map_err(ClusterError::io(format!("running {what}")))?;
        if output.status.success() {
            return Ok(());
        }
        let mut detail = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        if detail.is_empty() {
            detail = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        }
        Err(ClusterError::CommandFailed { command: what.to_owned(), status: output.status.to_string(), detail })
    }

    fn with_log_tail(&self, err: ClusterError) -> ClusterError {
        let ClusterError::CommandFailed { command, status, detail } = err else { return err };
        let log = std::fs::read_to_string(self.log_file()).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(8).collect::<Vec<_>>().into_iter().rev().collect();
        let detail = format!("{detail}\nlast lines of {}:\n{}", self.log_file().display(), tail.join("\n"));
        ClusterError::CommandFailed { command, status, detail }
    }
}

fn absolute(dir: &Path) -> Result<PathBuf, ClusterError> {
    std::fs::create_dir_all(dir).map_err(ClusterError::io(format!("creating {}", dir.display())))?;
    dir.canonicalize().map_err(ClusterError::io(format!("resolving {}", dir.display())))
}

/// True when `pid` exists and, where /proc can tell, is a PostgreSQL process: after a reboot
/// a stale pid may belong to something else, which must never be sent a stop signal.
fn postmaster_alive(pid: i32) -> bool {
    use nix::errno::Errno;
    use nix::sys::signal::kill;
    use nix::unistd::Pid;
    // Signal 0 checks existence; EPERM still means the process exists.
    if !matches!(kill(Pid::from_raw(pid), None), Ok(()) | Err(Errno::EPERM)) {
        return false;
    }
    match std::fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(cmdline) => String::from_utf8_lossy(&cmdline).contains("postgres"),
        Err(_) => true,
    }
}
