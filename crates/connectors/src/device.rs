//! One configured connector, whatever its vendor: built from its stored kind, settings and
//! secret, and driven through the same four calls (apply, verify, undo, check).

use riposte_domain::containment::{ActionKind, Direction};
use serde_json::Value;

use crate::checkpoint::CheckPoint;
use crate::defender::Defender;
use crate::falcon::Falcon;
use crate::fortigate::FortiGate;
use crate::http::Patience;
use crate::nftables::Nftables;
use crate::panos::PanOs;
use crate::webhook::Webhook;
use crate::{ConfigError, ConnectorError, Order, Outcome};

/// The connector kinds an administrator can configure.
pub const KINDS: &[&str] = &["nftables", "panos", "fortigate", "checkpoint", "falcon", "defender", "webhook"];

#[derive(Debug, Clone)]
pub enum Device {
    Nftables(Nftables),
    PanOs(PanOs),
    FortiGate(FortiGate),
    CheckPoint(CheckPoint),
    Falcon(Falcon),
    Defender(Defender),
    Webhook(Webhook),
}

/// Calls the same method on whichever connector this is.
macro_rules! each {
    ($device:expr, $d:ident => $call:expr) => {
        match $device {
            Device::Nftables($d) => $call,
            Device::PanOs($d) => $call,
            Device::FortiGate($d) => $call,
            Device::CheckPoint($d) => $call,
            Device::Falcon($d) => $call,
            Device::Defender($d) => $call,
            Device::Webhook($d) => $call,
        }
    };
}

impl Device {
    /// Builds the connector `name` of `kind` from its settings; the error names the field.
    pub fn from_config(
        name: &str,
        kind: &str,
        config: &Value,
        secret: Option<&str>,
        patience: Patience,
    ) -> Result<Device, ConfigError> {
        Ok(match kind {
            "nftables" => Device::Nftables(Nftables::from_config(config)?),
            "panos" => Device::PanOs(PanOs::from_config(name, config, secret, patience)?),
            "fortigate" => Device::FortiGate(FortiGate::from_config(name, config, secret, patience)?),
            "checkpoint" => Device::CheckPoint(CheckPoint::from_config(name, config, secret, patience)?),
            "falcon" => Device::Falcon(Falcon::from_config(name, config, secret, patience)?),
            "defender" => Device::Defender(Defender::from_config(name, config, secret, patience)?),
            "webhook" => Device::Webhook(Webhook::from_config(name, config, secret, patience)?),
            other => return Err(ConfigError::new("kind", format!("{other:?} is not one of {}", KINDS.join(", ")))),
        })
    }

    /// The actions this connector can take.
    pub fn kinds(&self) -> &[ActionKind] {
        each!(self, d => d.kinds())
    }

    /// The block directions this connector enforces as asked. A vendor firewall's tag or
    /// group is dropped by the administrator's own rules, which decide the direction, and an
    /// EDR's IP indicator blocks the address both ways: those block in both directions only,
    /// so a record never says "inbound" for a change that is not.
    pub fn directions(&self) -> &'static [Direction] {
        match self {
            Device::Nftables(_) | Device::Webhook(_) => &[Direction::Inbound, Direction::Outbound, Direction::Both],
            Device::PanOs(_)
            | Device::FortiGate(_)
            | Device::CheckPoint(_)
            | Device::Falcon(_)
            | Device::Defender(_) => &[Direction::Both],
        }
    }

    /// Makes the change and reads it back.
    pub async fn apply(&self, order: &Order) -> Result<Outcome, ConnectorError> {
        each!(self, d => d.apply_order(order).await)
    }

    /// Reads back whether the change is in force.
    pub async fn verify(&self, order: &Order) -> Result<Outcome, ConnectorError> {
        each!(self, d => d.verify_order(order).await)
    }

    /// Takes the change back and reads it back.
    pub async fn undo(&self, order: &Order) -> Result<Outcome, ConnectorError> {
        each!(self, d => d.undo_order(order).await)
    }

    /// Credential health: logs in or makes a harmless read.
    pub async fn check(&self) -> Result<String, ConnectorError> {
        each!(self, d => d.check().await)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn device(kind: &str, config: Value) -> Device {
        Device::from_config("fw", kind, &config, Some("secret"), Patience::default()).expect(kind)
    }

    #[test]
    fn only_connectors_that_place_the_rule_themselves_block_one_way() {
        let both_only = [
            device("panos", json!({ "url": "https://fw" })),
            device("fortigate", json!({ "url": "https://fw", "mode": "ban" })),
            device("checkpoint", json!({ "url": "https://mgmt", "group": "SOC-Blocklist" })),
        ];
        for d in &both_only {
            assert_eq!(d.directions(), [Direction::Both], "{d:?}");
        }
        let webhook = device("webhook", json!({ "url": "https://sensor/hook" }));
        assert!(webhook.directions().contains(&Direction::Inbound));
        let nft = device("nftables", json!({ "table": "riposte" }));
        assert!(nft.directions().contains(&Direction::Outbound));
    }
}
