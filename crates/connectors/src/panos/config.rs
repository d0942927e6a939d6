//! What an administrator fills in for a PAN-OS firewall, checked before anything reaches
//! the device: names that go into XML commands and xpaths keep to a conservative charset.

use crate::naming::{http_base, safe_name as name};
use std::time::Duration;

use serde::Deserialize;

use crate::ConfigError;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PanOsConfig {
    /// The firewall's address, `https://fw.example` (the API lives at `/api/`).
    pub url: String,
    pub ca_pem: Option<String>,
    /// "tag" (the default): register the address with `tag` for a dynamic address group, no
    /// commit. "commit": an address object in `address_group`, then a commit.
    pub mode: Option<String>,
    /// The User-ID tag the dynamic address group matches (tag mode).
    #[serde(default = "default_tag")]
    pub tag: String,
    /// The static address group a deny rule uses (commit mode; required there).
    pub address_group: Option<String>,
    #[serde(default = "default_vsys")]
    pub vsys: String,
    /// With a username, the secret is its password and the key comes from keygen (and is
    /// fetched again when the firewall stops accepting it); without, the secret is the key.
    pub username: Option<String>,
    /// The start of address object names: `riposte-203.0.113.7`, `riposte-10.0.0.0-24`.
    #[serde(default = "default_prefix")]
    pub object_prefix: String,
    /// Pause between two looks at a commit job.
    #[serde(default = "default_poll_ms")]
    pub poll_interval_ms: u64,
    /// How long a commit may take before the connector gives up on it.
    #[serde(default = "default_commit_secs")]
    pub commit_timeout_secs: u64,
}

fn default_tag() -> String {
    "soc-block".into()
}

fn default_vsys() -> String {
    "vsys1".into()
}

fn default_prefix() -> String {
    "riposte".into()
}

fn default_poll_ms() -> u64 {
    2000
}

fn default_commit_secs() -> u64 {
    300
}

/// How blocks are made on the firewall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// User-ID registration of one address with a tag: immediate, no commit.
    Tag { tag: String },
    /// An address object (any range) as a member of a static group, committed.
    Commit(CommitSettings),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitSettings {
    pub group: String,
    pub vsys: String,
    /// Pause between two looks at a commit job.
    pub poll: Duration,
    /// How long a commit job may run before the connector gives up on it.
    pub commit_timeout: Duration,
}

/// The settings after checking, credentials aside.
#[derive(Debug, Clone)]
pub struct Checked {
    pub endpoint: String,
    pub mode: Mode,
    pub object_prefix: String,
}

impl PanOsConfig {
    pub fn check(&self) -> Result<Checked, ConfigError> {
        let mode = match self.mode.as_deref().map(str::trim).unwrap_or("tag") {
            "tag" => Mode::Tag { tag: name("tag", &self.tag, 127)? },
            "commit" => {
                let group = self
                    .address_group
                    .as_deref()
                    .ok_or_else(|| ConfigError::new("address_group", "needed in commit mode"))?;
                if !(10..=60_000).contains(&self.poll_interval_ms) {
                    return Err(ConfigError::new("poll_interval_ms", "between 10 and 60000"));
                }
                if !(1..=3600).contains(&self.commit_timeout_secs) {
                    return Err(ConfigError::new("commit_timeout_secs", "between 1 and 3600"));
                }
                Mode::Commit(CommitSettings {
                    group: name("address_group", group, 63)?,
                    vsys: name("vsys", &self.vsys, 31)?,
                    poll: Duration::from_millis(self.poll_interval_ms),
                    commit_timeout: Duration::from_secs(self.commit_timeout_secs),
                })
            }
            other => return Err(ConfigError::new("mode", format!("{other:?} is not \"tag\" or \"commit\""))),
        };
        if self.username.as_ref().is_some_and(|u| u.trim().is_empty() || u.chars().any(char::is_control)) {
            return Err(ConfigError::new("username", "give the API user's name, or leave it out"));
        }
        Ok(Checked {
            endpoint: endpoint(&self.url)?,
            mode,
            object_prefix: name("object_prefix", &self.object_prefix, 20)?,
        })
    }
}

/// `https://fw.example` (or `…/api/`) as the API endpoint `https://fw.example/api/`.
fn endpoint(url: &str) -> Result<String, ConfigError> {
    let base = http_base("url", url, "the firewall's")?;
    let base = base.strip_suffix("/api").unwrap_or(&base);
    Ok(format!("{base}/api/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_is_the_api_path_of_the_address() {
        assert_eq!(endpoint("https://fw.example").as_deref(), Ok("https://fw.example/api/"));
        assert_eq!(endpoint("https://fw.example:8443/api/").as_deref(), Ok("https://fw.example:8443/api/"));
        assert_eq!(endpoint("ftp://fw").map_err(|e| e.field), Err("url".to_owned()));
    }

    #[test]
    fn names_keep_to_a_safe_charset() {
        assert_eq!(name("tag", " soc-block ", 127).as_deref(), Ok("soc-block"));
        for bad in ["", "-x", "a'b", "a<b", "a b", &"x".repeat(128)] {
            assert_eq!(name("tag", bad, 127).map_err(|e| e.field), Err("tag".to_owned()), "{bad:?}");
        }
    }
}
