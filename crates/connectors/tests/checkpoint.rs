//! The Check Point connector against a simulated management server: the SDK's recorded
//! calls, a full block and unblock, a change left half done, sessions that expire, and a
//! server that hangs, fails and throttles.

mod common;
#[path = "checkpoint/contract.rs"]
mod contract;
#[path = "checkpoint/sim.rs"]
mod sim;

use std::time::{Duration, Instant};

use common::{Fault, Recorder, serve};
use riposte_connectors::checkpoint::CheckPoint;
use riposte_connectors::http::Patience;
use riposte_connectors::{ConnectorError, Order};
use riposte_domain::containment::{ActionKind, Direction, Target};
use riposte_domain::enrichment::prefixes::Network;
use serde_json::{Value, json};
use sim::{CheckPointSim, GROUP, PASSWORD};

fn quick() -> Patience {
    Patience {
        timeout: Duration::from_millis(400),
        attempts: 4,
        backoff: Duration::from_millis(15),
        max_wait: Duration::from_secs(2),
    }
}

/// The recording's lab settings, polling fast.
fn lab_config(base: &str) -> Value {
    json!({
        "url": base, "username": "soc-api", "group": GROUP, "policy_package": "standard", "targets": ["gw1"],
        "object_prefix": "soc-block-", "poll_interval_ms": 10, "task_timeout_secs": 5,
    })
}

async fn setup() -> (CheckPoint, Recorder, CheckPointSim) {
    let sim = CheckPointSim::new();
    let recorder = Recorder::default();
    let base = serve(sim.router(), recorder.clone()).await;
    let connector = CheckPoint::from_config("lab", &lab_config(&base), Some(PASSWORD), quick()).expect("config");
    (connector, recorder, sim)
}

fn block(target: &str) -> Order {
    Order {
        action_id: 42,
        kind: ActionKind::Block,
        target: Target::Network(Network::parse(target).expect("network")),
        direction: Some(Direction::Both),
        ttl_secs: 3600,
    }
}

fn sent(recorder: &Recorder, command: &str) -> Vec<Value> {
    recorder
        .seen()
        .iter()
        .filter(|s| s.path.ends_with(&format!("/{command}")))
        .map(|s| serde_json::from_str(&s.body).expect("json body"))
        .collect()
}

#[tokio::test]
async fn sends_what_the_sdk_sends() {
    let (connector, recorder, _) = setup().await;
    connector.apply_order(&block("203.0.113.7")).await.expect("apply");
    connector.undo_order(&block("203.0.113.7")).await.expect("undo");
    // The SDK logs out at the end; the connector keeps its session for the next call.
    let recorded: Vec<Value> = common::recorded("checkpoint.jsonl")
        .into_iter()
        .filter(|call| !call["path"].as_str().unwrap_or_default().ends_with("/logout"))
        .collect();
    // Comments are Riposte's own text; task ids are the server's.
    contract::assert_in_order(&recorded, &recorder.seen(), &["comments", "task-id"]);
    let added = sent(&recorder, "add-host");
    assert_eq!(added.len(), 1);
    assert_eq!(added[0]["comments"], "riposte action 42");
    // Each poll asks for the task the server just started.
    let polled: Vec<Value> = sent(&recorder, "show-task").iter().map(|b| b["task-id"].clone()).collect();
    assert_eq!(
        polled,
        ["task-1", "task-1", "task-2", "task-2", "task-3", "task-3", "task-4", "task-4"].map(Value::from)
    );
}

#[tokio::test]
async fn blocks_verifies_and_unblocks_once_however_often_asked() {
    let (connector, recorder, sim) = setup().await;
    let order = block("203.0.113.7");
    let applied = connector.apply_order(&order).await.expect("apply");
    assert!(applied.in_force, "{applied:?}");
    assert_eq!(applied.evidence["tasks"]["install-policy"], "task-2");
    assert_eq!(sim.state().members(), ["partner-scanner", "soc-block-203.0.113.7"]);
    assert!(connector.verify_order(&order).await.expect("verify").in_force);

    let again = connector.apply_order(&order).await.expect("apply again");
    assert!(again.in_force);
    assert_eq!(sent(&recorder, "add-host").len(), 1, "an existing host is reused");
    assert_eq!(sent(&recorder, "set-group").len(), 1, "a member is not added twice");
    assert_eq!(sim.state().installed.len(), 2, "every apply installs, in case the last one stopped short");

    let undone = connector.undo_order(&order).await.expect("undo");
    assert!(!undone.in_force, "{undone:?}");
    assert_eq!(sim.state().members(), ["partner-scanner"], "the analyst's member stays");
    assert!(!sim.state().objects.contains_key("soc-block-203.0.113.7"));
    assert!(!connector.verify_order(&order).await.expect("verify").in_force);
    let undone = connector.undo_order(&order).await.expect("undo again");
    assert!(!undone.in_force);
    assert_eq!(sent(&recorder, "delete-host").len(), 1);
    assert_eq!(sim.state().logins, 1, "one session serves every call");
}

