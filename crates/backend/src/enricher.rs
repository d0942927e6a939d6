//! The enricher: enriches alerts ahead of the pipeline, in small chunks that commit on their
//! own, as ingest commits them. An alert's context packet is then stored within milliseconds
//! of its arrival instead of waiting for its pipeline batch (up to 20,000 alerts under a
//! backlog), and the work runs beside the pipeline's correlation, on the other core.
//!
//! Only a head start: the pipeline still owns every alert. One the enricher did not reach
//! (another server process stored it, the hand-off was full, this process restarted, its
//! chunk failed) is enriched by the pipeline's batch, which first reuses a stored packet.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;
use tokio::sync::{Notify, oneshot};

use crate::BackendError;
use crate::enrichment::isolated::Isolation;
use crate::enrichment::{self, Enrichment, Scored, filter::ContextFilters};
use crate::handoff::{HandOff, Held};
use crate::store::pipeline::{Pending, read_pending};

/// Alerts per chunk: small enough that a chunk takes a few milliseconds (about 40 µs an
/// alert), large enough that its fixed cost (a dozen statements) is shared.
pub const CHUNK: usize = 64;
/// Values an alert is looked up by, at most in practice (addresses, names, parent domains).
const VALUES_PER_ALERT_AT_MOST: usize = 8;

/// An alert on its way to the pipeline, with its score and packet when the enricher made them.
#[derive(Debug)]
pub struct Ready {
    pub alert: Pending,
    pub enriched: Option<Scored>,
}

impl Held for Ready {
    fn alert_id(&self) -> i64 {
        self.alert.alert_id
    }
}

/// What ingest, the enricher and the pipeline of one process share.
#[derive(Debug)]
pub struct Stages {
    /// Alerts ingest committed, waiting for the enricher.
    pub incoming: Arc<HandOff>,
    /// Alerts the enricher passed on, waiting for the pipeline.
    pub ready: HandOff<Ready>,
    /// The in-memory key filters, held while enriching: by the enricher for a chunk, by the
    /// pipeline for what its batch still lacks. The pipeline takes it (briefly) before it
    /// takes from `ready`, so a chunk in flight lands there first and no alert is enriched
    /// twice here.
    pub filters: tokio::sync::Mutex<ContextFilters>,
    /// Set while an enricher runs: the pipeline then leaves it the alerts it has yet to take.
    running: AtomicBool,
}

impl Default for Stages {
    fn default() -> Self {
        Stages {
            incoming: Arc::new(HandOff::remembering_overflow()),
            ready: HandOff::default(),
            filters: tokio::sync::Mutex::default(),
            running: AtomicBool::new(false),
        }
    }
}

impl Stages {
    /// The oldest alert the running enricher has yet to take: the pipeline claims only
    /// older ones, rather than enrich in its large batch what the enricher does in chunks.
    pub fn enricher_frontier(&self) -> Option<i64> {
        if self.running.load(Ordering::Acquire) { self.incoming.oldest() } else { None }
    }
}

/// Marks the enricher as running for as long as it is held.
struct Running<'a>(&'a AtomicBool);

impl<'a> Running<'a> {
    fn mark(flag: &'a AtomicBool) -> Running<'a> {
        flag.store(true, Ordering::Release);
        Running(flag)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// Enriches what ingest hands over until stopped; after each chunk, and whenever woken, it
/// wakes the pipeline (alerts ingest could not hand over wait for it in the outbox alone).
pub(crate) async fn run(
    pool: PgPool,
    stages: Arc<Stages>,
    wake: Arc<Notify>,
    pipeline: Arc<Notify>,
    mut stop: oneshot::Receiver<()>,
) {
    let _running = Running::mark(&stages.running);
    loop {
        loop {
            let (mut chunk, passed_over) = stages.incoming.take_next(CHUNK);
            if chunk.is_empty() && passed_over.is_empty() {
                break;
            }
            if !passed_over.is_empty() {
                // Given while the hand-off was full: read back from the table.
                chunk = match read_back(&pool, &passed_over).await {
                    Ok(read) => read,
                    Err(err) => {
                        tracing::warn!(error = %err, "enricher: alerts not read back; the pipeline enriches them");
                        continue;
                    }
                };
            }
            enrich_chunk(&pool, &stages, chunk).await;
            pipeline.notify_one();
        }
        pipeline.notify_one();
        tokio::select! {
            () = wake.notified() => {}
            _ = &mut stop => return,
        }
    }
}

async fn read_back(pool: &PgPool, ids: &[i64]) -> Result<Vec<Pending>, BackendError> {
    let mut conn = pool.acquire().await?;
    read_pending(&mut conn, ids).await
}

/// Enriches one chunk, stores its packets and passes it on to the pipeline. A chunk
/// that fails is passed on unenriched: the pipeline's batch enriches it.
pub async fn enrich_chunk(pool: &PgPool, stages: &Stages, chunk: Vec<Pending>) {
    let started = std::time::Instant::now();
    let mut filters = stages.filters.lock().await;
    let waited = started.elapsed();
    // Storm members placed by ingest are counted on their head, which stands for them.
    let singles: Vec<&Pending> = chunk.iter().filter(|a| a.rollup_id.is_none()).collect();
    let mut enriched = match enrich_and_store(pool, &singles, &mut filters).await {
        Ok(enriched) => enriched,
        Err(err) => {
            tracing::warn!(error = %err, alerts = chunk.len(), "enricher: chunk failed; the pipeline enriches it");
            Enrichment::default()
        }
    };
    tracing::debug!(
        alerts = chunk.len(),
        waited_us = waited.as_micros() as u64,
        elapsed_us = started.elapsed().as_micros() as u64,
        "enricher: chunk done"
    );
    stages.ready.give(chunk.into_iter().map(|alert| {
        let enriched = enriched.take(alert.alert_id);
        Ready { alert, enriched }
    }));
}

/// Outside a transaction: each enricher's statements stand alone (a failed one aborts
/// nothing else, so no savepoints are needed), and one statement stores the packets. A dozen
/// round trips a chunk instead of forty: on a busy machine, each is a wait to be scheduled.
async fn enrich_and_store(
    pool: &PgPool,
    alerts: &[&Pending],
    filters: &mut ContextFilters,
) -> Result<Enrichment, BackendError> {
    let mut conn = pool.acquire().await?;
    enrichment::enrich_in(&mut conn, alerts, filters, Isolation::OwnStatements).await
}

/// The enricher's connection settings: each statement's time budget (an enricher's, for the
/// values of the largest chunk), and commits that do not wait for the disk: a crash may lose
/// a stored packet without harm (the alert's pipeline batch enriches it), and not waiting
/// spares ingest's commits.
pub fn connect_options(options: PgConnectOptions) -> PgConnectOptions {
    let budget = enrichment::budget(CHUNK * VALUES_PER_ALERT_AT_MOST);
    options.options([("statement_timeout", format!("{}ms", budget.as_millis())), ("synchronous_commit", "off".into())])
}

/// Splits what the pipeline took from `ready`: the alerts (`None` where the table must be
/// read) and the enrichment made ahead, by alert id.
pub fn split(taken: Vec<Option<Ready>>) -> (Vec<Option<Pending>>, HashMap<i64, Scored>) {
    let mut ahead = HashMap::new();
    let held = taken
        .into_iter()
        .map(|ready| {
            ready.map(|Ready { alert, enriched }| {
                if let Some(found) = enriched {
                    ahead.insert(alert.alert_id, found);
                }
                alert
            })
        })
        .collect();
    (held, ahead)
}
