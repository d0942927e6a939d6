//! In-memory filters of the asset and indicator keys that exist, kept by a pipeline worker
//! between batches. Most of a batch's values match nothing; a filter rules those out
//! without a database probe, and only the few that may match are looked up (the lookup
//! still decides, expiry included). A filter holds hashes, never misses a stored key, and
//! is rebuilt when the table's generation counter moves (migration 0019).

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};

use riposte_domain::enrichment::prefixes::{Network, PrefixLength};
use sqlx::PgConnection;

use crate::BackendError;
use crate::store::enrichment::{self as store, ContextTable};

/// A key a stored asset or indicator can be found under.
#[derive(Debug, Hash)]
pub enum Key<'a> {
    /// An indicator compared for equality: (kind, value).
    Value(&'a str, &'a str),
    /// An asset's address or range, or a range indicator.
    Net(Network),
    /// An asset's full host name.
    Name(&'a str),
    /// The first label of an asset's host name (`dc01` of `dc01.corp.example`).
    Label(&'a str),
}

impl Key<'_> {
    fn hashed(&self) -> u64 {
        // Fixed keys: the same key hashes the same way for the life of the process.
        let mut hasher = DefaultHasher::new();
        self.hash(&mut hasher);
        hasher.finish()
    }
}

/// The keys one table held at one generation.
#[derive(Debug, Default)]
pub struct KeyFilter {
    generation: i64,
    keys: HashSet<u64>,
    lengths: Vec<PrefixLength>,
}

impl KeyFilter {
    pub fn insert(&mut self, key: &Key) {
        if let Key::Net(net) = key
            && !self.lengths.contains(&net.length())
        {
            self.lengths.push(net.length());
        }
        self.keys.insert(key.hashed());
    }

    /// False only when no stored row has this key.
    pub fn may_hold(&self, key: &Key) -> bool {
        self.keys.contains(&key.hashed())
    }

    /// The (family, prefix length) pairs of the stored ranges.
    pub fn lengths(&self) -> &[PrefixLength] {
        &self.lengths
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// The filters one pipeline worker keeps.
#[derive(Debug, Default)]
pub struct ContextFilters {
    assets: Option<KeyFilter>,
    indicators: Option<KeyFilter>,
}

impl ContextFilters {
    /// The asset filter, rebuilt first if assets changed since it was built.
    pub async fn assets(&mut self, conn: &mut PgConnection) -> Result<&KeyFilter, BackendError> {
        current(&mut self.assets, conn, ContextTable::Assets).await
    }

    /// The indicator filter (live indicators only), rebuilt first if indicators changed.
    pub async fn indicators(&mut self, conn: &mut PgConnection) -> Result<&KeyFilter, BackendError> {
        current(&mut self.indicators, conn, ContextTable::Indicators).await
    }
}

async fn current<'f>(
    slot: &'f mut Option<KeyFilter>,
    conn: &mut PgConnection,
    table: ContextTable,
) -> Result<&'f KeyFilter, BackendError> {
    // Read before the keys: a change committed in between is loaded now and merely
    // loaded again next time, never missed.
    let generation = store::context_generation(&mut *conn, table).await?;
    if slot.as_ref().is_none_or(|f| f.generation != generation) {
        let started = std::time::Instant::now();
        let mut filter = KeyFilter { generation, ..KeyFilter::default() };
        match table {
            ContextTable::Assets => load_assets(&mut *conn, &mut filter).await?,
            ContextTable::Indicators => load_indicators(&mut *conn, &mut filter).await?,
        }
        tracing::debug!(
            ?table,
            generation,
            keys = filter.len(),
            ms = started.elapsed().as_millis(),
            "context filter built"
        );
        *slot = Some(filter);
    }
    Ok(slot.as_ref().expect("filled above"))
}

/// Every asset's addresses, ranges, host names and first labels.
async fn load_assets(conn: &mut PgConnection, filter: &mut KeyFilter) -> Result<(), BackendError> {
    for (host, len) in store::asset_networks(&mut *conn).await? {
        if let Some(net) = network(&host, len) {
            filter.insert(&Key::Net(net));
        }
    }
    for name in store::asset_names(conn).await? {
        filter.insert(&Key::Name(&name));
        filter.insert(&Key::Label(name.split('.').next().unwrap_or(&name)));
    }
    Ok(())
}

/// Indicator rows read per statement while building a filter: memory stays bounded
/// whatever the watchlists hold.
const INDICATOR_PAGE: i64 = 50_000;

/// Every live indicator's (kind, value), and each range's network.
async fn load_indicators(conn: &mut PgConnection, filter: &mut KeyFilter) -> Result<(), BackendError> {
    let mut after = 0;
    loop {
        let page = store::live_indicator_keys(&mut *conn, after, INDICATOR_PAGE).await?;
        for (_, kind, value, host, len) in &page {
            filter.insert(&Key::Value(kind, value));
            if let Some(net) = host.as_deref().zip(*len).and_then(|(host, len)| network(host, len)) {
                filter.insert(&Key::Net(net));
            }
        }
        match page.last() {
            Some((id, ..)) if page.len() as i64 == INDICATOR_PAGE => after = *id,
            _ => return Ok(()),
        }
    }
}

/// A stored range from PostgreSQL's `host(net)` and `masklen(net)`.
fn network(host: &str, len: i32) -> Option<Network> {
    Network::of_host(host, u8::try_from(len).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_holds_what_was_inserted_and_the_range_lengths() {
        let mut filter = KeyFilter::default();
        let range = Network::of_host("10.1.2.0", 24).expect("range");
        filter.insert(&Key::Value("ip", "203.0.113.9"));
        filter.insert(&Key::Net(range));
        filter.insert(&Key::Name("dc01.corp.example"));
        filter.insert(&Key::Label("dc01"));
        assert!(filter.may_hold(&Key::Value("ip", "203.0.113.9")));
        assert!(filter.may_hold(&Key::Net(Network::of_host("10.1.2.77", 24).expect("net"))));
        assert!(filter.may_hold(&Key::Label("dc01")));
        assert_eq!(filter.lengths(), [PrefixLength { family: 4, len: 24 }]);
    }

    #[test]
    fn kinds_do_not_mix() {
        let mut filter = KeyFilter::default();
        filter.insert(&Key::Value("domain", "evil.example"));
        filter.insert(&Key::Label("dc01"));
        assert!(!filter.may_hold(&Key::Value("url", "evil.example")));
        assert!(!filter.may_hold(&Key::Name("dc01")));
        assert!(!filter.may_hold(&Key::Value("ip", "203.0.113.9")));
    }
}
