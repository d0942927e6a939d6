//! The escalation matrix against a real PostgreSQL: a sequence across sources (failed
//! logons, then a firewall allow) raises an escalated incident with its why-trace; an IDS
//! alert then a service install on the same host escalates the alert's incident and pages
//! on-call through a real HTTP webhook (retried after a 503); a single-alert rule escalates
//! an incident once and counts repeats; rule sets are checked, versioned and conflict-safe.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use riposte_backend::admin::Actor;
use riposte_backend::escalation::rules::{self, DEFAULT_RULES};
use riposte_backend::ingest::ingest_with_context;
use riposte_backend::tokens::{TokenScope, authenticate_token, create_token};
use riposte_backend::{Backend, BackendError, notify};
use riposte_domain::alert::ContextEvent;
use riposte_domain::escalation::WhyTrace;
use riposte_ingest::fortigate::{FortiGate, parse_fortigate};
use riposte_ingest::windows::parse_windows;
use riposte_testkit::TestDb;
use sqlx::types::Json;
use tokio::sync::Mutex;

use crate::enrichment::load_context;
use crate::incidents::send;

fn failed_logon(record: u32, second: u32, user: &str, from: &str) -> String {
    format!(
        r#"{{"@timestamp":"2026-11-22T09:57:{second:02}.000Z","winlog":{{"channel":"Security","event_id":"4625","computer_name":"DC01.corp.example","record_id":{record},"event_data":{{"TargetUserName":"{user}","LogonType":"3","IpAddress":"{from}","IpPort":"50522"}}}}}}"#
    )
}

fn service_install(host: &str) -> String {
    format!(
        r#"{{"EventTime":"2026-11-22 09:59:00","Hostname":"{host}","EventID":7045,"SourceName":"Service Control Manager","Channel":"System","RecordNumber":5521,"ServiceName":"updsvc","ImagePath":"C:\\Program Files\\upd\\upd.exe","ServiceType":"user mode service","StartType":"demand start","AccountName":"LocalSystem"}}"#
    )
}

/// Stores context events as `source`, runs the pipeline.
pub(crate) async fn send_context(db: &TestDb, backend: &Backend, source: &str, events: Vec<ContextEvent>) {
    let (_, secret) =
        create_token(backend, Actor::CommandLine, source, source, &[TokenScope::Ingest]).await.expect("token");
    let token = authenticate_token(backend, &secret).await.expect("valid");
    ingest_with_context(backend, &token, Vec::new(), events).await.expect("ingest");
    riposte_backend::pipeline::run_until_idle(&db.pool).await.expect("pipeline");
}

async fn event_kinds(db: &TestDb, incident_id: i64) -> Vec<String> {
    sqlx::query_scalar("select kind from incident_event where incident_id = $1 order by event_id")
        .bind(incident_id)
        .fetch_all(&db.pool)
        .await
        .expect("events")
}

async fn escalations(db: &TestDb, incident_id: i64) -> Vec<(WhyTrace, i32)> {
    let rows: Vec<(Json<WhyTrace>, i32)> =
        sqlx::query_as("select trace, repeats from escalation where incident_id = $1 order by escalation_id")
            .bind(incident_id)
            .fetch_all(&db.pool)
            .await
            .expect("escalations");
    rows.into_iter().map(|(t, r)| (t.0, r)).collect()
}

async fn incident_of(db: &TestDb, alert_id: i64) -> (i64, i16, String) {
    sqlx::query_as(
        "select i.incident_id, i.priority, i.tier from incident_alert l join incident i using (incident_id) \
         where l.alert_id = $1",
    )
    .bind(alert_id)
    .fetch_one(&db.pool)
    .await
    .expect("the alert is in an incident")
}

