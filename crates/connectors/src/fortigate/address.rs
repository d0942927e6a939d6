//! Address mode: an address object `riposte-203.0.113.7` (any IPv4 range) as a member of an
//! address group that a deny policy uses. Everything is read before it is written, so a
//! second apply, or one after a half-done first, creates nothing twice: an object already
//! there is kept (FortiOS answers a duplicate POST with a 500), and the group's PUT, which
//! replaces the member list, carries what the group held plus the new member.

use std::net::Ipv4Addr;

use reqwest::Method;
use riposte_domain::enrichment::prefixes::Network;
use serde_json::{Value, json};

use crate::ConnectorError;

use super::api::{Api, results};

const ADDRESSES: &str = "/api/v2/cmdb/firewall/address";
const GROUPS: &str = "/api/v2/cmdb/firewall/addrgrp";

/// One group on one FortiGate.
#[derive(Debug, Clone)]
pub struct Addresses<'a> {
    pub api: &'a Api,
    pub group: &'a str,
}

/// What the FortiGate holds for an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presence {
    /// The object's `subnet` ("203.0.113.7 255.255.255.255"), when it exists.
    pub subnet: Option<String>,
    pub in_group: bool,
}

impl Presence {
    /// In force: the object holds the network and the group holds the object.
    pub fn blocks(&self, network: &Network) -> bool {
        self.in_group && self.subnet.as_deref().and_then(subnet_network) == Some(*network)
    }
}

impl Addresses<'_> {
    /// Creates the object when missing and adds it to the group when absent.
    pub async fn add(&self, name: &str, network: &Network, comment: &str) -> Result<(), ConnectorError> {
        let subnet = subnet_of(network).ok_or_else(|| ConnectorError::Refused {
            device: self.api.device().to_owned(),
            detail: format!("create address {name}: {network} is IPv6, and address mode fills an IPv4 group"),
        })?;
        match self.object(name).await? {
            None => {
                let body = json!({ "name": name, "subnet": subnet, "comment": comment });
                self.api.send(&format!("create address {name}"), Method::POST, ADDRESSES, Some(&body)).await?;
            }
            Some(held) if subnet_network(&held) == Some(*network) => {}
            Some(held) => {
                return Err(ConnectorError::Conflict {
                    device: self.api.device().to_owned(),
                    detail: format!("read address {name}: it holds {held:?}, not {network}"),
                });
            }
        }
        let mut members = self.members().await?;
        if !members.iter().any(|m| m == name) {
            members.push(name.to_owned());
            self.put_members(&members).await?;
        }
        Ok(())
    }

    /// Takes the object out of the group, then deletes it; whatever is already gone is
    /// skipped.
    pub async fn remove(&self, name: &str) -> Result<(), ConnectorError> {
        let members = self.members().await?;
        if members.iter().any(|m| m == name) {
            let rest: Vec<String> = members.into_iter().filter(|m| m != name).collect();
            self.put_members(&rest).await?;
        }
        if self.object(name).await?.is_some() {
            let path = format!("{ADDRESSES}/{name}");
            self.api.send(&format!("delete address {name}"), Method::DELETE, &path, None).await?;
        }
        Ok(())
    }

    pub async fn presence(&self, name: &str) -> Result<Presence, ConnectorError> {
        let in_group = self.members().await?.iter().any(|m| m == name);
        Ok(Presence { subnet: self.object(name).await?, in_group })
    }

    /// The object's subnet, none when there is no object of that name (a filtered list
    /// answers 200 either way, where a read by name would answer 404).
    async fn object(&self, name: &str) -> Result<Option<String>, ConnectorError> {
        let filter = format!("name=={name}");
        let answer = self.api.get(&format!("read address {name}"), ADDRESSES, &[("filter", &filter)]).await?;
        let found = results(&answer).into_iter().find(|o| o.get("name").and_then(Value::as_str) == Some(name));
        Ok(found.map(|o| o.get("subnet").and_then(Value::as_str).unwrap_or_default().to_owned()))
    }

    async fn members(&self) -> Result<Vec<String>, ConnectorError> {
        let what = format!("read address group {}", self.group);
        let answer = self.api.get(&what, &format!("{GROUPS}/{}", self.group), &[]).await?;
        let group = results(&answer).into_iter().next().ok_or_else(|| ConnectorError::Unexpected {
            device: self.api.device().to_owned(),
            detail: format!("{what}: the answer holds no group"),
        })?;
        let members = group.get("member").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        Ok(members.iter().filter_map(|m| m.get("name").and_then(Value::as_str)).map(str::to_owned).collect())
    }

    async fn put_members(&self, members: &[String]) -> Result<(), ConnectorError> {
        let member: Vec<Value> = members.iter().map(|m| json!({ "name": m })).collect();
        let body = json!({ "name": self.group, "member": member });
        let what = format!("update address group {}", self.group);
        self.api.send(&what, Method::PUT, &format!("{GROUPS}/{}", self.group), Some(&body)).await?;
        Ok(())
    }
}

/// `203.0.113.0 255.255.255.0` for an IPv4 network; none for IPv6.
pub fn subnet_of(network: &Network) -> Option<String> {
    if network.family != 4 {
        return None;
    }
    let address = Ipv4Addr::from(u32::try_from(network.bits).ok()?);
    let mask = u32::MAX.checked_shl(32 - u32::from(network.len)).unwrap_or(0);
    Some(format!("{address} {}", Ipv4Addr::from(mask)))
}

/// The network a FortiOS `subnet` ("address mask") stands for; none when the mask is not a
/// prefix.
pub fn subnet_network(subnet: &str) -> Option<Network> {
    let mut parts = subnet.split_whitespace();
    let address: Ipv4Addr = parts.next()?.parse().ok()?;
    let mask = u32::from(parts.next()?.parse::<Ipv4Addr>().ok()?);
    let len = mask.leading_ones();
    if mask.checked_shl(len).unwrap_or(0) != 0 {
        return None;
    }
    Network::holding(address.into(), u8::try_from(len).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnets_are_written_and_read_as_fortios_does() {
        let net = |t| Network::parse(t).expect(t);
        assert_eq!(subnet_of(&net("203.0.113.7")).as_deref(), Some("203.0.113.7 255.255.255.255"));
        assert_eq!(subnet_of(&net("10.0.0.0/8")).as_deref(), Some("10.0.0.0 255.0.0.0"));
        assert_eq!(subnet_of(&net("0.0.0.0/0")).as_deref(), Some("0.0.0.0 0.0.0.0"));
        assert_eq!(subnet_of(&net("2001:db8::1")), None);
        assert_eq!(subnet_network("203.0.113.7 255.255.255.255"), Some(net("203.0.113.7")));
        assert_eq!(subnet_network("10.0.0.0  255.0.0.0"), Some(net("10.0.0.0/8")));
        assert_eq!(subnet_network("10.0.0.0 255.0.255.0"), None, "not a prefix");
        assert_eq!(subnet_network(""), None);
    }
}
