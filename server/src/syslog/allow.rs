//! Which peers may send syslog: a list of networks (`10.0.0.0/8`, `192.0.2.7`). Empty
//! means everyone, for operators who filter at the firewall.

use std::net::IpAddr;
use std::str::FromStr;

#[derive(Debug, Clone, Default)]
pub struct AllowList(Vec<(IpAddr, u8)>);

impl AllowList {
    pub fn new(networks: &[String]) -> Result<AllowList, String> {
        networks.iter().map(|n| parse_network(n)).collect::<Result<_, _>>().map(AllowList)
    }

    pub fn allows(&self, peer: IpAddr) -> bool {
        let peer = match peer {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(peer),
            v4 => v4,
        };
        self.0.is_empty() || self.0.iter().any(|&(network, bits)| contains(network, bits, peer))
    }
}

fn parse_network(text: &str) -> Result<(IpAddr, u8), String> {
    let (addr, bits) = match text.split_once('/') {
        Some((addr, bits)) => (addr, Some(bits)),
        None => (text, None),
    };
    let addr = IpAddr::from_str(addr.trim()).map_err(|_| format!("{text:?} is not an address or network"))?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let bits = match bits {
        Some(bits) => {
            bits.trim().parse::<u8>().ok().filter(|b| *b <= max).ok_or(format!("{text:?}: bad prefix length"))?
        }
        None => max,
    };
    Ok((addr, bits))
}

fn contains(network: IpAddr, bits: u8, peer: IpAddr) -> bool {
    match (network, peer) {
        (IpAddr::V4(n), IpAddr::V4(p)) => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
            u32::from(n) & mask == u32::from(p) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(p)) => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
            u128::from(n) & mask == u128::from(p) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_and_single_addresses() {
        let list = AllowList::new(&["10.0.0.0/8".into(), "192.0.2.7".into(), "2001:db8::/32".into()]).expect("valid");
        assert!(list.allows("10.9.8.7".parse().expect("ip")));
        assert!(list.allows("::ffff:10.1.1.1".parse().expect("mapped")));
        assert!(list.allows("192.0.2.7".parse().expect("ip")));
        assert!(!list.allows("192.0.2.8".parse().expect("ip")));
        assert!(list.allows("2001:db8::1".parse().expect("ip")));
        assert!(AllowList::default().allows("203.0.113.1".parse().expect("ip")));
        assert!(AllowList::new(&["10.0.0.0/40".into()]).is_err());
    }
}
