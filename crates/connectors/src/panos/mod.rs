//! Palo Alto Networks PAN-OS firewalls through the XML API (`POST /api/`, form fields, the
//! key in the body), with the request shapes pan-os-python sends. Two ways to block:
//!
//! - tag mode (the default): User-ID registration of the address with a tag that a dynamic
//!   address group matches; immediate, no commit; one address per registration (a range is
//!   refused). Read back with `<show><object><registered-ip>`.
//! - commit mode: an address object `riposte-203.0.113.7` (any range) in a static address
//!   group, then a commit whose job is polled to FIN/OK; read back from the running
//!   configuration.
//!
//! The deny rule using the group is the administrator's: the connector only fills the group.

pub mod answer;
pub mod api;
pub mod commit;
pub mod config;
pub mod tag;

pub use crate::naming::{host_address, object_name};
use std::net::IpAddr;

use riposte_domain::containment::{ActionKind, Target};
use riposte_domain::enrichment::prefixes::Network;
use serde_json::{Value, json};

use crate::http::{Http, Patience};
use crate::{ConfigError, ConnectorError, Order, Outcome};
use api::Api;
use commit::{Committer, Object};
pub use config::{CommitSettings, Mode, PanOsConfig};

#[derive(Debug, Clone)]
pub struct PanOs {
    api: Api,
    mode: Mode,
    object_prefix: String,
}

impl PanOs {
    pub const KINDS: &'static [ActionKind] = &[ActionKind::Block];

    /// `secret`: the API key, or with `username` the password keygen takes.
    pub fn from_config(
        name: &str,
        config: &Value,
        secret: Option<&str>,
        patience: Patience,
    ) -> Result<PanOs, ConfigError> {
        let config: PanOsConfig = serde_json::from_value(config.clone()).map_err(|e| ConfigError::from_json(&e))?;
        let checked = config.check()?;
        let secret = secret.filter(|s| !s.trim().is_empty()).ok_or_else(|| {
            ConfigError::new("secret", "give the API key, or the password of `username` to run keygen with")
        })?;
        let http = Http::new(&format!("PAN-OS {name}"), config.ca_pem.as_deref(), patience)?;
        let api = Api::new(http, checked.endpoint, config.username.as_deref(), secret);
        Ok(PanOs { api, mode: checked.mode, object_prefix: checked.object_prefix })
    }

    pub fn kinds(&self) -> &[ActionKind] {
        Self::KINDS
    }

    pub fn device(&self) -> &str {
        self.api.device()
    }

    /// Blocks the order's address, then reads it back.
    pub async fn apply_order(&self, order: &Order) -> Result<Outcome, ConnectorError> {
        let network = self.network_of(order)?;
        match &self.mode {
            Mode::Tag { tag } => {
                let ip = self.single_address(&network)?;
                tag::register(&self.api, ip, tag).await?;
                self.tag_outcome(ip, tag).await
            }
            Mode::Commit(settings) => {
                let committer = Committer { api: &self.api, settings };
                let job = committer.add(&self.object(&network, order.action_id)).await?;
                self.commit_outcome(&committer, &network, job).await
            }
        }
    }

    /// Reads back whether the block is in force.
    pub async fn verify_order(&self, order: &Order) -> Result<Outcome, ConnectorError> {
        let network = self.network_of(order)?;
        match &self.mode {
            Mode::Tag { tag } => self.tag_outcome(self.single_address(&network)?, tag).await,
            Mode::Commit(settings) => {
                self.commit_outcome(&Committer { api: &self.api, settings }, &network, None).await
            }
        }
    }

