//! PostgreSQL will not run as root. When Riposte itself runs as root, the cluster's programs
//! run as an unprivileged service account (`postgres` by default) that owns the cluster files.

use std::os::unix::fs::{PermissionsExt, chown};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

use nix::unistd::{Gid, Uid, User};

use crate::ClusterError;

/// Who the cluster's programs run as.
#[derive(Debug, Clone)]
pub(crate) enum RunAs {
    /// The current (non-root) user.
    Current,
    /// A service account, because we are root.
    Account { name: String, uid: Uid, gid: Gid },
}

impl RunAs {
    pub(crate) fn decide() -> Result<Self, ClusterError> {
        if !Uid::effective().is_root() {
            return Ok(RunAs::Current);
        }
        let name = std::env::var("RIPOSTE_PG_OS_USER").unwrap_or_else(|_| "postgres".to_owned());
        match User::from_name(&name) {
            Ok(Some(user)) => Ok(RunAs::Account { name, uid: user.uid, gid: user.gid }),
            _ => Err(ClusterError::NoServiceAccount { account: name }),
        }
    }

    /// Applies the account to a command about to run a PostgreSQL program.
    pub(crate) fn apply(&self, command: &mut Command) {
        if let RunAs::Account { uid, gid, .. } = self {
            command.uid(uid.as_raw()).gid(gid.as_raw());
        }
    }

    /// Makes a directory (or file) owned by the account, so the cluster can use it.
    pub(crate) fn give(&self, path: &Path) -> Result<(), ClusterError> {
        if let RunAs::Account { uid, gid, .. } = self {
            chown(path, Some(uid.as_raw()), Some(gid.as_raw()))
                .map_err(ClusterError::io(format!("giving {} to the cluster account", path.display())))?;
        }
        Ok(())
    }

    /// Checks the account can enter every directory down to `dir`, naming the first it cannot.
    pub(crate) fn check_reachable(&self, dir: &Path) -> Result<(), ClusterError> {
        let RunAs::Account { name, uid, gid } = self else { return Ok(()) };
        let Ok(dir) = dir.canonicalize() else { return Ok(()) };
        for ancestor in dir.ancestors().collect::<Vec<_>>().into_iter().rev() {
            let Ok(meta) = std::fs::metadata(ancestor) else { continue };
            use std::os::unix::fs::MetadataExt;
            let mode = meta.permissions().mode();
            let searchable = if meta.uid() == uid.as_raw() {
                mode & 0o100 != 0
            } else if meta.gid() == gid.as_raw() {
                mode & 0o010 != 0
            } else {
                mode & 0o001 != 0
            };
            if !searchable {
                return Err(ClusterError::NotReachable { account: name.clone(), dir: ancestor.to_owned() });
            }
        }
        Ok(())
    }
}

/// Creates `dir` (mode 0700) owned by the cluster account.
pub(crate) fn private_dir(run_as: &RunAs, dir: &Path) -> Result<(), ClusterError> {
    std::fs::create_dir_all(dir).map_err(ClusterError::io(format!("creating {}", dir.display())))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .map_err(ClusterError::io(format!("restricting {}", dir.display())))?;
    run_as.give(dir)
}
