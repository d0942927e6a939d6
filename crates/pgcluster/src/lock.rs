//! One Riposte server per data directory, enforced with an OS file lock that the kernel
//! releases when the process dies, so a crash never leaves a stale lock behind.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::ClusterError;

/// Held for as long as the owning process uses the data directory.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    const FILE: &'static str = "riposte.lock";

    /// Takes the lock or reports who holds it.
    pub fn try_acquire(data_dir: &Path) -> Result<Self, ClusterError> {
        let (mut file, path) = open(data_dir)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut pid = String::new();
                let _ = file.read_to_string(&mut pid);
                let pid = if pid.trim().is_empty() { "unknown".to_owned() } else { pid.trim().to_owned() };
                return Err(ClusterError::DataDirInUse { dir: data_dir.to_owned(), pid });
            }
            Err(TryLockError::Error(e)) => return Err(ClusterError::io(format!("locking {}", path.display()))(e)),
        }
        write_pid(&mut file, &path)?;
        Ok(Self { _file: file })
    }

    /// Waits for the lock (used by short-lived tools such as the test harness).
    pub fn acquire_blocking(data_dir: &Path) -> Result<Self, ClusterError> {
        let (mut file, path) = open(data_dir)?;
        file.lock().map_err(ClusterError::io(format!("locking {}", path.display())))?;
        write_pid(&mut file, &path)?;
        Ok(Self { _file: file })
    }
}

fn open(data_dir: &Path) -> Result<(File, PathBuf), ClusterError> {
    std::fs::create_dir_all(data_dir).map_err(ClusterError::io(format!("creating {}", data_dir.display())))?;
    let path = data_dir.join(DataDirLock::FILE);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(ClusterError::io(format!("opening {}", path.display())))?;
    Ok((file, path))
}

fn write_pid(file: &mut File, path: &Path) -> Result<(), ClusterError> {
    let pid = std::process::id().to_string();
    file.set_len(0)
        .and_then(|()| file.seek(SeekFrom::Start(0)).map(drop))
        .and_then(|()| file.write_all(pid.as_bytes()))
        .map_err(ClusterError::io(format!("writing {}", path.display())))
}
