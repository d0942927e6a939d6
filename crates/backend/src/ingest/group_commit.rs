//! Group commit: concurrent ingest requests share transactions. One request per transaction
//! would cap single-alert ingest at the disk's fsync rate; here each writer takes everything
//! queued since its last commit, writes it in one transaction and answers every request in
//! it. Pending work is bounded, and a full queue refuses new work at once (the HTTP layer
//! answers 429) instead of growing memory or timing out into a 5xx.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use riposte_domain::alert::{ContextEvent, NewAlert, StormPolicy};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, PgPool};
use tokio::sync::{Mutex, Notify, OwnedSemaphorePermit, Semaphore, mpsc, oneshot};

use super::storm_mirror::{Committed, StormMirror};
use crate::handoff::HandOff;
use crate::incidents::now_ms;
use crate::pipeline::Pipeline;
use crate::store::alerts::{self, Inserted, Stored, StormHint};
use crate::store::context_events;
use crate::store::pipeline::Pending;
use crate::storm_cache::{StormPolicyCache, policy_for};
use crate::{BackendError, IngestSettings};

type Outcome = Result<(Vec<Stored>, u64), BackendError>;
/// Each job's outcome, in order, and the alerts the write created (for the pipeline).
type Written = (Vec<(Vec<Stored>, u64)>, Vec<Pending>);

struct Job {
    alerts: Vec<NewAlert>,
    context: Vec<ContextEvent>,
    reply: oneshot::Sender<Outcome>,
    /// Held until the job is written: the queue's capacity is counted in records.
    _permit: OwnedSemaphorePermit,
}

impl Job {
    fn size(&self) -> usize {
        self.alerts.len() + self.context.len()
    }
}

/// The handle requests submit to. Writers stop when it is dropped.
pub struct IngestQueue {
    sender: mpsc::UnboundedSender<Job>,
    capacity: Arc<Semaphore>,
    max_pending: u32,
}

impl IngestQueue {
    /// Starts `settings.writers` writer tasks on the current runtime; after a commit that
    /// stored new alerts, each hands them to `pipeline` and wakes it.
    pub fn start(
        pool: PgPool,
        settings: IngestSettings,
        pipeline: &Pipeline,
        policies: Arc<StormPolicyCache>,
    ) -> IngestQueue {
        let (sender, receiver) = mpsc::unbounded_channel();
        let receiver = Arc::new(Mutex::new(receiver));
        let writing = Arc::new(AtomicUsize::new(0));
        let mirror = Arc::new(StormMirror::default());
        for _ in 0..settings.writers.max(1) {
            let writer = Writer {
                pool: pool.clone(),
                pipeline: pipeline.waker(),
                handoff: pipeline.handoff(),
                policies: policies.clone(),
                mirror: mirror.clone(),
                writing: writing.clone(),
            };
            tokio::spawn(run_writer(writer, receiver.clone(), settings.max_group.max(1)));
        }
        let max_pending = settings.max_pending.max(1);
        IngestQueue { sender, capacity: Arc::new(Semaphore::new(max_pending as usize)), max_pending }
    }

    /// Queues records and waits until they are committed.
    pub async fn submit(&self, alerts: Vec<NewAlert>, context: Vec<ContextEvent>) -> Outcome {
        // A batch larger than the whole queue still goes through, alone.
        let wanted = u32::try_from(alerts.len() + context.len()).unwrap_or(u32::MAX).min(self.max_pending);
        let permit = self
            .capacity
            .clone()
            .try_acquire_many_owned(wanted)
            .map_err(|_| BackendError::Overloaded { retry_after: Duration::from_secs(1) })?;
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Job { alerts, context, reply, _permit: permit })
            .map_err(|_| BackendError::Internal("the ingest writers have stopped".into()))?;
        answer.await.map_err(|_| BackendError::Internal("an ingest writer stopped mid-write".into()))?
    }

    /// Records accepted and not yet committed.
    pub fn pending(&self) -> u32 {
        self.max_pending - self.capacity.available_permits() as u32
    }

    /// Nine tenths full: health checks report it before senders are refused.
    pub fn saturated(&self) -> bool {
        u64::from(self.pending()) * 10 >= u64::from(self.max_pending) * 9
    }
}

