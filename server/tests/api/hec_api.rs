//! The Splunk HEC-compatible endpoints as forwarders use them: concatenated events, one
//! sourcetype each, HEC-shaped replies and codes.

use crate::support;

use axum::http::{Method, StatusCode};
use riposte_backend::tokens::TokenScope;
use serde_json::Value;
use support::TestApp;

const MIXED: &str = include_str!("../fixtures/hec-mixed.json");

fn body(reply: &support::Reply) -> Value {
    serde_json::from_str(&reply.body).unwrap_or_else(|e| panic!("{e}: {}", reply.body))
}

#[tokio::test]
async fn concatenated_events_are_parsed_by_sourcetype() {
    let app = TestApp::new().await;
    let splunk = format!("Splunk {}", app.token("splunk-fwd", &[TokenScope::Ingest]).await);
    let reply = app.authorized(Method::POST, "/services/collector/event", MIXED, Some(&splunk)).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(body(&reply)["code"], 0);
    assert_eq!(app.count("alert", "source = 'splunk-fwd'").await, 3, "EVE, CEF and PAN-OS alerts");
    assert_eq!(app.count("context_event", "kind = 'logon' and outcome = 'failure' and user_name = 'alice'").await, 1);
    let again = app.authorized(Method::POST, "/services/collector", MIXED, Some(&splunk)).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(app.count("alert", "source = 'splunk-fwd'").await, 3, "a resent batch adds nothing");
}

#[tokio::test]
async fn bad_events_are_numbered_and_the_rest_stored() {
    let app = TestApp::new().await;
    let splunk = format!("Splunk {}", app.token("splunk-fwd", &[TokenScope::Ingest]).await);
    let events = r#"{"sourcetype":"cef","event":"CEF:0|V|P|1|9|ok|5|src=192.0.2.1"}{"sourcetype":"access_combined","event":"GET /"}{"sourcetype":"cef","event":""}"#;
    let reply = app.authorized(Method::POST, "/services/collector/event", events, Some(&splunk)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{reply:?}");
    let value = body(&reply);
    assert_eq!((value["code"].as_i64(), value["invalid-event-number"].as_i64()), (Some(6), Some(1)));
    assert!(reply.body.contains("access_combined") && reply.body.contains("blank"), "{}", reply.body);
    assert_eq!(app.count("alert", "title = 'ok'").await, 1, "the good event is stored");

    let empty = app.authorized(Method::POST, "/services/collector/event", "", Some(&splunk)).await;
    assert_eq!((empty.status, body(&empty)["code"].as_i64()), (StatusCode::BAD_REQUEST, Some(5)));
    let none = app.authorized(Method::POST, "/services/collector/event", MIXED, None).await;
    assert_eq!((none.status, body(&none)["code"].as_i64()), (StatusCode::UNAUTHORIZED, Some(2)));
    let wrong = app.authorized(Method::POST, "/services/collector/event", MIXED, Some("Splunk rip_nope")).await;
    assert_eq!((wrong.status, body(&wrong)["code"].as_i64()), (StatusCode::FORBIDDEN, Some(4)));
    let reader = format!("Splunk {}", app.token("reader", &[TokenScope::Read]).await);
    let scope = app.authorized(Method::POST, "/services/collector/event", MIXED, Some(&reader)).await;
    assert_eq!(scope.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn raw_lines_health_and_acknowledgement() {
    let app = TestApp::new().await;
    let splunk = format!("Splunk {}", app.token("linux", &[TokenScope::Ingest]).await);
    let lines = "Nov 22 09:58:03 bastion sshd[812]: Failed password for root from 203.0.113.7 port 50522 ssh2\n\
                 Nov 22 09:58:04 bastion sshd[812]: Accepted password for root from 203.0.113.7 port 50530 ssh2\n";
    let reply =
        app.authorized(Method::POST, "/services/collector/raw?sourcetype=linux_secure", lines, Some(&splunk)).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    assert_eq!(app.count("context_event", "kind = 'logon' and host_name = 'bastion' and user_name = 'root'").await, 2);
    let unknown = app.authorized(Method::POST, "/services/collector/raw?sourcetype=bogus", lines, Some(&splunk)).await;
    assert_eq!((unknown.status, body(&unknown)["code"].as_i64()), (StatusCode::BAD_REQUEST, Some(6)));

    let health = app.authorized(Method::GET, "/services/collector/health", "", None).await;
    assert_eq!((health.status, body(&health)["code"].as_i64()), (StatusCode::OK, Some(17)));

    let request = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/services/collector/event")
        .header("authorization", &splunk)
        .header("x-splunk-request-channel", "0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba")
        .body(axum::body::Body::from(r#"{"sourcetype":"cef","event":"CEF:0|V|P|1|9|acked|5|src=192.0.2.1"}"#))
        .expect("request");
    let acked = body(&app.send(request).await);
    let ack_id = acked["ackId"].as_u64().expect("ackId with a channel");
    let acks = app
        .authorized(Method::POST, "/services/collector/ack", &format!(r#"{{"acks":[{ack_id}]}}"#), Some(&splunk))
        .await;
    assert_eq!(body(&acks)["acks"][ack_id.to_string()], true);
}

#[tokio::test]
async fn http_shippers_send_windows_and_firewall_lines() {
    let app = TestApp::new().await;
    let token = app.token("nxlog", &[TokenScope::Ingest]).await;
    let nxlog = r#"{"EventTime":"2026-11-22 09:59:00","Hostname":"WS042.corp.example","EventID":7045,"RecordNumber":5521,"ServiceName":"updsvc","ImagePath":"%COMSPEC% /c powershell -enc SQBFAFgA"}
{"EventTime":"2026-11-22 09:59:05","Hostname":"WS042.corp.example","EventID":4624,"RecordNumber":5522,"TargetUserName":"bob","IpAddress":"10.1.1.20","LogonType":"10"}
not json"#;
    let reply = app.json(Method::POST, "/api/v1/events/windows", nxlog, Some(&token)).await;
    assert_eq!(reply.status, StatusCode::MULTI_STATUS, "{reply:?}");
    let value = body(&reply);
    assert_eq!((value["alerts_created"].as_u64(), value["context_events_created"].as_u64()), (Some(1), Some(2)));
    assert!(reply.body.contains(r#""index":2"#), "{}", reply.body);
    assert_eq!(app.count("alert", "'T1543.003' = any(attack_techniques) and severity = 4").await, 1);
    let unknown = app.json(Method::POST, "/api/v1/events/xml", "x", Some(&token)).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}
