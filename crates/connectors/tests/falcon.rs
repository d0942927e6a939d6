//! The CrowdStrike Falcon connector against a simulated tenant: the SDK's recorded calls,
//! containment that passes through pending, IOCs, tokens that expire, and an API that hangs,
//! fails and throttles.

mod common;
#[path = "checkpoint/contract.rs"]
mod contract;
#[path = "falcon/sim.rs"]
mod sim;

use std::time::{Duration, Instant};

use common::{Fault, Recorder, Seen, serve};
use riposte_connectors::defender::clock;
use riposte_connectors::falcon::Falcon;
use riposte_connectors::http::Patience;
use riposte_connectors::{ConnectorError, Order};
use riposte_domain::containment::{ActionKind, Direction, Target};
use riposte_domain::enrichment::prefixes::Network;
use serde_json::{Value, json};
use sim::{AID, CLIENT_ID, FalconSim, SECRET};

fn quick() -> Patience {
    Patience {
        timeout: Duration::from_millis(400),
        attempts: 4,
        backoff: Duration::from_millis(15),
        max_wait: Duration::from_secs(2),
    }
}

async fn setup() -> (Falcon, Recorder, FalconSim) {
    let sim = FalconSim::new();
    let recorder = Recorder::default();
    let base = serve(sim.router(), recorder.clone()).await;
    let config = json!({ "url": base, "client_id": CLIENT_ID });
    let connector = Falcon::from_config("lab", &config, Some(SECRET), quick()).expect("config");
    (connector, recorder, sim)
}

fn isolate(host: &str) -> Order {
    Order {
        action_id: 42,
        kind: ActionKind::Isolate,
        target: Target::Host(host.into()),
        direction: None,
        ttl_secs: 3600,
    }
}

fn block(address: &str) -> Order {
    Order {
        action_id: 42,
        kind: ActionKind::Block,
        target: Target::Network(Network::parse(address).expect("address")),
        direction: Some(Direction::Both),
        ttl_secs: 3600,
    }
}

fn calls(recorder: &Recorder, method: &str, path: &str) -> Vec<Seen> {
    recorder.seen().into_iter().filter(|s| s.method == method && s.path == path).collect()
}

fn contain_calls(recorder: &Recorder, action: &str) -> usize {
    calls(recorder, "POST", "/devices/entities/devices-actions/v2")
        .iter()
        .filter(|s| s.query == format!("action_name={action}"))
        .count()
}

#[tokio::test]
async fn sends_what_the_sdk_sends() {
    let (connector, recorder, sim) = setup().await;
    connector.apply_order(&isolate("WKS-042")).await.expect("contain");
    connector.verify_order(&isolate("WKS-042")).await.expect("settle");
    connector.undo_order(&isolate("WKS-042")).await.expect("lift");
    connector.apply_order(&block("203.0.113.7")).await.expect("block");
    connector.undo_order(&block("203.0.113.7")).await.expect("unblock");
    let seen = recorder.seen();
    // The SDK's IOC class fetched a token of its own; the connector's one token serves all.
    let mut recorded = common::recorded("falcon.jsonl");
    let second_token = recorded.iter().rposition(|c| c["path"] == "/oauth2/token").expect("second token request");
    recorded.remove(second_token);
    // Comments and descriptions are Riposte's own text.
    contract::assert_in_order(&recorded, &seen, &["comment", "description"]);
    assert_eq!(sim.state().tokens.len(), 1);

    let created = calls(&recorder, "POST", "/iocs/entities/indicators/v1");
    let body: Value = serde_json::from_str(&created[0].body).expect("json");
    assert_eq!(body["comment"], "riposte action 42");
    assert_eq!(body["indicators"][0]["description"], "Riposte action 42: block 203.0.113.7");
    let expiration = body["indicators"][0]["expiration"].as_str().expect("an expiration");
    let expires = clock::parse_rfc3339(expiration).expect("RFC 3339");
    assert!((expires - clock::now_unix() - 3600).abs() <= 5, "{expiration}");
    let deleted = calls(&recorder, "DELETE", "/iocs/entities/indicators/v1");
    assert_eq!(common::url_pairs(&deleted[0].query)[1], ("comment".into(), "riposte action 42 undone".into()));
}

