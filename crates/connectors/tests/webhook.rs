//! The generic webhook against a loopback receiver that keeps state, signs nothing back, and
//! misbehaves on request.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::post;
use common::{Fault, Recorder, serve};
use riposte_connectors::http::Patience;
use riposte_connectors::webhook::sign;
use riposte_connectors::{ConnectorError, Device, Order};
use riposte_domain::containment::{ActionKind, Direction, Target};
use riposte_domain::enrichment::prefixes::Network;
use serde_json::{Value, json};

type Held = Arc<Mutex<Vec<String>>>;

async fn receiver(State(held): State<Held>, Json(order): Json<Value>) -> Json<Value> {
    let target = order["target"].as_str().unwrap_or_default().to_owned();
    let mut held = held.lock().expect("held");
    match order["op"].as_str() {
        Some("apply") if !held.contains(&target) => held.push(target.clone()),
        Some("undo") => held.retain(|t| *t != target),
        _ => {}
    }
    Json(json!({ "in_force": held.contains(&target), "seen": order["op"] }))
}

fn quick() -> Patience {
    Patience {
        timeout: Duration::from_millis(400),
        attempts: 3,
        backoff: Duration::from_millis(20),
        max_wait: Duration::from_millis(200),
    }
}

async fn setup(secret: Option<&str>) -> (Device, Recorder, Held) {
    let held = Held::default();
    let recorder = Recorder::default();
    let base = serve(Router::new().route("/hook", post(receiver)).with_state(held.clone()), recorder.clone()).await;
    let device = Device::from_config("sensor", "webhook", &json!({ "url": format!("{base}/hook") }), secret, quick())
        .expect("config");
    (device, recorder, held)
}

fn order() -> Order {
    Order {
        action_id: 7,
        kind: ActionKind::Block,
        target: Target::Network(Network::parse("203.0.113.7").expect("address")),
        direction: Some(Direction::Both),
        ttl_secs: 3600,
    }
}

#[tokio::test]
async fn applies_verifies_and_undoes_with_a_signed_body() {
    let (device, recorder, held) = setup(Some("s3cret")).await;
    let applied = device.apply(&order()).await.expect("apply");
    assert!(applied.in_force, "{applied:?}");
    assert_eq!(held.lock().expect("held").as_slice(), ["203.0.113.7/32"]);
    assert!(device.verify(&order()).await.expect("verify").in_force);
    // Applying twice holds it once.
    device.apply(&order()).await.expect("apply again");
    assert_eq!(held.lock().expect("held").len(), 1);
    let undone = device.undo(&order()).await.expect("undo");
    assert!(!undone.in_force);
    let seen = recorder.seen();
    let first = &seen[0];
    assert_eq!(first.header("x-riposte-signature"), Some(sign("s3cret", &first.body).as_str()));
    let body: Value = serde_json::from_str(&first.body).expect("json body");
    assert_eq!(body["op"], "apply");
    assert_eq!(body["direction"], "both");
    assert_eq!(body["ttl_secs"], 3600);
}

#[tokio::test]
async fn retries_5xx_and_honours_429_then_succeeds() {
    let (device, recorder, _) = setup(None).await;
    recorder.fail_next([Fault::Status(503, None), Fault::Status(429, Some(0))]);
    let applied = device.apply(&order()).await.expect("apply after two failures");
    assert!(applied.in_force);
    assert_eq!(recorder.seen().len(), 3);
    assert!(recorder.seen()[0].header("x-riposte-signature").is_none());
}

#[tokio::test]
async fn gives_up_with_a_retryable_error_and_refuses_without_retrying() {
    let (device, recorder, _) = setup(None).await;
    recorder.fail_next([Fault::Hang(Duration::from_secs(2)), Fault::Status(500, None), Fault::Status(502, None)]);
    let error = device.apply(&order()).await.expect_err("three failures");
    assert!(matches!(error, ConnectorError::Unreachable { .. }) && error.retryable(), "{error:?}");
    recorder.clear();
    recorder.fail_next([Fault::Status(400, None)]);
    let error = device.apply(&order()).await.expect_err("refused");
    assert!(matches!(error, ConnectorError::Refused { .. }) && !error.retryable(), "{error:?}");
    assert_eq!(recorder.seen().len(), 1, "a refusal is not retried");
    recorder.fail_next([Fault::ExpiredToken]);
    let error = device.apply(&order()).await.expect_err("unauthorized");
    assert!(matches!(error, ConnectorError::Unauthorized { .. }), "{error:?}");
}

#[tokio::test]
async fn throttled_past_the_attempts_says_how_long_to_wait() {
    let (device, recorder, _) = setup(None).await;
    recorder.fail_next([Fault::Status(429, Some(0)), Fault::Status(429, Some(0)), Fault::Status(429, Some(0))]);
    let error = device.apply(&order()).await.expect_err("throttled");
    assert!(matches!(error, ConnectorError::Throttled { .. }) && error.retryable(), "{error:?}");
}

#[test]
fn bad_settings_name_the_field() {
    let error =
        Device::from_config("x", "webhook", &json!({ "url": "ftp://nope" }), None, quick()).expect_err("bad url");
    assert_eq!(error.field, "url");
    let error = Device::from_config("x", "webhook", &json!({ "url": "http://a/", "colour": 1 }), None, quick())
        .expect_err("unknown field");
    assert!(error.message.contains("colour"), "{error}");
    let error = Device::from_config("x", "telnet", &json!({}), None, quick()).expect_err("kind");
    assert_eq!(error.field, "kind");
}

#[tokio::test]
async fn a_packet_capture_order_names_its_kind_and_no_direction() {
    let (device, recorder, held) = setup(None).await;
    let capture = Order { kind: ActionKind::Capture, direction: None, ttl_secs: 600, ..order() };
    assert!(device.apply(&capture).await.expect("capture").in_force);
    let body: Value = serde_json::from_str(&recorder.seen()[0].body).expect("json body");
    assert_eq!(
        (body["kind"].as_str(), body["direction"].is_null(), body["ttl_secs"].as_u64()),
        (Some("capture"), true, Some(600))
    );
    assert_eq!(held.lock().expect("held").len(), 1);
}
