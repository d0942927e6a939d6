//! Finds the PostgreSQL server programs: PG_BIN_DIR, else the newest Debian-style
//! /usr/lib/postgresql/<major>/bin, else whatever `pg_ctl` is on PATH.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::ClusterError;

/// The directory holding `initdb`, `pg_ctl` and `postgres`, and their major version.
#[derive(Debug, Clone)]
pub struct PgBinaries {
    pub bin_dir: PathBuf,
    pub major: String,
}

impl PgBinaries {
    pub fn locate(explicit: Option<&Path>) -> Result<Self, ClusterError> {
        let mut candidates: Vec<PathBuf> = Vec::new();
        if let Some(dir) = explicit {
            candidates.push(dir.to_owned());
        } else {
            candidates.extend(debian_bin_dirs());
            if let Some(path) = std::env::var_os("PATH") {
                candidates.extend(std::env::split_paths(&path));
            }
        }
        let found = candidates.iter().find(|dir| dir.join("pg_ctl").is_file() && dir.join("initdb").is_file());
        let Some(bin_dir) = found else {
            let searched = candidates.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
            return Err(ClusterError::BinariesNotFound { searched });
        };
        let major = major_version(bin_dir)?;
        Ok(Self { bin_dir: bin_dir.clone(), major })
    }

    pub fn program(&self, name: &str) -> PathBuf {
        self.bin_dir.join(name)
    }
}

/// `/usr/lib/postgresql/*/bin`, newest major first.
fn debian_bin_dirs() -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") else { return Vec::new() };
    let mut versions: Vec<(u32, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let major = entry.file_name().to_str()?.parse::<u32>().ok()?;
            Some((major, entry.path().join("bin")))
        })
        .collect();
    versions.sort_by_key(|(major, _)| std::cmp::Reverse(*major));
    versions.into_iter().map(|(_, dir)| dir).collect()
}

/// "pg_ctl (PostgreSQL) 15.18" -> "15".
fn major_version(bin_dir: &Path) -> Result<String, ClusterError> {
    let pg_ctl = bin_dir.join("pg_ctl");
    let output = Command::new(&pg_ctl)
        .arg("--version")
        .output()
        .map_err(ClusterError::io(format!("running {}", pg_ctl.display())))?;
    let text = String::from_utf8_lossy(&output.stdout);
    parse_major(&text).ok_or_else(|| ClusterError::CommandFailed {
        command: format!("{} --version", pg_ctl.display()),
        status: output.status.to_string(),
        detail: format!("unexpected output {text:?}"),
    })
}

fn parse_major(version_line: &str) -> Option<String> {
    let mut words = version_line.split_whitespace();
    words.find(|word| *word == "(PostgreSQL)")?;
    let version = words.next()?;
    let major = version.split('.').next()?;
    major.chars().all(|c| c.is_ascii_digit()).then(|| major.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_major_versions() {
        assert_eq!(parse_major("pg_ctl (PostgreSQL) 15.18\n").as_deref(), Some("15"));
        assert_eq!(parse_major("pg_ctl (PostgreSQL) 17.2 (Debian 17.2-1)\n").as_deref(), Some("17"));
        assert_eq!(parse_major("something else"), None);
        assert_eq!(parse_major("pg_ctl (PostgreSQL) 16.4").as_deref(), Some("16"));
    }
}
