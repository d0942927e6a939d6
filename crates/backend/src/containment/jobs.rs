//! The action jobs: each due action is taken under a lease, moved one step at a time along
//! its state path by calling its connector, and put back with the time it is next due. A
//! server that dies mid-way loses its lease at once (the lease names a lock only a live
//! process holds) and another (or itself, restarted) carries on from the stored state; apply
//! and undo are idempotent on every connector, so a step run twice changes the device once.
//! Every action ends in a terminal state: failures are retried with backoff, then end
//! `failed`; an approval nobody gave expires with its TTL.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use riposte_connectors::{ConnectorError, Device, Order, Outcome};
use riposte_domain::containment::{ActionEvent, ActionKind, ActionSpec, ActionState, Direction};
use serde_json::{Value, json};
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use time::OffsetDateTime;
use tokio::sync::{Mutex, OwnedSemaphorePermit, Semaphore, oneshot};
use tokio::task::JoinSet;

use super::log::{RIPOSTE, Step, Subject, record};
use super::{connectors, notices, state_of};
use crate::BackendError;
use crate::store::containment::{self as store, ActionRow};
use crate::store::containment_connectors as connector_store;
use crate::store::containment_jobs::{self as jobs, CHANNEL, LeaseHolder};

/// A worker holds an action this long (unless its process dies first); a device call
/// (retries included) ends well before.
const LEASE_SECS: i32 = 300;
/// Tries of an apply before the action ends failed.
const APPLY_ATTEMPTS: i32 = 5;
/// Tries of a rollback before the action ends failed (the change may then still be in force).
const ROLLBACK_ATTEMPTS: i32 = 10;
/// A device that reports the change pending is asked again this often, for this long.
const VERIFY_EVERY: f64 = 3.0;
const VERIFY_WINDOW: f64 = 180.0;
/// Actions worked on at once by one server.
const PARALLEL: usize = 8;
/// Picks up actions whose time came (expiry, a retry) and work another server queued.
const POLL: Duration = Duration::from_secs(1);

/// The running workers; they stop when this is dropped.
pub struct ActionJobs {
    _stop: oneshot::Sender<()>,
}

/// Built connectors, rebuilt when their settings change (a vendor's login is kept between
/// actions).
#[derive(Clone, Default)]
pub struct Devices {
    built: Arc<Mutex<HashMap<String, (OffsetDateTime, Device)>>>,
}

impl Devices {
    async fn get(&self, pool: &PgPool, name: &str) -> Result<Device, String> {
        let row = connector_store::find(pool, name)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("connector {name} no longer exists"))?;
        if !row.enabled {
            return Err(format!("connector {name} is switched off"));
        }
        let mut built = self.built.lock().await;
        if let Some((at, device)) = built.get(name)
            && *at == row.updated_at
        {
            return Ok(device.clone());
        }
        let device = connectors::build(&row)?;
        built.insert(name.to_owned(), (row.updated_at, device.clone()));
        Ok(device)
    }
}

pub fn start(pool: PgPool) -> ActionJobs {
    let (stop, mut stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let devices = Devices::default();
        // The listener keeps its connection for good: a pool of its own, so it never takes
        // one of the shared pool's (small) set.
        let own = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect_lazy_with((*pool.connect_options()).clone());
        let mut listener = match PgListener::connect_with(&own).await {
            Ok(mut l) => l.listen(CHANNEL).await.map(|()| l).ok(),
            Err(_) => None,
        };
        let permits = Arc::new(Semaphore::new(PARALLEL));
        let mut running = JoinSet::new();
        let mut holder: Option<LeaseHolder> = None;
        loop {
            // Shutting down: the pool closes before this task is dropped.
            if pool.is_closed() {
                return;
            }
            let before = holder.as_ref().map(LeaseHolder::key);
            holder = match holder.take() {
                Some(held) => held.keep(pool.connect_options().as_ref()).await,
                None => LeaseHolder::take(pool.connect_options().as_ref()).await,
            }
            .inspect_err(|err| tracing::warn!(error = %err, "containment jobs: cannot show this worker alive"))
            .ok();
            // The lock was lost and not taken back: other workers may now take over what is
            // in flight here, so stop it (apply and undo are idempotent; they carry on).
            if before.is_some() && holder.as_ref().map(LeaseHolder::key) != before {
                running.abort_all();
            }
            // Without the lock, a lease taken now would look dead to every other worker.
            if let Some(held) = &holder
                && let Err(err) = start_due(&pool, &devices, held.key(), &permits, &mut running).await
            {
                tracing::warn!(error = %err, "containment jobs: round failed");
            }
            // A slow device holds its own slot only: the others go on, and a slot that
            // frees up is filled at once.
            tokio::select! {
                _ = &mut stopped => return,
                _ = wait(&mut listener) => {}
                Some(_) = running.join_next(), if !running.is_empty() => {}
            }
        }
    });
    ActionJobs { _stop: stop }
}

