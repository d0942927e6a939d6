//! The enrichment stage of the pipeline: before an alert reaches a queue, every one is looked
//! up in the asset inventory and the live threat-intelligence indicators, given a context
//! packet, and scored. Each enricher runs in isolation (see [`isolated`]); one that fails or
//! runs out of time is recorded in the packet and the alert goes on without it.

pub mod activity;
pub mod filter;
pub mod geo;
pub mod geo_setting;
pub mod identity;
pub mod isolated;
pub mod precision;

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use riposte_domain::alert::{Entity, EntityKind, Severity};
use riposte_domain::enrichment::packet::AddressPlace;
use riposte_domain::enrichment::prefixes::covering_networks;
use riposte_domain::enrichment::{
    AssetMatch, ContextPacket, EnricherOutcome, EnricherRun, IntelMatch, ScoreInput, domain_candidates, score,
};
use sqlx::PgConnection;

use crate::BackendError;
use crate::store::enrichment::{self as store, AssetHit, Enriched, IndicatorHit};
use crate::store::pipeline::Pending;
use filter::{ContextFilters, Key, KeyFilter};
use geo::{Geo, Places};
use isolated::{Isolated, Isolation};

/// Time each enricher has for one pipeline batch: a base, and more for each value it looks
/// up, so that a large batch under a backlog is not skipped for its size alone while one
/// slow lookup still cannot hold the pipeline for long.
pub const ENRICHER_BUDGET: Duration = Duration::from_secs(2);
pub const ENRICHER_BUDGET_PER_VALUE: Duration = Duration::from_micros(200);

pub fn budget(values: usize) -> Duration {
    ENRICHER_BUDGET + ENRICHER_BUDGET_PER_VALUE * u32::try_from(values).unwrap_or(u32::MAX)
}

/// One alert's score and context packet.
pub type Scored = (u8, ContextPacket);

/// What enrichment found for a batch, by alert id: later stages read it.
#[derive(Debug, Default)]
pub struct Enrichment {
    pub scores: HashMap<i64, u8>,
    pub packets: HashMap<i64, ContextPacket>,
}

impl Enrichment {
    /// One alert's score and packet, taken out.
    pub fn take(&mut self, alert_id: i64) -> Option<Scored> {
        Some((self.scores.remove(&alert_id)?, self.packets.remove(&alert_id)?))
    }

    fn insert(&mut self, alert_id: i64, (score, packet): Scored) {
        self.scores.insert(alert_id, score);
        self.packets.insert(alert_id, packet);
    }
}

/// The enrichment of a pipeline batch's `alerts`: what the enricher made ahead (`ahead`),
/// else what is stored (made ahead by another process, or before a restart), else made now.
pub async fn complete(
    conn: &mut PgConnection,
    alerts: &[&Pending],
    mut ahead: HashMap<i64, Scored>,
    filters: &tokio::sync::Mutex<ContextFilters>,
) -> Result<Enrichment, BackendError> {
    let mut done = Enrichment::default();
    let mut missing = Vec::new();
    for alert in alerts {
        match ahead.remove(&alert.alert_id) {
            Some(found) => done.insert(alert.alert_id, found),
            None => missing.push(alert.alert_id),
        }
    }
    if missing.is_empty() {
        return Ok(done);
    }
    for (alert_id, found) in store::stored_context(&mut *conn, &missing).await? {
        done.insert(alert_id, found);
    }
    let rest: Vec<&Pending> = alerts.iter().copied().filter(|a| !done.scores.contains_key(&a.alert_id)).collect();
    if rest.is_empty() {
        return Ok(done);
    }
    let made = enrich(conn, &rest, &mut *filters.lock().await).await?;
    done.scores.extend(made.scores);
    done.packets.extend(made.packets);
    Ok(done)
}

/// Enriches and scores `alerts` inside the caller's transaction, each enricher in a
/// savepoint. `filters` are the worker's in-memory key filters, kept from batch to batch.
pub async fn enrich(
    conn: &mut PgConnection,
    alerts: &[&Pending],
    filters: &mut ContextFilters,
) -> Result<Enrichment, BackendError> {
    enrich_in(conn, alerts, filters, Isolation::Savepoints).await
}

