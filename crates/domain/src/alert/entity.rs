//! Entities (observables) extracted from alerts: the things that link alerts to each other,
//! to incidents, to assets and to intelligence. Values are normalised so equal things compare
//! equal (lowercase names, canonical addresses).

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Ip,
    Cidr,
    Port,
    Protocol,
    CommunityId,
    Host,
    User,
    Domain,
    Url,
    Hash,
    Email,
    Process,
    File,
}

impl EntityKind {
    pub const ALL: [EntityKind; 13] = [
        EntityKind::Ip,
        EntityKind::Cidr,
        EntityKind::Port,
        EntityKind::Protocol,
        EntityKind::CommunityId,
        EntityKind::Host,
        EntityKind::User,
        EntityKind::Domain,
        EntityKind::Url,
        EntityKind::Hash,
        EntityKind::Email,
        EntityKind::Process,
        EntityKind::File,
    ];

    /// The kind named by [`EntityKind::as_str`] (any case).
    pub fn parse(name: &str) -> Option<EntityKind> {
        let name = name.trim().to_ascii_lowercase();
        EntityKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Ip => "ip",
            EntityKind::Cidr => "cidr",
            EntityKind::Port => "port",
            EntityKind::Protocol => "protocol",
            EntityKind::CommunityId => "community_id",
            EntityKind::Host => "host",
            EntityKind::User => "user",
            EntityKind::Domain => "domain",
            EntityKind::Url => "url",
            EntityKind::Hash => "hash",
            EntityKind::Email => "email",
            EntityKind::Process => "process",
            EntityKind::File => "file",
        }
    }
}

/// Which side of the event an entity was on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityRole {
    Source,
    Destination,
}

impl EntityRole {
    /// `source` / `destination` (any case), or their short forms `src` / `dst` / `dest`.
    pub fn parse(name: &str) -> Option<EntityRole> {
        match name.trim().to_ascii_lowercase().as_str() {
            "source" | "src" => Some(EntityRole::Source),
            "destination" | "dst" | "dest" => Some(EntityRole::Destination),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EntityRole::Source => "source",
            EntityRole::Destination => "destination",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Entity {
    pub kind: EntityKind,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<EntityRole>,
}

impl Entity {
    /// Builds a normalised entity; `None` when the value is empty or not of that kind.
    pub fn new(kind: EntityKind, raw: &str, role: Option<EntityRole>) -> Option<Entity> {
        let value = normalise(kind, raw.trim())?;
        Some(Entity { kind, value, role })
    }
}

fn normalise(kind: EntityKind, raw: &str) -> Option<String> {
    if raw.is_empty() || raw.len() > 4096 {
        return None;
    }
    Some(match kind {
        EntityKind::Ip => raw.parse::<IpAddr>().ok()?.to_string(),
        EntityKind::Cidr => {
            let (addr, bits) = raw.split_once('/')?;
            let addr: IpAddr = addr.parse().ok()?;
            let bits: u8 = bits.parse().ok()?;
            if bits > if addr.is_ipv4() { 32 } else { 128 } {
                return None;
            }
            format!("{addr}/{bits}")
        }
        EntityKind::Port => raw.parse::<u16>().ok()?.to_string(),
        EntityKind::Host | EntityKind::Domain | EntityKind::Email | EntityKind::Protocol => {
            raw.trim_end_matches('.').to_ascii_lowercase()
        }
        EntityKind::Hash => {
            let lower = raw.to_ascii_lowercase();
            let hex = lower.bytes().all(|b| b.is_ascii_hexdigit());
            if !hex || !matches!(lower.len(), 32 | 40 | 64 | 128) {
                return None;
            }
            lower
        }
        EntityKind::User | EntityKind::Url | EntityKind::CommunityId | EntityKind::Process | EntityKind::File => {
            raw.to_owned()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_canonical() {
        let v6 = Entity::new(EntityKind::Ip, "2001:DB8:0:0::1", None).expect("ip");
        assert_eq!(v6.value, "2001:db8::1");
        assert!(Entity::new(EntityKind::Ip, "300.1.1.1", None).is_none());
        assert_eq!(Entity::new(EntityKind::Cidr, "10.0.0.0/8", None).expect("cidr").value, "10.0.0.0/8");
        assert!(Entity::new(EntityKind::Cidr, "10.0.0.0/33", None).is_none());
    }

    #[test]
    fn names_and_hashes_are_lowercased_and_checked() {
        assert_eq!(Entity::new(EntityKind::Domain, "Evil.Example.", None).expect("d").value, "evil.example");
        assert_eq!(Entity::new(EntityKind::Hash, &"AB".repeat(16), None).expect("md5").value, "ab".repeat(16));
        assert!(Entity::new(EntityKind::Hash, "xyz", None).is_none());
        assert!(Entity::new(EntityKind::Port, "70000", None).is_none());
        assert!(Entity::new(EntityKind::User, "   ", None).is_none());
    }
}
