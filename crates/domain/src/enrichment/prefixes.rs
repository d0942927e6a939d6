//! Range lookups by equality: an address lies in a stored range exactly when the range equals
//! the address's network at that range's prefix length. With the few prefix lengths a table
//! holds (a /32 for each host, a /24 here and there), each address becomes a handful of
//! networks to find by a B-tree equality probe, a fraction of the cost of a GiST containment
//! search per address.

use std::net::IpAddr;

/// A prefix length stored for one address family (4 or 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PrefixLength {
    pub family: u8,
    pub len: u8,
}

/// One network: a family (4 or 6), a prefix length and its address bits with the host part
/// zeroed. It prints as PostgreSQL reads an `inet` (`10.1.2.0/24`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Network {
    pub family: u8,
    pub len: u8,
    pub bits: u128,
}

impl Network {
    /// The network of `len` bits holding `ip`; none when `len` is too long for its family.
    pub fn holding(ip: IpAddr, len: u8) -> Option<Network> {
        let (family, width, value) = match ip {
            IpAddr::V4(v4) => (4, 32u8, u128::from(u32::from(v4))),
            IpAddr::V6(v6) => (6, 128u8, u128::from(v6)),
        };
        let host_bits = u32::from(width.checked_sub(len)?);
        let bits = if host_bits >= 128 { 0 } else { (value >> host_bits) << host_bits };
        Some(Network { family, len, bits })
    }

    /// A stored range given as its address and prefix length (PostgreSQL's `host(net)` and
    /// `masklen(net)`), host bits dropped.
    pub fn of_host(host: &str, len: u8) -> Option<Network> {
        Network::holding(host.trim().parse().ok()?, len)
    }

    pub fn length(&self) -> PrefixLength {
        PrefixLength { family: self.family, len: self.len }
    }
}

impl std::fmt::Display for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.family == 4 {
            let v4 = std::net::Ipv4Addr::from(u32::try_from(self.bits).unwrap_or(0));
            write!(f, "{v4}/{}", self.len)
        } else {
            write!(f, "{}/{}", std::net::Ipv6Addr::from(self.bits), self.len)
        }
    }
}

/// The networks holding `address` at each of `lengths` of its family; none when `address`
/// is not an address.
pub fn covering_networks(address: &str, lengths: &[PrefixLength]) -> Vec<Network> {
    let Ok(ip) = address.trim().parse::<IpAddr>() else { return Vec::new() };
    let family = if ip.is_ipv4() { 4 } else { 6 };
    lengths.iter().filter(|l| l.family == family).filter_map(|l| Network::holding(ip, l.len)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const V4_HOST: PrefixLength = PrefixLength { family: 4, len: 32 };
    const V4_24: PrefixLength = PrefixLength { family: 4, len: 24 };
    const V4_ALL: PrefixLength = PrefixLength { family: 4, len: 0 };
    const V6_48: PrefixLength = PrefixLength { family: 6, len: 48 };

    #[test]
    fn an_address_gives_its_network_at_each_length_of_its_family() {
        let all = [V4_HOST, V4_24, V4_ALL, V6_48];
        let texts = |address| covering_networks(address, &all).iter().map(Network::to_string).collect::<Vec<_>>();
        assert_eq!(texts("10.1.2.77"), ["10.1.2.77/32", "10.1.2.0/24", "0.0.0.0/0"]);
        assert_eq!(texts("2001:db8:aa:1::5"), ["2001:db8:aa::/48"]);
    }

    #[test]
    fn a_stored_range_is_the_network_an_address_in_it_gives() {
        let stored = Network::of_host("10.1.2.5", 24).expect("range");
        assert_eq!(stored.to_string(), "10.1.2.0/24");
        assert_eq!(covering_networks("10.1.2.200", &[stored.length()]), [stored]);
        assert_eq!(Network::of_host("10.1.2.5", 33), None);
        assert_eq!(
            Network::of_host("2001:db8::1", 128).map(|n| n.length()),
            Some(PrefixLength { family: 6, len: 128 })
        );
    }

    #[test]
    fn text_that_is_not_an_address_gives_nothing() {
        assert!(covering_networks("dc01.corp.example", &[V4_HOST]).is_empty());
        assert!(covering_networks("10.0.0.0/8", &[V4_HOST]).is_empty());
    }
}
