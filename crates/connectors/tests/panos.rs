//! The PAN-OS connector against a simulated firewall that keeps state: the requests match
//! pan-os-python's, apply → verify → undo is a real round trip in both modes, and keys,
//! timeouts, 5xx, 429, failed and endless commit jobs are handled as they should be.

mod common;
mod sim_panos;

use std::time::{Duration, Instant};

use common::{Fault, Recorder, recorded, serve};
use riposte_connectors::http::Patience;
use riposte_connectors::panos::PanOs;
use riposte_connectors::{ConnectorError, Order};
use riposte_domain::containment::{ActionKind, Direction, Target};
use riposte_domain::enrichment::prefixes::Network;
use serde_json::{Value, json};
use sim_panos::contract::assert_sent_in_order;
use sim_panos::{Firewall, Shared, router};

fn quick() -> Patience {
    Patience {
        timeout: Duration::from_millis(400),
        attempts: 3,
        backoff: Duration::from_millis(15),
        max_wait: Duration::from_millis(200),
    }
}

struct Lab {
    firewall: Shared,
    recorder: Recorder,
    url: String,
}

impl Lab {
    async fn start() -> Lab {
        let firewall = Firewall::lab();
        let recorder = Recorder::default();
        let url = serve(router(firewall.clone()), recorder.clone()).await;
        Lab { firewall, recorder, url }
    }

    /// A connector with the lab's URL added to `settings`.
    fn connector(&self, mut settings: Value, secret: &str, patience: Patience) -> PanOs {
        settings["url"] = json!(self.url);
        PanOs::from_config("lab-fw", &settings, Some(secret), patience).expect("settings")
    }

    /// Commit mode as the recording was made: group SOC-Blocklist, objects soc-block-….
    fn committing(&self) -> PanOs {
        let settings = json!({
            "mode": "commit", "address_group": "SOC-Blocklist", "object_prefix": "soc-block",
            "poll_interval_ms": 10,
        });
        self.connector(settings, "LAB-API-KEY", quick())
    }

    fn fw(&self) -> std::sync::MutexGuard<'_, Firewall> {
        self.firewall.lock().expect("firewall")
    }

    /// How many requests of this form `type` (and `action`, for config) were sent.
    fn sent(&self, kind: &str) -> usize {
        self.recorder
            .seen()
            .iter()
            .filter(|s| {
                let form = common::url_pairs(&s.body);
                let field = |n: &str| form.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()).unwrap_or_default();
                let action = field("action");
                field("type") == kind.split(':').next().unwrap_or_default()
                    && kind.split(':').nth(1).is_none_or(|a| a == action)
            })
            .count()
    }
}

fn order(target: &str) -> Order {
    Order {
        action_id: 42,
        kind: ActionKind::Block,
        target: Target::Network(Network::parse(target).expect("address")),
        direction: Some(Direction::Both),
        ttl_secs: 3600,
    }
}

#[tokio::test]
async fn tag_mode_sends_what_pan_os_python_sends() {
    let lab = Lab::start().await;
    let panos = lab.connector(json!({ "username": "admin" }), "lab-pass", quick());
    let health = panos.check().await.expect("check");
    assert!(health.contains("lab-fw") && health.contains("PA-VM"), "{health}");
    panos.apply_order(&order("203.0.113.7")).await.expect("apply");
    panos.undo_order(&order("203.0.113.7")).await.expect("undo");
    assert_sent_in_order(&lab.recorder.seen(), &recorded("panos.jsonl")[..4], &[]);
    assert_eq!(lab.fw().keygens, 1, "the key is kept between calls");
}

#[tokio::test]
async fn commit_mode_sends_what_pan_os_python_sends() {
    let lab = Lab::start().await;
    let panos = lab.committing();
    panos.apply_order(&order("203.0.113.7")).await.expect("apply");
    panos.undo_order(&order("203.0.113.7")).await.expect("undo");
    // The recording's lab description was "case-42"; Riposte writes its action id.
    let description = [("<description>case-42</description>", "<description>riposte action 42</description>")];
    assert_sent_in_order(&lab.recorder.seen(), &recorded("panos.jsonl")[4..], &description);
}

