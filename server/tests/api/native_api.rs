//! `/api/v1/alerts` over HTTP: tokens, one alert, batches with bad records, repeats,
//! malformed and oversized bodies, and reading back.

use crate::support;

use axum::http::{Method, StatusCode};
use riposte_backend::tokens::TokenScope;
use riposte_domain::Role;
use support::TestApp;

fn id_of(body: &str) -> i64 {
    let value: serde_json::Value = serde_json::from_str(body).expect("json");
    value["id"].as_i64().expect("id")
}

#[tokio::test]
async fn one_alert_is_stored_once_and_read_back() {
    let app = TestApp::new().await;
    let ingest = app.token("edr", &[TokenScope::Ingest]).await;
    let alert = r#"{"title":"Mimikatz <script>","severity":"critical","source_ref":"edr-9",
                   "entities":[{"kind":"host","value":"WS-042"}],"attack_techniques":["T1003.001"]}"#;
    let created = app.json(Method::POST, "/api/v1/alerts", alert, Some(&ingest)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let id = id_of(&created.body);

    let again = app.json(Method::POST, "/api/v1/alerts", alert, Some(&ingest)).await;
    assert_eq!(again.status, StatusCode::OK, "a repeat is not created again");
    assert_eq!(id_of(&again.body), id, "the existing id is returned");

    let reader = app.token("soar", &[TokenScope::Read]).await;
    let read = app.json(Method::GET, &format!("/api/v1/alerts/{id}"), "", Some(&reader)).await;
    assert_eq!(read.status, StatusCode::OK, "{read:?}");
    let value: serde_json::Value = serde_json::from_str(&read.body).expect("json");
    assert_eq!(value["source"], "edr");
    assert_eq!(value["severity"], "critical");
    assert_eq!(value["title"], "Mimikatz <script>");
    assert_eq!(value["entities"][0]["value"], "ws-042");
    assert_eq!(value["raw"], alert, "raw payload verbatim");

    let missing = app.json(Method::GET, "/api/v1/alerts/999999", "", Some(&reader)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("\"code\":\"not_found\""), "{}", missing.body);
}

#[tokio::test]
async fn a_batch_stores_the_good_and_names_the_bad() {
    let app = TestApp::new().await;
    let ingest = app.token("ids", &[TokenScope::Ingest]).await;
    let batch = r#"[{"title":"one","severity":2},{"title":"","severity":2},{"title":"three","severity":"extreme"},
                    {"title":"four","severity":"low"}]"#;
    let reply = app.json(Method::POST, "/api/v1/alerts", batch, Some(&ingest)).await;
    assert_eq!(reply.status, StatusCode::MULTI_STATUS, "{reply:?}");
    let value: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
    assert_eq!(value["stored"], 2);
    assert_eq!(value["rejected"], 2);
    assert_eq!(value["results"][1]["index"], 3);
    assert_eq!(value["errors"][0]["index"], 1);
    assert_eq!(value["errors"][0]["message"], "title is required");
    assert!(value["errors"][1]["message"].as_str().expect("text").contains("\"extreme\""));
    let count: i64 = sqlx::query_scalar("select count(*) from alert").fetch_one(&app.db.pool).await.expect("count");
    assert_eq!(count, 2);
}

#[tokio::test]
async fn bad_requests_are_refused_with_reasons() {
    let app = TestApp::new().await;
    let ingest = app.token("ids", &[TokenScope::Ingest]).await;
    let reader = app.token("ids", &[TokenScope::Read]).await;
    let cases = [
        ("{\"title\":", Some(ingest.as_str()), StatusCode::BAD_REQUEST, "not valid JSON"),
        ("\"just text\"", Some(ingest.as_str()), StatusCode::BAD_REQUEST, "expected a JSON object"),
        (r#"{"title":"x"}"#, Some(ingest.as_str()), StatusCode::BAD_REQUEST, "severity is required"),
        (
            r#"{"title":"x","severity":1}"#,
            Some("rip_not_a_token"),
            StatusCode::UNAUTHORIZED,
            "unknown or revoked token",
        ),
        (r#"{"title":"x","severity":1}"#, None, StatusCode::UNAUTHORIZED, "Bearer"),
        (r#"{"title":"x","severity":1}"#, Some(reader.as_str()), StatusCode::FORBIDDEN, "scope"),
    ];
    for (body, token, status, words) in cases {
        let reply = app.json(Method::POST, "/api/v1/alerts", body, token).await;
        assert_eq!(reply.status, status, "{body}: {reply:?}");
        assert!(reply.body.contains(words), "{body}: {}", reply.body);
    }
    let huge = format!(r#"{{"title":"x","severity":1,"description":"{}"}}"#, "a".repeat(33 * 1024 * 1024));
    let reply = app.json(Method::POST, "/api/v1/alerts", &huge, Some(&ingest)).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    let count: i64 = sqlx::query_scalar("select count(*) from alert").fetch_one(&app.db.pool).await.expect("count");
    assert_eq!(count, 0, "nothing stored from refused requests");
}

#[tokio::test]
async fn signed_in_analysts_read_alerts_but_do_not_send_them() {
    let app = TestApp::new().await;
    let ingest = app.token("ids", &[TokenScope::Ingest]).await;
    let id =
        id_of(&app.json(Method::POST, "/api/v1/alerts", r#"{"title":"x","severity":1}"#, Some(&ingest)).await.body);
    app.create_user("analyst", Role::Tier1).await;
    let cookie = app.sign_in("analyst").await;
    let read = app.page(&format!("/api/v1/alerts/{id}"), Some(&cookie)).await;
    assert_eq!(read.status, StatusCode::OK, "{read:?}");
    let send = app.call("/api/v1/alerts", r#"{"title":"x","severity":1}"#, Some(&cookie)).await;
    assert_eq!(send.status, StatusCode::FORBIDDEN);
}