#[tokio::test]
async fn containment_is_pending_then_verified_and_asked_for_once() {
    let (connector, recorder, sim) = setup().await;
    let applied = connector.apply_order(&isolate("WKS-042")).await.expect("contain");
    assert!(!applied.in_force && applied.summary.contains("pending"), "{applied:?}");
    assert_eq!(applied.evidence["status"], "containment_pending");
    let verified = connector.verify_order(&isolate("WKS-042")).await.expect("verify");
    assert!(verified.in_force, "{verified:?}");
    assert!(connector.apply_order(&isolate("WKS-042")).await.expect("contain again").in_force);
    assert_eq!(contain_calls(&recorder, "contain"), 1);

    let undone = connector.undo_order(&isolate("WKS-042")).await.expect("lift");
    assert!(undone.in_force && undone.summary.contains("release"), "a pending release still holds: {undone:?}");
    assert!(!connector.verify_order(&isolate("WKS-042")).await.expect("verify").in_force);
    assert!(!connector.undo_order(&isolate("WKS-042")).await.expect("lift again").in_force);
    assert_eq!(contain_calls(&recorder, "lift_containment"), 1);
    assert_eq!(sim.status(AID), "normal");
}

#[tokio::test]
async fn a_device_id_is_taken_as_it_is() {
    let (connector, recorder, sim) = setup().await;
    connector.apply_order(&isolate(AID)).await.expect("contain");
    let query = &calls(&recorder, "GET", "/devices/queries/devices/v1")[0].query;
    assert_eq!(common::url_pairs(query), [("filter".to_owned(), format!("device_id:'{AID}'"))]);
    assert_eq!(sim.status(AID), "containment_pending");
}

#[tokio::test]
async fn an_unknown_or_ambiguous_host_is_refused_by_name() {
    let (connector, recorder, sim) = setup().await;
    let error = connector.apply_order(&isolate("WKS-999")).await.expect_err("no such host");
    assert!(
        matches!(&error, ConnectorError::Refused { device, detail } if device == "falcon lab" && detail.contains("WKS-999")),
        "{error:?}"
    );
    assert!(!error.retryable());
    sim.add_device("fedcba9876543210fedcba9876543210", "wks-042");
    let error = connector.apply_order(&isolate("WKS-042")).await.expect_err("two hosts");
    assert!(matches!(&error, ConnectorError::Refused { detail, .. } if detail.contains(AID)), "{error:?}");
    assert_eq!(contain_calls(&recorder, "contain"), 0);
}

#[tokio::test]
async fn blocks_with_one_ioc_and_deletes_only_its_own() {
    let (connector, recorder, sim) = setup().await;
    let applied = connector.apply_order(&block("203.0.113.7")).await.expect("block");
    assert!(applied.in_force, "{applied:?}");
    assert!(connector.apply_order(&block("203.0.113.7")).await.expect("block again").in_force);
    assert_eq!(calls(&recorder, "POST", "/iocs/entities/indicators/v1").len(), 1);
    assert_eq!(sim.state().iocs.len(), 1);
    assert!(connector.verify_order(&block("203.0.113.7")).await.expect("verify").in_force);
    assert!(!connector.undo_order(&block("203.0.113.7")).await.expect("unblock").in_force);
    assert!(sim.state().iocs.is_empty());
    assert!(!connector.undo_order(&block("203.0.113.7")).await.expect("unblock again").in_force);
    assert_eq!(calls(&recorder, "DELETE", "/iocs/entities/indicators/v1").len(), 1);

    // An analyst's IOC blocks as well, and an undo leaves it.
    sim.state().iocs.push(json!({
        "id": "analyst-1", "type": "ipv4", "value": "198.51.100.4", "action": "prevent", "source": "analyst",
        "expired": false,
    }));
    assert!(connector.apply_order(&block("198.51.100.4")).await.expect("block").in_force);
    let undone = connector.undo_order(&block("198.51.100.4")).await.expect("undo");
    assert!(undone.in_force && undone.summary.contains("did not create"), "{undone:?}");
    assert_eq!(calls(&recorder, "POST", "/iocs/entities/indicators/v1").len(), 1);
    // One that allows the address is for a person to settle.
    sim.state().iocs.push(json!({ "id": "analyst-2", "type": "ipv4", "value": "198.51.100.5", "action": "allow" }));
    let error = connector.apply_order(&block("198.51.100.5")).await.expect_err("conflict");
    assert!(matches!(&error, ConnectorError::Conflict { detail, .. } if detail.contains("analyst-2")), "{error:?}");
}

#[tokio::test]
async fn an_expired_ioc_of_its_own_is_replaced() {
    let (connector, _, sim) = setup().await;
    sim.state().iocs.push(json!({
        "id": "old-1", "type": "ipv4", "value": "203.0.113.7", "action": "prevent", "source": "riposte",
        "expiration": "2020-01-01T00:00:00Z", "expired": true,
    }));
    assert!(!connector.verify_order(&block("203.0.113.7")).await.expect("verify").in_force);
    assert!(connector.apply_order(&block("203.0.113.7")).await.expect("block").in_force);
    let ids: Vec<Value> = sim.state().iocs.iter().map(|i| i["id"].clone()).collect();
    assert_eq!(ids, [json!("ioc-1")]);
}