#[tokio::test]
async fn tag_mode_round_trip_is_idempotent() {
    let lab = Lab::start().await;
    let panos = lab.connector(json!({}), "LAB-API-KEY", quick());
    let block = order("203.0.113.7");
    let applied = panos.apply_order(&block).await.expect("apply");
    assert!(applied.in_force, "{applied:?}");
    assert_eq!(applied.evidence["tags"], json!(["soc-block"]));
    // The firewall answers a second registration with "already exists, ignore": still fine.
    assert!(panos.apply_order(&block).await.expect("apply again").in_force);
    assert_eq!(lab.fw().registered.get("203.0.113.7").map(|t| t.len()), Some(1), "one registration");
    assert!(panos.verify_order(&block).await.expect("verify").in_force);
    let undone = panos.undo_order(&block).await.expect("undo");
    assert!(!undone.in_force, "{undone:?}");
    assert!(lab.fw().registered.is_empty());
    assert!(!panos.verify_order(&block).await.expect("verify after undo").in_force);
    assert!(!panos.undo_order(&block).await.expect("undo again is harmless").in_force);
}

#[tokio::test]
async fn commit_mode_round_trip_waits_for_the_job_and_is_idempotent() {
    let lab = Lab::start().await;
    let panos = lab.committing();
    let block = order("203.0.113.7");
    let applied = panos.apply_order(&block).await.expect("apply");
    assert!(applied.in_force, "{applied:?}");
    assert_eq!(applied.evidence["job"]["id"], "7");
    assert_eq!(applied.evidence["job"]["result"], "OK");
    assert_eq!(lab.sent("op"), 3, "job 7 polled through PEND, ACT, FIN");
    {
        let fw = lab.fw();
        assert_eq!(fw.running.addresses["soc-block-203.0.113.7"].0, "203.0.113.7/32");
        assert_eq!(fw.running.addresses["soc-block-203.0.113.7"].1, "riposte action 42");
        assert_eq!(fw.running.groups["SOC-Blocklist"], ["soc-block-203.0.113.7"]);
    }
    // Again: set merges, so nothing changes and the commit starts no job.
    let again = panos.apply_order(&block).await.expect("apply again");
    assert!(again.in_force && again.evidence["job"].is_null(), "{again:?}");
    assert_eq!(lab.fw().running.addresses.len(), 1);
    assert_eq!(lab.fw().running.groups["SOC-Blocklist"].len(), 1);
    assert!(panos.verify_order(&block).await.expect("verify").in_force);

    let undone = panos.undo_order(&block).await.expect("undo");
    assert!(!undone.in_force, "{undone:?}");
    assert_eq!(undone.evidence["job"]["id"], "8");
    {
        let fw = lab.fw();
        assert!(fw.running.addresses.is_empty() && fw.running.groups["SOC-Blocklist"].is_empty());
    }
    assert!(!panos.verify_order(&block).await.expect("verify after undo").in_force);
    assert!(!panos.undo_order(&block).await.expect("undo again").in_force);
}

#[tokio::test]
async fn a_range_is_refused_for_a_tag_and_committed_as_an_object() {
    let lab = Lab::start().await;
    let tagging = lab.connector(json!({}), "LAB-API-KEY", quick());
    let error = tagging.apply_order(&order("203.0.113.0/24")).await.expect_err("a range");
    assert!(matches!(&error, ConnectorError::Refused { detail, .. } if detail.contains("range")), "{error}");
    assert!(lab.recorder.seen().is_empty(), "refused before anything was sent");
    let committing = lab.connector(
        json!({ "mode": "commit", "address_group": "SOC-Blocklist", "poll_interval_ms": 10 }),
        "LAB-API-KEY",
        quick(),
    );
    let applied = committing.apply_order(&order("203.0.113.0/24")).await.expect("a range committed");
    assert!(applied.in_force, "{applied:?}");
    assert_eq!(lab.fw().running.addresses["riposte-203.0.113.0-24"].0, "203.0.113.0/24");
}