/// What a writer task needs besides its queue.
struct Writer {
    pool: PgPool,
    /// Woken after a commit that stored new alerts.
    pipeline: Arc<Notify>,
    /// Given the alerts a commit stored.
    handoff: Arc<HandOff>,
    policies: Arc<StormPolicyCache>,
    /// Storms this process saw start, shared by its writers.
    mirror: Arc<StormMirror>,
    /// Writers in the middle of a write, this one included.
    writing: Arc<AtomicUsize>,
}

async fn run_writer(writer: Writer, receiver: Arc<Mutex<mpsc::UnboundedReceiver<Job>>>, max_group: usize) {
    let Writer { pool, pipeline, handoff, policies, mirror, writing } = &writer;
    let storms = Storms { policies, mirror };
    let mut own = OwnConnections::new(pool);
    // Requests in the previous group: about how many senders are waiting on us.
    let mut expected = 1;
    loop {
        let group = {
            let mut receiver = receiver.lock().await;
            let Some(first) = receiver.recv().await else { return };
            let group = gather(&mut receiver, first, max_group, expected).await;
            expected = group.len();
            group
        };
        let started = std::time::Instant::now();
        // Alone, a writer may spread a large group over two connections: one client sending
        // big batches otherwise keeps one database backend busy and leaves the other core idle.
        let alone = writing.fetch_add(1, Ordering::AcqRel) == 0;
        let written = own.write(storms, pool, &group, alone).await;
        tracing::debug!(
            requests = group.len(),
            records = group.iter().map(Job::size).sum::<usize>(),
            elapsed_us = started.elapsed().as_micros() as u64,
            alone,
            "ingest group written"
        );
        match written {
            Ok((outcomes, new)) => {
                hand_over(handoff, pipeline, new);
                for (job, outcome) in group.into_iter().zip(outcomes) {
                    let _ = job.reply.send(Ok(outcome));
                }
            }
            // One request's failure must not fail the others: write each on its own.
            Err(err) if group.len() > 1 => {
                tracing::warn!(error = %err, requests = group.len(), "group write failed; writing requests one by one");
                for job in group {
                    let outcome =
                        own.write(storms, pool, std::slice::from_ref(&job), false).await.map(|(mut outcomes, new)| {
                            hand_over(handoff, pipeline, new);
                            outcomes.remove(0)
                        });
                    let _ = job.reply.send(outcome);
                }
            }
            Err(err) => {
                if let Some(job) = group.into_iter().next() {
                    let _ = job.reply.send(Err(err));
                }
            }
        }
        writing.fetch_sub(1, Ordering::AcqRel);
    }
}

/// After a commit: the alerts it created go to the pipeline, which is woken for them.
fn hand_over(handoff: &HandOff, pipeline: &Notify, new: Vec<Pending>) {
    if !new.is_empty() {
        handoff.give(new);
        pipeline.notify_one();
    }
}

/// What a writer places alerts into storms with.
#[derive(Clone, Copy)]
struct Storms<'a> {
    policies: &'a StormPolicyCache,
    mirror: &'a StormMirror,
}

/// Each alert's storm key under the policy governing it (`governing`, same order), so that
/// the insert can place it straight into a storm already running (no second write of the row
/// later), with the head this process saw the storm start with. The pipeline still has the
/// last word on every placement.
fn storm_hints(
    mirror: &StormMirror,
    alerts: &[&NewAlert],
    governing: &[Option<&StormPolicy>],
    now_ms: i64,
) -> Vec<Option<StormHint>> {
    alerts
        .iter()
        .zip(governing)
        .map(|(alert, policy)| {
            policy.map(|policy| {
                let key = policy.storm_key(&alert.title, &alert.entities);
                let guess = mirror.guess(&alert.source, &key, policy.window_secs, now_ms);
                StormHint { key, window_secs: i32::try_from(policy.window_secs).unwrap_or(i32::MAX), guess }
            })
        })
        .collect()
}

