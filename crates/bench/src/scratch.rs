//! The benchmarks' shared setup: which server binary to run, and a scratch data directory
//! emptied before and removed after (unless kept for inspection).

use std::path::{Path, PathBuf};

use anyhow::Context;
use riposte_pgcluster::DataDirLock;

/// `explicit`, or the `server` binary beside the running benchmark.
pub fn server_binary(explicit: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let binary = match explicit {
        Some(path) => path,
        None => std::env::current_exe()?.with_file_name("server"),
    };
    anyhow::ensure!(binary.is_file(), "no server binary at {} (build it, or pass --server)", binary.display());
    Ok(binary)
}

/// Empties and creates the directory; returns its absolute path. Refuses one a running
/// server holds: emptying it would pull that server's database away.
pub fn prepare(data_dir: &Path) -> anyhow::Result<PathBuf> {
    drop(DataDirLock::try_acquire(data_dir).context("the scratch directory")?);
    let _ = std::fs::remove_dir_all(data_dir);
    std::fs::create_dir_all(data_dir)?;
    Ok(data_dir.canonicalize()?)
}

/// Removes the directory, or says where it was kept.
pub fn finish(data_dir: &Path, keep: bool) {
    if keep {
        println!("kept {}", data_dir.display());
    } else {
        let _ = std::fs::remove_dir_all(data_dir);
    }
}

/// Runs a benchmark against `server` (or the binary beside it) in a fresh `data_dir`, which
/// is removed afterwards unless `keep`: every benchmark's `main`.
pub async fn run_with<F>(
    server: Option<PathBuf>,
    data_dir: &Path,
    keep: bool,
    run: impl FnOnce(PathBuf, PathBuf) -> F,
) -> anyhow::Result<()>
where
    F: std::future::Future<Output = anyhow::Result<()>>,
{
    let binary = server_binary(server)?;
    let data_dir = prepare(data_dir)?;
    let result = run(binary, data_dir.clone()).await;
    finish(&data_dir, keep);
    result
}
