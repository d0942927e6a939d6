//! Listing and triaging alerts over the REST API, and the OpenAPI document that describes it.

use crate::support;

use axum::http::{Method, StatusCode};
use riposte_backend::tokens::TokenScope;
use riposte_domain::Role;
use support::TestApp;

async fn seeded() -> (TestApp, Vec<i64>) {
    let app = TestApp::new().await;
    let ingest = app.token("fw", &[TokenScope::Ingest]).await;
    let batch = r#"[{"title":"deny burst","severity":"low","entities":[{"kind":"ip","value":"198.51.100.9"}]},
                    {"title":"allowed after failures","severity":"high","entities":[{"kind":"ip","value":"198.51.100.9"},{"kind":"user","value":"bob"}]},
                    {"title":"port scan","severity":"medium","entities":[{"kind":"ip","value":"192.0.2.44"}]}]"#;
    let reply = app.json(Method::POST, "/api/v1/alerts", batch, Some(&ingest)).await;
    let value: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    let ids = value["results"].as_array().expect("results").iter().map(|r| r["id"].as_i64().expect("id")).collect();
    (app, ids)
}

fn titles(body: &str) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_str(body).expect("json");
    value["alerts"].as_array().expect("alerts").iter().map(|a| a["title"].as_str().expect("title").to_owned()).collect()
}

#[tokio::test]
async fn listing_filters_by_entity_severity_and_status() {
    let (app, _) = seeded().await;
    let reader = app.token("soar", &[TokenScope::Read]).await;
    let all = app.json(Method::GET, "/api/v1/alerts", "", Some(&reader)).await;
    assert_eq!(titles(&all.body), ["port scan", "allowed after failures", "deny burst"]);
    let by_ip = app.json(Method::GET, "/api/v1/alerts?entity=198.51.100.9", "", Some(&reader)).await;
    assert_eq!(titles(&by_ip.body), ["allowed after failures", "deny burst"]);
    let high = app.json(Method::GET, "/api/v1/alerts?severity=high&limit=5", "", Some(&reader)).await;
    assert_eq!(titles(&high.body), ["allowed after failures"]);
    let bad = app.json(Method::GET, "/api/v1/alerts?severity=urgent", "", Some(&reader)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("severity") && bad.body.contains("urgent"), "{}", bad.body);
}

#[tokio::test]
async fn status_changes_need_the_right_to_triage_and_are_audited() {
    let (app, ids) = seeded().await;
    let path = format!("/api/v1/alerts/{}", ids[0]);
    let triage = app.token("soar", &[TokenScope::Triage]).await;
    let reader = app.token("soar", &[TokenScope::Read]).await;

    let ok = app.json(Method::PATCH, &path, r#"{"status":"acknowledged"}"#, Some(&triage)).await;
    assert_eq!(ok.status, StatusCode::OK, "{ok:?}");
    assert!(ok.body.contains("\"status\":\"acknowledged\""));
    let read_only = app.json(Method::PATCH, &path, r#"{"status":"dismissed"}"#, Some(&reader)).await;
    assert_eq!(read_only.status, StatusCode::FORBIDDEN);
    let bad = app.json(Method::PATCH, &path, r#"{"status":"closed"}"#, Some(&triage)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("not one of new, acknowledged, in_incident, dismissed"), "{}", bad.body);
    let missing = app.json(Method::PATCH, "/api/v1/alerts/987654", r#"{"status":"dismissed"}"#, Some(&triage)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    app.create_user("t1", Role::Tier1).await;
    app.create_user("boss", Role::Manager).await;
    for (user, expected) in [("t1", StatusCode::OK), ("boss", StatusCode::FORBIDDEN)] {
        let cookie = app.sign_in(user).await;
        let request = axum::http::Request::builder()
            .method(Method::PATCH)
            .uri(&path)
            .header("content-type", "application/json")
            .header("cookie", format!("riposte_session={cookie}"))
            .body(axum::body::Body::from(r#"{"status":"dismissed"}"#))
            .expect("request");
        assert_eq!(app.send(request).await.status, expected, "{user}");
    }
    let actors: Vec<String> =
        sqlx::query_scalar("select actor from audit_record where action = 'set_alert_status' order by audit_id")
            .fetch_all(&app.db.pool)
            .await
            .expect("audit");
    assert_eq!(actors, ["token:test token", "t1"]);
}

/// Every documented operation exists on the server, and every API route the server has
/// (native, TheHive-compatible, Splunk HEC) is documented.
#[tokio::test]
async fn the_openapi_document_matches_the_routes() {
    let app = TestApp::new().await;
    let reply = app.page("/api/v1/openapi.json", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&reply.body).expect("valid JSON");
    let mut documented = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in ["get", "post", "patch", "put", "delete"] {
            if item.get(method).is_some() {
                documented.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    documented.sort();
    let served = [
        "DELETE /api/v1/alert/{id}",
        "DELETE /api/v1/context/assets/{id}",
        "DELETE /api/v1/context/indicators/{id}",
        "GET /api/alert/{id}",
        "GET /api/status",
        "GET /api/v1/alert/{id}",
        "GET /api/v1/alerts",
        "GET /api/v1/alerts/{id}",
        "GET /api/v1/context/assets",
        "GET /api/v1/context/assets/{id}",
        "GET /api/v1/context/imports/{id}",
        "GET /api/v1/context/indicators",
        "GET /api/v1/context/indicators/{id}",
        "GET /api/v1/status",
        "GET /api/v1/stream/alerts",
        "GET /services/collector/health",
        "PATCH /api/v1/alert/{id}",
        "PATCH /api/v1/alerts/{id}",
        "POST /api/alert",
        "POST /api/v1/alert",
        "POST /api/v1/alert/{id}/observable",
        "POST /api/v1/alerts",
        "POST /api/v1/context/assets",
        "POST /api/v1/context/imports",
        "POST /api/v1/eve",
        "POST /api/v1/events/{format}",
        "POST /api/v1/query",
        "POST /services/collector",
        "POST /services/collector/ack",
        "POST /services/collector/event",
        "POST /services/collector/raw",
        "PUT /api/v1/context/assets/{id}",
    ];
    assert_eq!(documented, served);
    for operation in served {
        let (method, path) = operation.split_once(' ').expect("op");
        let uri = path.replace("{id}", "1").replace("{format}", "windows");
        let reply = app.head_of_method(method, &uri).await;
        assert!(
            reply.status != StatusCode::NOT_FOUND && reply.status != StatusCode::METHOD_NOT_ALLOWED,
            "{operation}: {}",
            reply.status
        );
    }
}