/// Counts the alerts a write created into the mirror, so that the next write can place the
/// rest of a storm that has just started. Every slice is in the order of `alerts`.
fn count_storms(
    mirror: &StormMirror,
    alerts: &[&NewAlert],
    governing: &[Option<&StormPolicy>],
    hints: &[Option<StormHint>],
    stored: &[Stored],
    now_ms: i64,
) {
    let committed = alerts
        .iter()
        .zip(governing.iter().zip(hints))
        .zip(stored)
        .filter(|(_, stored)| stored.created)
        .filter_map(|((alert, (policy, hint)), stored)| {
            Some(Committed {
                policy: (*policy)?,
                source: &alert.source,
                key: &hint.as_ref()?.key,
                alert_id: stored.alert_id,
            })
        })
        .collect();
    mirror.record(committed, now_ms);
}

/// Lets a commit's worth of senders gather: when the last group held `expected` requests,
/// their senders are about to send again, each a moment apart. Taking only the first would
/// cost a whole commit for one request while the rest wait for the next, so the writer
/// lingers briefly for them. A lone sender (expected 1) never waits, nor does a group already
/// big enough that one commit is a small part of its cost (large batches keep both writers
/// busy instead).
const LINGER: Duration = Duration::from_micros(1500);
const LINGER_BELOW_RECORDS: usize = 256;

async fn gather(
    receiver: &mut mpsc::UnboundedReceiver<Job>,
    first: Job,
    max_group: usize,
    expected: usize,
) -> Vec<Job> {
    let mut size = first.size();
    let mut group = vec![first];
    let deadline = tokio::time::Instant::now() + LINGER;
    while size < max_group {
        let job = match receiver.try_recv() {
            Ok(job) => job,
            Err(_) if group.len() < expected && size < LINGER_BELOW_RECORDS => {
                match tokio::time::timeout_at(deadline, receiver.recv()).await {
                    Ok(Some(job)) => job,
                    _ => break,
                }
            }
            Err(_) => break,
        };
        size += job.size();
        group.push(job);
    }
    group
}

/// A writer's own connections rather than ones from the pool: handing out a pooled
/// connection costs a round trip (its health check) on every group, the most part of the
/// database time for a group of single alerts. Opened on first use, and again after a failure
/// (which may have left them unusable). The helper only serves to split a large group.
struct OwnConnections {
    options: PgConnectOptions,
    main: Option<PgConnection>,
    helper: Option<PgConnection>,
}

impl OwnConnections {
    fn new(pool: &PgPool) -> Self {
        let options = (*pool.connect_options())
            .clone()
            // The ingest statements take arrays and their plans do not depend on the contents;
            // planning each afresh (a custom plan) cost more than running it for a few alerts.
            .options([("plan_cache_mode", "force_generic_plan")]);
        Self { options, main: None, helper: None }
    }

    async fn main(&mut self) -> Result<&mut PgConnection, BackendError> {
        open(&mut self.main, &self.options, "riposte-ingest").await
    }

    async fn both(&mut self) -> Result<(&mut PgConnection, &mut PgConnection), BackendError> {
        let main = open(&mut self.main, &self.options, "riposte-ingest").await?;
        let helper = open(&mut self.helper, &self.options, "riposte-ingest-helper").await?;
        Ok((main, helper))
    }

    /// Writes a group; after a failure, the next write starts on fresh connections.
    async fn write(
        &mut self,
        storms: Storms<'_>,
        pool: &PgPool,
        group: &[Job],
        may_split: bool,
    ) -> Result<Written, BackendError> {
        let written = write_group(self, storms, pool, group, may_split).await;
        if written.is_err() {
            (self.main, self.helper) = (None, None);
        }
        written
    }
}

