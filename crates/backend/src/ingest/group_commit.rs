//! Group commit: concurrent ingest requests share transactions. One request per transaction
//! would cap single-alert ingest at the disk's fsync rate; here each writer takes everything
//! queued since its last commit, writes it in one transaction and answers every request in
//! it. Pending work is bounded, and a full queue refuses new work at once (the HTTP layer
//! answers 429) instead of growing memory or timing out into a 5xx.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use riposte_domain::alert::{ContextEvent, NewAlert};
use sqlx::PgPool;
use tokio::sync::{Mutex, OwnedSemaphorePermit, Semaphore, mpsc, oneshot};

use super::ALERTS_CHANNEL;
use crate::store::alerts::{self, Stored};
use crate::store::{context_events, storms};
use crate::{BackendError, IngestSettings};

type Outcome = Result<(Vec<Stored>, u64), BackendError>;

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
    /// Starts `settings.writers` writer tasks on the current runtime.
    pub fn start(pool: PgPool, settings: IngestSettings) -> IngestQueue {
        let (sender, receiver) = mpsc::unbounded_channel();
        let receiver = Arc::new(Mutex::new(receiver));
        for _ in 0..settings.writers.max(1) {
            tokio::spawn(run_writer(pool.clone(), receiver.clone(), settings.max_group.max(1)));
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

async fn run_writer(pool: PgPool, receiver: Arc<Mutex<mpsc::UnboundedReceiver<Job>>>, max_group: usize) {
    loop {
        let group = {
            let mut receiver = receiver.lock().await;
            let Some(first) = receiver.recv().await else { return };
            let mut size = first.size();
            let mut group = vec![first];
            while size < max_group {
                match receiver.try_recv() {
                    Ok(job) => {
                        size += job.size();
                        group.push(job);
                    }
                    Err(_) => break,
                }
            }
            group
        };
        let started = std::time::Instant::now();
        let written = write_group(&pool, &group).await;
        tracing::debug!(
            requests = group.len(),
            records = group.iter().map(Job::size).sum::<usize>(),
            elapsed_us = started.elapsed().as_micros() as u64,
            "ingest group written"
        );
        match written {
            Ok(outcomes) => {
                for (job, outcome) in group.into_iter().zip(outcomes) {
                    let _ = job.reply.send(Ok(outcome));
                }
            }
            // One request's failure must not fail the others: write each on its own.
            Err(err) if group.len() > 1 => {
                tracing::warn!(error = %err, requests = group.len(), "group write failed; writing requests one by one");
                for job in group {
                    let outcome = write_group(&pool, std::slice::from_ref(&job)).await.map(|mut o| o.remove(0));
                    let _ = job.reply.send(outcome);
                }
            }
            Err(err) => {
                if let Some(job) = group.into_iter().next() {
                    let _ = job.reply.send(Err(err));
                }
            }
        }
    }
}

/// Writes every job's records in one transaction; returns each job's outcome, in order.
async fn write_group(pool: &PgPool, group: &[Job]) -> Result<Vec<(Vec<Stored>, u64)>, BackendError> {
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
    let mut tx = pool.begin().await?;
    let mut stored = if unique.is_empty() { Vec::new() } else { alerts::insert_alerts(&mut tx, &unique).await? };
    let inserted: Vec<_> = stored
        .iter()
        .zip(&unique)
        .filter(|(s, _)| s.created)
        .map(|(s, alert)| storms::Inserted { alert_id: s.alert_id, alert })
        .collect();
    let rolled = storms::roll_up(&mut tx, &inserted).await?;
    for s in &mut stored {
        s.rollup_id = rolled.get(&s.alert_id).copied();
    }
    let mut new_context = Vec::with_capacity(group.len());
    for job in group {
        new_context.push(context_events::insert_context_events(&mut tx, &job.context).await?);
    }
    let created = stored.iter().filter(|s| s.created).count();
    if created > 0 {
        // Delivered at commit, to every server process listening: open queues refresh.
        sqlx::query("select pg_notify($1, $2)")
            .bind(ALERTS_CHANNEL)
            .bind(serde_json::json!({ "created": created }).to_string())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(positions
        .into_iter()
        .zip(new_context)
        .map(|(position, context)| {
            let outcomes = position
                .into_iter()
                .map(|(at, first)| Stored { created: first && stored[at].created, ..stored[at] })
                .collect();
            (outcomes, context)
        })
        .collect())
}