/// Until a NOTIFY or the poll interval, whichever comes first.
async fn wait(listener: &mut Option<PgListener>) {
    match listener {
        Some(l) => {
            // A lost connection fails at once (it reconnects on the next call): pause anyway.
            if let Ok(Err(_)) = tokio::time::timeout(POLL, l.recv()).await {
                tokio::time::sleep(POLL).await;
            }
        }
        None => tokio::time::sleep(POLL).await,
    }
}

/// Starts as many due actions as there are free slots, without waiting for them.
async fn start_due(
    pool: &PgPool,
    devices: &Devices,
    holder: i32,
    permits: &Arc<Semaphore>,
    running: &mut JoinSet<()>,
) -> Result<(), BackendError> {
    while let Ok(permit) = permits.clone().try_acquire_owned() {
        let Some(row) = jobs::claim(pool, LEASE_SECS, holder).await? else { break };
        spawn_work(running, pool, devices, row, permit);
    }
    Ok(())
}

/// Works every action due now (several at once) and waits for them; returns how many were
/// taken. For tests and tools that drive the jobs by hand.
pub async fn run_due(pool: &PgPool, devices: &Devices) -> Result<usize, BackendError> {
    let holder = LeaseHolder::take(pool.connect_options().as_ref()).await?;
    let permits = Arc::new(Semaphore::new(PARALLEL));
    let mut running = JoinSet::new();
    let mut taken = 0;
    loop {
        let permit = permits.clone().acquire_owned().await.map_err(|e| BackendError::Internal(e.to_string()))?;
        let Some(row) = jobs::claim(pool, LEASE_SECS, holder.key()).await? else { break };
        taken += 1;
        spawn_work(&mut running, pool, devices, row, permit);
    }
    while running.join_next().await.is_some() {}
    Ok(taken)
}

fn spawn_work(
    running: &mut JoinSet<()>,
    pool: &PgPool,
    devices: &Devices,
    row: ActionRow,
    permit: OwnedSemaphorePermit,
) {
    let (pool, devices) = (pool.clone(), devices.clone());
    running.spawn(async move {
        let (id, holder) = (row.action_id, row.lease_holder);
        if let Err(err) = work(&pool, &devices, row).await {
            tracing::warn!(action = id, error = %err, "containment jobs: step failed");
            // Tried again after a pause; the lease would free it anyway.
            if let Ok(mut conn) = pool.acquire().await {
                let _ = jobs::release(&mut conn, id, holder, 10.0, Some(&err.to_string())).await;
            }
        }
        drop(permit);
    });
}

/// What to do with the lease after a step.
enum Next {
    /// Another step at once (the row is read again).
    Continue,
    /// Put back, due again in this many seconds; `Some(error)` counts a failed try.
    Later(f64, Option<String>),
    /// Verified: due again at expiry.
    AtExpiry,
    /// Terminal.
    Done,
}

/// Moves one action as far as it can go now, as the worker that claimed it (`row.lease_holder`):
/// once another worker has taken the lease over, this one stops and records nothing more.
async fn work(pool: &PgPool, devices: &Devices, mut row: ActionRow) -> Result<(), BackendError> {
    let (id, holder) = (row.action_id, row.lease_holder);
    for _ in 0..8 {
        let next = step(pool, devices, &row).await?;
        let mut conn = pool.acquire().await?;
        match next {
            Next::Continue => {}
            Next::Later(after, error) => return jobs::release(&mut conn, id, holder, after, error.as_deref()).await,
            Next::AtExpiry => return jobs::due_at_expiry(&mut conn, id, holder).await,
            Next::Done => return jobs::mark_finished(&mut conn, id, holder).await,
        }
        row = store::find(&mut *conn, id).await?.ok_or(BackendError::NotFound("containment action"))?;
        if row.lease_holder != holder {
            tracing::warn!(action = id, "containment jobs: taken over by another worker; stopping");
            return Ok(());
        }
    }
    let mut conn = pool.acquire().await?;
    jobs::release(&mut conn, id, holder, 0.0, None).await
}

