//! The TheHive-compatible API as Wazuh, thehive4py and n8n drive it: the same paths, bodies,
//! status codes and error shapes.

use crate::support;

use axum::http::{Method, StatusCode};
use riposte_backend::tokens::TokenScope;
use riposte_domain::Role;
use serde_json::{Value, json};
use support::{TestApp, basic};

const WAZUH: &str = include_str!("../fixtures/thehive-wazuh-alert.json");

fn body(reply: &support::Reply) -> Value {
    serde_json::from_str(&reply.body).unwrap_or_else(|e| panic!("{e}: {}", reply.body))
}

async fn setup() -> (TestApp, String, String) {
    let app = TestApp::new().await;
    let key = app.token("wazuh", &[TokenScope::Ingest, TokenScope::Read, TokenScope::Triage]).await;
    let bearer = format!("Bearer {key}");
    (app, key, bearer)
}

#[tokio::test]
async fn a_wazuh_alert_round_trips_in_thehive_shape() {
    let (app, _, bearer) = setup().await;
    let created = app.authorized(Method::POST, "/api/v1/alert", WAZUH, Some(&bearer)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let alert = body(&created);
    let id = alert["_id"].as_str().expect("id").to_owned();
    assert!(id.starts_with('~'), "{id}");
    assert_eq!(alert["_type"], "Alert");
    assert_eq!((alert["severity"].as_i64(), alert["severityLabel"].as_str()), (Some(3), Some("HIGH")));
    assert_eq!(alert["date"], 1_795_341_481_000_i64);
    assert_eq!(alert["observableCount"], 4, "the ip array became two observables");
    assert_eq!(alert["status"], "New");
    assert_eq!(alert["customFields"][0]["name"], "agent");
    assert_eq!(alert["description"].as_str().map(|d| d.contains("<script>")), Some(true), "kept verbatim, as text");

    let fetched = body(&app.authorized(Method::GET, &format!("/api/v1/alert/{id}"), "", Some(&bearer)).await);
    assert_eq!(fetched["sourceRef"], "1795341481.2299012");
    assert_eq!(fetched["procedures"][0]["patternId"], "T1110");

    // Riposte's own API sees the normalised alert: entities from observables, ATT&CK from procedures.
    let native = body(&app.authorized(Method::GET, &format!("/api/v1/alerts/{}", &id[1..]), "", Some(&bearer)).await);
    assert_eq!(native["severity"], "high");
    assert_eq!(native["attack_techniques"], json!(["T1110"]));
    let entities = native["entities"].to_string();
    assert!(entities.contains("203.0.113.8") && entities.contains("bastion.corp.example"), "{entities}");
}

#[tokio::test]
async fn duplicates_and_bad_bodies_answer_as_thehive_does() {
    let (app, _, bearer) = setup().await;
    assert_eq!(app.authorized(Method::POST, "/api/v1/alert", WAZUH, Some(&bearer)).await.status, StatusCode::CREATED);
    let again = app.authorized(Method::POST, "/api/v1/alert", WAZUH, Some(&bearer)).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(body(&again)["type"], "CreateError");
    assert!(body(&again)["message"].as_str().unwrap_or_default().contains("already exist"), "{again:?}");
    assert_eq!(app.count("alert", "source = 'wazuh'").await, 1, "no duplicate stored");

    let missing = app
        .authorized(Method::POST, "/api/v1/alert", r#"{"type":"t","source":"s","sourceRef":"1"}"#, Some(&bearer))
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(body(&missing)["type"], "AttributeCheckingError");
    assert!(body(&missing)["message"].as_str().unwrap_or_default().contains("title"), "{missing:?}");

    let broken = app.authorized(Method::POST, "/api/v1/alert", "{", Some(&bearer)).await;
    assert_eq!((broken.status, body(&broken)["type"].as_str()), (StatusCode::BAD_REQUEST, Some("BadRequestError")));

    let unknown = app.authorized(Method::POST, "/api/v1/alert", WAZUH, Some("Bearer rip_not_a_key")).await;
    assert_eq!(
        (unknown.status, body(&unknown)["type"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("AuthenticationError"))
    );
    let none = app.authorized(Method::GET, "/api/v1/alert/~1", "", None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    let missing_alert = app.authorized(Method::GET, "/api/v1/alert/~999999", "", Some(&bearer)).await;
    assert_eq!(
        (missing_alert.status, body(&missing_alert)["type"].as_str()),
        (StatusCode::NOT_FOUND, Some("NotFoundError"))
    );
}

#[tokio::test]
async fn v0_artifacts_basic_auth_and_status() {
    let (app, key, _) = setup().await;
    let v0 = r#"{"type":"external","source":"misp","sourceRef":"event-42","title":"MISP event 42","description":"IOC sighting",
                 "severity":2,"artifacts":[{"dataType":"domain","data":"Evil.Example"},{"dataType":"hash","data":"44d88612fea8a8f36de82e1278abb02f"}]}"#;
    let created = app.authorized(Method::POST, "/api/alert", v0, Some(&basic("anyone", &key))).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let alert = body(&created);
    assert_eq!(alert["_type"], "alert");
    assert_eq!(alert["artifacts"].as_array().map(Vec::len), Some(2));
    let id = alert["id"].as_str().expect("v0 id").to_owned();
    let read = app.authorized(Method::GET, &format!("/api/alert/{id}"), "", Some(&basic("x", &key))).await;
    assert_eq!(body(&read)["sourceRef"], "event-42");

    // A person's own name and password work too, with their role's permissions.
    app.create_user("tess", Role::Tier1).await;
    let as_user =
        app.authorized(Method::GET, &format!("/api/v1/alert/~{id}"), "", Some(&basic("tess", support::PASSWORD))).await;
    assert_eq!(as_user.status, StatusCode::OK, "{as_user:?}");
    let wrong = app.authorized(Method::GET, &format!("/api/v1/alert/~{id}"), "", Some(&basic("tess", "nope"))).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let user_creates =
        app.authorized(Method::POST, "/api/v1/alert", WAZUH, Some(&basic("tess", support::PASSWORD))).await;
    assert_eq!(
        (user_creates.status, body(&user_creates)["type"].as_str()),
        (StatusCode::FORBIDDEN, Some("AuthorizationError"))
    );

    let status = app.authorized(Method::GET, "/api/status", "", None).await;
    assert_eq!(status.status, StatusCode::OK);
    assert!(body(&status)["versions"]["TheHive"].is_string());
}

#[tokio::test]
async fn patch_observables_delete_and_query() {
    let (app, _, bearer) = setup().await;
    let mut ids = Vec::new();
    for (n, severity) in [(1, 1), (2, 3), (3, 4)] {
        let alert = json!({"type":"splunk","source":"es","sourceRef":format!("notable-{n}"),"title":format!("notable {n}"),
                           "description":"","severity":severity,"date":1_795_341_000_000_i64 + n * 1000,"tags":[format!("n{n}")]});
        let reply = app.authorized(Method::POST, "/api/v1/alert", &alert.to_string(), Some(&bearer)).await;
        ids.push(body(&reply)["_id"].as_str().expect("id").to_owned());
    }
    let patched = app
        .authorized(
            Method::PATCH,
            &format!("/api/v1/alert/{}", ids[0]),
            r#"{"status":"Ignored","tlp":3,"title":"renamed"}"#,
            Some(&bearer),
        )
        .await;
    assert_eq!(patched.status, StatusCode::NO_CONTENT, "{patched:?}");
    let after = body(&app.authorized(Method::GET, &format!("/api/v1/alert/{}", ids[0]), "", Some(&bearer)).await);
    assert_eq!(
        (after["status"].as_str(), after["tlp"].as_i64(), after["title"].as_str()),
        (Some("Ignored"), Some(3), Some("renamed"))
    );
    let refused = app
        .authorized(Method::PATCH, &format!("/api/v1/alert/{}", ids[0]), r#"{"sourceRef":"x"}"#, Some(&bearer))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);

    let added = app
        .authorized(
            Method::POST,
            &format!("/api/v1/alert/{}/observable", ids[1]),
            r#"{"dataType":"ip","data":["198.51.100.1","198.51.100.2"]}"#,
            Some(&bearer),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{added:?}");
    assert_eq!(body(&added).as_array().map(Vec::len), Some(2));
    let with = body(&app.authorized(Method::GET, &format!("/api/v1/alert/{}", ids[1]), "", Some(&bearer)).await);
    assert_eq!(with["observableCount"], 2);

    let query = json!({"query":[{"_name":"listAlert"},
        {"_name":"filter","_and":[{"_eq":{"_field":"source","_value":"es"}},{"_gte":{"_field":"severity","_value":3}}]},
        {"_name":"sort","_fields":[{"date":"asc"}]},{"_name":"page","from":0,"to":10}]});
    let listed = body(&app.authorized(Method::POST, "/api/v1/query", &query.to_string(), Some(&bearer)).await);
    let titles: Vec<&str> = listed.as_array().expect("array").iter().filter_map(|a| a["title"].as_str()).collect();
    assert_eq!(titles, vec!["notable 2", "notable 3"]);
    let count =
        json!({"query":[{"_name":"listAlert"},{"_name":"filter","_field":"status","_value":"New"},{"_name":"count"}]});
    assert_eq!(body(&app.authorized(Method::POST, "/api/v1/query", &count.to_string(), Some(&bearer)).await), json!(2));
    let bad = json!({"query":[{"_name":"listAlert"},{"_name":"filter","_eq":{"_field":"colour","_value":1}}]});
    let bad = app.authorized(Method::POST, "/api/v1/query", &bad.to_string(), Some(&bearer)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("colour"), "{bad:?}");

    let deleted = app.authorized(Method::DELETE, &format!("/api/v1/alert/{}", ids[2]), "", Some(&bearer)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.authorized(Method::GET, &format!("/api/v1/alert/{}", ids[2]), "", Some(&bearer)).await.status,
        StatusCode::NOT_FOUND
    );
    let kept = body(&app.authorized(Method::GET, &format!("/api/v1/alerts/{}", &ids[2][1..]), "", Some(&bearer)).await);
    assert_eq!(kept["status"], "dismissed", "deleted for TheHive clients, kept (dismissed) in Riposte");
    assert_eq!(app.count("audit_record", "action like 'thehive_%'").await, 3, "each change audited");
}
