//! Asset inventories: CSV with a header row, or a JSON array of objects, with the columns
//! `name`, `addresses`, `owner`, `service`, `criticality`, `segment`, `internet_facing`,
//! `tags`, `connectors` (lists separated by `;`, `,` or spaces).

use riposte_domain::enrichment::Asset;
use serde::Deserialize;

use crate::{ImportError, Parsed, list, read_csv, text};

pub fn from_csv(bytes: &[u8]) -> Result<Parsed<Asset>, ImportError> {
    read_csv(bytes, &["criticality"], |get| {
        let criticality = Asset::parse_criticality(&get(&["criticality"])).map_err(|e| e.to_string())?;
        let internet_facing = flag(&get(&["internet_facing", "exposure", "exposed"]))?;
        Asset {
            name: get(&["name", "hostname", "host"]),
            addresses: list(&get(&["addresses", "address", "ip", "ips", "range"])),
            owner: get(&["owner"]),
            service: get(&["service", "business_service"]),
            criticality,
            segment: get(&["segment", "vlan"]),
            internet_facing,
            tags: list(&get(&["tags"])),
            connectors: list(&get(&["connectors", "connector"])),
        }
        .validated()
        .map_err(|e| e.to_string())
    })
}

/// One asset as JSON; lists may be arrays or one string.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonAsset {
    #[serde(default, alias = "hostname")]
    name: String,
    #[serde(default, alias = "address")]
    addresses: OneOrMany,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    service: String,
    criticality: i64,
    #[serde(default)]
    segment: String,
    #[serde(default)]
    internet_facing: bool,
    #[serde(default)]
    tags: OneOrMany,
    #[serde(default)]
    connectors: OneOrMany,
}

#[derive(Deserialize, Default)]
#[serde(untagged)]
enum OneOrMany {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::None => Vec::new(),
            OneOrMany::One(s) => list(&s),
            OneOrMany::Many(v) => v,
        }
    }
}

pub fn from_json(bytes: &[u8]) -> Result<Parsed<Asset>, ImportError> {
    let text = text(bytes)?;
    let items: Vec<serde_json::Value> = match serde_json::from_str(text) {
        Ok(serde_json::Value::Array(items)) => items,
        Ok(_) => {
            return Err(ImportError::Shape {
                expected: "JSON array of assets",
                detail: "the top level is not an array".into(),
            });
        }
        Err(err) => return Err(ImportError::Json(err.to_string())),
    };
    let mut parsed = Parsed::default();
    for (index, item) in items.into_iter().enumerate() {
        let asset = serde_json::from_value::<JsonAsset>(item).map_err(|e| e.to_string()).and_then(|a| {
            let criticality = u8::try_from(a.criticality).unwrap_or(0);
            Asset {
                name: a.name,
                addresses: a.addresses.into_vec(),
                owner: a.owner,
                service: a.service,
                criticality,
                segment: a.segment,
                internet_facing: a.internet_facing,
                tags: a.tags.into_vec(),
                connectors: a.connectors.into_vec(),
            }
            .validated()
            .map_err(|e| match e {
                riposte_domain::enrichment::AssetError::Criticality(_) => {
                    format!("criticality must be 1 to 5, not {}", a.criticality)
                }
                other => other.to_string(),
            })
        });
        parsed.push(index + 1, asset);
    }
    Ok(parsed)
}

fn flag(cell: &str) -> Result<bool, String> {
    match cell.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "no" | "n" | "0" | "internal" => Ok(false),
        "true" | "yes" | "y" | "1" | "internet" | "internet-facing" | "external" => Ok(true),
        other => Err(format!("internet_facing must be yes or no, not \"{other}\"")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_inventory_with_bad_rows_names_each_one() {
        let file = "name,addresses,owner,criticality,internet_facing,tags\n\
                    dc01.corp.example,10.0.0.10,IT,5,no,domain-controller\n\
                    web01,203.0.113.10;10.0.1.10,Web team,4,yes,\n\
                    ,10.0.2.0/24,Print,1,no,printer\n\
                    broken,10.0.0.300,IT,3,no,\n\
                    nocrit,10.0.0.9,IT,9,no,\n\
                    odd,10.0.0.8,IT,2,maybe,\n";
        let parsed = from_csv(file.as_bytes()).expect("readable");
        assert_eq!(parsed.records.len(), 3);
        assert_eq!(parsed.records[1].addresses, vec!["10.0.1.10", "203.0.113.10"]);
        assert!(parsed.records[1].internet_facing);
        let rows: Vec<(usize, &str)> = parsed.errors.iter().map(|e| (e.row, e.message.as_str())).collect();
        assert_eq!(
            rows,
            vec![
                (4, "\"10.0.0.300\" is not an IP address or a range such as 10.0.0.0/24"),
                (5, "criticality must be 1 to 5, not 9"),
                (6, "internet_facing must be yes or no, not \"maybe\""),
            ]
        );
    }

    #[test]
    fn whole_file_problems_are_not_row_errors() {
        assert_eq!(from_csv(b"name,owner\nx,y\n"), Err(ImportError::MissingColumn("criticality")));
        assert_eq!(from_csv(b"  \n"), Err(ImportError::Empty));
        assert!(matches!(from_csv(b"criticality\n\xff\xfe\n"), Err(ImportError::NotText(_))));
        assert!(matches!(from_json(b"{\"name\":1}"), Err(ImportError::Shape { .. })));
        assert!(matches!(from_json(b"[{"), Err(ImportError::Json(_))));
    }

    #[test]
    fn a_json_inventory_takes_lists_or_strings() {
        let file = r#"[{"name":"fw01","addresses":["10.0.0.1"],"criticality":5,"tags":"gateway; firewall"},
                       {"name":"x","criticality":0},
                       {"name":"y","criticality":3,"colour":"red"}]"#;
        let parsed = from_json(file.as_bytes()).expect("readable");
        assert_eq!(parsed.records[0].tags, vec!["firewall", "gateway"]);
        assert_eq!(parsed.errors[0], crate::RowError { row: 2, message: "criticality must be 1 to 5, not 0".into() });
        assert_eq!(parsed.errors[1].row, 3);
        assert!(parsed.errors[1].message.contains("unknown field `colour`"), "{}", parsed.errors[1].message);
    }
}
