//! Fortinet FortiGate through the FortiOS REST API (`/api/v2/…`, `Authorization: Bearer`,
//! `?vdom=`), with the request shapes the fortigate-api SDK sends. Two modes:
//!
//! - address (the default, for blocks): an address object `riposte-203.0.113.7` (any IPv4
//!   range) made a member of an address group that the administrator's deny policy uses;
//!   read back from the group and the object.
//! - ban (for quarantines): the address in the banned-IP list with the order's time to live
//!   as its expiry; one address, not a range; read back from the banned list.

pub mod address;
pub mod api;
pub mod ban;
pub mod config;

use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::Method;
use riposte_domain::containment::{ActionKind, Target};
use riposte_domain::enrichment::prefixes::Network;
use serde_json::{Value, json};

use crate::http::{Http, Patience};
use crate::naming::{host_address, object_name};
use crate::{ConfigError, ConnectorError, Order, Outcome};
use address::Addresses;
use api::{Api, Scope, results};
pub use config::{FortiGateConfig, Mode};

#[derive(Debug, Clone)]
pub struct FortiGate {
    api: Api,
    mode: Mode,
    object_prefix: String,
}

impl FortiGate {
    /// `secret`: the REST API administrator's token.
    pub fn from_config(
        name: &str,
        config: &Value,
        secret: Option<&str>,
        patience: Patience,
    ) -> Result<FortiGate, ConfigError> {
        let config: FortiGateConfig = serde_json::from_value(config.clone()).map_err(|e| ConfigError::from_json(&e))?;
        let checked = config.check()?;
        let token = secret
            .map(str::trim)
            .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_graphic()))
            .ok_or_else(|| ConfigError::new("secret", "give the REST API administrator's token"))?;
        let http = Http::new(&format!("FortiGate {name}"), config.ca_pem.as_deref(), patience)?;
        let api = Api::new(http, checked.base, token, checked.vdom);
        Ok(FortiGate { api, mode: checked.mode, object_prefix: checked.object_prefix })
    }

    /// Blocks in address mode, quarantines in ban mode.
    pub fn kinds(&self) -> &[ActionKind] {
        match self.mode {
            Mode::Address { .. } => &[ActionKind::Block],
            Mode::Ban => &[ActionKind::Quarantine],
        }
    }

    pub fn device(&self) -> &str {
        self.api.device()
    }

    /// Makes the change (nothing twice), then reads it back.
    pub async fn apply_order(&self, order: &Order) -> Result<Outcome, ConnectorError> {
        let network = self.network_of(order)?;
        match &self.mode {
            Mode::Address { group } => {
                let addresses = Addresses { api: &self.api, group };
                let name = object_name(&self.object_prefix, &network);
                addresses.add(&name, &network, &format!("riposte action {}", order.action_id)).await?;
                self.address_outcome(&addresses, &network).await
            }
            Mode::Ban => {
                let ip = self.single_address(&network)?;
                ban::add(&self.api, ip, order.ttl_secs).await?;
                self.ban_outcome(ip).await
            }
        }
    }

    /// Reads back whether the change is in force.
    pub async fn verify_order(&self, order: &Order) -> Result<Outcome, ConnectorError> {
        let network = self.network_of(order)?;
        match &self.mode {
            Mode::Address { group } => self.address_outcome(&Addresses { api: &self.api, group }, &network).await,
            Mode::Ban => self.ban_outcome(self.single_address(&network)?).await,
        }
    }

    /// Takes the change back, then reads it back (`in_force` false once it is gone).
    pub async fn undo_order(&self, order: &Order) -> Result<Outcome, ConnectorError> {
        let network = self.network_of(order)?;
        match &self.mode {
            Mode::Address { group } => {
                let addresses = Addresses { api: &self.api, group };
                addresses.remove(&object_name(&self.object_prefix, &network)).await?;
                self.address_outcome(&addresses, &network).await
            }
            Mode::Ban => {
                let ip = self.single_address(&network)?;
                ban::clear(&self.api, ip).await?;
                self.ban_outcome(ip).await
            }
        }
    }

    /// Credential health: the system status, a harmless read any token may make.
    pub async fn check(&self) -> Result<String, ConnectorError> {
        let what = "read system status";
        let answer =
            self.api.call(what, Method::GET, "/api/v2/monitor/system/status", &[], None, Scope::System).await?;
        let result = results(&answer).into_iter().next().cloned().unwrap_or(Value::Null);
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
        let parts: Vec<String> = [
            text(result.get("hostname")),
            text(result.get("model_name")).or_else(|| text(result.get("model"))),
            text(answer.get("version")),
        ]
        .into_iter()
        .flatten()
        .collect();
        Ok(format!(
            "{} answers: {}",
            self.device(),
            if parts.is_empty() { "no status".into() } else { parts.join(", ") }
        ))
    }

    fn network_of(&self, order: &Order) -> Result<Network, ConnectorError> {
        let refuse = |detail: String| ConnectorError::Refused { device: self.device().to_owned(), detail };
        if !self.kinds().contains(&order.kind) {
            let mode = match self.mode {
                Mode::Address { .. } => "address mode blocks",
                Mode::Ban => "ban mode quarantines",
            };
            return Err(refuse(format!("{}: this connector's {mode}", order.kind.as_str())));
        }
        match &order.target {
            Target::Network(network) => Ok(*network),
            Target::Host(host) => {
                Err(refuse(format!("{}: {host:?} is a host name, not an address", order.kind.as_str())))
            }
        }
    }

    fn single_address(&self, network: &Network) -> Result<IpAddr, ConnectorError> {
        host_address(network).ok_or_else(|| ConnectorError::Refused {
            device: self.device().to_owned(),
            detail: format!("ban: {network} is a range, and the banned list holds single addresses"),
        })
    }

    async fn address_outcome(&self, addresses: &Addresses<'_>, network: &Network) -> Result<Outcome, ConnectorError> {
        let name = object_name(&self.object_prefix, network);
        let presence = addresses.presence(&name).await?;
        let in_force = presence.blocks(network);
        let group = addresses.group;
        let summary = match (in_force, &presence.subnet) {
            (true, _) => format!("{group} holds {name} ({network})"),
            (false, Some(_)) => format!("{group} does not hold {name} ({network}); the object remains"),
            (false, None) => format!("{group} does not hold {name} ({network})"),
        };
        let evidence = json!({
            "mode": "address", "object": name, "subnet": presence.subnet, "group": group,
            "in_group": presence.in_group,
        });
        Ok(Outcome::new(in_force, summary, evidence))
    }

    async fn ban_outcome(&self, ip: IpAddr) -> Result<Outcome, ConnectorError> {
        let entry = ban::entry(&self.api, ip).await?;
        let summary = match entry.as_ref().and_then(|e| e.get("expires")).and_then(Value::as_u64) {
            Some(expires) => format!("{ip} is banned (expires in {} s)", expires.saturating_sub(now_secs())),
            None if entry.is_some() => format!("{ip} is banned"),
            None => format!("{ip} is not banned"),
        };
        Ok(Outcome::new(entry.is_some(), summary, json!({ "mode": "ban", "ip": ip.to_string(), "entry": entry })))
    }
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}
