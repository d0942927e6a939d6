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

    /// Parses `203.0.113.7`, `203.0.113.0/24` or their IPv6 forms. A range with host bits set
    /// (`10.1.2.7/24`) is refused rather than silently widened: which was meant is unclear.
    pub fn parse(text: &str) -> Result<Network, NetworkError> {
        let text = text.trim();
        let (address, len) = match text.split_once('/') {
            Some((address, len)) => (address, Some(len)),
            None => (text, None),
        };
        let ip: IpAddr = address.parse().map_err(|_| NetworkError::NotAnAddress(text.to_owned()))?;
        let width = if ip.is_ipv4() { 32 } else { 128 };
        let len = match len {
            None => width,
            Some(len) => len
                .parse::<u8>()
                .ok()
                .filter(|l| *l <= width)
                .ok_or_else(|| NetworkError::BadLength(text.to_owned()))?,
        };
        let network = Network::holding(ip, len).ok_or_else(|| NetworkError::BadLength(text.to_owned()))?;
        if Network::holding(ip, width) != Some(Network { len: width, ..network }) {
            return Err(NetworkError::HostBitsSet(text.to_owned(), network.to_string()));
        }
        Ok(network)
    }

    /// Whether every address of `other` lies in this network.
    pub fn contains(&self, other: &Network) -> bool {
        self.family == other.family
            && self.len <= other.len
            && Network::holding_bits(self.family, other.bits, self.len) == Some(*self)
    }

    /// Whether the two share any address (one holds the other).
    pub fn overlaps(&self, other: &Network) -> bool {
        self.contains(other) || other.contains(self)
    }

    /// How many addresses it spans, saturating (an IPv6 /0 does not fit).
    pub fn size(&self) -> u128 {
        let width = if self.family == 4 { 32 } else { 128 };
        1u128.checked_shl(u32::from(width - self.len)).unwrap_or(u128::MAX)
    }

    fn holding_bits(family: u8, bits: u128, len: u8) -> Option<Network> {
        let ip = if family == 4 {
            IpAddr::V4(std::net::Ipv4Addr::from(u32::try_from(bits).ok()?))
        } else {
            IpAddr::V6(std::net::Ipv6Addr::from(bits))
        };
        Network::holding(ip, len)
    }
}

/// Written as text (`10.0.0.0/8`), read back through [`Network::parse`].
impl serde::Serialize for Network {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Network {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Network::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Why a text is not a network.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetworkError {
    #[error("{0:?} is not an IP address or range (expected 203.0.113.7 or 203.0.113.0/24)")]
    NotAnAddress(String),
    #[error("{0:?} has a prefix length that does not fit its address family")]
    BadLength(String),
    #[error("{0:?} has host bits set; the range is {1}")]
    HostBitsSet(String, String),
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
    fn networks_parse_strictly_and_nest() {
        let net = |t| Network::parse(t).expect(t);
        assert_eq!(net("203.0.113.7").to_string(), "203.0.113.7/32");
        assert_eq!(net(" 10.0.0.0/8 ").to_string(), "10.0.0.0/8");
        assert_eq!(net("2001:db8::/32").to_string(), "2001:db8::/32");
        assert!(
            matches!(Network::parse("10.1.2.7/24"), Err(NetworkError::HostBitsSet(_, range)) if range == "10.1.2.0/24")
        );
        assert!(matches!(Network::parse("10.0.0.0/33"), Err(NetworkError::BadLength(_))));
        assert!(matches!(Network::parse("10.0.0.0/x"), Err(NetworkError::BadLength(_))));
        assert!(matches!(Network::parse("dc01; rm -rf /"), Err(NetworkError::NotAnAddress(_))));
        assert!(Network::parse("").is_err());

        assert!(net("10.0.0.0/8").contains(&net("10.20.30.40")));
        assert!(net("10.0.0.0/8").contains(&net("10.0.0.0/8")));
        assert!(!net("10.20.30.40").contains(&net("10.0.0.0/8")));
        assert!(net("10.20.30.40").overlaps(&net("10.0.0.0/8")));
        assert!(!net("10.0.0.0/8").overlaps(&net("11.0.0.0/8")));
        assert!(!net("0.0.0.0/0").contains(&net("::1")), "families never mix");
        assert!(net("0.0.0.0/0").contains(&net("198.51.100.1")));
        assert_eq!(net("203.0.113.0/24").size(), 256);
        assert_eq!(net("::/0").size(), u128::MAX);
    }

    #[test]
    fn text_that_is_not_an_address_gives_nothing() {
        assert!(covering_networks("dc01.corp.example", &[V4_HOST]).is_empty());
        assert!(covering_networks("10.0.0.0/8", &[V4_HOST]).is_empty());
    }
}
