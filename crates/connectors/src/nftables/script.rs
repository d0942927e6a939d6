//! The nftables side of blocking, as text: a table of Riposte's own with one set per
//! direction and family (`flags interval, timeout`, so blocks expire by themselves in the
//! kernel even if Riposte is down), rules that drop what the sets hold and count it, and the
//! element statements for one block. Addresses only ever enter as [`Network`]s, whose text
//! is an address and a length and nothing else; names are checked before use.

use riposte_domain::containment::Direction;
use riposte_domain::enrichment::prefixes::Network;
use serde_json::Value;

/// One of the four sets: traffic from the target (`in`) or to it (`out`), by family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetName {
    pub outbound: bool,
    pub family: u8,
}

impl SetName {
    pub const ALL: [SetName; 4] = [
        SetName { outbound: false, family: 4 },
        SetName { outbound: false, family: 6 },
        SetName { outbound: true, family: 4 },
        SetName { outbound: true, family: 6 },
    ];

    pub fn as_str(self) -> &'static str {
        match (self.outbound, self.family) {
            (false, 4) => "blocked_in_v4",
            (false, _) => "blocked_in_v6",
            (true, 4) => "blocked_out_v4",
            (true, _) => "blocked_out_v6",
        }
    }

    /// The sets a block of `network` in `direction` goes into.
    pub fn for_block(network: &Network, direction: Direction) -> Vec<SetName> {
        let sides: &[bool] = match direction {
            Direction::Inbound => &[false],
            Direction::Outbound => &[true],
            Direction::Both => &[false, true],
        };
        sides.iter().map(|outbound| SetName { outbound: *outbound, family: network.family }).collect()
    }

    fn type_name(self) -> &'static str {
        if self.family == 4 { "ipv4_addr" } else { "ipv6_addr" }
    }

    fn selector(self) -> &'static str {
        match (self.outbound, self.family) {
            (false, 4) => "ip saddr",
            (false, _) => "ip6 saddr",
            (true, 4) => "ip daddr",
            (true, _) => "ip6 daddr",
        }
    }
}

/// Riposte's table on one firewall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    table: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an nftables table name is a lower-case letter then up to 31 letters, digits or '_', not {0:?}")]
pub struct BadTableName(pub String);

/// Hook priority of our chains: before the usual filter chains (0), so a block holds
/// whatever the site's own rules accept.
const PRIORITY: i32 = -10;

impl Layout {
    pub fn new(table: &str) -> Result<Layout, BadTableName> {
        let mut chars = table.chars();
        let fine = table.len() <= 32
            && chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if fine { Ok(Layout { table: table.to_owned() }) } else { Err(BadTableName(table.to_owned())) }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Creates what is missing and rewrites our three chains' rules; sets (and the blocks in
    /// them) are kept, so running it again, or after an upgrade, loses nothing. `nft -f`
    /// applies a script as one transaction.
    pub fn setup(&self) -> String {
        let t = &self.table;
        let mut script = format!("add table inet {t}\n");
        for set in SetName::ALL {
            script += &format!(
                "add set inet {t} {} {{ type {}; flags interval, timeout; }}\n",
                set.as_str(),
                set.type_name()
            );
        }
        let chains = [("input", false, true), ("forward", true, true), ("output", true, false)];
        for (chain, _, _) in chains {
            script += &format!(
                "add chain inet {t} {chain} {{ type filter hook {chain} priority {PRIORITY}; policy accept; }}\n"
            );
            script += &format!("flush chain inet {t} {chain}\n");
        }
        for (chain, outbound_here, inbound_here) in chains {
            for set in SetName::ALL.into_iter().filter(|s| if s.outbound { outbound_here } else { inbound_here }) {
                let name = set.as_str();
                script += &format!("add rule inet {t} {chain} {} @{name} counter drop\n", set.selector());
            }
        }
        script
    }

    /// Adds (or, when present, re-times) one block. The comment ties the element to its action.
    pub fn add(&self, network: &Network, direction: Direction, ttl_secs: u32, action_id: i64) -> String {
        SetName::for_block(network, direction)
            .into_iter()
            .map(|set| {
                format!(
                    "add element inet {} {} {{ {network} timeout {ttl_secs}s comment \"riposte action {action_id}\" }}\n",
                    self.table,
                    set.as_str()
                )
            })
            .collect()
    }

    /// Deletes the block from the sets named (those a read-back found it in: deleting an
    /// absent element fails the whole script).
    pub fn remove(&self, network: &Network, sets: &[SetName]) -> String {
        sets.iter()
            .map(|set| format!("delete element inet {} {} {{ {network} }}\n", self.table, set.as_str()))
            .collect()
    }

    /// `nft` arguments that print our table as JSON: every set with its elements, and every
    /// rule with its counter, in one call.
    pub fn list_table_args(&self) -> Vec<String> {
        ["-j", "list", "table", "inet", &self.table].map(str::to_owned).to_vec()
    }
}

/// One element of a set as the kernel holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub network: Network,
    /// Seconds until the kernel drops it by itself.
    pub expires_secs: Option<u64>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("nft printed something other than the expected JSON: {0}")]