#[tokio::test]
async fn a_range_becomes_a_network_object() {
    let (connector, recorder, sim) = setup().await;
    let order = block("10.20.0.0/16");
    assert!(connector.apply_order(&order).await.expect("apply").in_force);
    assert_eq!(
        sent(&recorder, "add-network"),
        [json!({
            "name": "soc-block-10.20.0.0_16", "subnet": "10.20.0.0", "mask-length": 16, "comments": "riposte action 42",
        })]
    );
    assert!(!connector.undo_order(&order).await.expect("undo").in_force);
    assert!(!sim.state().objects.contains_key("soc-block-10.20.0.0_16"));
}

#[tokio::test]
async fn a_failed_publish_is_finished_by_the_next_apply_without_a_second_host() {
    let (connector, recorder, sim) = setup().await;
    sim.state().fail_next_publish = Some("Publish failed: database locked".into());
    let error = connector.apply_order(&block("203.0.113.7")).await.expect_err("publish fails");
    assert!(
        matches!(&error, ConnectorError::Refused { device, detail }
            if device == "checkpoint lab" && detail.contains("publish") && detail.contains("database locked")),
        "{error:?}"
    );
    assert!(sim.state().installed.is_empty(), "nothing installed after a failed publish");

    let applied = connector.apply_order(&block("203.0.113.7")).await.expect("second apply");
    assert!(applied.in_force);
    assert_eq!(sent(&recorder, "add-host").len(), 1, "no duplicate host");
    assert_eq!(sim.state().members().iter().filter(|m| m.as_str() == "soc-block-203.0.113.7").count(), 1);
    assert_eq!(sim.state().published, 2);
    assert_eq!(sim.state().installed.len(), 1);
}

#[tokio::test]
async fn a_failed_install_is_refused_with_the_servers_words_and_retried_by_the_next_apply() {
    let (connector, _, sim) = setup().await;
    let order = block("203.0.113.7");
    sim.state().fail_next_install = Some("Installation failed on gw1: policy verification".into());
    let error = connector.apply_order(&order).await.expect_err("the install fails");
    assert!(
        matches!(&error, ConnectorError::Refused { detail, .. }
            if detail.starts_with("install-policy standard") && detail.contains("policy verification")),
        "{error:?}"
    );
    assert!(!error.retryable());
    assert!(connector.apply_order(&order).await.expect("apply again").in_force);
    assert_eq!(sim.state().installed.len(), 2);
}

#[tokio::test]
async fn an_expired_session_is_renewed_once() {
    let (connector, recorder, sim) = setup().await;
    connector.check().await.expect("log in");
    sim.expire_sessions();
    let applied = connector.apply_order(&block("203.0.113.7")).await.expect("apply after the session expired");
    assert!(applied.in_force);
    assert_eq!(sim.state().logins, 2);
    let last = recorder.seen().last().cloned().expect("calls");
    assert_eq!(last.header("x-chkp-sid"), Some("lab-sid-2"));

    // A 401 counts the same.
    recorder.fail_next([Fault::ExpiredToken]);
    assert!(connector.verify_order(&block("203.0.113.7")).await.expect("verify").in_force);
    assert_eq!(sim.state().logins, 3);
}

