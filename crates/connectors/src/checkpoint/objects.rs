//! The objects a block consists of: a host (or network) object named after the address, and
//! its membership in the blocking group.

use std::net::IpAddr;

use riposte_domain::enrichment::prefixes::Network;
use serde_json::{Value, json};

use super::CheckPoint;
use super::session::not_found;
use crate::{ConnectorError, Order};

/// The object that stands for one blocked address or range.
pub struct BlockObject {
    pub name: String,
    address: IpAddr,
    /// None for a single address (a host object), the prefix length for a range.
    range: Option<u8>,
}

impl BlockObject {
    /// `prefix` + the address (`soc-block-203.0.113.7`, `soc-block-10.1.0.0_16`); an IPv6
    /// address's colons become underscores, which object names take everywhere.
    pub fn of(prefix: &str, network: &Network) -> BlockObject {
        let text = network.to_string();
        let (address, len) = text.split_once('/').unwrap_or((&text, ""));
        let full = if network.family == 4 { 32 } else { 128 };
        let range = Some(network.len).filter(|l| *l != full);
        let mut name = format!("{prefix}{}", address.replace(':', "_"));
        if range.is_some() {
            name.push('_');
            name.push_str(len);
        }
        let address = address.parse().unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        BlockObject { name, address, range }
    }

    /// `host` or `network`, as the commands are named.
    fn kind(&self) -> &'static str {
        if self.range.is_some() { "network" } else { "host" }
    }

    fn add_body(&self, order: &Order) -> Value {
        let comments = format!("riposte action {}", order.action_id);
        match self.range {
            None => json!({ "name": self.name, "ip-address": self.address.to_string(), "comments": comments }),
            Some(len) => json!({
                "name": self.name, "subnet": self.address.to_string(), "mask-length": len, "comments": comments,
            }),
        }
    }

    /// Whether an object the server showed holds this address (or range).
    fn matches(&self, shown: &Value) -> bool {
        let address = |fields: [&str; 3]| {
            fields.iter().find_map(|f| shown.get(*f).and_then(Value::as_str).and_then(|a| a.parse::<IpAddr>().ok()))
        };
        match self.range {
            None => address(["ip-address", "ipv4-address", "ipv6-address"]) == Some(self.address),
            Some(len) => {
                let mask = ["mask-length", "mask-length4", "mask-length6"].iter().find_map(|f| shown.get(*f)?.as_u64());
                address(["subnet", "subnet4", "subnet6"]) == Some(self.address) && mask == Some(u64::from(len))
            }
        }
    }
}

impl CheckPoint {
    /// Adds the object unless one of its name exists; one with another address is a conflict
    /// a person must look at.
    pub(super) async fn ensure_object(&self, object: &BlockObject, order: &Order) -> Result<(), ConnectorError> {
        let show = format!("show-{}", object.kind());
        match self.session.call(&show, &json!({ "name": object.name })).await {
            Ok(shown) if object.matches(&shown) => Ok(()),
            Ok(_) => Err(ConnectorError::Conflict {
                device: self.session.device().to_owned(),
                detail: format!("{show}: {} exists with another address", object.name),
            }),
            Err(error) if not_found(&error) => {
                self.session.call(&format!("add-{}", object.kind()), &object.add_body(order)).await?;
                Ok(())
            }
            Err(error) => Err(error),
        }
    }

    /// Deletes the object when it exists. One the server keeps because something else uses
    /// it (another group, a rule) stays: the block is lifted once it left our group. Returns
    /// why it was kept.
    pub(super) async fn delete_object(&self, object: &BlockObject) -> Result<Option<String>, ConnectorError> {
        let body = json!({ "name": object.name });
        match self.session.call(&format!("show-{}", object.kind()), &body).await {
            Err(error) if not_found(&error) => return Ok(None),
            Err(error) => return Err(error),
            Ok(_) => {}
        }
        match self.session.call(&format!("delete-{}", object.kind()), &body).await {
            Ok(_) => Ok(None),
            Err(error) if not_found(&error) => Ok(None),
            Err(ConnectorError::Refused { detail, .. }) => {
                tracing::warn!(device = %self.session.device(), object = %object.name, %detail, "connector: object kept");
                Ok(Some(detail))
            }
            Err(error) => Err(error),
        }
    }

    /// The names of the blocking group's members.
    pub(super) async fn members(&self) -> Result<Vec<String>, ConnectorError> {
        let group =
            self.session.call("show-group", &json!({ "name": self.group, "details-level": "standard" })).await?;
        let members = group.get("members").and_then(Value::as_array).ok_or_else(|| ConnectorError::Unexpected {
            device: self.session.device().to_owned(),
            detail: format!("show-group: {} has no members list", self.group),
        })?;
        // Members come as objects at this details level, as bare names at others.
        Ok(members
            .iter()
            .filter_map(|m| m.as_str().or_else(|| m.get("name").and_then(Value::as_str)))
            .map(str::to_owned)
            .collect())
    }

    /// `add` or `remove` the object in the blocking group.
    pub(super) async fn change_group(&self, change: &str, object: &BlockObject) -> Result<(), ConnectorError> {
        let body = json!({ "name": self.group, "members": { change: object.name } });
        self.session.call("set-group", &body).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(text: &str) -> BlockObject {
        BlockObject::of("soc-block-", &Network::parse(text).expect("network"))
    }

    #[test]
    fn names_carry_the_address() {
        assert_eq!(object("203.0.113.7").name, "soc-block-203.0.113.7");
        assert_eq!(object("10.1.0.0/16").name, "soc-block-10.1.0.0_16");
        assert_eq!(object("2001:db8::1").name, "soc-block-2001_db8__1");
        assert_eq!(object("10.1.0.0/16").kind(), "network");
    }

    #[test]
    fn an_object_matches_only_its_own_address() {
        let host = object("203.0.113.7");
        assert!(host.matches(&json!({ "name": host.name, "ipv4-address": "203.0.113.7" })));
        assert!(!host.matches(&json!({ "name": host.name, "ipv4-address": "203.0.113.8" })));
        let range = object("10.1.0.0/16");
        assert!(range.matches(&json!({ "subnet4": "10.1.0.0", "mask-length4": 16 })));
        assert!(!range.matches(&json!({ "subnet4": "10.1.0.0", "mask-length4": 24 })));
    }
}
