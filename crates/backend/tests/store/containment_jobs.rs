//! The action jobs against a real PostgreSQL and a loopback device that keeps state: an
//! approved action is applied, verified, undone or expired, with every step on the action,
//! the incident, the audit trail, the SIEM outbox and (for changes the network sees) the
//! NOC's notices; a worker that died mid-way is taken over without a second change; failures
//! retry and then end `failed`; nothing stays open for ever.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use riposte_backend::containment::jobs::{Devices, run_due};
use riposte_backend::containment::{ContainRequest, cancel, request};
use riposte_backend::store::containment_jobs::LeaseHolder;
use riposte_backend::{Backend, CurrentUser};
use riposte_domain::Role;
use riposte_domain::containment::{ActionKind, ActionState, Direction};
use riposte_testkit::TestDb;
use serde_json::{Value, json};

use crate::containment::{add_connector, count, quiet_backend};
use crate::incidents::{incident_of, send, user};

/// How the loopback device behaves.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Normal,
    /// 400 to everything: a refusal.
    Refuse,
    /// 503 to everything: down.
    Down,
    /// Takes the change but never reports it in force.
    NeverInForce,
    /// Answers as `Normal`, after [`SLOW`].
    Slow,
}

const SLOW: std::time::Duration = std::time::Duration::from_secs(8);

#[derive(Clone)]
pub(crate) struct Device {
    pub held: Arc<Mutex<Vec<String>>>,
    pub ops: Arc<Mutex<Vec<String>>>,
    pub mode: Arc<Mutex<Mode>>,
    pub url: String,
}

impl Device {
    pub(crate) async fn start() -> Device {
        let device = Device {
            held: Arc::default(),
            ops: Arc::default(),
            mode: Arc::new(Mutex::new(Mode::Normal)),
            url: String::new(),
        };
        let app = Router::new().route("/hook", post(answer)).with_state(device.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await.expect("device") });
        Device { url, ..device }
    }

    pub(crate) fn set(&self, mode: Mode) {
        *self.mode.lock().expect("mode") = mode;
    }

    pub(crate) fn held(&self) -> Vec<String> {
        self.held.lock().expect("held").clone()
    }

    fn ops(&self) -> Vec<String> {
        self.ops.lock().expect("ops").clone()
    }
}

async fn answer(State(device): State<Device>, Json(order): Json<Value>) -> Response {
    let op = order["op"].as_str().unwrap_or_default().to_owned();
    device.ops.lock().expect("ops").push(op.clone());
    let mode = *device.mode.lock().expect("mode");
    match mode {
        Mode::Refuse => return (StatusCode::BAD_REQUEST, "no such zone").into_response(),
        Mode::Down => return (StatusCode::SERVICE_UNAVAILABLE, "maintenance").into_response(),
        Mode::Slow => tokio::time::sleep(SLOW).await,
        Mode::Normal | Mode::NeverInForce => {}
    }
    let target = order["target"].as_str().unwrap_or_default().to_owned();
    let mut held = device.held.lock().expect("held");
    match op.as_str() {
        "apply" if !held.contains(&target) => held.push(target.clone()),
        "undo" => held.retain(|t| *t != target),
        _ => {}
    }
    let in_force = held.contains(&target) && matches!(mode, Mode::Normal | Mode::Slow);
    Json(json!({ "in_force": in_force, "held": held.len() })).into_response()
}

/// A database, a backend whose workers are stopped, the loopback device behind a webhook
/// connector called `edge`, and a Tier 2 analyst.
pub(crate) struct Lab {
    pub db: TestDb,
    pub backend: Backend,
    pub device: Device,
    pub analyst: CurrentUser,
}

impl Lab {
    pub(crate) async fn new() -> Lab {
        let db = TestDb::new().await;
        let backend = quiet_backend(&db).await;
        let device = Device::start().await;
        add_connector(&db, "edge", &device.url, &[]).await;
        let analyst = user(&backend, "tina", Role::Tier2).await;
        Lab { db, backend, device, analyst }
    }
}