#[tokio::test]
async fn a_refused_key_is_replaced_by_keygen_once() {
    let lab = Lab::start().await;
    lab.fw().keys.clear();
    let panos = lab.connector(json!({ "username": "admin" }), "lab-pass", quick());
    assert!(panos.apply_order(&order("203.0.113.7")).await.expect("apply").in_force);
    assert_eq!(lab.fw().keygens, 1);
    // Revoked: the firewall answers 200 with code 403.
    lab.fw().keys.clear();
    assert!(panos.verify_order(&order("203.0.113.7")).await.expect("verify with a new key").in_force);
    assert_eq!(lab.fw().keygens, 2);
    // Expired: HTTP 401.
    lab.recorder.fail_next([Fault::ExpiredToken]);
    assert!(panos.verify_order(&order("203.0.113.7")).await.expect("verify after a 401").in_force);
    assert_eq!(lab.fw().keygens, 3);
    // Some versions answer a bad key with HTTP 403.
    lab.recorder.fail_next([Fault::Status(403, None)]);
    assert!(panos.verify_order(&order("203.0.113.7")).await.expect("verify after a 403").in_force);
    assert_eq!(lab.fw().keygens, 4);
    // Keygen itself refused: surfaced, not looped.
    lab.fw().keys.clear();
    let wrong = lab.connector(json!({ "username": "admin" }), "not-the-password", quick());
    let error = wrong.check().await.expect_err("bad password");
    assert!(matches!(&error, ConnectorError::Unauthorized { detail, .. } if detail.starts_with("keygen")), "{error}");
}

#[tokio::test]
async fn a_refused_static_key_is_final() {
    let lab = Lab::start().await;
    let panos = lab.connector(json!({}), "STALE-KEY", quick());
    let error = panos.apply_order(&order("203.0.113.7")).await.expect_err("bad key");
    assert!(matches!(error, ConnectorError::Unauthorized { .. }) && !error.retryable(), "{error:?}");
    assert!(error.to_string().contains("PAN-OS lab-fw") && error.to_string().contains("register tag"), "{error}");
    assert_eq!(lab.recorder.seen().len(), 1, "no keygen without a username, no retry");
}

#[tokio::test]
async fn timeouts_and_5xx_are_retried_and_retry_after_is_honoured() {
    let lab = Lab::start().await;
    let panos = lab.connector(json!({}), "LAB-API-KEY", quick());
    lab.recorder.fail_next([Fault::Hang(Duration::from_secs(1)), Fault::Status(500, None)]);
    assert!(panos.apply_order(&order("203.0.113.7")).await.expect("apply after a timeout and a 500").in_force);
    assert_eq!(lab.sent("user-id"), 3, "the registration was sent three times");

    let patient = Patience { max_wait: Duration::from_secs(3), ..quick() };
    let panos = lab.connector(json!({}), "LAB-API-KEY", patient);
    lab.recorder.fail_next([Fault::Status(429, Some(1))]);
    let started = Instant::now();
    assert!(panos.verify_order(&order("203.0.113.7")).await.expect("verify after a 429").in_force);
    assert!(started.elapsed() >= Duration::from_millis(950), "waited {:?}", started.elapsed());
}

#[tokio::test]
async fn a_failed_commit_job_is_a_refusal_with_its_message() {
    let lab = Lab::start().await;
    lab.fw().fail_next_commit = Some("rule deny-soc: zone untrust-x is not valid".into());
    let error = lab.committing().apply_order(&order("203.0.113.7")).await.expect_err("commit failed");
    let ConnectorError::Refused { detail, .. } = &error else { panic!("not a refusal: {error:?}") };
    assert!(detail.contains("commit job 7 ended FAIL") && detail.contains("zone untrust-x"), "{detail}");
    // The candidate change stays; the next commit (after a fix) carries it.
    let applied = lab.committing().apply_order(&order("203.0.113.7")).await.expect("apply after the fix");
    assert!(applied.in_force && applied.evidence["job"]["id"] == "8", "{applied:?}");
}

#[tokio::test]
async fn another_commit_running_is_a_busy_firewall_to_try_again() {
    let lab = Lab::start().await;
    lab.fw().commit_busy = true;
    let panos = lab.committing();
    let error = panos.apply_order(&order("203.0.113.7")).await.expect_err("busy");
    assert!(matches!(error, ConnectorError::Throttled { .. }) && error.retryable(), "{error:?}");
    assert!(panos.apply_order(&order("203.0.113.7")).await.expect("the next try commits").in_force);
}