/// The connection in `slot`, opened (named `name` in `pg_stat_activity`) when there is none.
async fn open<'a>(
    slot: &'a mut Option<PgConnection>,
    options: &PgConnectOptions,
    name: &str,
) -> Result<&'a mut PgConnection, BackendError> {
    Ok(match slot {
        Some(conn) => conn,
        None => slot.insert(PgConnection::connect_with(&options.clone().application_name(name)).await?),
    })
}

/// Alerts a group needs before a lone writer splits it over two connections.
const SPLIT_FROM: usize = 64;

/// Writes every job's records in one transaction (two when `may_split` and the group is
/// large and has no context events); returns each job's outcome, in order.
async fn write_group(
    own: &mut OwnConnections,
    storms: Storms<'_>,
    pool: &PgPool,
    group: &[Job],
    may_split: bool,
) -> Result<Written, BackendError> {
    // Repeats within the group point at their first copy (one statement cannot insert a
    // key twice); only the first copy can count as created.
    let mut first_of: HashMap<(&str, &str), usize> = HashMap::new();
    let mut unique: Vec<&NewAlert> = Vec::new();
    let mut positions: Vec<Vec<(usize, bool)>> = Vec::with_capacity(group.len());
    for job in group {
        let mut position = Vec::with_capacity(job.alerts.len());
        for alert in &job.alerts {
            let key = (alert.source.as_str(), alert.dedup_key.0.as_str());
            match first_of.get(&key) {
                Some(&at) => position.push((at, false)),
                None => {
                    first_of.insert(key, unique.len());
                    position.push((unique.len(), true));
                    unique.push(alert);
                }
            }
        }
        positions.push(position);
    }
    let policies = storms.policies.get(pool).await?;
    let governing: Vec<Option<&StormPolicy>> = unique.iter().map(|a| policy_for(&policies, &a.source)).collect();
    let hints = storm_hints(storms.mirror, &unique, &governing, now_ms());
    let with_context = group.iter().any(|job| !job.context.is_empty());
    let mut new_context = Vec::with_capacity(group.len());
    let stored = if with_context {
        // Alerts and their context events commit together.
        let mut tx = own.main().await?.begin().await?;
        let stored = if unique.is_empty() {
            Inserted::default()
        } else {
            alerts::insert_alerts(&mut tx, &unique, &hints).await?
        };
        for job in group {
            new_context.push(context_events::insert_context_events(&mut tx, &job.context).await?);
        }
        tx.commit().await?;
        stored
    } else {
        // One statement is its own transaction: no BEGIN and COMMIT round trips.
        new_context.resize(group.len(), 0);
        if unique.is_empty() {
            Inserted::default()
        } else if may_split && unique.len() >= SPLIT_FROM {
            // Both halves commit before any request is answered. Should one fail, the other
            // stays stored, and the sender's retry finds its alerts as repeats: none is lost
            // or stored twice.
            let half = unique.len() / 2;
            let (main, helper) = own.both().await?;
            let (first, second) = tokio::try_join!(
                alerts::insert_alerts(main, &unique[..half], &hints[..half]),
                alerts::insert_alerts(helper, &unique[half..], &hints[half..]),
            )?;
            first.and(second)
        } else {
            alerts::insert_alerts(own.main().await?, &unique, &hints).await?
        }
    };
    let Inserted { stored, new } = stored;
    count_storms(storms.mirror, &unique, &governing, &hints, &stored, now_ms());
    let outcomes = positions
        .into_iter()
        .zip(new_context)
        .map(|(position, context)| {
            let outcomes = position
                .into_iter()
                .map(|(at, first)| Stored { created: first && stored[at].created, ..stored[at] })
                .collect();
            (outcomes, context)
        })
        .collect();
    Ok((outcomes, new))
}
