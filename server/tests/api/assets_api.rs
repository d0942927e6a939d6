//! The asset inventory one asset at a time over the REST API: create, search by address,
//! range or text, change against the version read (a stale version is a 409 and changes
//! nothing), delete, clear errors naming the bad field, and the `context` scope required.

use crate::support;

use axum::http::{Method, StatusCode};
use riposte_backend::tokens::TokenScope;
use serde_json::{Value, json};
use support::TestApp;

fn body(reply: &support::Reply) -> Value {
    serde_json::from_str(&reply.body).unwrap_or_else(|e| panic!("json ({e}): {}", reply.body))
}

#[tokio::test]
async fn an_asset_is_created_found_changed_against_its_version_and_deleted() {
    let app = TestApp::new().await;
    let token = app.token("cmdb", &[TokenScope::Context]).await;
    let dc = json!({ "name": "DC01.corp.example", "addresses": ["10.0.0.10", "10.0.8.0/24"], "criticality": 5,
                     "owner": "IT", "tags": ["Domain-Controller"] });
    let created = app.json(Method::POST, "/api/v1/context/assets", &dc.to_string(), Some(&token)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let id = body(&created)["id"].as_i64().expect("id");

    let again = app.json(Method::POST, "/api/v1/context/assets", &dc.to_string(), Some(&token)).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("another asset has the name dc01.corp.example"), "{}", again.body);

    // Found by an address it holds, a range holding it, part of its name, and a tag.
    for q in ["10.0.8.77", "10.0.0.0%2F16", "corp.exa", "domain-controller"] {
        let found = app.json(Method::GET, &format!("/api/v1/context/assets?q={q}"), "", Some(&token)).await;
        assert_eq!(found.status, StatusCode::OK, "{found:?}");
        assert_eq!(body(&found)["total"], 1, "search {q}: {}", found.body);
    }
    let none = app.json(Method::GET, "/api/v1/context/assets?q=192.0.2.1", "", Some(&token)).await;
    assert_eq!(body(&none)["total"], 0);

    let read = body(&app.json(Method::GET, &format!("/api/v1/context/assets/{id}"), "", Some(&token)).await);
    assert_eq!((read["version"].as_i64(), read["asset"]["name"].as_str()), (Some(1), Some("dc01.corp.example")));
    assert_eq!(read["asset"]["addresses"], json!(["10.0.0.10", "10.0.8.0/24"]));
    assert_eq!(read["updated_by"], "token:test token");

    let mut changed = read["asset"].clone();
    changed["criticality"] = json!(4);
    changed["addresses"] = json!(["10.0.0.11"]);
    let put = |version: i64, asset: &Value| json!({ "version": version, "asset": asset }).to_string();
    let updated = app.json(Method::PUT, &format!("/api/v1/context/assets/{id}"), &put(1, &changed), Some(&token)).await;
    assert_eq!(updated.status, StatusCode::OK, "{updated:?}");
    assert_eq!(
        (body(&updated)["version"].as_i64(), body(&updated)["asset"]["criticality"].as_i64()),
        (Some(2), Some(4))
    );
    assert_eq!(app.count("asset_address", "net = '10.0.0.10'").await, 0, "its addresses are replaced");

    // Renaming another asset to a name already taken is refused by the unique key.
    let other = json!({ "name": "fs01", "criticality": 2 }).to_string();
    let other_id =
        body(&app.json(Method::POST, "/api/v1/context/assets", &other, Some(&token)).await)["id"].as_i64().expect("id");
    let clash = json!({ "name": "dc01.corp.example", "criticality": 2 });
    let renamed =
        app.json(Method::PUT, &format!("/api/v1/context/assets/{other_id}"), &put(1, &clash), Some(&token)).await;
    assert_eq!(renamed.status, StatusCode::BAD_REQUEST, "{renamed:?}");
    assert!(renamed.body.contains("another asset has the name dc01.corp.example"), "{}", renamed.body);
    let deleted_other =
        app.json(Method::DELETE, &format!("/api/v1/context/assets/{other_id}?version=1"), "", Some(&token)).await;
    assert_eq!(deleted_other.status, StatusCode::NO_CONTENT);

    // A change made against the version before is refused and changes nothing.
    changed["criticality"] = json!(1);
    let stale = app.json(Method::PUT, &format!("/api/v1/context/assets/{id}"), &put(1, &changed), Some(&token)).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{stale:?}");
    assert!(stale.body.contains("changed this asset"), "{}", stale.body);
    assert_eq!(app.count("asset", "criticality = 4").await, 1);

    // Bad input names the field.
    changed["addresses"] = json!(["10.0.0.300"]);
    let bad = app.json(Method::PUT, &format!("/api/v1/context/assets/{id}"), &put(2, &changed), Some(&token)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("\\\"10.0.0.300\\\" is not an IP address"), "{}", bad.body);
    let shapeless = app.json(Method::POST, "/api/v1/context/assets", "[1]", Some(&token)).await;
    assert_eq!(shapeless.status, StatusCode::BAD_REQUEST);
    assert!(shapeless.body.contains("expected an asset"), "{}", shapeless.body);

    let stale_delete =
        app.json(Method::DELETE, &format!("/api/v1/context/assets/{id}?version=1"), "", Some(&token)).await;
    assert_eq!(stale_delete.status, StatusCode::CONFLICT);
    let deleted = app.json(Method::DELETE, &format!("/api/v1/context/assets/{id}?version=2"), "", Some(&token)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{deleted:?}");
    assert_eq!(app.count("asset", "true").await, 0);
    assert_eq!(app.count("asset_address", "true").await, 0);
    let gone = app.json(Method::GET, &format!("/api/v1/context/assets/{id}"), "", Some(&token)).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let audited = "action in ('asset_created', 'asset_updated', 'asset_deleted') and subject = 'dc01.corp.example'";
    assert_eq!(app.count("audit_record", audited).await, 3);

    let ingest_only = app.token("sensor", &[TokenScope::Ingest]).await;
    let refused = app.json(Method::GET, "/api/v1/context/assets", "", Some(&ingest_only)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}
