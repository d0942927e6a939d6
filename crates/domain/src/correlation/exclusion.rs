//! What correlation must never join on: infrastructure every alert touches (DNS servers,
//! proxies, your own scanners) merges unrelated stories into one. Listed entities and ranges
//! are excluded outright; anything seen in too many alerts within the window is too.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::alert::{Entity, EntityKind};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Exclusion {
    /// One entity, by kind and normalised value.
    Value { kind: EntityKind, value: String },
    /// Every address in a range, e.g. `10.0.53.0/24`.
    Network { cidr: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exclusions {
    pub list: Vec<Exclusion>,
    /// An entity carried by more alerts than this within a rule's window is not joined on.
    pub max_frequency: u32,
}

impl Default for Exclusions {
    fn default() -> Self {
        Self { list: Vec::new(), max_frequency: 500 }
    }
}

impl Exclusions {
    /// True when `entity` must not join alerts; `frequency` is how many recent alerts carried
    /// it (the caller counts).
    pub fn excludes(&self, entity: &Entity, frequency: u32) -> bool {
        frequency > self.max_frequency
            || self.list.iter().any(|exclusion| match exclusion {
                Exclusion::Value { kind, value } => *kind == entity.kind && *value == entity.value,
                Exclusion::Network { cidr } => {
                    entity.kind == EntityKind::Ip && entity.value.parse().is_ok_and(|ip| in_network(ip, cidr))
                }
            })
    }
}

/// Whether `cidr` is a range (`addr/bits`, bits within the address family's width).
pub fn is_network(cidr: &str) -> bool {
    parse_network(cidr).is_some()
}

fn parse_network(cidr: &str) -> Option<(IpAddr, u32)> {
    let (network, bits) = cidr.trim().split_once('/')?;
    let (network, bits) = (network.parse::<IpAddr>().ok()?, bits.parse::<u32>().ok()?);
    let width = if network.is_ipv4() { 32 } else { 128 };
    (bits <= width).then_some((network, bits))
}

/// Whether `ip` lies in `cidr` (`addr/bits`); false for a malformed range or another family.
fn in_network(ip: IpAddr, cidr: &str) -> bool {
    let Some((network, bits)) = parse_network(cidr) else { return false };
    let (ip, network, width) = match (ip, network) {
        (IpAddr::V4(ip), IpAddr::V4(network)) => (u128::from(ip.to_bits()), u128::from(network.to_bits()), 32),
        (IpAddr::V6(ip), IpAddr::V6(network)) => (ip.to_bits(), network.to_bits(), 128),
        _ => return false,
    };
    let shift = width - bits;
    // A shift of the whole width (a /0) matches everything.
    shift >= 128 || (ip >> shift) == (network >> shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_contain_their_addresses_only() {
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        assert!(in_network(ip("10.0.53.7"), "10.0.53.0/24"));
        assert!(!in_network(ip("10.0.54.7"), "10.0.53.0/24"));
        assert!(in_network(ip("192.0.2.1"), "0.0.0.0/0"));
        assert!(in_network(ip("2001:db8::1"), "2001:db8::/32"));
        assert!(!in_network(ip("2001:db8::1"), "10.0.0.0/8"), "another family never matches");
        assert!(!in_network(ip("10.0.0.1"), "10.0.0.0/33"));
        assert!(!in_network(ip("10.0.0.1"), "nonsense"));
        assert!(is_network(" 10.0.53.0/24") && is_network("2001:db8::/128"));
        assert!(!is_network("10.0.0.0/33") && !is_network("10.0.0.1") && !is_network("dc01/8"));
    }
}
