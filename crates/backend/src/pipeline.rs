//! The post-commit pipeline. Ingest only stores and acknowledges; the later stages (storm
//! roll-up, enrichment and scoring, correlation) run here, in batches, off the ingest path.
//! Each new alert is queued in the `alert_pipeline` outbox by the statement that stores it,
//! so a crash between ingest's commit and the pipeline loses nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tokio::sync::{Notify, oneshot};

use crate::BackendError;
use crate::correlation;
use crate::enricher::{self, Stages};
use crate::enrichment;
use crate::escalation;
use crate::handoff::HandOff;
use crate::ingest::ALERTS_CHANNEL;
use crate::live;
use crate::store::pipeline::{self, Pending};
use crate::store::storms;

/// Alerts taken per pipeline transaction, when that many wait. Larger batches share more of
/// their writes (an entity's count, a storm's state, a key seen by many alerts is written
/// once per batch); this one is about three seconds of work under a backlog.
pub const BATCH: i64 = 20_000;
/// Picks up work another server process queued, when nothing woke this one.
const POLL: Duration = Duration::from_secs(1);
/// After a wake-up, lets more commits land first: under a stream of single alerts one batch
/// then carries many, and the pipeline's fixed cost per batch (a dozen statements) is paid
/// once for them all. Short enough that a queue shows a new alert at once to the eye.
const GATHER: Duration = Duration::from_millis(100);
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// Failures of one single-alert batch before that alert is let through unprocessed.
const MAX_ATTEMPTS: u32 = 3;

/// The running pipeline worker and its enricher; they stop when this is dropped.
pub struct Pipeline {
    /// Wakes the enricher, which wakes the pipeline in turn.
    wake: Arc<Notify>,
    stages: Arc<Stages>,
    _stop: [oneshot::Sender<()>; 2],
}

impl Pipeline {
    /// Starts the enricher and the worker, each on a thread, runtime and connections of its
    /// own: their long stretches of work (planning a batch of 20,000 alerts, a transaction of
    /// seconds) then hold no thread that answers requests and none of the shared pool's
    /// connections, and the two run side by side. The worker first drains whatever a
    /// previous run left.
    pub fn start(pool: PgPool) -> Pipeline {
        let wake = Arc::new(Notify::new());
        let pipeline_wake = Arc::new(Notify::new());
        let stages = Arc::new(Stages::default());
        let (stop_enricher, enricher_stopped) = oneshot::channel();
        let (stop_worker, worker_stopped) = oneshot::channel();
        let options = (*pool.connect_options()).clone();
        let (enricher_stages, woken, pipeline_woken) = (stages.clone(), wake.clone(), pipeline_wake.clone());
        on_own_thread("riposte-enricher", enricher::connect_options(options.clone()), 1, move |own| {
            enricher::run(own, enricher_stages, woken, pipeline_woken, enricher_stopped)
        });
        let worker = Worker { stages: stages.clone() };
        on_own_thread("riposte-pipeline", options, 3, move |own| run(own, worker, pipeline_wake, worker_stopped));
        Pipeline { wake, stages, _stop: [stop_enricher, stop_worker] }
    }

    /// A pipeline with no worker, for a process that stores no alerts (a command-line tool).
    pub fn idle() -> Pipeline {
        Pipeline {
            wake: Arc::new(Notify::new()),
            stages: Arc::default(),
            _stop: [oneshot::channel().0, oneshot::channel().0],
        }
    }

    /// The handle ingest pokes after each commit that stored new alerts.
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Where ingest leaves the alerts it committed for this pipeline.
    pub fn handoff(&self) -> Arc<HandOff> {
        self.stages.incoming.clone()
    }
}

/// Runs `work` on a thread with a runtime and up to `connections` database connections of
/// its own (a connection serves the runtime that opened it). A thread or runtime that cannot
/// be made is logged: the alerts wait in the outbox for another server process or a restart.
fn on_own_thread<F, W>(name: &str, options: PgConnectOptions, connections: u32, work: W)
where
    W: FnOnce(PgPool) -> F + Send + 'static,
    F: Future<Output = ()>,
{
    let thread = name.to_owned();
    let spawned = std::thread::Builder::new().name(thread.clone()).spawn(move || {
        let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(runtime) => runtime,
            Err(err) => {
                return tracing::error!(error = %err, thread, "alert pipeline: no runtime; alerts wait in the outbox");
            }
        };
        runtime.block_on(async move {
            let own = PgPoolOptions::new().max_connections(connections).connect_lazy_with(options);
            work(own.clone()).await;
            own.close().await;
        });
    });
    if let Err(err) = spawned {
        tracing::error!(error = %err, name, "alert pipeline: no thread; alerts wait in the outbox");
    }
}

