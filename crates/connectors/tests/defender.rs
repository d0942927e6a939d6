//! The Microsoft Defender for Endpoint connector against a simulated tenant (there is no SDK
//! recording: the requests are checked against Microsoft's documented shapes): isolation as
//! machine actions that run, fail or wait for an offline machine, IP indicators, tokens that
//! expire, and an API that hangs, fails and throttles.

mod common;
#[path = "defender/sim.rs"]
mod sim;

use std::time::{Duration, Instant};

use common::{Fault, Recorder, Seen, serve, url_pairs};
use riposte_connectors::defender::{Defender, clock};
use riposte_connectors::http::Patience;
use riposte_connectors::{ConnectorError, Order};
use riposte_domain::containment::{ActionKind, Direction, Target};
use riposte_domain::enrichment::prefixes::Network;
use serde_json::{Value, json};
use sim::{CLIENT_ID, DefenderSim, MACHINE, SCOPE, SECRET, TENANT};

fn quick() -> Patience {
    Patience {
        timeout: Duration::from_millis(400),
        attempts: 4,
        backoff: Duration::from_millis(15),
        max_wait: Duration::from_secs(2),
    }
}

fn config(base: &str) -> Value {
    json!({
        "url": base, "token_url": format!("{base}/{{tenant}}/oauth2/v2.0/token"), "tenant_id": TENANT,
        "client_id": CLIENT_ID, "poll_interval_ms": 10, "action_wait_secs": 5,
    })
}

async fn setup_with(change: impl FnOnce(&mut Value)) -> (Defender, Recorder, DefenderSim) {
    let sim = DefenderSim::new();
    let recorder = Recorder::default();
    let base = serve(sim.router(), recorder.clone()).await;
    let mut settings = config(&base);
    change(&mut settings);
    let connector = Defender::from_config("lab", &settings, Some(SECRET), quick()).expect("config");
    (connector, recorder, sim)
}