/// As [`enrich`], with the enrichers isolated as `isolation` says.
pub async fn enrich_in(
    conn: &mut PgConnection,
    alerts: &[&Pending],
    filters: &mut ContextFilters,
    isolation: Isolation,
) -> Result<Enrichment, BackendError> {
    if alerts.is_empty() {
        return Ok(Enrichment::default());
    }
    let started = time::OffsetDateTime::now_utc();
    let weights = store::load_weights(&mut *conn).await?;
    let probes = Probes::of(alerts);

    let mut assets =
        Isolated::begin(&mut *conn, budget(probes.addresses.len() + probes.hosts.len()), isolation).await?;
    let found = match_assets(assets.conn(), filters, &probes).await;
    let (asset_hits, assets_run) = assets.finish("assets", found, Vec::len).await?;

    let mut intel = Isolated::begin(&mut *conn, budget(probes.intel.len() + probes.addresses.len()), isolation).await?;
    let found = match_indicators(intel.conn(), filters, &probes).await;
    let (intel_hits, intel_run) = intel.finish("intel", found, Vec::len).await?;

    let (geo, mut geo_run) = open_geo(&mut *conn).await?;
    let mut places = Places::new(&geo);
    let users = alerts.iter().flat_map(|a| a.entities.0.iter()).filter(|e| e.kind == EntityKind::User).count();
    let mut people = Isolated::begin(&mut *conn, budget(users), isolation).await?;
    let found = identity::identities(people.conn(), alerts, &mut places).await;
    let (identities, identity_run) = people.finish("identity", found, |found| found.iter().map(Vec::len).sum()).await?;

    let mut traffic = Isolated::begin(&mut *conn, budget(probes.addresses.len()), isolation).await?;
    let found = activity::activity(traffic.conn(), alerts).await;
    let (activity, activity_run) =
        traffic.finish("activity", found, |found| found.values().filter(|a| a.events > 0).count()).await?;

    let mut track = Isolated::begin(&mut *conn, budget(alerts.len()), isolation).await?;
    let found = precision::records(track.conn(), alerts).await;
    let (records, precision_run) = track.finish("precision", found, HashMap::len).await?;

    if let Some(EnricherRun { outcome: EnricherOutcome::Ok { matches }, .. }) = &mut geo_run {
        let placed = probes.addresses.iter().filter(|a| places.of(a).is_some()).count();
        *matches = u32::try_from(placed).unwrap_or(u32::MAX);
    }
    let mut runs = vec![assets_run, intel_run, identity_run, activity_run, precision_run];
    runs.extend(geo_run);
    let mut by_probe: HashMap<&str, Vec<&AssetHit>> = HashMap::new();
    for hit in asset_hits.iter().flatten() {
        by_probe.entry(hit.probe.as_str()).or_default().push(hit);
    }
    let mut by_value: HashMap<(&str, &str), Vec<&IndicatorHit>> = HashMap::new();
    for hit in intel_hits.iter().flatten() {
        by_value.entry((hit.probe_kind.as_str(), hit.probe.as_str())).or_default().push(hit);
    }
    let packets: Vec<(ContextPacket, riposte_domain::enrichment::ScoreBreakdown)> = alerts
        .iter()
        .enumerate()
        .map(|(i, alert)| {
            let mut packet = packet_for(alert, &by_probe, &by_value);
            packet.precision =
                records.as_ref().and_then(|r| r.get(&(alert.source.clone(), alert.title.clone()))).copied();
            packet.identities = identities.as_ref().and_then(|all| all.get(i)).cloned().unwrap_or_default();
            for address in alert.entities.0.iter().filter(|e| e.kind == EntityKind::Ip).map(|e| e.value.as_str()) {
                if let Some(found) = activity.as_ref().and_then(|all| all.get(address)).filter(|a| a.events > 0) {
                    packet.activity.push(found.clone());
                }
                if let Some(place) = places.of(address) {
                    packet.places.push(AddressPlace {
                        address: address.to_owned(),
                        label: place.label(),
                        country: place.country,
                        asn: place.asn,
                    });
                }
            }
            packet.enrichers = runs.clone();
            let breakdown = score(&weights, &score_input(alert.severity, &packet));
            (packet, breakdown)
        })
        .collect();
    let rows: Vec<Enriched> = alerts
        .iter()
        .zip(&packets)
        .map(|(alert, (packet, breakdown))| Enriched {
            alert_id: alert.alert_id,
            packet,
            breakdown,
            received_at: alert.received_at,
        })
        .collect();
    store::save_context(&mut *conn, &rows, started).await?;
    let scores = alerts.iter().zip(&packets).map(|(a, (_, b))| (a.alert_id, b.score)).collect();
    let packets = alerts.iter().zip(packets).map(|(a, (p, _))| (a.alert_id, p)).collect();
    Ok(Enrichment { scores, packets })
}