/// What a pipeline worker keeps from one batch to the next.
#[derive(Debug, Default)]
pub struct Worker {
    /// Shared with this process's ingest and enricher (a worker of its own, as in tests,
    /// shares nothing and enriches every alert itself).
    stages: Arc<Stages>,
}

impl Worker {
    /// A worker that takes what `stages` hold.
    pub fn sharing(stages: Arc<Stages>) -> Worker {
        Worker { stages }
    }

    /// Brings the context filters up to date while no alert waits, so that the batch after
    /// an import does not pay for reading the new watchlist.
    async fn refresh(&mut self, pool: &PgPool) -> Result<(), BackendError> {
        let mut conn = pool.acquire().await?;
        let mut filters = self.stages.filters.lock().await;
        filters.assets(&mut conn).await?;
        filters.indicators(&mut conn).await?;
        Ok(())
    }
}

/// Runs one batch of at most `limit` alerts through every stage in one transaction, and tells
/// open queues. Returns how many alerts it took.
pub async fn run_batch(pool: &PgPool, limit: i64, worker: &mut Worker) -> Result<usize, BackendError> {
    let mut timer = StageTimer::start();
    let mut tx = pool.begin().await?;
    let ids = pipeline::claim(&mut tx, limit, worker.stages.enricher_frontier()).await?;
    let context = pipeline::claim_context(&mut tx, limit).await?;
    if ids.is_empty() && context.is_empty() {
        return Ok(0);
    }
    // The ids claimed are all ones the enricher has taken: once a chunk it has in hand
    // lands (it holds the filters meanwhile), `ready` has every one it will pass on.
    let taken = {
        let _landed = worker.stages.filters.lock().await;
        worker.stages.ready.take(&ids)
    };
    let (held, ahead) = enricher::split(taken);
    let claimed = pipeline::gather(&mut tx, ids, held).await?;
    timer.lap("claim");
    let rolled = storms::roll_up(&mut tx, &claimed.alerts).await?;
    timer.lap("storms");
    // Storm members add to their head's counts; the head stands for them in later stages.
    let singles: Vec<&Pending> = claimed.alerts.iter().filter(|a| !rolled.members.contains(&a.alert_id)).collect();
    let enriched = enrichment::complete(&mut tx, &singles, ahead, &worker.stages.filters).await?;
    timer.lap("enrich");
    let mut incidents = correlation::correlate(&mut tx, pool, &singles, &rolled, &enriched.scores).await?;
    timer.lap("correlate");
    incidents.extend(escalation::escalate(&mut tx, &claimed.alerts, &context, &enriched).await?);
    timer.lap("escalate");
    crate::containment::policies::run(&mut tx, &claimed.alerts, &enriched).await?;
    timer.lap("contain");
    let ids = claimed.ids;
    pipeline::finish(&mut tx, &ids).await?;
    // Delivered at commit, to every server process listening: open queues refresh.
    sqlx::query("select pg_notify($1, $2)")
        .bind(ALERTS_CHANNEL)
        .bind(serde_json::json!({ "created": ids.len() }).to_string())
        .execute(&mut *tx)
        .await?;
    live::incidents_changed(&mut tx, &incidents).await?;
    tx.commit().await?;
    timer.lap("commit");
    tracing::debug!(alerts = ids.len(), context = context.len(), stages = %timer, "alert pipeline: batch done");
    Ok(ids.len() + context.len())
}

/// Milliseconds per stage of one batch, for the debug log: where a slow pipeline spends.
pub(crate) struct StageTimer {
    last: Instant,
    laps: Vec<(&'static str, u128)>,
}

impl StageTimer {
    pub(crate) fn start() -> StageTimer {
        StageTimer { last: Instant::now(), laps: Vec::new() }
    }

    pub(crate) fn lap(&mut self, stage: &'static str) {
        let now = Instant::now();
        self.laps.push((stage, now.duration_since(self.last).as_millis()));
        self.last = now;
    }
}

impl std::fmt::Display for StageTimer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (stage, ms)) in self.laps.iter().enumerate() {
            write!(f, "{}{stage} {ms} ms", if i == 0 { "" } else { ", " })?;
        }
        Ok(())
    }
}