async fn step(pool: &PgPool, devices: &Devices, row: &ActionRow) -> Result<Next, BackendError> {
    let state = state_of(row)?;
    let now = OffsetDateTime::now_utc();
    let expired = row.expires_at.is_some_and(|at| at <= now);
    Ok(match state {
        ActionState::AwaitingApproval => {
            let why = "nobody approved it within its time to live";
            moved(advance(pool, row, state, ActionEvent::Expire, "expired", json!({ "why": why }), Some(why)).await?)
        }
        ActionState::Approved => {
            moved(advance(pool, row, state, ActionEvent::Start, "started", Value::Null, None).await?)
        }
        ActionState::Applying => apply(pool, devices, row).await?,
        ActionState::Applied | ActionState::Verified if expired => moved(
            advance(pool, row, state, ActionEvent::Expire, "rolling_back", json!({ "why": "expiry" }), None).await?,
        ),
        ActionState::Applied => verify(pool, devices, row).await?,
        // Due before its expiry (a restart moved next_try_at): nothing to do until then.
        ActionState::Verified => Next::AtExpiry,
        ActionState::RollingBack(_) => roll_back(pool, devices, row).await?,
        ActionState::Undone | ActionState::Expired | ActionState::Rejected | ActionState::Failed => Next::Done,
    })
}

/// After a transition: go on if it moved, else someone moved it first, so look again.
fn moved(to: Option<ActionState>) -> Next {
    match to {
        Some(state) if state.is_terminal() => Next::Done,
        _ => Next::Continue,
    }
}

async fn apply(pool: &PgPool, devices: &Devices, row: &ActionRow) -> Result<Next, BackendError> {
    let order = order_of(row)?;
    let result = match devices.get(pool, &row.connector).await {
        Ok(device) => device.apply(&order).await,
        Err(why) => Err(ConnectorError::Refused { device: row.connector.clone(), detail: why }),
    };
    match result {
        Ok(outcome) => {
            let evidence = evidence(&row.connector, &outcome);
            let event = ActionEvent::Applied;
            if advance(pool, row, ActionState::Applying, event, "applied", evidence.clone(), None).await?.is_none() {
                return Ok(Next::Continue);
            }
            if !outcome.in_force {
                // Pending on the device: verified by reading it again shortly.
                return Ok(Next::Continue);
            }
            // The apply's own read-back shows the change in force: that is its verification
            // (one device call less between the alert and the block).
            let event = ActionEvent::Verified;
            let to = advance(pool, row, ActionState::Applied, event, "verified", evidence, None).await?;
            Ok(if to.is_some() { Next::AtExpiry } else { Next::Continue })
        }
        Err(error) if error.retryable() && row.attempts < APPLY_ATTEMPTS => {
            Ok(Next::Later(pause(&error, row.attempts, 120.0), Some(error.to_string())))
        }
        Err(error) => {
            let detail = json!({ "error": error.to_string(), "attempts": row.attempts });
            let to =
                advance(pool, row, ActionState::Applying, ActionEvent::Failed, "failed", detail, Some("apply failed"))
                    .await?;
            Ok(moved(to))
        }
    }
}

async fn verify(pool: &PgPool, devices: &Devices, row: &ActionRow) -> Result<Next, BackendError> {
    let order = order_of(row)?;
    let result = match devices.get(pool, &row.connector).await {
        Ok(device) => device.verify(&order).await.map_err(|e| e.to_string()),
        Err(why) => Err(why),
    };
    let gave_up = row.verify_until.is_none_or(|until| until <= OffsetDateTime::now_utc());
    match result {
        Ok(outcome) if outcome.in_force => {
            let evidence = evidence(&row.connector, &outcome);
            let to =
                advance(pool, row, ActionState::Applied, ActionEvent::Verified, "verified", evidence, None).await?;
            Ok(if to.is_some() { Next::AtExpiry } else { Next::Continue })
        }
        result if gave_up => {
            let why = match result {
                Ok(outcome) => format!("the device does not show it: {}", outcome.summary),
                Err(error) => error,
            };
            let detail = json!({ "why": why });
            let event = ActionEvent::VerificationFailed;
            Ok(moved(advance(pool, row, ActionState::Applied, event, "unverified", detail, Some(&why)).await?))
        }
        Ok(outcome) => Ok(Next::Later(VERIFY_EVERY, Some(format!("not yet in force: {}", outcome.summary)))),
        Err(error) => Ok(Next::Later(VERIFY_EVERY, Some(error))),
    }
}