/// The GeoIP databases configured, if any; one that cannot be read is reported as the
/// `geoip` enricher failing, and the alert goes on without places.
async fn open_geo(conn: &mut PgConnection) -> Result<(Geo, Option<EnricherRun>), BackendError> {
    let setting = crate::store::identity::geo_setting(&mut *conn).await?;
    let started = std::time::Instant::now();
    let opened = Geo::open(setting.city_path.as_deref(), setting.asn_path.as_deref());
    let elapsed_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
    Ok(match opened {
        Ok(geo) if geo.is_configured() => {
            let run = EnricherRun { name: "geoip".into(), outcome: EnricherOutcome::Ok { matches: 0 }, elapsed_ms };
            (geo, Some(run))
        }
        Ok(geo) => (geo, None),
        Err(error) => {
            tracing::warn!(%error, "GeoIP databases skipped");
            (
                Geo::default(),
                Some(EnricherRun { name: "geoip".into(), outcome: EnricherOutcome::Failed { error }, elapsed_ms }),
            )
        }
    })
}

/// When an alert happened, as far as its source says (else when it arrived).
pub(crate) fn alert_time(alert: &Pending) -> time::OffsetDateTime {
    alert.event_time.unwrap_or(alert.received_at)
}

/// For each key the batch's alerts carry, the time of its latest alert: what the per-key
/// enrichers (identity, activity) read history up to.
pub(crate) fn latest_times<'a, K, I>(
    alerts: &[&'a Pending],
    keys: impl Fn(&'a Pending) -> I,
) -> HashMap<K, time::OffsetDateTime>
where
    K: std::hash::Hash + Eq,
    I: IntoIterator<Item = K>,
{
    let mut latest = HashMap::new();
    for alert in alerts {
        let at = alert_time(alert);
        for key in keys(alert) {
            latest.entry(key).and_modify(|t: &mut time::OffsetDateTime| *t = (*t).max(at)).or_insert(at);
        }
    }
    latest
}

/// What the score is computed from: the alert's severity (OCSF id) and its context packet.
/// The back-test rebuilds the same input from stored packets.
pub fn score_input(severity: i16, packet: &ContextPacket) -> ScoreInput {
    ScoreInput {
        severity: Severity::from_ocsf_id(i64::from(severity)),
        asset: packet.top_asset().map(|a| (a.criticality, a.internet_facing)),
        intel_confidence: packet.top_intel().map(|m| m.confidence),
        precision: packet.precision.and_then(|p| Some((p.share()?, p.classified))),
        ..ScoreInput::default()
    }
}

/// Assets holding the batch's addresses or named by its hosts: only the values the filter
/// cannot rule out are looked up.
async fn match_assets(
    conn: &mut PgConnection,
    filters: &mut ContextFilters,
    probes: &Probes<'_>,
) -> Result<Vec<AssetHit>, BackendError> {
    let filter = filters.assets(&mut *conn).await?;
    let networks = probes.networks(filter);
    let hosts: Vec<&str> = probes
        .hosts
        .iter()
        .copied()
        .filter(|h| filter.may_hold(&Key::Name(h)) || filter.may_hold(&Key::Label(h)))
        .collect();
    if networks.is_empty() && hosts.is_empty() {
        return Ok(Vec::new());
    }
    store::match_assets(conn, &networks, &hosts).await
}

/// Live indicators equal to the batch's values or holding its addresses, looked up for the
/// values the filter cannot rule out.
async fn match_indicators(
    conn: &mut PgConnection,
    filters: &mut ContextFilters,
    probes: &Probes<'_>,
) -> Result<Vec<IndicatorHit>, BackendError> {
    let filter = filters.indicators(&mut *conn).await?;
    let networks = probes.networks(filter);
    let (kinds, values): (Vec<&str>, Vec<&str>) =
        probes.intel.iter().copied().filter(|(kind, value)| filter.may_hold(&Key::Value(kind, value))).unzip();
    if networks.is_empty() && kinds.is_empty() {
        return Ok(Vec::new());
    }
    store::match_indicators(conn, &kinds, &values, &networks).await
}

/// The distinct values a batch looks up.
struct Probes<'a> {
    addresses: Vec<&'a str>,
    hosts: Vec<&'a str>,
    /// (indicator kind, value) pairs compared for equality.
    intel: BTreeSet<(&'static str, &'a str)>,
}

