//! The FortiGate connector against a simulated FortiGate that keeps state: the requests
//! match the fortigate-api SDK's, apply → verify → undo is a real round trip in both modes,
//! a second apply creates nothing twice (also after a half-done first), and timeouts, 5xx,
//! 429 and a refused token are handled as they should be.

mod common;
mod sim_fortigate;

use std::time::{Duration, Instant};

use common::{Fault, Recorder, recorded, serve};
use riposte_connectors::fortigate::FortiGate;
use riposte_connectors::http::Patience;
use riposte_connectors::{ConnectorError, Order};
use riposte_domain::containment::{ActionKind, Direction, Target};
use riposte_domain::enrichment::prefixes::Network;
use serde_json::{Value, json};
use sim_fortigate::contract::assert_sent_in_order;
use sim_fortigate::{Shared, TOKEN, router};

fn quick() -> Patience {
    Patience {
        timeout: Duration::from_millis(400),
        attempts: 3,
        backoff: Duration::from_millis(15),
        max_wait: Duration::from_millis(200),
    }
}

struct Lab {
    gate: Shared,
    recorder: Recorder,
    url: String,
}

impl Lab {
    /// A FortiGate whose group SOC-Blocklist holds `members`.
    async fn start(members: &[&str]) -> Lab {
        let gate = sim_fortigate::FortiGate::lab(members);
        let recorder = Recorder::default();
        let url = serve(router(gate.clone()), recorder.clone()).await;
        Lab { gate, recorder, url }
    }

    fn connector(&self, mut settings: Value, patience: Patience) -> FortiGate {
        settings["url"] = json!(self.url);
        FortiGate::from_config("lab-fgt", &settings, Some(TOKEN), patience).expect("settings")
    }

    /// Address mode as the recording was made: group SOC-Blocklist, objects soc-block-….
    fn blocking(&self) -> FortiGate {
        self.connector(json!({ "address_group": "SOC-Blocklist", "object_prefix": "soc-block" }), quick())
    }

    fn banning(&self) -> FortiGate {
        self.connector(json!({ "mode": "ban" }), quick())
    }

    fn state(&self) -> std::sync::MutexGuard<'_, sim_fortigate::FortiGate> {
        self.gate.lock().expect("gate")
    }

    /// How many requests went out with this method to this path.
    fn sent(&self, method: &str, path: &str) -> usize {
        self.recorder.seen().iter().filter(|s| s.method == method && s.path == path).count()
    }
}

fn order(kind: ActionKind, target: &str) -> Order {
    Order {
        action_id: 42,
        kind,
        target: Target::Network(Network::parse(target).expect("address")),
        direction: (kind == ActionKind::Block).then_some(Direction::Both),
        ttl_secs: 3600,
    }
}

const ADDRESSES: &str = "/api/v2/cmdb/firewall/address";
const GROUP: &str = "/api/v2/cmdb/firewall/addrgrp/SOC-Blocklist";

#[tokio::test]
async fn sends_what_the_fortigate_sdk_sends() {
    let lab = Lab::start(&[]).await;
    let (blocking, banning) = (lab.blocking(), lab.banning());
    let health = blocking.check().await.expect("check");
    assert!(health.contains("lab-fgt") && health.contains("v7.2.5"), "{health}");
    blocking.apply_order(&order(ActionKind::Block, "203.0.113.7")).await.expect("block");
    banning.apply_order(&order(ActionKind::Quarantine, "203.0.113.7")).await.expect("ban");
    banning.undo_order(&order(ActionKind::Quarantine, "203.0.113.7")).await.expect("clear");
    blocking.undo_order(&order(ActionKind::Block, "203.0.113.7")).await.expect("unblock");
    // The recording's lab comment was "case-42"; Riposte writes its action id.
    assert_sent_in_order(&lab.recorder.seen(), &recorded("fortigate.jsonl"), &[("case-42", "riposte action 42")]);
}

