//! Demo mode's traffic: real Suricata events (the committed suricata-verify sample) sent
//! through the same EVE adapter and store as a sensor's would be. Idempotent: dedup keys
//! make a second start add nothing.

use riposte_backend::Backend;
use riposte_backend::ingest::ingest_with_context;
use riposte_backend::tokens::TokenIdentity;

const EVE_SAMPLE: &str = include_str!("../../../crates/ingest/tests/fixtures/suricata-eve-sample.jsonl");

/// Loads the sample; returns how many alerts were new.
pub async fn load_demo_traffic(backend: &Backend) -> anyhow::Result<usize> {
    let sensor = TokenIdentity {
        token_id: 0,
        name: "demo sensor".into(),
        source: "suricata".into(),
        scopes: vec!["ingest".into()],
    };
    let batch = riposte_ingest::eve::parse_lines(EVE_SAMPLE.as_bytes(), &sensor.source);
    let (stored, _) = ingest_with_context(backend, &sensor, batch.alerts, batch.context).await?;
    Ok(stored.iter().filter(|s| s.created).count())
}