    /// Takes the block back, then reads it back (`in_force` false once it is gone).
    pub async fn undo_order(&self, order: &Order) -> Result<Outcome, ConnectorError> {
        let network = self.network_of(order)?;
        match &self.mode {
            Mode::Tag { tag } => {
                let ip = self.single_address(&network)?;
                tag::unregister(&self.api, ip, tag).await?;
                self.tag_outcome(ip, tag).await
            }
            Mode::Commit(settings) => {
                let committer = Committer { api: &self.api, settings };
                let job = committer.remove(&self.object_name(&network)).await?;
                self.commit_outcome(&committer, &network, job).await
            }
        }
    }

    /// Credential health: keygen when the connector holds a login, then a harmless read.
    pub async fn check(&self) -> Result<String, ConnectorError> {
        let what = "show system info";
        let body =
            self.api.call(what, &[("type", "op"), ("cmd", "<show><system><info></info></system></show>")], &[]).await?;
        let doc = answer::parse(&body, self.device(), what)?;
        Ok(format!("{} answers: {}", self.device(), answer::system_info(&doc)))
    }

    fn network_of(&self, order: &Order) -> Result<Network, ConnectorError> {
        let refuse = |detail: String| ConnectorError::Refused { device: self.device().to_owned(), detail };
        if !Self::KINDS.contains(&order.kind) {
            return Err(refuse(format!("{}: this connector only blocks addresses", order.kind.as_str())));
        }
        match &order.target {
            Target::Network(network) => Ok(*network),
            Target::Host(host) => Err(refuse(format!("block: {host:?} is a host name; a firewall blocks addresses"))),
        }
    }

    /// A tag registration holds one address: a range is refused before anything is sent.
    fn single_address(&self, network: &Network) -> Result<IpAddr, ConnectorError> {
        host_address(network).ok_or_else(|| ConnectorError::Refused {
            device: self.device().to_owned(),
            detail: format!(
                "register tag: {network} is a range, and a User-ID tag takes one address (use commit mode)"
            ),
        })
    }

    fn object_name(&self, network: &Network) -> String {
        object_name(&self.object_prefix, network)
    }

    fn object(&self, network: &Network, action_id: i64) -> Object {
        Object {
            name: self.object_name(network),
            network: *network,
            description: format!("riposte action {action_id}"),
        }
    }

    async fn tag_outcome(&self, ip: IpAddr, tag: &str) -> Result<Outcome, ConnectorError> {
        let tags = tag::tags_of(&self.api, ip).await?;
        let in_force = tags.iter().any(|t| t == tag);
        let summary = match in_force {
            true => format!("{ip} carries tag {tag}"),
            false => format!("{ip} does not carry tag {tag}"),
        };
        Ok(Outcome::new(in_force, summary, json!({ "mode": "tag", "ip": ip.to_string(), "tag": tag, "tags": tags })))
    }

    async fn commit_outcome(
        &self,
        committer: &Committer<'_>,
        network: &Network,
        job: Option<answer::Job>,
    ) -> Result<Outcome, ConnectorError> {
        let name = self.object_name(network);
        let running = committer.presence("show", &name).await?;
        let in_force = running.blocks(network);
        let summary = match in_force {
            true => format!("{} holds {name} ({network}) in the running configuration", committer.settings.group),
            false => {
                format!("{} does not hold {name} ({network}) in the running configuration", committer.settings.group)
            }
        };
        let evidence = json!({
            "mode": "commit", "object": name, "group": committer.settings.group, "ip_netmask": running.ip_netmask,
            "in_group": running.in_group, "job": commit::job_evidence(job.as_ref()),
        });
        Ok(Outcome::new(in_force, summary, evidence))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_names_carry_the_address() {
        let net = |t| Network::parse(t).expect(t);
        assert_eq!(object_name("riposte", &net("203.0.113.7")), "riposte-203.0.113.7");
        assert_eq!(object_name("riposte", &net("203.0.113.0/24")), "riposte-203.0.113.0-24");
        assert_eq!(object_name("r", &net("2001:db8::1")), "r-2001_db8__1");
        assert_eq!(host_address(&net("2001:db8::/64")), None);
    }
}