#[tokio::test]
async fn a_range_is_refused() {
    let (connector, recorder, _) = setup().await;
    let error = connector.apply_order(&block("203.0.113.0/24")).await.expect_err("a range");
    assert!(matches!(&error, ConnectorError::Refused { detail, .. } if detail.contains("203.0.113.0/24")), "{error:?}");
    assert!(recorder.seen().is_empty());
}

#[tokio::test]
async fn an_expired_token_is_renewed_once() {
    let (connector, recorder, sim) = setup().await;
    assert!(connector.check().await.expect("check").contains("1 hosts"));
    recorder.fail_next([Fault::ExpiredToken]);
    connector.apply_order(&isolate("WKS-042")).await.expect("contain with a new token");
    assert_eq!(sim.state().tokens, ["lab-token", "lab-token-2"]);
    assert_eq!(calls(&recorder, "POST", "/oauth2/token").len(), 2);
    let finds: Vec<Seen> = calls(&recorder, "GET", "/devices/queries/devices/v1")
        .into_iter()
        .filter(|s| s.query.contains("filter"))
        .collect();
    assert_eq!(finds[0].header("authorization"), Some("Bearer lab-token"));
    assert_eq!(finds[1].header("authorization"), Some("Bearer lab-token-2"));

    // Refused again with the new token: the refusal is the answer, not a loop.
    recorder.fail_next([Fault::ExpiredToken, Fault::Hang(Duration::ZERO), Fault::ExpiredToken]);
    let error = connector.verify_order(&isolate("WKS-042")).await.expect_err("refused twice");
    assert!(
        matches!(&error, ConnectorError::Unauthorized { detail, .. } if detail.starts_with("find host")),
        "{error:?}"
    );
    assert_eq!(sim.state().tokens.len(), 3);
}

#[tokio::test]
async fn bad_credentials_are_unauthorized() {
    let sim = FalconSim::new();
    let base = serve(sim.router(), Recorder::default()).await;
    let connector = Falcon::from_config("lab", &json!({ "url": base, "client_id": CLIENT_ID }), Some("wrong"), quick())
        .expect("config");
    let error = connector.check().await.expect_err("bad secret");
    assert!(
        matches!(&error, ConnectorError::Unauthorized { detail, .. } if detail.starts_with("get token")),
        "{error:?}"
    );
}

#[tokio::test]
async fn hangs_failures_and_throttling_are_waited_out() {
    let (connector, recorder, _) = setup().await;
    connector.check().await.expect("token");
    recorder.clear();
    recorder.fail_next([Fault::Hang(Duration::from_secs(1)), Fault::Status(500, None), Fault::Status(429, Some(1))]);
    let started = Instant::now();
    connector.apply_order(&isolate("WKS-042")).await.expect("contain after three failures");
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After honoured: {:?}", started.elapsed());
    assert_eq!(calls(&recorder, "GET", "/devices/queries/devices/v1").len(), 4);
    assert_eq!(contain_calls(&recorder, "contain"), 1);
}

#[test]
fn bad_settings_name_the_field() {
    let field_of = |config: Value, secret: Option<&str>| {
        Falcon::from_config("lab", &config, secret, quick()).expect_err("bad settings").field
    };
    assert_eq!(field_of(json!({}), Some("s")), "client_id");
    assert_eq!(field_of(json!({ "client_id": "id" }), None), "secret");
    assert_eq!(field_of(json!({ "client_id": "id&x=1" }), Some("s")), "client_id");
    assert_eq!(field_of(json!({ "client_id": "id", "url": "api.crowdstrike.com" }), Some("s")), "url");
    assert_eq!(field_of(json!({ "client_id": "id", "ioc_severity": "urgent" }), Some("s")), "ioc_severity");
    assert_eq!(field_of(json!({ "client_id": "id", "ioc_platforms": ["amiga"] }), Some("s")), "ioc_platforms");
    let error = Falcon::from_config("lab", &json!({ "client_id": "id", "tenant": 1 }), Some("s"), quick())
        .expect_err("unknown");
    assert!(error.message.contains("tenant"), "{error}");
    let falcon = Falcon::from_config("lab", &json!({ "client_id": "id" }), Some(SECRET), quick()).expect("defaults");
    assert_eq!(falcon.kinds(), [ActionKind::Isolate, ActionKind::Block]);
    assert!(!format!("{falcon:?}").contains(SECRET), "the secret stays out of logs");
}