impl<'a> Probes<'a> {
    fn of(alerts: &[&'a Pending]) -> Probes<'a> {
        let mut addresses = BTreeSet::new();
        let mut hosts = BTreeSet::new();
        let mut intel = BTreeSet::new();
        for entity in alerts.iter().flat_map(|a| a.entities.0.iter()) {
            match entity.kind {
                EntityKind::Ip => addresses.insert(entity.value.as_str()),
                EntityKind::Host => hosts.insert(entity.value.as_str()),
                _ => false,
            };
            intel.extend(intel_keys(entity));
        }
        Probes { addresses: addresses.into_iter().collect(), hosts: hosts.into_iter().collect(), intel }
    }

    /// Each address paired with every network holding it that `filter` may hold: the
    /// ranges to look up by equality.
    fn networks(&self, filter: &KeyFilter) -> Vec<(&'a str, String)> {
        self.addresses
            .iter()
            .flat_map(|address| {
                covering_networks(address, filter.lengths())
                    .into_iter()
                    .filter(|net| filter.may_hold(&Key::Net(*net)))
                    .map(move |net| (*address, net.to_string()))
            })
            .collect()
    }
}

/// The (indicator kind, value) pairs an entity is looked up under: addresses as they are,
/// host and domain names with each parent domain, URLs, hashes and e-mail addresses as they are.
fn intel_keys(entity: &Entity) -> Vec<(&'static str, &str)> {
    let value = entity.value.as_str();
    match entity.kind {
        EntityKind::Ip | EntityKind::Url | EntityKind::Hash | EntityKind::Email => vec![(entity.kind.as_str(), value)],
        EntityKind::Host | EntityKind::Domain => domain_candidates(value).map(|d| ("domain", d)).collect(),
        _ => Vec::new(),
    }
}

fn packet_for(
    alert: &Pending,
    assets: &HashMap<&str, Vec<&AssetHit>>,
    intel: &HashMap<(&str, &str), Vec<&IndicatorHit>>,
) -> ContextPacket {
    let mut packet = ContextPacket::default();
    for entity in &alert.entities.0 {
        let value = entity.value.as_str();
        if matches!(entity.kind, EntityKind::Ip | EntityKind::Host) {
            for hit in assets.get(value).into_iter().flatten() {
                if packet.assets.iter().any(|a| a.asset_id == hit.asset_id && a.entity == *entity) {
                    continue;
                }
                packet.assets.push(AssetMatch {
                    entity: entity.clone(),
                    asset_id: hit.asset_id,
                    name: hit.name.clone(),
                    criticality: u8::try_from(hit.criticality).unwrap_or(1),
                    internet_facing: hit.internet_facing,
                    owner: hit.owner.clone(),
                    service: hit.service.clone(),
                    segment: hit.segment.clone(),
                    tags: hit.tags.clone(),
                });
            }
        }
        for hit in intel_keys(entity).iter().filter_map(|k| intel.get(k)).flatten() {
            let Some(indicator) = hit.stored.indicator() else { continue };
            packet.intel.push(IntelMatch {
                entity: entity.clone(),
                kind: indicator.kind,
                indicator: indicator.value,
                source: indicator.source,
                confidence: indicator.confidence,
                tlp: indicator.tlp,
                description: indicator.description,
                expires_at_ms: indicator.expires_at_ms,
            });
        }
    }
    packet
}