#[tokio::test]
async fn hangs_failures_and_throttling_are_waited_out() {
    let (connector, recorder, _) = setup().await;
    connector.check().await.expect("log in");
    recorder.clear();
    recorder.fail_next([Fault::Hang(Duration::from_secs(1)), Fault::Status(500, None), Fault::Status(429, Some(1))]);
    let started = Instant::now();
    let applied = connector.apply_order(&block("203.0.113.7")).await.expect("apply after three failures");
    assert!(applied.in_force);
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After honoured: {:?}", started.elapsed());
    let first: Vec<String> = recorder.seen().iter().take(4).map(|s| s.path.clone()).collect();
    assert!(first.iter().all(|p| p.ends_with("/show-host")), "the same call tried four times: {first:?}");

    recorder.fail_next(std::iter::repeat_n(Fault::Status(503, None), 4));
    let error = connector.verify_order(&block("203.0.113.7")).await.expect_err("four failures");
    assert!(
        matches!(&error, ConnectorError::Unreachable { detail, .. } if detail.starts_with("show-group"))
            && error.retryable(),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_name_taken_by_another_address_is_a_conflict() {
    let (connector, _, sim) = setup().await;
    sim.state().objects.insert(
        "soc-block-203.0.113.7".into(),
        json!({ "name": "soc-block-203.0.113.7", "type": "host", "ipv4-address": "192.0.2.1" }),
    );
    let error = connector.apply_order(&block("203.0.113.7")).await.expect_err("conflict");
    assert!(
        matches!(&error, ConnectorError::Conflict { detail, .. } if detail.contains("another address")),
        "{error:?}"
    );
    assert!(!sim.state().members().contains(&"soc-block-203.0.113.7".to_owned()));
}

#[tokio::test]
async fn an_object_used_elsewhere_is_kept_but_leaves_the_group() {
    let (connector, _, sim) = setup().await;
    let order = block("203.0.113.7");
    connector.apply_order(&order).await.expect("apply");
    sim.state().groups.insert("Analyst_Watch".into(), vec!["soc-block-203.0.113.7".into()]);
    let undone = connector.undo_order(&order).await.expect("undo");
    assert!(!undone.in_force);
    assert!(
        undone.evidence["tasks"]["object_kept"].as_str().is_some_and(|w| w.contains("Analyst_Watch")),
        "{undone:?}"
    );
    assert!(sim.state().objects.contains_key("soc-block-203.0.113.7"));
}

#[tokio::test]
async fn logs_in_with_an_api_key_and_reports_bad_credentials() {
    let sim = CheckPointSim::new();
    let recorder = Recorder::default();
    let base = serve(sim.router(), recorder.clone()).await;
    let mut config = lab_config(&base);
    config.as_object_mut().expect("object").remove("username");
    let connector = CheckPoint::from_config("lab", &config, Some(sim::API_KEY), quick()).expect("config");
    assert!(connector.check().await.expect("check").contains("soc-api"));
    let login: Value = serde_json::from_str(&recorder.seen()[0].body).expect("login body");
    assert_eq!(login, json!({ "api-key": sim::API_KEY, "continue-last-session": false, "read-only": false }));

    let wrong = CheckPoint::from_config("lab", &lab_config(&base), Some("wrong"), quick()).expect("config");
    let error = wrong.check().await.expect_err("bad password");
    assert!(matches!(&error, ConnectorError::Unauthorized { detail, .. } if detail.starts_with("login")), "{error:?}");
}

#[tokio::test]
async fn refuses_what_it_cannot_do() {
    let (connector, recorder, _) = setup().await;
    let isolate = Order {
        action_id: 1,
        kind: ActionKind::Isolate,
        target: Target::Host("wks-042".into()),
        direction: None,
        ttl_secs: 3600,
    };
    let error = connector.apply_order(&isolate).await.expect_err("not a firewall's job");
    assert!(matches!(error, ConnectorError::Refused { .. }), "{error:?}");
    assert!(recorder.seen().is_empty());
    assert_eq!(connector.kinds(), [ActionKind::Block]);
}

#[test]
fn bad_settings_name_the_field() {
    let base = lab_config("https://mgmt.lab");
    let with = |field: &str, value: Value| {
        let mut config = base.clone();
        config[field] = value;
        config
    };
    let field_of = |config: Value, secret: Option<&str>| {
        CheckPoint::from_config("lab", &config, secret, quick()).expect_err("bad settings").field
    };
    assert_eq!(field_of(with("url", json!("ftp://mgmt")), Some("pw")), "url");
    assert_eq!(field_of(base.clone(), None), "secret");
    assert_eq!(field_of(with("group", json!(" ")), Some("pw")), "group");
    assert_eq!(field_of(with("targets", json!(["gw1", ""])), Some("pw")), "targets");
    assert_eq!(field_of(with("object_prefix", json!("bad name ")), Some("pw")), "object_prefix");
    assert_eq!(field_of(with("api_version", json!("latest")), Some("pw")), "api_version");
    assert_eq!(field_of(with("poll_interval_ms", json!(0)), Some("pw")), "poll_interval_ms");
    assert_eq!(field_of(with("username", json!("soc\napi")), Some("pw")), "username");
    let error = CheckPoint::from_config("lab", &with("colour", json!(1)), Some("pw"), quick()).expect_err("unknown");
    assert!(error.message.contains("colour"), "{error}");
    let connector = CheckPoint::from_config("lab", &base, Some(PASSWORD), quick()).expect("good settings");
    assert!(!format!("{connector:?}").contains(PASSWORD), "the password stays out of logs");
}