async fn setup() -> (Defender, Recorder, DefenderSim) {
    setup_with(|_| {}).await
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

fn json_body(seen: &Seen) -> Value {
    serde_json::from_str(&seen.body).expect("json body")
}

fn filter_of(seen: &Seen) -> String {
    url_pairs(&seen.query).into_iter().find(|(k, _)| k == "$filter").map(|(_, v)| v).expect("$filter")
}

#[tokio::test]
async fn sends_the_documented_requests() {
    let (connector, recorder, sim) = setup().await;
    assert!(connector.apply_order(&isolate("WKS-042")).await.expect("isolate").in_force);
    assert!(!connector.undo_order(&isolate("WKS-042")).await.expect("release").in_force);
    assert!(connector.apply_order(&block("203.0.113.7")).await.expect("block").in_force);
    assert!(!connector.undo_order(&block("203.0.113.7")).await.expect("unblock").in_force);

    let token = calls(&recorder, "POST", &format!("/{TENANT}/oauth2/v2.0/token"));
    assert_eq!(token.len(), 1, "one token serves every call");
    let mut form = url_pairs(&token[0].body);
    form.sort();
    let wanted =
        [("client_id", CLIENT_ID), ("client_secret", SECRET), ("grant_type", "client_credentials"), ("scope", SCOPE)]
            .map(|(k, v)| (k.to_owned(), v.to_owned()));
    assert_eq!(form, wanted);
    assert!(
        recorder
            .seen()
            .iter()
            .filter(|s| s.path.starts_with("/api/"))
            .all(|s| s.header("authorization") == Some("Bearer lab-token"))
    );

    let lookup = &calls(&recorder, "GET", "/api/machines")[0];
    assert_eq!(filter_of(lookup), "computerDnsName eq 'wks-042'");
    let isolated = calls(&recorder, "POST", &format!("/api/machines/{MACHINE}/isolate"));
    assert_eq!(isolated.len(), 1);
    assert_eq!(isolated[0].header("content-type"), Some("application/json"));
    assert_eq!(
        json_body(&isolated[0]),
        json!({ "Comment": "Riposte action 42: isolate wks-042", "IsolationType": "Full" })
    );
    assert!(
        !calls(&recorder, "GET", "/api/machineactions/action-1").is_empty(),
        "the isolation's own action is polled"
    );
    let history = &calls(&recorder, "GET", "/api/machineactions")[0];
    assert_eq!(filter_of(history), format!("machineId eq '{MACHINE}'"));
    let released = calls(&recorder, "POST", &format!("/api/machines/{MACHINE}/unisolate"));
    assert_eq!(json_body(&released[0]), json!({ "Comment": "Riposte action 42: release wks-042" }));

    let indicator = json_body(&calls(&recorder, "POST", "/api/indicators")[0]);
    let expires =
        clock::parse_rfc3339(indicator["expirationTime"].as_str().expect("expirationTime")).expect("RFC 3339");
    assert!((expires - clock::now_unix() - 3600).abs() <= 5, "{indicator}");
    assert_eq!(indicator["indicatorValue"], "203.0.113.7");
    assert_eq!(indicator["indicatorType"], "IpAddress");
    assert_eq!(indicator["action"], "Block");
    assert_eq!(indicator["severity"], "High");
    assert_eq!(indicator["title"], "Riposte action 42: block 203.0.113.7");
    assert!(indicator["description"].as_str().is_some_and(|d| d.contains("42")));
    assert_eq!(filter_of(&calls(&recorder, "GET", "/api/indicators")[0]), "indicatorValue eq '203.0.113.7'");
    assert_eq!(calls(&recorder, "DELETE", "/api/indicators/3").len(), 1, "the indicator the post made");
    assert!(sim.state().indicators.is_empty());
}

#[tokio::test]
async fn isolation_waits_for_its_action_and_is_asked_for_once() {
    let (connector, recorder, sim) = setup_with(|c| c["isolation_type"] = json!("selective")).await;
    let applied = connector.apply_order(&isolate("wks-042")).await.expect("isolate");
    assert!(applied.in_force, "{applied:?}");
    assert_eq!(applied.evidence["actions"][0]["status"], "Succeeded");
    assert!(connector.apply_order(&isolate("wks-042")).await.expect("isolate again").in_force);
    assert!(connector.verify_order(&isolate("wks-042")).await.expect("verify").in_force);
    let isolated = calls(&recorder, "POST", &format!("/api/machines/{MACHINE}/isolate"));
    assert_eq!(isolated.len(), 1);
    assert_eq!(json_body(&isolated[0])["IsolationType"], "Selective");

    assert!(!connector.undo_order(&isolate("wks-042")).await.expect("release").in_force);
    assert!(!connector.undo_order(&isolate("wks-042")).await.expect("release again").in_force);
    assert!(!connector.verify_order(&isolate("wks-042")).await.expect("verify").in_force);
    assert_eq!(calls(&recorder, "POST", &format!("/api/machines/{MACHINE}/unisolate")).len(), 1);
    let kinds: Vec<(String, String)> = sim.state().actions.iter().map(|a| (a.kind.clone(), a.status.clone())).collect();
    assert_eq!(kinds, [("Isolate".into(), "Succeeded".into()), ("Unisolate".into(), "Succeeded".into())]);
}

#[tokio::test]
async fn a_slow_isolation_is_reported_pending_and_verified_later() {
    let (connector, _, _) = setup_with(|c| c["action_wait_secs"] = json!(0)).await;
    let applied = connector.apply_order(&isolate("wks-042")).await.expect("isolate");
    assert!(!applied.in_force && applied.summary.contains("verify again"), "{applied:?}");
    assert!(connector.verify_order(&isolate("wks-042")).await.expect("verify").in_force);
}

#[tokio::test]
async fn an_isolation_not_carried_out_yet_is_cancelled_by_undo() {
    let (connector, recorder, sim) = setup_with(|c| c["action_wait_secs"] = json!(0)).await;
    sim.state().offline.push(MACHINE.into());
    assert!(!connector.apply_order(&isolate("wks-042")).await.expect("isolate").in_force);
    assert!(!connector.verify_order(&isolate("wks-042")).await.expect("verify").in_force, "still pending");
    let undone = connector.undo_order(&isolate("wks-042")).await.expect("undo");
    assert!(!undone.in_force, "{undone:?}");
    let cancelled = calls(&recorder, "POST", "/api/machineactions/action-1/cancel");
    assert_eq!(json_body(&cancelled[0]), json!({ "Comment": "Riposte action 42: release wks-042" }));
    assert!(calls(&recorder, "POST", &format!("/api/machines/{MACHINE}/unisolate")).is_empty(), "nothing to release");
    assert_eq!(sim.state().actions[0].status, "Cancelled");
}

#[tokio::test]
async fn an_isolation_already_running_is_joined_not_repeated() {
    let (connector, recorder, sim) = setup().await;
    {
        let mut state = sim.state();
        // Someone isolated it in the portal a moment ago; the listing does not show it yet.
        let mut theirs = state.new_action("Isolate", MACHINE, json!({ "Comment": "analyst" }));
        theirs.unlisted_reads = 1;
        state.actions.push(theirs);
    }
    let applied = connector.apply_order(&isolate("wks-042")).await.expect("ActiveRequestAlreadyExists is no error");
    assert!(applied.in_force, "{applied:?}");
    assert_eq!(calls(&recorder, "POST", &format!("/api/machines/{MACHINE}/isolate")).len(), 1);
    assert_eq!(sim.state().actions.len(), 1, "no second isolation");
}

#[tokio::test]
async fn a_release_under_way_is_waited_for_before_isolating() {
    let (connector, recorder, sim) = setup().await;
    {
        let mut state = sim.state();
        let mut earlier = state.new_action("Isolate", MACHINE, json!({ "Comment": "analyst" }));
        earlier.status = "Succeeded".into();
        let release = state.new_action("Unisolate", MACHINE, json!({ "Comment": "analyst" }));
        state.actions.extend([earlier, release]);
    }
    let applied = connector.apply_order(&isolate("wks-042")).await.expect("isolate after the release");
    assert!(applied.in_force, "{applied:?}");
    assert_eq!(calls(&recorder, "POST", &format!("/api/machines/{MACHINE}/isolate")).len(), 1);
    let kinds: Vec<(String, String)> = sim.state().actions.iter().map(|a| (a.kind.clone(), a.status.clone())).collect();
    assert_eq!(
        kinds,
        [("Isolate", "Succeeded"), ("Unisolate", "Succeeded"), ("Isolate", "Succeeded")]
            .map(|(k, s)| (k.into(), s.into()))
    );
}

#[tokio::test]
async fn a_failed_isolation_is_refused_with_its_message() {
    let (connector, _, sim) = setup().await;
    sim.state().fail_next_action = true;
    let error = connector.apply_order(&isolate("wks-042")).await.expect_err("the action fails");
    assert!(
        matches!(&error, ConnectorError::Refused { device, detail }
            if device == "defender lab" && detail.starts_with("isolate wks-042 (action 42)")
                && detail.contains("ended Failed (errorHResult -2147024891)") && detail.contains("device refused")),
        "{error:?}"
    );
    let verified = connector.verify_order(&isolate("wks-042")).await.expect("verify");
    assert!(!verified.in_force && verified.summary.contains("Failed"), "{verified:?}");
}

#[tokio::test]
async fn machines_are_found_by_short_name_id_or_among_inactive_twins() {
    let (connector, recorder, sim) = setup().await;
    let outcome = connector.verify_order(&isolate("WKS-077")).await.expect("by short name");
    assert_eq!(outcome.evidence["computerDnsName"], "wks-077.contoso.local");
    let filters: Vec<String> = calls(&recorder, "GET", "/api/machines").iter().map(filter_of).collect();
    assert_eq!(filters, ["computerDnsName eq 'wks-077'", "startswith(computerDnsName,'wks-077.')"]);

    let outcome = connector.verify_order(&isolate(MACHINE)).await.expect("by id");
    assert_eq!(outcome.evidence["machine_id"], MACHINE);

    sim.add_machine("00000000000000000000000000000000000000aa", "wks-042", "Inactive");
    assert_eq!(
        connector.verify_order(&isolate("wks-042")).await.expect("the active one").evidence["machine_id"],
        MACHINE
    );
    sim.add_machine("00000000000000000000000000000000000000bb", "wks-042", "Active");
    let error = connector.verify_order(&isolate("wks-042")).await.expect_err("two active");
    assert!(matches!(&error, ConnectorError::Refused { detail, .. } if detail.contains("00bb")), "{error:?}");

    let error = connector.apply_order(&isolate("wks-999")).await.expect_err("unknown");
    assert!(
        matches!(&error, ConnectorError::Refused { detail, .. } if detail.starts_with("find machine wks-999")),
        "{error:?}"
    );
}

#[tokio::test]
async fn blocks_with_one_indicator_and_deletes_only_its_own() {
    let (connector, recorder, sim) = setup().await;
    assert!(connector.apply_order(&block("203.0.113.7")).await.expect("block").in_force);
    assert!(connector.apply_order(&block("203.0.113.7")).await.expect("block again").in_force);
    assert_eq!(calls(&recorder, "POST", "/api/indicators").len(), 1);
    assert!(connector.verify_order(&block("203.0.113.7")).await.expect("verify").in_force);
    assert!(!connector.undo_order(&block("203.0.113.7")).await.expect("unblock").in_force);
    assert!(!connector.undo_order(&block("203.0.113.7")).await.expect("unblock again").in_force);
    assert!(sim.state().indicators.is_empty());

    // A block of Riposte's own that expired is renewed (the post updates it in place).
    sim.state().indicators.push(json!({
        "id": 90, "indicatorValue": "203.0.113.8", "indicatorType": "IpAddress", "action": "Block",
        "title": "Riposte action 7: block 203.0.113.8", "expirationTime": "2020-01-01T00:00:00Z",
    }));
    assert!(!connector.verify_order(&block("203.0.113.8")).await.expect("verify").in_force);
    assert!(connector.apply_order(&block("203.0.113.8")).await.expect("renew").in_force);
    assert_eq!(sim.state().indicators.iter().filter(|i| i["indicatorValue"] == "203.0.113.8").count(), 1);

    // An analyst's block counts and stays; an analyst's allow is for a person to settle.
    sim.state()
        .indicators
        .push(json!({ "id": "91", "indicatorValue": "198.51.100.4", "action": "Block", "title": "SOC" }));
    assert!(connector.apply_order(&block("198.51.100.4")).await.expect("already blocked").in_force);
    let undone = connector.undo_order(&block("198.51.100.4")).await.expect("undo");
    assert!(undone.in_force && undone.summary.contains("did not create"), "{undone:?}");
    sim.state()
        .indicators
        .push(json!({ "id": 92, "indicatorValue": "198.51.100.5", "action": "Allowed", "title": "VPN" }));
    let error = connector.apply_order(&block("198.51.100.5")).await.expect_err("conflict");
    assert!(matches!(&error, ConnectorError::Conflict { detail, .. } if detail.contains("92")), "{error:?}");
    assert_eq!(calls(&recorder, "POST", "/api/indicators").len(), 2);

    let error = connector.apply_order(&block("203.0.113.0/24")).await.expect_err("a range");
    assert!(matches!(error, ConnectorError::Refused { .. }), "{error:?}");
}

#[tokio::test]
async fn an_expired_token_is_renewed_once() {
    let (connector, recorder, sim) = setup().await;
    connector.check().await.expect("check");
    recorder.fail_next([Fault::ExpiredToken]);
    assert!(connector.apply_order(&block("203.0.113.7")).await.expect("block with a new token").in_force);
    assert_eq!(sim.state().tokens, ["lab-token", "lab-token-2"]);
    let reads = calls(&recorder, "GET", "/api/indicators");
    assert_eq!(reads[0].header("authorization"), Some("Bearer lab-token"));
    assert_eq!(reads[1].header("authorization"), Some("Bearer lab-token-2"));
}

#[tokio::test]
async fn bad_credentials_are_unauthorized() {
    let sim = DefenderSim::new();
    let base = serve(sim.router(), Recorder::default()).await;
    let connector = Defender::from_config("lab", &config(&base), Some("wrong"), quick()).expect("config");
    let error = connector.check().await.expect_err("bad secret");
    assert!(
        matches!(&error, ConnectorError::Unauthorized { detail, .. } if detail.starts_with("get token") && detail.contains("AADSTS7000215")),
        "{error:?}"
    );
}

#[tokio::test]
async fn hangs_failures_and_throttling_are_waited_out() {
    let (connector, recorder, _) = setup().await;
    connector.check().await.expect("token");
    recorder.clear();
    recorder.fail_next([Fault::Hang(Duration::from_secs(1)), Fault::Status(502, None), Fault::Status(429, Some(1))]);
    let started = Instant::now();
    assert!(connector.apply_order(&isolate("wks-042")).await.expect("isolate after three failures").in_force);
    assert!(started.elapsed() >= Duration::from_secs(1), "Retry-After honoured: {:?}", started.elapsed());
    assert_eq!(calls(&recorder, "GET", "/api/machines").len(), 4);

    recorder.fail_next(std::iter::repeat_n(Fault::Status(429, Some(0)), 4));
    let error = connector.verify_order(&isolate("wks-042")).await.expect_err("throttled throughout");
    assert!(matches!(error, ConnectorError::Throttled { .. }) && error.retryable(), "{error:?}");
}

#[test]
fn bad_settings_name_the_field() {
    let base = config("https://api.lab");
    let with = |field: &str, value: Value| {
        let mut settings = base.clone();
        settings[field] = value;
        settings
    };
    let field_of = |settings: Value, secret: Option<&str>| {
        Defender::from_config("lab", &settings, secret, quick()).expect_err("bad settings").field
    };
    assert_eq!(field_of(base.clone(), None), "secret");
    assert_eq!(field_of(with("tenant_id", Value::Null), Some("s")), "tenant_id");
    assert_eq!(field_of(with("tenant_id", json!("lab/../x")), Some("s")), "tenant_id");
    assert_eq!(field_of(with("client_id", json!("")), Some("s")), "client_id");
    assert_eq!(field_of(with("url", json!("not a url")), Some("s")), "url");
    assert_eq!(field_of(with("token_url", json!("ftp://login/{tenant}")), Some("s")), "token_url");
    assert_eq!(field_of(with("isolation_type", json!("Partial")), Some("s")), "isolation_type");
    assert_eq!(field_of(with("indicator_severity", json!("Severe")), Some("s")), "indicator_severity");
    assert_eq!(field_of(with("poll_interval_ms", json!(1)), Some("s")), "poll_interval_ms");
    assert_eq!(field_of(with("scope", json!("")), Some("s")), "scope");
    let defaults = json!({ "tenant_id": TENANT, "client_id": CLIENT_ID });
    let connector = Defender::from_config("lab", &defaults, Some(SECRET), quick()).expect("defaults");
    assert_eq!(connector.kinds(), [ActionKind::Isolate, ActionKind::Block]);
    assert!(!format!("{connector:?}").contains(SECRET), "the secret stays out of logs");
}