async fn roll_back(pool: &PgPool, devices: &Devices, row: &ActionRow) -> Result<Next, BackendError> {
    let state = state_of(row)?;
    let order = order_of(row)?;
    let result = match devices.get(pool, &row.connector).await {
        Ok(device) => device.undo(&order).await.map_err(|e| (e.retryable(), e.to_string())),
        Err(why) => Err((true, why)),
    };
    let failure = match result {
        Ok(outcome) if !outcome.in_force => {
            let evidence = evidence(&row.connector, &outcome);
            let name = match state {
                ActionState::RollingBack(riposte_domain::containment::Rollback::Undo) => "undone",
                ActionState::RollingBack(riposte_domain::containment::Rollback::Expiry) => "expired",
                _ => "failed",
            };
            let reason = (name == "failed").then_some("taken back because it could not be verified");
            return Ok(moved(advance(pool, row, state, ActionEvent::RolledBack, name, evidence, reason).await?));
        }
        Ok(outcome) => format!("still in force after the undo: {}", outcome.summary),
        Err((_, error)) => error,
    };
    if row.attempts < ROLLBACK_ATTEMPTS {
        let wait = (2f64.powi(row.attempts)).min(300.0);
        return Ok(Next::Later(wait, Some(failure)));
    }
    let why = format!("could not take it back ({failure}); it may still be in force on the device");
    let detail = json!({ "error": failure, "attempts": row.attempts });
    Ok(moved(advance(pool, row, state, ActionEvent::Failed, "failed", detail, Some(&why)).await?))
}

/// The backoff before try `attempts + 1`, or the pause a throttling device asked for.
fn pause(error: &ConnectorError, attempts: i32, cap: f64) -> f64 {
    match error {
        ConnectorError::Throttled { retry_after, .. } => retry_after.as_secs_f64().max(1.0),
        _ => (2f64.powi(attempts)).min(cap),
    }
}

fn evidence(connector: &str, outcome: &Outcome) -> Value {
    json!({ "connector": connector, "in_force": outcome.in_force, "summary": outcome.summary, "device": outcome.evidence })
}

fn order_of(row: &ActionRow) -> Result<Order, BackendError> {
    let kind =
        ActionKind::parse(&row.kind).ok_or_else(|| BackendError::Internal(format!("stored kind {}", row.kind)))?;
    let direction = row.direction.as_deref().and_then(Direction::parse);
    let spec = ActionSpec::new(kind, &row.target, direction, u64::try_from(row.ttl_secs).unwrap_or(0))
        .map_err(|e| BackendError::Internal(format!("stored action {}: {e}", row.action_id)))?;
    Ok(Order {
        action_id: row.action_id,
        kind,
        target: spec.target,
        direction: spec.direction,
        ttl_secs: spec.ttl_secs,
    })
}

/// Moves the action by `event` if nobody moved it meanwhile, and writes the step everywhere it
/// belongs: the action's log, the incident, the audit trail, the SIEM outbox, and for the
/// changes the network sees, the NOC's notices. Returns the new state, or None when it had
/// moved already.
async fn advance(
    pool: &PgPool,
    row: &ActionRow,
    from: ActionState,
    event: ActionEvent,
    name: &str,
    evidence: Value,
    reason: Option<&str>,
) -> Result<Option<ActionState>, BackendError> {
    let to = from.apply(event).map_err(|e| BackendError::Internal(e.to_string()))?;
    let mut tx = pool.begin().await?;
    // Taken over meanwhile (this worker's process looked dead): the new holder records it.
    if !jobs::still_holds(&mut tx, row.action_id, row.lease_holder).await? {
        return Ok(None);
    }
    if !store::transition(&mut tx, row.action_id, from, to, RIPOSTE.name, name, evidence.clone()).await? {
        return Ok(None);
    }
    if to == ActionState::Applied {
        jobs::mark_applied(&mut tx, row.action_id, VERIFY_WINDOW).await?;
    }
    if matches!(to, ActionState::Applied | ActionState::Verified | ActionState::Undone | ActionState::Expired) {
        connector_store::record_success(&mut *tx, &row.connector).await?;
    }
    let step = Step { event: name, state: to.as_str(), reason, detail: evidence.clone() };
    record(&mut tx, RIPOSTE, Subject::from(row), step).await?;
    // The network changed (or failed to): the NOC hears of it.
    let was_in_force = matches!(from, ActionState::RollingBack(_));
    if to == ActionState::Verified || (to.is_terminal() && (was_in_force || to == ActionState::Failed)) {
        let fresh = store::find(&mut *tx, row.action_id).await?.ok_or(BackendError::NotFound("containment action"))?;
        notices::post(&mut tx, &fresh, name, &evidence, reason).await?;
    }
    tx.commit().await?;
    Ok(Some(to))
}