#[tokio::test]
async fn address_round_trip_keeps_other_members_and_is_idempotent() {
    let lab = Lab::start(&["placeholder"]).await;
    let fortigate = lab.connector(json!({ "address_group": "SOC-Blocklist" }), quick());
    let block = order(ActionKind::Block, "203.0.113.7");
    let applied = fortigate.apply_order(&block).await.expect("apply");
    assert!(applied.in_force, "{applied:?}");
    assert_eq!(lab.state().groups["SOC-Blocklist"], ["placeholder", "riposte-203.0.113.7"], "the union was sent");
    assert_eq!(lab.state().addresses["riposte-203.0.113.7"].1, "riposte action 42");

    let again = fortigate.apply_order(&block).await.expect("apply again");
    assert!(again.in_force);
    assert_eq!(lab.sent("POST", ADDRESSES), 1, "an existing object is kept, not posted again");
    assert_eq!(lab.sent("PUT", GROUP), 1, "a member already there is not put again");
    assert_eq!(lab.state().groups["SOC-Blocklist"].len(), 2);
    assert!(fortigate.verify_order(&block).await.expect("verify").in_force);

    let undone = fortigate.undo_order(&block).await.expect("undo");
    assert!(!undone.in_force, "{undone:?}");
    assert_eq!(lab.state().groups["SOC-Blocklist"], ["placeholder"]);
    assert!(!lab.state().addresses.contains_key("riposte-203.0.113.7"));
    assert!(!fortigate.verify_order(&block).await.expect("verify after undo").in_force);
    assert!(!fortigate.undo_order(&block).await.expect("undo again is harmless").in_force);
}

#[tokio::test]
async fn a_range_is_an_object_and_ipv6_is_refused_in_address_mode() {
    let lab = Lab::start(&[]).await;
    let fortigate = lab.connector(json!({ "address_group": "SOC-Blocklist" }), quick());
    assert!(fortigate.apply_order(&order(ActionKind::Block, "198.51.100.0/24")).await.expect("range").in_force);
    assert_eq!(lab.state().addresses["riposte-198.51.100.0-24"].0, "198.51.100.0 255.255.255.0");
    let error = fortigate.apply_order(&order(ActionKind::Block, "2001:db8::7")).await.expect_err("IPv6");
    assert!(matches!(&error, ConnectorError::Refused { detail, .. } if detail.contains("IPv6")), "{error}");
    let error = fortigate.apply_order(&order(ActionKind::Quarantine, "203.0.113.7")).await.expect_err("kind");
    assert!(matches!(error, ConnectorError::Refused { .. }), "{error:?}");
}

#[tokio::test]
async fn ban_round_trip_carries_the_expiry() {
    let lab = Lab::start(&[]).await;
    let fortigate = lab.banning();
    assert_eq!(fortigate.kinds(), [ActionKind::Quarantine]);
    let ban = order(ActionKind::Quarantine, "203.0.113.7");
    let applied = fortigate.apply_order(&ban).await.expect("ban");
    assert!(applied.in_force && applied.summary.contains("expires in 3"), "{applied:?}");
    fortigate.apply_order(&ban).await.expect("ban again");
    assert_eq!(lab.state().banned.len(), 1, "one entry");
    assert!(fortigate.verify_order(&ban).await.expect("verify").in_force);
    let undone = fortigate.undo_order(&ban).await.expect("clear");
    assert!(!undone.in_force, "{undone:?}");
    assert!(lab.state().banned.is_empty());
    assert!(!fortigate.verify_order(&ban).await.expect("verify after clear").in_force);
    let error = fortigate.apply_order(&order(ActionKind::Quarantine, "203.0.113.0/24")).await.expect_err("range");
    assert!(matches!(&error, ConnectorError::Refused { detail, .. } if detail.contains("range")), "{error}");
}

#[tokio::test]
async fn a_half_done_apply_is_retryable_and_completes_without_duplicates() {
    let lab = Lab::start(&[]).await;
    let fortigate = lab.blocking();
    let block = order(ActionKind::Block, "203.0.113.7");
    lab.state().failing_group_puts = 3;
    let error = fortigate.apply_order(&block).await.expect_err("the group update failed every time");
    assert!(error.retryable(), "{error:?}");
    assert!(error.to_string().contains("update address group SOC-Blocklist"), "{error}");
    assert!(lab.state().addresses.contains_key("soc-block-203.0.113.7"), "the object was made");
    assert!(!fortigate.verify_order(&block).await.expect("verify").in_force, "but it blocks nothing yet");

    assert!(fortigate.apply_order(&block).await.expect("second apply").in_force);
    assert_eq!(lab.sent("POST", ADDRESSES), 1, "the object was not posted again");
    assert_eq!(lab.state().addresses.len(), 1);
    assert_eq!(lab.state().groups["SOC-Blocklist"], ["soc-block-203.0.113.7"]);
}

#[tokio::test]
async fn a_refused_token_is_final() {
    let lab = Lab::start(&[]).await;
    let fortigate = lab.blocking();
    lab.recorder.fail_next([Fault::ExpiredToken]);
    let error = fortigate.apply_order(&order(ActionKind::Block, "203.0.113.7")).await.expect_err("401");
    assert!(matches!(error, ConnectorError::Unauthorized { .. }) && !error.retryable(), "{error:?}");
    assert!(error.to_string().contains("FortiGate lab-fgt"), "{error}");
    assert_eq!(lab.recorder.seen().len(), 1, "not retried");
    let wrong =
        FortiGate::from_config("lab-fgt", &json!({ "url": lab.url, "mode": "ban" }), Some("old-token"), quick())
            .expect("settings");
    assert!(matches!(wrong.check().await, Err(ConnectorError::Unauthorized { .. })));
}