#[tokio::test]
async fn a_commit_job_that_never_ends_is_given_up_within_the_bound() {
    let lab = Lab::start().await;
    lab.fw().stuck_jobs = true;
    let settings = json!({
        "mode": "commit", "address_group": "SOC-Blocklist", "poll_interval_ms": 50, "commit_timeout_secs": 1,
    });
    let panos = lab.connector(settings, "LAB-API-KEY", quick());
    let started = Instant::now();
    let error = panos.apply_order(&order("203.0.113.7")).await.expect_err("stuck");
    assert!(matches!(&error, ConnectorError::Unreachable { detail, .. } if detail.contains("still ACT")), "{error}");
    assert!(error.retryable());
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(900) && waited < Duration::from_secs(3), "waited {waited:?}");
    assert!(lab.sent("op") >= 10, "polled every 50 ms: {}", lab.sent("op"));
}

#[tokio::test]
async fn errors_and_garbage_are_told_apart() {
    let lab = Lab::start().await;
    lab.fw().garbage_next = true;
    let panos = lab.connector(json!({}), "LAB-API-KEY", quick());
    let error = panos.verify_order(&order("203.0.113.7")).await.expect_err("not XML");
    assert!(matches!(&error, ConnectorError::Unexpected { detail, .. } if detail.contains("not XML")), "{error}");
    let other_vsys = lab.connector(
        json!({ "mode": "commit", "address_group": "SOC-Blocklist", "vsys": "vsys9" }),
        "LAB-API-KEY",
        quick(),
    );
    let error = other_vsys.apply_order(&order("203.0.113.7")).await.expect_err("unknown vsys");
    assert!(
        matches!(&error, ConnectorError::Refused { detail, .. } if detail.starts_with("set address object") && detail.contains("invalid vsys")),
        "{error}"
    );
    let mut host = order("203.0.113.7");
    host.target = Target::Host("WKS-042".into());
    assert!(matches!(panos.apply_order(&host).await, Err(ConnectorError::Refused { .. })));
    host.kind = ActionKind::Isolate;
    assert!(matches!(panos.apply_order(&host).await, Err(ConnectorError::Refused { .. })));
}

#[test]
fn bad_settings_name_the_field() {
    let field = |settings: Value, secret: Option<&str>| {
        PanOs::from_config("fw", &settings, secret, quick()).expect_err("bad settings").field
    };
    let key = Some("k");
    assert_eq!(field(json!({ "url": "ftp://fw" }), key), "url");
    assert_eq!(field(json!({ "url": "https://fw", "mode": "push" }), key), "mode");
    assert_eq!(field(json!({ "url": "https://fw", "tag": "soc block" }), key), "tag");
    assert_eq!(field(json!({ "url": "https://fw", "mode": "commit" }), key), "address_group");
    assert_eq!(field(json!({ "url": "https://fw", "mode": "commit", "address_group": "G'x" }), key), "address_group");
    assert_eq!(
        field(json!({ "url": "https://fw", "mode": "commit", "address_group": "G", "vsys": "v 1" }), key),
        "vsys"
    );
    assert_eq!(
        field(json!({ "url": "https://fw", "mode": "commit", "address_group": "G", "poll_interval_ms": 0 }), key),
        "poll_interval_ms"
    );
    assert_eq!(field(json!({ "url": "https://fw", "object_prefix": "a/b" }), key), "object_prefix");
    assert_eq!(field(json!({ "url": "https://fw", "username": " " }), key), "username");
    assert_eq!(field(json!({ "url": "https://fw" }), None), "secret");
    let error =
        PanOs::from_config("fw", &json!({ "url": "https://fw", "colour": 1 }), key, quick()).expect_err("unknown");
    assert!(error.message.contains("colour"), "{error}");
    let fine = PanOs::from_config("fw", &json!({ "url": "https://fw.example" }), key, quick()).expect("defaults");
    assert_eq!(fine.kinds(), [ActionKind::Block]);
}
