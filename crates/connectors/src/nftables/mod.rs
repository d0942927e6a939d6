//! Linux nftables: blocks as timed elements in sets of Riposte's own table. The kernel
//! expires them by itself, so a block outlives neither its time to live nor a Riposte that
//! went away. Apply is idempotent (adding a present element only renews its timeout), undo
//! deletes only what a read-back found, and both are verified by reading the sets again.

pub mod order;
pub mod script;
pub mod transport;

use std::time::Duration;

use riposte_domain::containment::Direction;
use riposte_domain::enrichment::prefixes::Network;

use crate::ConnectorError;
pub use order::NftablesConfig;
pub use script::{Element, Layout, SetName};
pub use transport::{SshTarget, Transport};

/// How long one `nft` call may take (an SSH round trip included).
pub const CALL_TIMEOUT: Duration = Duration::from_secs(15);

/// One firewall.
#[derive(Debug, Clone)]
pub struct Nftables {
    pub layout: Layout,
    pub transport: Transport,
    pub timeout: Duration,
}

/// Where a network stands on the firewall: the sets holding exactly it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presence {
    pub held: Vec<(SetName, Element)>,
}

impl Presence {
    /// Whether the block is in every set its direction needs.
    pub fn blocks(&self, network: &Network, direction: Direction) -> bool {
        SetName::for_block(network, direction).iter().all(|set| self.held.iter().any(|(s, _)| s == set))
    }

    /// A line of evidence: which sets hold it and for how long.
    pub fn describe(&self) -> String {
        if self.held.is_empty() {
            return "in no set".into();
        }
        let parts: Vec<String> = self
            .held
            .iter()
            .map(|(set, element)| match element.expires_secs {
                Some(secs) => format!("{} (expires in {secs} s)", set.as_str()),
                None => set.as_str().to_owned(),
            })
            .collect();
        format!("in {}", parts.join(", "))
    }
}

impl Nftables {
    pub fn new(layout: Layout, transport: Transport) -> Nftables {
        Nftables { layout, transport, timeout: CALL_TIMEOUT }
    }

    pub fn device(&self) -> String {
        self.transport.device()
    }

    /// Creates the table, sets and rules where missing (and rewrites our rules); blocks in
    /// place are kept.
    pub async fn prepare(&self) -> Result<(), ConnectorError> {
        self.run_script(&self.layout.setup()).await
    }

    /// Reads the sets of `network`'s family (one listing of the table). An element that
    /// overlaps it without being it (a block of the surrounding range, say) is a conflict for
    /// a person to settle.
    pub async fn presence(&self, network: &Network) -> Result<Presence, ConnectorError> {
        let json = self.transport.nft(&self.layout.list_table_args(), None, self.timeout).await?;
        self.held_in(&json, network)
    }

    fn held_in(&self, json: &str, network: &Network) -> Result<Presence, ConnectorError> {
        let listed = script::parse_sets(json)
            .map_err(|e| ConnectorError::Unexpected { device: self.device(), detail: e.to_string() })?;
        let mut held = Vec::new();
        for set in SetName::ALL.into_iter().filter(|s| s.family == network.family) {
            let elements =
                listed.iter().find(|(name, _)| name == set.as_str()).map(|(_, e)| e.as_slice()).unwrap_or(&[]);
            for element in elements.iter().cloned() {
                if element.network == *network {
                    held.push((set, element));
                } else if element.network.overlaps(network) {
                    return Err(ConnectorError::Conflict {
                        device: self.device(),
                        detail: format!(
                            "{} already holds {} ({}), which overlaps {network}",
                            set.as_str(),
                            element.network,
                            element.comment.as_deref().unwrap_or("no comment")
                        ),
                    });
                }
            }
        }
        Ok(Presence { held })
    }

    /// Blocks `network` for `ttl_secs`, then reads it back: the block is verified only when
    /// every set its direction needs holds it. Two calls in the usual case (the add, then the
    /// read-back); a missing table, or rules someone removed, are created in a transaction
    /// with the block (counters of rules in place are kept), and a block in the way is named.
    pub async fn apply(
        &self,
        network: &Network,
        direction: Direction,
        ttl_secs: u32,
        action_id: i64,
    ) -> Result<Presence, ConnectorError> {
        let add = self.layout.add(network, direction, ttl_secs, action_id);
        let setup = self.layout.setup();
        match self.run_script(&add).await {
            Ok(()) => {}
            // An overlapping element: name the action that holds it.
            Err(ConnectorError::Conflict { device, detail }) => {
                let json = self.transport.nft(&self.layout.list_table_args(), None, self.timeout).await?;
                self.held_in(&json, network)?;
                return Err(ConnectorError::Conflict { device, detail });
            }
            // No table or set yet: create what is missing with the block.
            Err(ConnectorError::Refused { .. }) => self.run_script(&(setup.clone() + &add)).await?,
            Err(other) => return Err(other),
        }
        let json = self.transport.nft(&self.layout.list_table_args(), None, self.timeout).await?;
        let presence = self.held_in(&json, network)?;
        if script::count_drop_rules(&json).unwrap_or(0) < setup.matches("add rule").count() {
            // Someone removed our drop rules: the block would not bite. Put them back.
            self.run_script(&(setup + &add)).await?;
            return self.presence(network).await;
        }
        Ok(presence)
    }

    async fn run_script(&self, script: &str) -> Result<(), ConnectorError> {
        self.transport.nft(&["-f".into(), "-".into()], Some(script), self.timeout).await?;
        Ok(())
    }

    /// Removes `network` from every set holding it (nothing to do when none does), then
    /// reads it back.
    pub async fn undo(&self, network: &Network) -> Result<Presence, ConnectorError> {
        let before = self.presence(network).await?;
        if !before.held.is_empty() {
            let sets: Vec<SetName> = before.held.iter().map(|(set, _)| *set).collect();
            self.run_script(&self.layout.remove(network, &sets)).await?;
        }
        self.presence(network).await
    }

    /// Packets dropped so far, per set: evidence that a block holds.
    pub async fn drops(&self) -> Result<Vec<(String, u64)>, ConnectorError> {
        let json = self.transport.nft(&self.layout.list_table_args(), None, self.timeout).await?;
        script::parse_drops(&json)
            .map_err(|e| ConnectorError::Unexpected { device: self.device(), detail: e.to_string() })
    }
}