pub(crate) fn block<'a>(target: &'a str, key: &'a str, incident_id: Option<i64>) -> ContainRequest<'a> {
    ContainRequest {
        kind: ActionKind::Block,
        target,
        direction: Some(Direction::Inbound),
        ttl_secs: 3600,
        connector: "edge",
        incident_id,
        reason: "scanning our DMZ",
        override_reason: None,
        idempotency_key: key,
    }
}

pub(crate) async fn state(db: &TestDb, action_id: i64) -> String {
    sqlx::query_scalar("select state from containment_action where action_id = $1")
        .bind(action_id)
        .fetch_one(&db.pool)
        .await
        .expect("state")
}

async fn events(db: &TestDb, action_id: i64) -> Vec<String> {
    sqlx::query_scalar("select event from containment_action_event where action_id = $1 order by event_id")
        .bind(action_id)
        .fetch_all(&db.pool)
        .await
        .expect("events")
}

async fn exec(db: &TestDb, sql: &str, action_id: i64) {
    sqlx::query(sql).bind(action_id).execute(&db.pool).await.expect("update");
}

async fn work(db: &TestDb) -> usize {
    run_due(&db.pool, &Devices::default()).await.expect("jobs")
}

pub(crate) async fn incident(db: &TestDb, backend: &Backend) -> i64 {
    let alert = r#"{"title":"ET SCAN sweep","severity":"high","source_ref":"j1",
        "entities":[{"kind":"ip","value":"203.0.113.7","role":"source"},{"kind":"ip","value":"10.9.9.9","role":"destination"}]}"#;
    let ids = send(db, backend, "ids", &[alert]).await;
    incident_of(db, ids[0]).await.expect("incident")
}

/// A SIEM output nobody listens on: its messages stay queued, the actions go on.
async fn add_dead_output(db: &TestDb) {
    sqlx::query(
        "insert into siem_output (name, kind, address, created_by) values ('siem', 'syslog_tcp', '127.0.0.1:9', 'test')",
    )
    .execute(&db.pool)
    .await
    .expect("output");
}

#[tokio::test]
async fn an_approved_block_is_applied_verified_and_undone_on_every_record() {
    let Lab { db, backend, device, analyst } = Lab::new().await;
    add_dead_output(&db).await;
    let incident_id = incident(&db, &backend).await;

    let asked = request(&backend, &analyst, &block("203.0.113.7", "k", Some(incident_id))).await.expect("request");
    assert_eq!(work(&db).await, 1);
    assert_eq!(state(&db, asked.action_id).await, "verified");
    assert_eq!(device.held(), ["203.0.113.7/32"]);
    assert_eq!(events(&db, asked.action_id).await, ["requested", "started", "applied", "verified"]);
    let expires: bool = sqlx::query_scalar(
        "select expires_at between now() + interval '59 minutes' and now() + interval '61 minutes' \
         from containment_action where action_id = $1",
    )
    .bind(asked.action_id)
    .fetch_one(&db.pool)
    .await
    .expect("expiry");
    assert!(expires, "in force for its time to live");
    let change: String = sqlx::query_scalar("select change from containment_notice where event = 'verified'")
        .fetch_one(&db.pool)
        .await
        .expect("notice");
    assert!(change.starts_with("block 203.0.113.7/32 (inbound) applied on edge until "), "{change}");
    assert_eq!(work(&db).await, 0, "nothing is due until it expires");

    assert_eq!(
        cancel(&backend, &analyst, asked.action_id).await.expect("undo"),
        ActionState::RollingBack(riposte_domain::containment::Rollback::Undo)
    );
    assert_eq!(work(&db).await, 1);
    assert_eq!(state(&db, asked.action_id).await, "undone");
    assert!(device.held().is_empty(), "taken off the device");
    assert_eq!(device.ops(), ["apply", "undo"], "the apply's own read-back verified it");
    let kinds: Vec<String> = sqlx::query_scalar(
        "select kind from incident_event where incident_id = $1 and kind like 'containment_%' order by event_id",
    )
    .bind(incident_id)
    .fetch_all(&db.pool)
    .await
    .expect("incident log");
    assert_eq!(
        kinds,
        [
            "containment_requested",
            "containment_started",
            "containment_applied",
            "containment_verified",
            "containment_undo",
            "containment_undone"
        ]
    );
    assert_eq!(count(&db, "select count(*) from audit_record where action like 'containment_%'").await, 6);
    assert_eq!(count(&db, "select count(*) from containment_notice").await, 2, "applied and taken back");
    assert_eq!(count(&db, "select count(*) from siem_outbox where sent_at is null").await, 6, "queued for the SIEM");
    let finished = "select count(*) from containment_action where finished_at is not null and lease_until is null";
    assert_eq!(count(&db, finished).await, 1);
}

