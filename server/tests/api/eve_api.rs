//! `POST /api/v1/eve` with real Suricata output: alerts and context stored in one go, joined
//! by flow id, repeats ignored, bad lines named.

use crate::support;

use axum::http::{Method, StatusCode};
use riposte_backend::tokens::TokenScope;
use support::TestApp;

const SAMPLE: &str = include_str!("../../../crates/ingest/tests/fixtures/suricata-eve-sample.jsonl");

#[tokio::test]
async fn a_sensor_batch_is_stored_and_joined() {
    let app = TestApp::new().await;
    let sensor = app.token("suricata", &[TokenScope::Ingest]).await;
    let reply = app.json(Method::POST, "/api/v1/eve", SAMPLE, Some(&sensor)).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let value: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    assert_eq!((value["alerts_created"].as_u64(), value["context_events_created"].as_u64()), (Some(6), Some(9)));

    let again: serde_json::Value =
        serde_json::from_str(&app.json(Method::POST, "/api/v1/eve", SAMPLE, Some(&sensor)).await.body).expect("json");
    assert_eq!((again["alerts_created"].as_u64(), again["context_events_created"].as_u64()), (Some(0), Some(0)));
    assert_eq!(again["alert_ids"], value["alert_ids"], "resending returns the same alerts");

    let reader = app.token("soc", &[TokenScope::Read]).await;
    let first = value["alert_ids"][0].as_i64().expect("id");
    let alert: serde_json::Value =
        serde_json::from_str(&app.json(Method::GET, &format!("/api/v1/alerts/{first}"), "", Some(&reader)).await.body)
            .expect("json");
    assert_eq!(alert["severity"], "medium");
    let kinds: Vec<&str> =
        alert["context_events"].as_array().expect("list").iter().filter_map(|c| c["kind"].as_str()).collect();
    assert_eq!(kinds.len(), 4, "{kinds:?}");
    for kind in ["fileinfo", "anomaly", "http", "flow"] {
        assert!(kinds.contains(&kind), "{kind} joined by flow id: {kinds:?}");
    }
}

#[tokio::test]
async fn bad_lines_are_reported_and_unreadable_bodies_refused() {
    let app = TestApp::new().await;
    let sensor = app.token("suricata", &[TokenScope::Ingest]).await;
    let body = format!("{}\n{{broken\n", SAMPLE.lines().next().expect("line"));
    let reply = app.json(Method::POST, "/api/v1/eve", &body, Some(&sensor)).await;
    assert_eq!(reply.status, StatusCode::MULTI_STATUS, "{reply:?}");
    assert!(reply.body.contains("\"index\":1") && reply.body.contains("not JSON"), "{}", reply.body);

    let reply = app.json(Method::POST, "/api/v1/eve", "nonsense\n", Some(&sensor)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("no line could be read"), "{}", reply.body);
}
