//! One configured connector, whatever its vendor: built from its stored kind, settings and
//! secret, and driven through the same four calls (apply, verify, undo, check).

use riposte_domain::containment::ActionKind;
use serde_json::Value;

use crate::http::Patience;
use crate::nftables::Nftables;
use crate::webhook::Webhook;
use crate::{ConfigError, ConnectorError, Order, Outcome};

/// The connector kinds an administrator can configure.
pub const KINDS: &[&str] = &["nftables", "webhook"];

#[derive(Debug, Clone)]
pub enum Device {
    Nftables(Nftables),
    Webhook(Webhook),
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
        match kind {
            "nftables" => Ok(Device::Nftables(Nftables::from_config(config)?)),
            "webhook" => Ok(Device::Webhook(Webhook::from_config(name, config, secret, patience)?)),
            other => Err(ConfigError::new("kind", format!("{other:?} is not one of {}", KINDS.join(", ")))),
        }
    }

    /// The actions this connector can take.
    pub fn kinds(&self) -> &[ActionKind] {
        match self {
            Device::Nftables(_) => Nftables::KINDS,
            Device::Webhook(w) => w.kinds(),
        }
    }

    /// Makes the change and reads it back.
    pub async fn apply(&self, order: &Order) -> Result<Outcome, ConnectorError> {
        match self {
            Device::Nftables(d) => d.apply_order(order).await,
            Device::Webhook(d) => d.apply_order(order).await,
        }
    }

    /// Reads back whether the change is in force.
    pub async fn verify(&self, order: &Order) -> Result<Outcome, ConnectorError> {
        match self {
            Device::Nftables(d) => d.verify_order(order).await,
            Device::Webhook(d) => d.verify_order(order).await,
        }
    }

    /// Takes the change back and reads it back.
    pub async fn undo(&self, order: &Order) -> Result<Outcome, ConnectorError> {
        match self {
            Device::Nftables(d) => d.undo_order(order).await,
            Device::Webhook(d) => d.undo_order(order).await,
        }
    }

    /// Credential health: logs in or makes a harmless read.
    pub async fn check(&self) -> Result<String, ConnectorError> {
        match self {
            Device::Nftables(d) => d.check().await,
            Device::Webhook(d) => d.check().await,
        }
    }
}
