//! A server killed (SIGKILL) while a containment action's device call is in flight: the
//! restarted server carries the action on from its stored state straight away, not when the
//! dead worker's lease (five minutes) runs out, and the device holds the change once.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use riposte_backend::admin::{Actor, NewUser, create_user};
use riposte_backend::containment::connectors::{ConnectorInput, put_connector};
use riposte_backend::containment::{ContainRequest, request};
use riposte_backend::settings::PasswordCost;
use riposte_backend::{AuthSettings, Backend, CurrentUser};
use riposte_bench::server::Server;
use riposte_domain::Role;
use riposte_domain::containment::{ActionKind, Direction};
use serde_json::{Value, json};
use sqlx::PgPool;

const TARGET: &str = "198.51.100.23";
/// The target as the device is given it.
const NETWORK: &str = "198.51.100.23/32";

/// A webhook device that never answers the first apply (the server dies waiting for it) and
/// answers every later call as a firewall would.
#[derive(Clone, Default)]
struct Device {
    applies: Arc<Mutex<usize>>,
    held: Arc<Mutex<Vec<String>>>,
}

async fn answer(State(device): State<Device>, Json(order): Json<Value>) -> Json<Value> {
    let target = order["target"].as_str().unwrap_or_default().to_owned();
    if order["op"] == "apply" {
        let first = {
            let mut applies = device.applies.lock().expect("applies");
            *applies += 1;
            *applies == 1
        };
        if first {
            std::future::pending::<()>().await;
        }
        let mut held = device.held.lock().expect("held");
        if !held.contains(&target) {
            held.push(target.clone());
        }
    }
    let in_force = device.held.lock().expect("held").contains(&target);
    Json(json!({ "in_force": in_force }))
}

async fn start_device() -> (Device, String) {
    let device = Device::default();
    let app = Router::new().route("/hook", post(answer)).with_state(device.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("device") });
    (device, url)
}

async fn state(pool: &PgPool, action_id: i64) -> String {
    sqlx::query_scalar("select state from containment_action where action_id = $1")
        .bind(action_id)
        .fetch_one(pool)
        .await
        .expect("state")
}

/// Asks for a block through the library, as a tool would: the server's workers do the rest.
async fn ask_for_block(pool: PgPool, url: &str) -> i64 {
    let settings = AuthSettings { password_cost: PasswordCost::for_tests(), ..AuthSettings::default() };
    let tool = Backend::without_workers(pool, settings).await.expect("tool backend");
    let connector = ConnectorInput {
        name: "edge".into(),
        kind: "webhook".into(),
        config: json!({ "url": url }),
        secret_ref: None,
        ranges: Vec::new(),
        management: Vec::new(),
        enabled: true,
    };
    put_connector(&tool, Actor::CommandLine, &connector).await.expect("connector");
    let new = NewUser {
        username: "tina".into(),
        display_name: "Tina".into(),
        role: Role::Tier2,
        password: "correct horse battery".into(),
    };
    let summary = create_user(&tool, Actor::CommandLine, new).await.expect("user");
    let analyst = CurrentUser {
        id: summary.id,
        username: summary.username,
        display_name: summary.display_name,
        role: Role::Tier2,
    };
    let block = ContainRequest {
        kind: ActionKind::Block,
        target: TARGET,
        direction: Some(Direction::Inbound),
        ttl_secs: 3600,
        connector: "edge",
        incident_id: None,
        reason: "exfiltration to a known drop",
        override_reason: None,
        idempotency_key: "restart-1",
    };
    request(&tool, &analyst, &block).await.expect("request").action_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_action_in_flight_when_the_server_is_killed_is_finished_right_after_the_restart() {
    let dir = tempfile::tempdir().expect("scratch directory");
    let data_dir = dir.path().join("data");
    std::fs::create_dir_all(&data_dir).expect("data dir");
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_server"));
    let addr: std::net::SocketAddr = "127.0.0.1:3933".parse().expect("address");
    let (device, url) = start_device().await;

    let server = Server::start(binary, &data_dir, addr).await.expect("server starts");
    let options = server.database().expect("database");
    let pool = PgPool::connect_with(options.clone()).await.expect("pool");
    let action_id = ask_for_block(pool.clone(), &url).await;
    let started = Instant::now();
    while *device.applies.lock().expect("applies") == 0 {
        assert!(started.elapsed() < Duration::from_secs(30), "the server's worker never called the device");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(state(&pool, action_id).await, "applying", "killed mid-apply");
    pool.close().await;
    server.kill().await.expect("SIGKILL");

    let server = Server::start(binary, &data_dir, addr).await.expect("server restarts");
    let restarted = Instant::now();
    let pool = PgPool::connect_with(options).await.expect("pool");
    loop {
        let now = state(&pool, action_id).await;
        if now == "verified" {
            break;
        }
        assert!(
            restarted.elapsed() < Duration::from_secs(60),
            "the action is still {now} a minute after the restart: it waits out the dead worker's lease"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "containment restart: action verified {} ms after the server was ready again",
        restarted.elapsed().as_millis()
    );
    assert_eq!(*device.applies.lock().expect("applies"), 2, "asked once by each server");
    assert_eq!(*device.held.lock().expect("held"), [NETWORK], "the change is made once");
    let steps: Vec<String> =
        sqlx::query_scalar("select event from containment_action_event where action_id = $1 order by event_id")
            .bind(action_id)
            .fetch_all(&pool)
            .await
            .expect("events");
    assert_eq!(steps.iter().filter(|s| *s == "applied").count(), 1, "one apply recorded: {steps:?}");
    pool.close().await;
    server.stop().await.expect("clean stop");
}