pub struct UnexpectedOutput(pub String);

/// Each set's name and elements, from `nft -j list table` (or `list set`).
pub fn parse_sets(json: &str) -> Result<Vec<(String, Vec<Element>)>, UnexpectedOutput> {
    listing(json)?
        .iter()
        .filter_map(|item| item.get("set"))
        .map(|set| {
            let name = set["name"].as_str().unwrap_or_default().to_owned();
            let elements = match set.get("elem").and_then(Value::as_array) {
                Some(elements) => elements.iter().map(element).collect::<Result<_, _>>()?,
                None => Vec::new(),
            };
            Ok((name, elements))
        })
        .collect()
}

/// The items of an `nft -j` listing.
fn listing(json: &str) -> Result<Vec<Value>, UnexpectedOutput> {
    let mut value: Value = serde_json::from_str(json).map_err(|e| UnexpectedOutput(e.to_string()))?;
    match value["nftables"].take() {
        Value::Array(items) => Ok(items),
        _ => Err(UnexpectedOutput("no \"nftables\" array".into())),
    }
}

fn element(item: &Value) -> Result<Element, UnexpectedOutput> {
    // Plain elements print as their value; those with a timeout or comment as {"elem": {...}}.
    let (value, extra) = match item.get("elem") {
        Some(inner) => (&inner["val"], Some(inner)),
        None => (item, None),
    };
    let network = match value {
        Value::String(address) => Network::parse(address).ok(),
        Value::Object(map) => map.get("prefix").and_then(|p| {
            let len = u8::try_from(p["len"].as_u64()?).ok()?;
            Network::of_host(p["addr"].as_str()?, len)
        }),
        _ => None,
    }
    .ok_or_else(|| UnexpectedOutput(format!("an element that is not an address or prefix: {value}")))?;
    Ok(Element {
        network,
        expires_secs: extra.and_then(|e| e["expires"].as_u64()),
        comment: extra.and_then(|e| e["comment"].as_str()).map(str::to_owned),
    })
}

/// How many counted drop rules match a set, from `nft -j list table`: fewer than
/// [`Layout::setup`] writes means someone removed some.
pub fn count_drop_rules(json: &str) -> Result<usize, UnexpectedOutput> {
    let items = listing(json)?;
    Ok(items
        .iter()
        .filter_map(|item| item.get("rule")?["expr"].as_array())
        .filter(|exprs| {
            exprs.iter().any(|e| e["match"]["right"].as_str().is_some_and(|r| r.starts_with('@')))
                && exprs.iter().any(|e| e.get("counter").is_some())
        })
        .count())
}