#[tokio::test]
async fn failed_logons_then_a_firewall_allow_from_the_same_address_raise_an_escalated_incident() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let mut events: Vec<ContextEvent> = (0..5)
        .map(|i| {
            parse_windows(&failed_logon(100 + i, 10 + i, "alice", "203.0.113.7"), "windows").expect("4625").context
        })
        .collect();
    // Another user's failures from elsewhere are their own business.
    events.extend((0..3).map(|i| {
        parse_windows(&failed_logon(200 + i, 20 + i, "bob", "198.51.100.3"), "windows").expect("4625").context
    }));
    send_context(&db, &backend, "windows", events).await;
    assert_eq!(sqlx::query_scalar::<_, i64>("select count(*) from alert").fetch_one(&db.pool).await.expect("n"), 0);

    let allow = r#"date=2026-11-22 time=09:58:30 devname="FGT60F-HQ" eventtime=1795341510000000000 logid="0000000013" type="traffic" subtype="forward" srcip=203.0.113.7 srcport=51234 dstip=10.0.0.10 dstport=3389 sessionid=883300 proto=6 action="accept" policyid=9"#;
    let FortiGate::Context(allow) = parse_fortigate(allow, "fortigate").expect("traffic") else {
        panic!("traffic is context")
    };
    send_context(&db, &backend, "fortigate", vec![*allow]).await;

    let raised: i64 = sqlx::query_scalar("select alert_id from alert where source = 'riposte'")
        .fetch_one(&db.pool)
        .await
        .expect("the sequence raised an alert");
    let (incident_id, priority, tier) = incident_of(&db, raised).await;
    assert_eq!((priority, tier.as_str()), (1, "ir"));
    let traces = escalations(&db, incident_id).await;
    assert_eq!(traces.len(), 1);
    let trace = &traces[0].0;
    assert_eq!((trace.rule.as_str(), trace.key.as_str()), ("Brute force then access", "user=alice"));
    assert_eq!(trace.events.len(), 6, "five failures and the allow: {:?}", trace.events);
    assert!(trace.events[0].label.contains("user alice from 203.0.113.7"), "{}", trace.events[0].label);
    assert!(trace.events[5].label.contains("allow"), "{}", trace.events[5].label);
    assert!(trace.events.windows(2).all(|w| w[0].at_ms <= w[1].at_ms), "in time order");
    let kinds = event_kinds(&db, incident_id).await;
    assert!(kinds.contains(&"escalated".to_owned()) && kinds.contains(&"tier_changed".to_owned()), "{kinds:?}");
    let states: i64 = sqlx::query_scalar("select count(*) from escalation_state where key = 'alice'")
        .fetch_one(&db.pool)
        .await
        .expect("n");
    assert_eq!(states, 0, "a fired sequence starts over");
    let bob: i64 = sqlx::query_scalar("select count(*) from escalation_state where key = 'bob'")
        .fetch_one(&db.pool)
        .await
        .expect("n");
    assert_eq!(bob, 1, "bob's three failures wait in his state");
}

/// A webhook receiver on a loopback port: answers 503 to the first `failures` posts, then
/// 200, and keeps every body it was sent.
async fn receiver(failures: usize) -> (String, Arc<Mutex<Vec<serde_json::Value>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let calls = Arc::new(AtomicUsize::new(0));
    let kept = seen.clone();
    let app = axum::Router::new().route(
        "/hook/secret",
        axum::routing::post(move |body: String| {
            let kept = kept.clone();
            let calls = calls.clone();
            async move {
                if calls.fetch_add(1, Ordering::SeqCst) < failures {
                    return axum::http::StatusCode::SERVICE_UNAVAILABLE;
                }
                kept.lock().await.push(serde_json::from_str(&body).unwrap_or_default());
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}/hook/secret"), seen)
}

#[tokio::test]
async fn an_ids_alert_then_a_service_install_on_the_host_escalates_its_incident_and_pages_on_call() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    load_context(&db, &backend).await;
    let (url, seen) = receiver(1).await;
    notify::put_channel(&backend, Actor::CommandLine, "on-call", "webhook", &url).await.expect("channel");
    let paging = DEFAULT_RULES.replace(
        "description = \"An IDS alert on a host, then a new service installed on that host within 5 minutes.\"\nby = \"host\"\nwithin = \"5m\"\nthen = { priority = \"P1\", tier = \"ir\" }",
        "description = \"An IDS alert on a host, then a new service installed on that host within 5 minutes.\"\nby = \"host\"\nwithin = \"5m\"\nthen = { priority = \"P1\", tier = \"ir\", page = [\"on-call\"] }",
    );
    assert_ne!(paging, DEFAULT_RULES);
    let version = rules::save(&backend, Actor::CommandLine, Some(1), &paging, "page on-call").await.expect("saved");
    assert_eq!(version, 2);

    // web01 is 203.0.113.80 in the inventory: the alert names only the address.
    let alert = r#"{"title":"ET WEB_SERVER exploit attempt","severity":"medium","source_ref":"w1","event_time":"2026-11-22T09:58:00Z",
        "entities":[{"kind":"ip","value":"198.51.100.40","role":"source"},{"kind":"ip","value":"203.0.113.80","role":"destination"}]}"#;
    let alert_id = send(&db, &backend, "suricata", &[alert]).await[0];
    let (incident_id, priority, _) = incident_of(&db, alert_id).await;
    assert_eq!(priority, 3, "not escalated yet");
    let install = parse_windows(&service_install("WEB01.corp.example"), "windows").expect("7045").context;
    send_context(&db, &backend, "windows", vec![install]).await;

    let (_, priority, tier) = incident_of(&db, alert_id).await;
    assert_eq!((priority, tier.as_str()), (1, "ir"));
    let traces = escalations(&db, incident_id).await;
    assert_eq!(traces.len(), 1);
    assert_eq!((traces[0].0.key.as_str(), traces[0].0.version, traces[0].0.events.len()), ("host=web01", 2, 2));
    let kinds = event_kinds(&db, incident_id).await;
    for kind in ["escalated", "priority_changed", "tier_changed", "paged"] {
        assert!(kinds.contains(&kind.to_owned()), "{kind} missing from {kinds:?}");
    }

    // The receiver fails once: the message waits for its retry, then arrives.
    let client = notify::client();
    assert_eq!(notify::deliver_due(&db.pool, &client).await.expect("round"), 0);
    let (status, attempts, error): (String, i32, Option<String>) =
        sqlx::query_as("select status, attempts, last_error from notification").fetch_one(&db.pool).await.expect("row");
    assert_eq!((status.as_str(), attempts), ("pending", 1));
    assert!(error.unwrap_or_default().contains("503"), "the error names the answer");
    sqlx::query("update notification set next_attempt_at = now()").execute(&db.pool).await.expect("due now");
    assert_eq!(notify::deliver_due(&db.pool, &client).await.expect("round"), 1);
    let bodies = seen.lock().await.clone();
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0]["incident_id"], incident_id);
    assert_eq!(bodies[0]["rule"], "IDS alert then new service");
    assert!(bodies[0]["subject"].as_str().unwrap_or_default().starts_with("Escalated: incident #"));
}

