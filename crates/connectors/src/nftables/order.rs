//! The nftables connector as the action jobs use it: settings read from the connector's
//! stored configuration, and orders (block, quarantine) turned into set elements.

use std::path::PathBuf;

use riposte_domain::containment::{ActionKind, Direction, Target};
use serde::Deserialize;
use serde_json::json;

use super::{Layout, Nftables, Presence, SshTarget, Transport};
use crate::{ConfigError, ConnectorError, Order, Outcome};

/// What an administrator fills in. `ssh_host` set: over SSH; else this machine (optionally
/// inside `netns`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NftablesConfig {
    #[serde(default = "default_table")]
    pub table: String,
    pub netns: Option<String>,
    pub ssh_host: Option<String>,
    #[serde(default = "default_port")]
    pub ssh_port: u16,
    pub ssh_user: Option<String>,
    pub ssh_identity: Option<PathBuf>,
    pub ssh_known_hosts: Option<PathBuf>,
    #[serde(default)]
    pub sudo: bool,
}

fn default_table() -> String {
    "riposte".into()
}

fn default_port() -> u16 {
    22
}

impl Nftables {
    pub const KINDS: &'static [ActionKind] = &[ActionKind::Block, ActionKind::Quarantine];

    pub fn kinds(&self) -> &[ActionKind] {
        Self::KINDS
    }

    pub fn from_config(config: &serde_json::Value) -> Result<Nftables, ConfigError> {
        let config: NftablesConfig = serde_json::from_value(config.clone()).map_err(|e| ConfigError::from_json(&e))?;
        let layout = Layout::new(&config.table).map_err(|e| ConfigError::new("table", e.to_string()))?;
        let transport = match config.ssh_host {
            None => Transport::Local { netns: config.netns },
            Some(host) => {
                let need = |value: Option<PathBuf>, field: &str| {
                    value.ok_or_else(|| ConfigError::new(field, "needed to reach the firewall over SSH"))
                };
                Transport::Ssh(SshTarget {
                    host,
                    port: config.ssh_port,
                    user: config.ssh_user.ok_or_else(|| ConfigError::new("ssh_user", "needed with ssh_host"))?,
                    identity: need(config.ssh_identity, "ssh_identity")?,
                    known_hosts: need(config.ssh_known_hosts, "ssh_known_hosts")?,
                    sudo: config.sudo,
                })
            }
        };
        let transport = transport.checked().map_err(|e| ConfigError::new(e.what, e.to_string()))?;
        Ok(Nftables::new(layout, transport))
    }

    /// Blocks the order's network (a quarantine blocks both ways), creating the table when it
    /// is missing, and reads it back.
    pub async fn apply_order(&self, order: &Order) -> Result<Outcome, ConnectorError> {
        let (network, direction) = self.block_of(order)?;
        let presence = self.apply(network, direction, order.ttl_secs, order.action_id).await?;
        Ok(outcome(&presence, presence.blocks(network, direction)))
    }

    pub async fn verify_order(&self, order: &Order) -> Result<Outcome, ConnectorError> {
        let (network, direction) = self.block_of(order)?;
        let presence = self.presence(network).await?;
        Ok(outcome(&presence, presence.blocks(network, direction)))
    }

    pub async fn undo_order(&self, order: &Order) -> Result<Outcome, ConnectorError> {
        let (network, _) = self.block_of(order)?;
        let presence = self.undo(network).await?;
        Ok(outcome(&presence, !presence.held.is_empty()))
    }

    /// Credential health: the firewall answers a listing of its tables.
    pub async fn check(&self) -> Result<String, ConnectorError> {
        self.transport.nft(&["-j".into(), "list".into(), "tables".into()], None, self.timeout).await?;
        Ok(format!("{} answers", self.device()))
    }

    fn block_of<'o>(
        &self,
        order: &'o Order,
    ) -> Result<(&'o riposte_domain::enrichment::prefixes::Network, Direction), ConnectorError> {
        match (&order.target, order.kind) {
            (Target::Network(network), ActionKind::Block) => Ok((network, order.direction.unwrap_or(Direction::Both))),
            (Target::Network(network), ActionKind::Quarantine) => Ok((network, Direction::Both)),
            _ => Err(ConnectorError::Refused {
                device: self.device(),
                detail: format!("nftables cannot {} {:?}", order.kind.as_str(), order.target),
            }),
        }
    }
}

fn outcome(presence: &Presence, in_force: bool) -> Outcome {
    let sets: Vec<_> = presence
        .held
        .iter()
        .map(|(set, element)| json!({ "set": set.as_str(), "expires_secs": element.expires_secs, "comment": element.comment }))
        .collect();
    Outcome::new(in_force, presence.describe(), json!({ "sets": sets }))
}