/// Packets dropped per set, from `nft -j list table`: each rule that matches `@set` and
/// counts adds its counter.
pub fn parse_drops(json: &str) -> Result<Vec<(String, u64)>, UnexpectedOutput> {
    let items = listing(json)?;
    let mut drops: Vec<(String, u64)> = Vec::new();
    for rule in items.iter().filter_map(|item| item.get("rule")) {
        let Some(exprs) = rule["expr"].as_array() else { continue };
        let set = exprs.iter().find_map(|e| e["match"]["right"].as_str().and_then(|r| r.strip_prefix('@')));
        let packets = exprs.iter().find_map(|e| e["counter"]["packets"].as_u64());
        if let (Some(set), Some(packets)) = (set, packets) {
            match drops.iter_mut().find(|(name, _)| name == set) {
                Some((_, total)) => *total += packets,
                None => drops.push((set.to_owned(), packets)),
            }
        }
    }
    Ok(drops)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(text: &str) -> Network {
        Network::parse(text).expect(text)
    }

    #[test]
    fn table_names_are_checked() {
        assert!(Layout::new("riposte").is_ok());
        assert!(Layout::new("soc_containment2").is_ok());
        for bad in ["", "Riposte", "2fast", "a b", "x;flush ruleset", &"a".repeat(33)] {
            assert!(Layout::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn setup_keeps_sets_and_rewrites_only_our_rules() {
        let script = Layout::new("riposte").expect("name").setup();
        assert!(script.starts_with("add table inet riposte\n"));
        assert!(script.contains("add set inet riposte blocked_in_v4 { type ipv4_addr; flags interval, timeout; }"));
        assert!(script.contains("add set inet riposte blocked_out_v6 { type ipv6_addr; flags interval, timeout; }"));
        assert!(!script.contains("delete") && !script.contains("flush set") && !script.contains("flush ruleset"));
        assert!(script.contains("flush chain inet riposte input\n"));
        assert!(script.contains("add rule inet riposte input ip saddr @blocked_in_v4 counter drop\n"));
        assert!(script.contains("add rule inet riposte output ip6 daddr @blocked_out_v6 counter drop\n"));
        assert!(!script.contains("input ip daddr"), "inbound chains match sources only");
        assert_eq!(script.matches("add rule").count(), 2 + 4 + 2);
    }

    #[test]
    fn a_block_goes_into_the_sets_of_its_direction_and_family() {
        let layout = Layout::new("riposte").expect("name");
        assert_eq!(
            layout.add(&net("203.0.113.7"), Direction::Inbound, 3600, 42),
            "add element inet riposte blocked_in_v4 { 203.0.113.7/32 timeout 3600s comment \"riposte action 42\" }\n"
        );
        let both = layout.add(&net("2001:db8::/64"), Direction::Both, 600, 7);
        assert!(both.contains("blocked_in_v6 { 2001:db8::/64 timeout 600s"));
        assert!(both.contains("blocked_out_v6 { 2001:db8::/64 timeout 600s"));
        assert_eq!(
            layout.remove(&net("203.0.113.0/24"), &[SetName { outbound: true, family: 4 }]),
            "delete element inet riposte blocked_out_v4 { 203.0.113.0/24 }\n"
        );
    }

    /// What nft 1.0.6 printed for a set holding a range and an address with a comment.
    const LISTED: &str = r#"{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"set": {"family": "inet", "name": "s", "table": "t", "type": "ipv4_addr", "handle": 1, "flags": ["interval", "timeout"], "elem": [{"elem": {"val": {"prefix": {"addr": "198.51.100.0", "len": 24}}, "timeout": 1800, "expires": 1799}}, {"elem": {"val": "203.0.113.7", "timeout": 3600, "expires": 3599, "comment": "riposte action 42"}}]}}]}"#;

    #[test]
    fn a_listed_set_reads_back_as_networks() {
        let sets = parse_sets(LISTED).expect("parsed");
        assert_eq!(sets.len(), 1);
        let (name, elements) = &sets[0];
        assert_eq!(name, "s");
        assert_eq!(elements.len(), 2);
        assert_eq!(elements[0].network, net("198.51.100.0/24"));
        assert_eq!(elements[0].expires_secs, Some(1799));
        assert_eq!(
            elements[1],
            Element {
                network: net("203.0.113.7"),
                expires_secs: Some(3599),
                comment: Some("riposte action 42".into())
            }
        );
        let empty = r#"{"nftables": [{"metainfo": {}}, {"set": {"name": "s", "elem": null}}]}"#;
        assert_eq!(parse_sets(empty), Ok(vec![("s".to_owned(), Vec::new())]));
        assert!(parse_sets("Error: No such file or directory").is_err());
        assert!(parse_sets(r#"{"nftables": [{"set": {"elem": [{"elem": {"val": {"range": [1, 2]}}}]}}]}"#).is_err());
    }

    #[test]
    fn drop_counters_are_summed_per_set() {
        let listing = r#"{"nftables": [{"metainfo": {}}, {"table": {"name": "riposte"}},
            {"rule": {"chain": "input", "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": "@blocked_in_v4"}}, {"counter": {"packets": 5, "bytes": 300}}, {"drop": null}]}},
            {"rule": {"chain": "forward", "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": "@blocked_in_v4"}}, {"counter": {"packets": 2, "bytes": 120}}, {"drop": null}]}},
            {"rule": {"chain": "output", "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": "@blocked_out_v4"}}, {"counter": {"packets": 0, "bytes": 0}}, {"drop": null}]}}]}"#;
        assert_eq!(parse_drops(listing), Ok(vec![("blocked_in_v4".into(), 7), ("blocked_out_v4".into(), 0)]));
    }
}