#[tokio::test]
async fn a_worker_that_died_mid_apply_is_taken_over_and_the_change_made_once() {
    let Lab { db, backend, device, analyst } = Lab::new().await;
    let asked = request(&backend, &analyst, &block("203.0.113.7", "k", None)).await.expect("request");
    // A worker took it, reached the device, and died before recording anything.
    exec(&db, "update containment_action set state = 'applying', lease_until = now() + interval '1 hour' where action_id = $1", asked.action_id).await;
    device.held.lock().expect("held").push("203.0.113.7/32".into());
    assert_eq!(work(&db).await, 0, "a live lease is respected");
    exec(
        &db,
        "update containment_action set lease_until = now() - interval '1 second' where action_id = $1",
        asked.action_id,
    )
    .await;
    assert_eq!(work(&db).await, 1, "an expired lease is taken over");
    assert_eq!(state(&db, asked.action_id).await, "verified");
    assert_eq!(device.held(), ["203.0.113.7/32"], "applied again, held once");
}

#[tokio::test]
async fn a_lease_whose_holder_died_is_taken_over_at_once_not_when_it_runs_out() {
    let Lab { db, backend, device, analyst } = Lab::new().await;
    let asked = request(&backend, &analyst, &block("203.0.113.7", "k", None)).await.expect("request");
    // Another server's worker took it for an hour and reached the device.
    let other = LeaseHolder::take(&db.pool.connect_options()).await.expect("holder");
    sqlx::query(
        "update containment_action set state = 'applying', lease_until = now() + interval '1 hour', \
             lease_holder = $2 where action_id = $1",
    )
    .bind(asked.action_id)
    .bind(other.key())
    .execute(&db.pool)
    .await
    .expect("lease");
    device.held.lock().expect("held").push("203.0.113.7/32".into());
    assert_eq!(work(&db).await, 0, "the lease of a live process is respected");
    // That process dies: its connection, and with it the lock, goes.
    let dead = other.key();
    drop(other);
    let started = std::time::Instant::now();
    while work(&db).await == 0 {
        assert!(started.elapsed().as_secs() < 10, "the dead process's lease was not taken over");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(state(&db, asked.action_id).await, "verified");
    assert_eq!(device.held(), ["203.0.113.7/32"], "applied again, held once");
    // Had the old worker been alive after all, what it still tries to record changes nothing.
    let mut conn = db.pool.acquire().await.expect("connection");
    riposte_backend::store::containment_jobs::mark_finished(&mut conn, asked.action_id, Some(dead))
        .await
        .expect("fenced");
    let finished = "select count(*) from containment_action where finished_at is not null";
    assert_eq!(count(&db, finished).await, 0, "a stale worker's write is fenced off");
}

#[tokio::test]
async fn an_undo_while_a_worker_still_holds_the_verified_action_is_not_put_off_to_its_expiry() {
    let Lab { db, backend, device, analyst } = Lab::new().await;
    let asked = request(&backend, &analyst, &block("203.0.113.7", "k", None)).await.expect("request");
    work(&db).await;
    assert_eq!(state(&db, asked.action_id).await, "verified");
    // A worker has just recorded "verified" and not yet let go; the person undoes it then.
    exec(
        &db,
        "update containment_action set lease_until = now() + interval '1 minute' where action_id = $1",
        asked.action_id,
    )
    .await;
    cancel(&backend, &analyst, asked.action_id).await.expect("undo");
    let mut conn = db.pool.acquire().await.expect("connection");
    let holder: Option<i32> = sqlx::query_scalar("select lease_holder from containment_action where action_id = $1")
        .bind(asked.action_id)
        .fetch_one(&db.pool)
        .await
        .expect("holder");
    riposte_backend::store::containment_jobs::due_at_expiry(&mut conn, asked.action_id, holder).await.expect("let go");
    assert_eq!(work(&db).await, 1, "the undo is due at once, not in an hour");
    assert_eq!(state(&db, asked.action_id).await, "undone");
    assert!(device.held().is_empty());
}

#[tokio::test]
async fn a_command_line_tool_leaves_due_actions_to_the_servers() {
    let Lab { db, backend, analyst, .. } = Lab::new().await;
    let incident_id = incident(&db, &backend).await;
    let asked = request(&backend, &analyst, &block("203.0.113.7", "k", Some(incident_id))).await.expect("request");
    let tool = db.tool_backend().await;
    // Workers take due actions at start, then every second: a worker in the tool would have by now.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(events(&db, asked.action_id).await, ["requested"], "a process that exits at once never takes one");
    let held = "select count(*) from containment_action where lease_until is not null";
    assert_eq!(count(&db, held).await, 0);
    drop(tool);
    assert_eq!(work(&db).await, 1);
    assert_eq!(state(&db, asked.action_id).await, "verified");
}

#[tokio::test]
async fn a_slow_device_holds_back_no_other_action() {
    let Lab { db, backend, analyst, .. } = Lab::new().await;
    let slow = Device::start().await;
    slow.set(Mode::Slow);
    add_connector(&db, "slow", &slow.url, &[]).await;
    let incident_id = incident(&db, &backend).await;
    let _workers = riposte_backend::containment::jobs::start(db.pool.clone());
    let stuck = ContainRequest { connector: "slow", ..block("203.0.113.8", "s", Some(incident_id)) };
    let stuck = request(&backend, &analyst, &stuck).await.expect("slow request");
    let started = std::time::Instant::now();
    while slow.ops().is_empty() {
        assert!(started.elapsed() < SLOW / 2, "the slow device was never called");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    let quick = request(&backend, &analyst, &block("203.0.113.7", "q", Some(incident_id))).await.expect("request");
    while state(&db, quick.action_id).await != "verified" {
        assert!(started.elapsed() < SLOW * 3 / 4, "the quick action waited for the slow device");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(state(&db, stuck.action_id).await, "applying", "still waiting on the slow device");
}

#[tokio::test]
async fn expiry_takes_the_change_back_by_itself() {
    let Lab { db, backend, device, analyst } = Lab::new().await;
    let asked = request(&backend, &analyst, &block("203.0.113.7", "k", None)).await.expect("request");
    work(&db).await;
    assert_eq!(state(&db, asked.action_id).await, "verified");
    exec(&db, "update containment_action set expires_at = now() - interval '1 second', next_try_at = now() where action_id = $1", asked.action_id).await;
    assert_eq!(work(&db).await, 1);
    assert_eq!(state(&db, asked.action_id).await, "expired");
    assert!(device.held().is_empty());
    assert_eq!(
        events(&db, asked.action_id).await,
        ["requested", "started", "applied", "verified", "rolling_back", "expired"]
    );
    let change: String = sqlx::query_scalar("select change from containment_notice where event = 'expired'")
        .fetch_one(&db.pool)
        .await
        .expect("notice");
    assert!(change.contains("expired and taken back on edge"), "{change}");
}

#[tokio::test]
async fn a_device_that_is_down_is_retried_and_one_that_refuses_fails_the_action() {
    let Lab { db, backend, device, analyst } = Lab::new().await;

    device.set(Mode::Down);
    let down = request(&backend, &analyst, &block("203.0.113.7", "a", None)).await.expect("request");
    assert_eq!(work(&db).await, 1);
    let (attempts, error, later): (i32, String, bool) =
        sqlx::query_as("select attempts, last_error, next_try_at > now() from containment_action where action_id = $1")
            .bind(down.action_id)
            .fetch_one(&db.pool)
            .await
            .expect("retry");
    assert_eq!(state(&db, down.action_id).await, "applying");
    assert_eq!((attempts, later), (1, true), "tried once, due again later");
    assert!(error.contains("503"), "{error}");
    device.set(Mode::Normal);
    exec(&db, "update containment_action set next_try_at = now() where action_id = $1", down.action_id).await;
    work(&db).await;
    assert_eq!(state(&db, down.action_id).await, "verified", "the retry went through");

    device.set(Mode::Refuse);
    let refused = request(&backend, &analyst, &block("203.0.113.8", "b", None)).await.expect("request");
    work(&db).await;
    assert_eq!(state(&db, refused.action_id).await, "failed", "a refusal is not retried");
    let (event, change): (String, String) =
        sqlx::query_as("select event, change from containment_notice where action_id = $1")
            .bind(refused.action_id)
            .fetch_one(&db.pool)
            .await
            .expect("notice");
    assert_eq!(event, "failed");
    assert!(change.contains("no such zone"), "the NOC sees why: {change}");
}

#[tokio::test]
async fn a_change_the_device_never_shows_is_taken_back_and_fails() {
    let Lab { db, backend, device, analyst } = Lab::new().await;
    device.set(Mode::NeverInForce);
    let asked = request(&backend, &analyst, &block("203.0.113.7", "k", None)).await.expect("request");
    work(&db).await;
    assert_eq!(state(&db, asked.action_id).await, "applied", "waiting for the device to show it");
    exec(&db, "update containment_action set verify_until = now() - interval '1 second', next_try_at = now() where action_id = $1", asked.action_id).await;
    work(&db).await;
    assert_eq!(state(&db, asked.action_id).await, "failed");
    assert_eq!(events(&db, asked.action_id).await, ["requested", "started", "applied", "unverified", "failed"]);
    assert!(device.held().is_empty(), "what was applied is taken back");
}

#[tokio::test]
async fn a_request_nobody_approves_expires_with_its_time_to_live() {
    let Lab { db, backend, device, analyst } = Lab::new().await;
    let overridden = ContainRequest { override_reason: Some("lab"), ..block("10.0.0.0/16", "k", None) };
    let asked = request(&backend, &analyst, &overridden).await.expect("request");
    assert_eq!(asked.state, ActionState::AwaitingApproval);
    assert_eq!(work(&db).await, 0, "not due before its time to live");
    exec(&db, "update containment_action set next_try_at = now() where action_id = $1", asked.action_id).await;
    work(&db).await;
    assert_eq!(state(&db, asked.action_id).await, "expired");
    assert!(device.ops().is_empty(), "never sent to the device");
}

#[tokio::test]
async fn a_packet_capture_is_asked_of_a_sensor_through_the_webhook() {
    let Lab { db, backend, device, analyst } = Lab::new().await;
    let capture = ContainRequest {
        kind: ActionKind::Capture,
        direction: None,
        ttl_secs: 600,
        reason: "capture the beaconing for the malware team",
        ..block("203.0.113.7", "cap", None)
    };
    let asked = request(&backend, &analyst, &capture).await.expect("request");
    work(&db).await;
    assert_eq!(state(&db, asked.action_id).await, "verified", "the sensor reports the capture running");
    assert_eq!(device.held(), ["203.0.113.7/32"]);
    assert_eq!(
        cancel(&backend, &analyst, asked.action_id).await.expect("stop"),
        ActionState::RollingBack(riposte_domain::containment::Rollback::Undo)
    );
    work(&db).await;
    assert_eq!(state(&db, asked.action_id).await, "undone", "the capture is stopped");
    assert!(device.held().is_empty());
}
