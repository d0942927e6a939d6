//! Checks every connector applies to its settings, and the names Riposte gives the objects
//! it creates on a device.

use std::net::IpAddr;

use riposte_domain::enrichment::prefixes::Network;

use crate::ConfigError;

/// An http or https address with a host and no query, without a trailing slash; the error
/// names `field` and says what was wanted (`"the firewall's"`).
pub fn http_base(field: &str, text: &str, whose: &str) -> Result<String, ConfigError> {
    let url = reqwest::Url::parse(text.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some() && u.query().is_none())
        .ok_or_else(|| ConfigError::new(field, format!("give {whose} full http:// or https:// address")))?;
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Letters, digits, '.', '-' and '_', starting with a letter or digit: safe in a URL path, a
/// query string, XML, an xpath literal and a JSON body alike.
pub fn safe_name(field: &str, value: &str, max: usize) -> Result<String, ConfigError> {
    let value = value.trim();
    let fine = value.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && value.len() <= max
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if fine {
        Ok(value.to_owned())
    } else {
        Err(ConfigError::new(field, format!("{value:?}: 1 to {max} letters, digits, '.', '-' or '_'")))
    }
}

/// The single address of a /32 or /128, none for a wider range.
pub fn host_address(network: &Network) -> Option<IpAddr> {
    let text = network.to_string();
    let (address, _) = text.split_once('/')?;
    let ip: IpAddr = address.parse().ok()?;
    let width = if ip.is_ipv4() { 32 } else { 128 };
    (network.len == width).then_some(ip)
}

/// `riposte-203.0.113.7` for one address, `riposte-10.0.0.0-24` for a range; an IPv6
/// address's colons become '_' (not allowed in most devices' object names).
pub fn object_name(prefix: &str, network: &Network) -> String {
    match host_address(network) {
        Some(ip) => format!("{prefix}-{}", ip.to_string().replace(':', "_")),
        None => format!("{prefix}-{}", network.to_string().replace(':', "_").replace('/', "-")),
    }
}