#[tokio::test]
async fn a_single_alert_rule_escalates_an_incident_once_and_counts_repeats() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    load_context(&db, &backend).await;
    let on_dc = |n: u32| {
        format!(
            r#"{{"title":"Kerberoasting on the DC","severity":"high","source_ref":"k{n}",
            "entities":[{{"kind":"ip","value":"198.51.100.9","role":"source"}},{{"kind":"ip","value":"10.0.0.10","role":"destination"}}]}}"#
        )
    };
    let ids = send(&db, &backend, "suricata", &[&on_dc(1), &on_dc(2)]).await;
    let (incident_id, priority, tier) = incident_of(&db, ids[0]).await;
    assert_eq!(incident_of(&db, ids[1]).await.0, incident_id, "one conversation, one incident");
    assert_eq!((priority, tier.as_str()), (1, "ir"));
    send(&db, &backend, "suricata", &[&on_dc(3)]).await;
    let traces = escalations(&db, incident_id).await;
    assert_eq!(traces.len(), 1, "{traces:?}");
    assert_eq!((traces[0].0.rule.as_str(), traces[0].1), ("Domain controller alert", 2));
    let escalated = event_kinds(&db, incident_id).await.iter().filter(|k| *k == "escalated").count();
    assert_eq!(escalated, 1, "the log records the escalation once");
}

#[tokio::test]
async fn rule_sets_are_checked_named_versioned_and_never_overwritten_silently() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let refused = |result: Result<i32, BackendError>| match result {
        Err(BackendError::Validation(e)) => e.to_string(),
        other => panic!("expected a validation error, got {other:?}"),
    };
    let bad = "[[rule]]\nname = \"Hot\"\nwhen = \"score >= lots\"\nthen = { priority = \"P1\" }\n";
    let error = refused(rules::save(&backend, Actor::CommandLine, Some(1), bad, "").await);
    assert!(error.contains("rule 1 (\"Hot\"): when: at column 10"), "{error}");
    let syntax = refused(rules::save(&backend, Actor::CommandLine, Some(1), "[[rule]\nname = 1", "").await);
    assert!(syntax.contains("line 1"), "{syntax}");
    let paging = "[[rule]]\nname = \"Hot\"\nwhen = \"score >= 90\"\nthen = { page = [\"nobody\"] }\n";
    let error = refused(rules::save(&backend, Actor::CommandLine, Some(1), paging, "").await);
    assert!(error.contains("no notification channel is named \"nobody\""), "{error}");

    let good = "[[rule]]\nname = \"Hot\"\nwhen = \"score >= 90\"\nthen = { priority = \"P1\" }\n";
    assert_eq!(rules::save(&backend, Actor::CommandLine, Some(1), good, "only one rule").await.expect("saved"), 2);
    match rules::save(&backend, Actor::CommandLine, Some(1), good, "stale").await {
        Err(BackendError::Conflict(message)) => assert!(message.contains("version 2"), "{message}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    let history = rules::history(&backend, Actor::CommandLine).await.expect("history");
    assert_eq!(history.iter().map(|v| v.version).collect::<Vec<_>>(), vec![2, 1]);
    assert_eq!((history[0].comment.as_str(), history[0].rules.len(), history[1].rules.len()), ("only one rule", 1, 4));
    assert_eq!(history[0].rules[0].trigger, "one alert: score >= 90");
}
