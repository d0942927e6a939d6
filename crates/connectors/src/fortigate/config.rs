//! What an administrator fills in for a FortiGate, checked before anything reaches the
//! device: the vdom, group and name prefix go into paths and query strings, so they keep to
//! a conservative charset.

use crate::naming::{http_base, safe_name as name};
use serde::Deserialize;

use crate::ConfigError;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FortiGateConfig {
    /// The FortiGate's address, `https://fw.example` (the API lives at `/api/v2/`).
    pub url: String,
    pub ca_pem: Option<String>,
    #[serde(default = "default_vdom")]
    pub vdom: String,
    /// "address" (the default): an address object made a member of `address_group`, which
    /// a deny policy uses. "ban": the address put in the banned-IP quarantine until its time
    /// to live runs out.
    pub mode: Option<String>,
    /// The address group a deny policy uses (address mode; required there).
    pub address_group: Option<String>,
    /// The start of address object names: `riposte-203.0.113.7`, `riposte-10.0.0.0-24`.
    #[serde(default = "default_prefix")]
    pub object_prefix: String,
}

fn default_vdom() -> String {
    "root".into()
}

fn default_prefix() -> String {
    "riposte".into()
}

/// How containment is made on the FortiGate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Blocks: an address object in a group (the group's PUT replaces its member list).
    Address { group: String },
    /// Quarantines: the banned-IP list, with an expiry.
    Ban,
}

/// The settings after checking.
#[derive(Debug, Clone)]
pub struct Checked {
    pub base: String,
    pub vdom: String,
    pub mode: Mode,
    pub object_prefix: String,
}

impl FortiGateConfig {
    pub fn check(&self) -> Result<Checked, ConfigError> {
        let mode = match self.mode.as_deref().map(str::trim).unwrap_or("address") {
            "address" => {
                let group = self
                    .address_group
                    .as_deref()
                    .ok_or_else(|| ConfigError::new("address_group", "needed in address mode"))?;
                Mode::Address { group: name("address_group", group, 79)? }
            }
            "ban" => Mode::Ban,
            other => return Err(ConfigError::new("mode", format!("{other:?} is not \"address\" or \"ban\""))),
        };
        Ok(Checked {
            base: http_base("url", &self.url, "the FortiGate's")?,
            vdom: name("vdom", &self.vdom, 31)?,
            mode,
            object_prefix: name("object_prefix", &self.object_prefix, 20)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_has_no_trailing_slash() {
        let base = |url: &str| http_base("url", url, "the FortiGate's");
        assert_eq!(base("https://fw.example:10443/").as_deref(), Ok("https://fw.example:10443"));
        assert_eq!(base("fw.example").map_err(|e| e.field), Err("url".to_owned()));
    }

    #[test]
    fn names_keep_to_a_safe_charset() {
        assert_eq!(name("vdom", "root", 31).as_deref(), Ok("root"));
        for bad in ["", "a/b", "a?b", "a b", "_x", &"v".repeat(32)] {
            assert_eq!(name("vdom", bad, 31).map_err(|e| e.field), Err("vdom".to_owned()), "{bad:?}");
        }
    }
}