/// Runs batches until nothing waits; returns how many alerts passed. Tests and benchmarks
/// use it to settle; the worker uses it after each wake-up.
pub async fn run_until_idle(pool: &PgPool) -> Result<usize, BackendError> {
    let mut worker = Worker::default();
    let mut total = 0;
    loop {
        match run_batch(pool, BATCH, &mut worker).await? {
            0 => return Ok(total),
            n => total += n,
        }
    }
}

/// Runs batches while they come back full; a partial batch means the backlog is done, and
/// the worker waits to gather the next one rather than chase alerts one by one.
/// Returns how many alerts passed.
async fn run_while_full(pool: &PgPool, worker: &mut Worker) -> Result<usize, BackendError> {
    let mut total = 0;
    loop {
        let n = run_batch(pool, BATCH, worker).await?;
        total += n;
        if (n as i64) < BATCH {
            return Ok(total);
        }
    }
}

/// Forgets idle storm keys and sequence progress whose window has passed, under the
/// pipeline lock: only the pipeline writes them.
async fn prune(pool: &PgPool) -> Result<u64, BackendError> {
    let mut tx = pool.begin().await?;
    pipeline::lock(&mut tx).await?;
    let mut pruned = storms::prune_idle_states(&mut *tx).await?;
    let rules: Vec<String> = match escalation::rules::in_force(&mut tx).await? {
        Some(set) => set.rules.into_iter().map(|r| r.name).collect(),
        None => Vec::new(),
    };
    pruned += crate::store::escalation::prune_states(&mut tx, &rules).await?;
    tx.commit().await?;
    Ok(pruned)
}

async fn run(pool: PgPool, mut worker: Worker, wake: Arc<Notify>, mut stop: oneshot::Receiver<()>) {
    let mut last_prune: Option<Instant> = None;
    loop {
        let passed = match run_while_full(&pool, &mut worker).await {
            Ok(n) => n,
            Err(err) => {
                tracing::warn!(error = %err, "alert pipeline: batch failed; retrying alert by alert");
                isolate_failure(&pool, &mut worker).await;
                1
            }
        };
        // A batch checks the filters itself; an idle pass readies them for the next one.
        if passed == 0
            && let Err(err) = worker.refresh(&pool).await
        {
            tracing::warn!(error = %err, "alert pipeline: context filters not refreshed; the next batch will try");
        }
        if last_prune.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
            match prune(&pool).await {
                Ok(pruned) => tracing::debug!(pruned, "alert pipeline: idle storm keys and sequence states forgotten"),
                Err(err) => tracing::warn!(error = %err, "alert pipeline: pruning storm keys failed"),
            }
            last_prune = Some(Instant::now());
        }
        tokio::select! {
            () = wake.notified() => tokio::time::sleep(GATHER).await,
            () = tokio::time::sleep(POLL) => {}
            _ = &mut stop => return,
        }
    }
}

/// After a failed batch: runs alerts one at a time. One that fails again and again (say, a
/// row a newer version wrote) is let through unprocessed, with an error naming it, so that
/// it cannot stall every alert behind it; it stays stored and listed. A database that is
/// down fails every attempt and is simply retried on the next wake-up.
async fn isolate_failure(pool: &PgPool, worker: &mut Worker) {
    let mut attempts = 0;
    // The failing alert was within one batch; past that, batches resume.
    for _ in 0..BATCH {
        match run_batch(pool, 1, worker).await {
            Ok(0) => return,
            Ok(_) => attempts = 0,
            Err(err) => {
                attempts += 1;
                if attempts < MAX_ATTEMPTS {
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(attempts))).await;
                    continue;
                }
                match skip_oldest(pool).await {
                    Ok(Some(alert_id)) => {
                        tracing::error!(alert_id, error = %err, "alert pipeline: alert skipped after repeated failures")
                    }
                    Ok(None) => {}
                    // The database itself is failing: stop here, retry later.
                    Err(_) => return,
                }
                attempts = 0;
            }
        }
    }
}

async fn skip_oldest(pool: &PgPool) -> Result<Option<i64>, BackendError> {
    Ok(sqlx::query_scalar(
        "delete from alert_pipeline where alert_id = (select min(alert_id) from alert_pipeline) returning alert_id",
    )
    .fetch_optional(pool)
    .await?)
}
