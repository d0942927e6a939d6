//! Demo mode's traffic, sent through the same adapters and store a sensor's would take:
//! real Suricata events (the committed suricata-verify sample) as EVE; firewall, IPS and
//! sshd lines (Check Point CEF, PAN-OS, FortiGate) as syslog; and IDS, firewall and Windows
//! logon events as a Splunk HEC body. Idempotent: dedup keys make a second start add nothing.

use riposte_backend::Backend;
use riposte_backend::ingest::ingest_with_context;
use riposte_backend::tokens::TokenIdentity;
use riposte_ingest::Batch;
use riposte_ingest::formats::parse_syslog_message;
use riposte_ingest::syslog::parse_header;

const EVE_SAMPLE: &str = include_str!("../../../crates/ingest/tests/fixtures/suricata-eve-sample.jsonl");
const SYSLOG_SAMPLE: &str = include_str!("../../tests/fixtures/syslog-mixed.log");
const HEC_SAMPLE: &str = include_str!("../../tests/fixtures/hec-mixed.json");

const DEMO_INVENTORY: &str = include_str!("demo_context/inventory.csv");
const DEMO_WATCHLIST: &str = include_str!("demo_context/watchlist.csv");

/// A small asset inventory and watchlist matching the samples' addresses, so that demo
/// alerts arrive enriched; loaded once, into an empty inventory.
pub async fn load_demo_context(backend: &Backend) -> anyhow::Result<()> {
    use riposte_backend::admin::Actor;
    use riposte_backend::context_sources::{ContextKind, ImportRequest, Payload, import_now};
    let mut conn = backend.pool.acquire().await?;
    let (assets, indicators, _) = riposte_backend::store::context_sources::counts(&mut conn).await?;
    let mut reports = Vec::new();
    if assets == 0 {
        let file = DEMO_INVENTORY.as_bytes();
        let payload = Payload::File { name: "demo", bytes: file };
        let request = ImportRequest { kind: ContextKind::Assets, format: "csv", source: "", payload };
        reports.push(import_now(backend, Actor::CommandLine, request).await?);
    }
    if indicators == 0 {
        let file = DEMO_WATCHLIST.as_bytes();
        let request = ImportRequest {
            kind: ContextKind::Indicators,
            format: "csv",
            source: "demo watchlist",
            payload: Payload::File { name: "demo", bytes: file },
        };
        reports.push(import_now(backend, Actor::CommandLine, request).await?);
    }
    let errors: Vec<_> = reports.iter().flat_map(|r| &r.errors).collect();
    anyhow::ensure!(errors.is_empty(), "the demo context files have bad rows: {errors:?}");
    Ok(())
}

/// Loads every sample; returns how many alerts were new.
pub async fn load_demo_traffic(backend: &Backend) -> anyhow::Result<usize> {
    let now_ms = crate::clock::now_ms();
    let eve = riposte_ingest::eve::parse_lines(EVE_SAMPLE.as_bytes(), "suricata");
    let (_, hec) = riposte_ingest::hec::parse_events(HEC_SAMPLE.as_bytes(), None, "splunk-forwarder", now_ms);
    let mut created = 0;
    for (name, batch) in [("suricata", eve), ("syslog", syslog_batch(now_ms)), ("splunk-forwarder", hec)] {
        for error in &batch.errors {
            tracing::warn!(sample = name, index = error.index, reason = %error.message, "demo record not understood");
        }
        let sender = TokenIdentity {
            token_id: 0,
            name: format!("demo {name}"),
            source: name.into(),
            scopes: vec!["ingest".into()],
        };
        let (stored, _) = ingest_with_context(backend, &sender, batch.alerts, batch.context).await?;
        created += stored.iter().filter(|s| s.created).count();
    }
    Ok(created)
}

fn syslog_batch(now_ms: i64) -> Batch {
    let mut batch = Batch::default();
    for (index, line) in SYSLOG_SAMPLE.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        match parse_header(line, now_ms) {
            Ok(message) => parse_syslog_message(&message, line, None, index, &mut batch),
            Err(reason) => batch.reject(index, reason),
        }
    }
    batch
}
