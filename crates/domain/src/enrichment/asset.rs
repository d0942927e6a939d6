//! One entry of the asset inventory (CMDB): a host or a range of addresses, who owns it and
//! how much it matters.

use serde::{Deserialize, Serialize};

use crate::alert::{Entity, EntityKind};

pub const MAX_CRITICALITY: u8 = 5;
/// Assets per page of an inventory search.
pub const ASSET_PAGE_SIZE: i64 = 50;
const MAX_TEXT: usize = 200;
const MAX_LIST: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Asset {
    /// Host name, lower case; may be empty for a range.
    pub name: String,
    /// Addresses and ranges (`10.0.0.5`, `10.1.0.0/16`), canonical.
    pub addresses: Vec<String>,
    pub owner: String,
    pub service: String,
    /// 1 (lab machine) to 5 (domain controller, payment system).
    pub criticality: u8,
    pub segment: String,
    pub internet_facing: bool,
    /// Roles such as `domain-controller`, `dns`, `gateway`, `printer`.
    pub tags: Vec<String>,
    /// Containment connectors that control it.
    pub connectors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssetError {
    #[error("an asset needs a name or at least one address")]
    Unnamed,
    #[error("criticality must be 1 to 5, not {0}")]
    Criticality(i64),
    #[error("\"{0}\" is not an IP address or a range such as 10.0.0.0/24")]
    Address(String),
    #[error("{0} is longer than {MAX_TEXT} characters")]
    TooLong(&'static str),
    #[error("{0} lists more than {MAX_LIST} entries")]
    TooMany(&'static str),
}

impl AssetError {
    /// The field that is wrong, as the edit form names it.
    pub fn field(&self) -> &'static str {
        match self {
            AssetError::Unnamed => "name",
            AssetError::Criticality(_) => "criticality",
            AssetError::Address(_) => "addresses",
            AssetError::TooLong(field) | AssetError::TooMany(field) => field,
        }
    }
}

/// A stored asset: its id, its edit version (each change adds one, so two people editing it
/// cannot overwrite each other unseen), and who changed it last, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetRecord {
    pub id: i64,
    pub version: i32,
    pub asset: Asset,
    /// RFC 3339.
    pub updated_at: String,
    pub updated_by: String,
}

/// One page of an inventory search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AssetPage {
    pub assets: Vec<AssetRecord>,
    /// Assets the search matched in all.
    pub total: i64,
    pub offset: i64,
}

impl Asset {
    /// Normalises names and addresses and checks every field; the error names the field.
    pub fn validated(mut self) -> Result<Asset, AssetError> {
        self.name = self.name.trim().trim_end_matches('.').to_ascii_lowercase();
        self.addresses = self.addresses.iter().map(|a| canonical_address(a)).collect::<Result<_, _>>()?;
        self.addresses.sort();
        self.addresses.dedup();
        if self.name.is_empty() && self.addresses.is_empty() {
            return Err(AssetError::Unnamed);
        }
        if !(1..=MAX_CRITICALITY).contains(&self.criticality) {
            return Err(AssetError::Criticality(i64::from(self.criticality)));
        }
        for (field, value) in
            [("name", &self.name), ("owner", &self.owner), ("service", &self.service), ("segment", &self.segment)]
        {
            if value.chars().count() > MAX_TEXT {
                return Err(AssetError::TooLong(field));
            }
        }
        for (field, list) in [("tags", &mut self.tags), ("connectors", &mut self.connectors)] {
            *list = list.iter().map(|t| t.trim().to_ascii_lowercase()).filter(|t| !t.is_empty()).collect();
            list.sort();
            list.dedup();
            if list.len() > MAX_LIST {
                return Err(AssetError::TooMany(field));
            }
            if list.iter().any(|t| t.chars().count() > MAX_TEXT) {
                return Err(AssetError::TooLong(field));
            }
        }
        if self.addresses.len() > MAX_LIST {
            return Err(AssetError::TooMany("addresses"));
        }
        self.owner = self.owner.trim().to_owned();
        self.service = self.service.trim().to_owned();
        self.segment = self.segment.trim().to_owned();
        Ok(self)
    }

    /// Parses a criticality written in a file: a number 1 to 5.
    pub fn parse_criticality(text: &str) -> Result<u8, AssetError> {
        let n: i64 = text.trim().parse().map_err(|_| AssetError::Criticality(0))?;
        u8::try_from(n).ok().filter(|c| (1..=MAX_CRITICALITY).contains(c)).ok_or(AssetError::Criticality(n))
    }
}

/// An address (`10.0.0.5`) or a range (`10.0.0.0/24`) in canonical form.
pub fn canonical_address(text: &str) -> Result<String, AssetError> {
    let text = text.trim();
    let kind = if text.contains('/') { EntityKind::Cidr } else { EntityKind::Ip };
    Entity::new(kind, text, None).map(|e| e.value).ok_or_else(|| AssetError::Address(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset() -> Asset {
        Asset {
            name: "DC01.corp.example.".into(),
            addresses: vec!["10.0.0.10".into(), " 10.0.0.10".into(), "10.9.0.0/16".into()],
            criticality: 5,
            tags: vec!["Domain-Controller".into(), "".into()],
            ..Asset::default()
        }
    }

    #[test]
    fn names_addresses_and_tags_are_normalised() {
        let a = asset().validated().expect("valid");
        assert_eq!(a.name, "dc01.corp.example");
        assert_eq!(a.addresses, vec!["10.0.0.10", "10.9.0.0/16"]);
        assert_eq!(a.tags, vec!["domain-controller"]);
    }

    #[test]
    fn each_bad_field_is_named() {
        let bad = Asset { criticality: 7, ..asset() };
        assert_eq!(bad.validated(), Err(AssetError::Criticality(7)));
        let bad = Asset { addresses: vec!["10.0.0.300".into()], ..asset() };
        assert_eq!(
            bad.validated().expect_err("bad address").to_string(),
            "\"10.0.0.300\" is not an IP address or a range such as 10.0.0.0/24"
        );
        let bad = Asset { name: " ".into(), addresses: vec![], ..asset() };
        assert_eq!(bad.validated(), Err(AssetError::Unnamed));
        assert_eq!(Asset::parse_criticality("0"), Err(AssetError::Criticality(0)));
        assert_eq!(Asset::parse_criticality(" 4 "), Ok(4));
    }
}