#[tokio::test]
async fn timeouts_and_5xx_are_retried_and_retry_after_is_honoured() {
    let lab = Lab::start(&[]).await;
    let fortigate = lab.banning();
    let ban = order(ActionKind::Quarantine, "203.0.113.7");
    lab.recorder.fail_next([Fault::Hang(Duration::from_secs(1)), Fault::Status(502, None)]);
    assert!(fortigate.apply_order(&ban).await.expect("ban after a timeout and a 502").in_force);
    assert_eq!(lab.sent("POST", "/api/v2/monitor/user/banned/add_users"), 3);

    let patient = lab.connector(json!({ "mode": "ban" }), Patience { max_wait: Duration::from_secs(3), ..quick() });
    lab.recorder.fail_next([Fault::Status(429, Some(1))]);
    let started = Instant::now();
    assert!(patient.verify_order(&ban).await.expect("verify after a 429").in_force);
    assert!(started.elapsed() >= Duration::from_millis(950), "waited {:?}", started.elapsed());

    lab.recorder.fail_next([Fault::Status(503, None), Fault::Status(503, None), Fault::Status(503, None)]);
    let error = fortigate.verify_order(&ban).await.expect_err("503 every time");
    assert!(
        matches!(&error, ConnectorError::Unreachable { detail, .. } if detail.starts_with("read banned list")),
        "{error}"
    );
}

#[tokio::test]
async fn answers_that_are_not_json_or_refuse_are_told_apart() {
    let lab = Lab::start(&[]).await;
    lab.state().html_next = true;
    let fortigate = lab.blocking();
    let error = fortigate.verify_order(&order(ActionKind::Block, "203.0.113.7")).await.expect_err("HTML");
    assert!(matches!(error, ConnectorError::Unexpected { .. }), "{error:?}");
    let missing_group = lab.connector(json!({ "address_group": "No-Such-Group" }), quick());
    let error = missing_group.apply_order(&order(ActionKind::Block, "203.0.113.7")).await.expect_err("no group");
    assert!(
        matches!(&error, ConnectorError::Refused { detail, .. } if detail.starts_with("read address group No-Such-Group: 404")),
        "{error}"
    );
    let other_vdom = lab.connector(json!({ "mode": "ban", "vdom": "branch" }), quick());
    assert!(matches!(
        other_vdom.verify_order(&order(ActionKind::Quarantine, "203.0.113.7")).await,
        Err(ConnectorError::Refused { .. })
    ));
    let mut host = order(ActionKind::Block, "203.0.113.7");
    host.target = Target::Host("WKS-042".into());
    assert!(matches!(fortigate.apply_order(&host).await, Err(ConnectorError::Refused { .. })));
}

#[test]
fn bad_settings_name_the_field() {
    let field = |settings: Value, secret: Option<&str>| {
        FortiGate::from_config("fgt", &settings, secret, quick()).expect_err("bad settings").field
    };
    let token = Some(TOKEN);
    assert_eq!(field(json!({ "url": "fgt.example", "mode": "ban" }), token), "url");
    assert_eq!(field(json!({ "url": "https://fgt" }), token), "address_group");
    assert_eq!(field(json!({ "url": "https://fgt", "address_group": "a/b" }), token), "address_group");
    assert_eq!(field(json!({ "url": "https://fgt", "mode": "drop" }), token), "mode");
    assert_eq!(field(json!({ "url": "https://fgt", "mode": "ban", "vdom": "root?x=1" }), token), "vdom");
    assert_eq!(field(json!({ "url": "https://fgt", "mode": "ban", "object_prefix": "" }), token), "object_prefix");
    assert_eq!(field(json!({ "url": "https://fgt", "mode": "ban" }), None), "secret");
    assert_eq!(field(json!({ "url": "https://fgt", "mode": "ban" }), Some("tok en")), "secret");
    let error =
        FortiGate::from_config("fgt", &json!({ "url": "https://fgt", "mode": "ban", "colour": 1 }), token, quick())
            .expect_err("unknown");
    assert!(error.message.contains("colour"), "{error}");
    let fine = FortiGate::from_config("fgt", &json!({ "url": "https://fgt", "address_group": "G" }), token, quick())
        .expect("defaults");
    assert_eq!(fine.kinds(), [ActionKind::Block]);
}
