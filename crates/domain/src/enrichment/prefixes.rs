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

/// The networks holding `address` at each of `lengths` of its family, written as PostgreSQL
/// reads an `inet` (`10.1.2.0/24`); none when `address` is not an address.
pub fn covering_networks(address: &str, lengths: &[PrefixLength]) -> Vec<String> {
    let Ok(ip) = address.trim().parse::<IpAddr>() else { return Vec::new() };
    let (family, bits, value) = match ip {
        IpAddr::V4(v4) => (4, 32u8, u128::from(u32::from(v4))),
        IpAddr::V6(v6) => (6, 128u8, u128::from(v6)),
    };
    lengths
        .iter()
        .filter(|l| l.family == family && l.len <= bits)
        .map(|l| {
            let host_bits = u32::from(bits - l.len);
            let network = if host_bits >= 128 { 0 } else { (value >> host_bits) << host_bits };
            let text = match ip {
                IpAddr::V4(_) => std::net::Ipv4Addr::from(u32::try_from(network).unwrap_or(0)).to_string(),
                IpAddr::V6(_) => std::net::Ipv6Addr::from(network).to_string(),
            };
            format!("{text}/{}", l.len)
        })
        .collect()
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
        assert_eq!(covering_networks("10.1.2.77", &all), ["10.1.2.77/32", "10.1.2.0/24", "0.0.0.0/0"]);
        assert_eq!(covering_networks("2001:db8:aa:1::5", &all), ["2001:db8:aa::/48"]);
    }

    #[test]
    fn text_that_is_not_an_address_gives_nothing() {
        assert!(covering_networks("dc01.corp.example", &[V4_HOST]).is_empty());
        assert!(covering_networks("10.0.0.0/8", &[V4_HOST]).is_empty());
    }
}
