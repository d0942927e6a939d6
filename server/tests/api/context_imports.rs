//! Importing the asset inventory and watchlists over HTTP: a multipart form queues a job
//! (202 for integrations, a redirect to the job's page for a browser's form), the job reports
//! progress and ends `imported`, or `rejected` with every bad row and nothing stored; tokens
//! need the `context` scope and people the ManageContext permission.

use crate::support;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use riposte_backend::tokens::TokenScope;
use riposte_domain::Role;
use support::{Reply, TestApp};

const BOUNDARY: &str = "riposte-test-boundary";

fn multipart(fields: &[(&str, &str)], file_name: &str, file: &str) -> String {
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    body.push_str(&format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: text/csv\r\n\r\n{file}\r\n--{BOUNDARY}--\r\n"
    ));
    body
}

async fn upload(app: &TestApp, body: String, bearer: Option<&str>, cookie: Option<&str>) -> Reply {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/context/imports")
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"));
    if let Some(token) = bearer {
        request =
            request.header(header::AUTHORIZATION, format!("Bearer {token}")).header(header::ACCEPT, "application/json");
    }
    if let Some(cookie) = cookie {
        request = request
            .header(header::COOKIE, format!("riposte_session={cookie}"))
            .header(header::ACCEPT, "text/html")
            .header("sec-fetch-site", "same-origin");
    }
    app.send(request.body(Body::from(body)).expect("request")).await
}

/// Polls the job until it ends; returns its final JSON.
async fn finished(app: &TestApp, id: i64, token: &str) -> serde_json::Value {
    for _ in 0..200 {
        let reply = app.json(Method::GET, &format!("/api/v1/context/imports/{id}"), "", Some(token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
        let job: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
        if matches!(job["status"].as_str(), Some("imported" | "rejected" | "failed")) {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("import {id} did not finish");
}

#[tokio::test]
async fn a_feed_pushes_a_watchlist_and_a_bad_file_is_rejected_whole() {
    let app = TestApp::new().await;
    let feed = app.token("intel-feed", &[TokenScope::Context]).await;
    let good = "type,value,confidence\nip,203.0.113.9,90\ndomain,bad.example,70\n";
    let reply = upload(
        &app,
        multipart(&[("kind", "indicators"), ("format", "csv"), ("source", "feed A")], "a.csv", good),
        Some(&feed),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{reply:?}");
    let id = serde_json::from_str::<serde_json::Value>(&reply.body).expect("json")["id"].as_i64().expect("id");
    let job = finished(&app, id, &feed).await;
    assert_eq!(job["status"], "imported");
    assert_eq!((job["done_rows"].as_i64(), job["report"]["imported"].as_i64()), (Some(2), Some(2)));
    assert_eq!(app.count("indicator", "source = 'feed A'").await, 2);
    assert_eq!(app.count("context_import", "content is not null").await, 0, "the file is dropped once done");

    let bad = "type,value,confidence\nip,203.0.113.10,90\nip,203.0.113.300,90\nhash,xyz,10\n";
    let reply = upload(
        &app,
        multipart(&[("kind", "indicators"), ("format", "csv"), ("source", "feed A")], "b.csv", bad),
        Some(&feed),
        None,
    )
    .await;
    let id = serde_json::from_str::<serde_json::Value>(&reply.body).expect("json")["id"].as_i64().expect("id");
    let job = finished(&app, id, &feed).await;
    assert_eq!(job["status"], "rejected");
    let rows: Vec<i64> =
        job["report"]["errors"].as_array().expect("errors").iter().map(|e| e["row"].as_i64().expect("row")).collect();
    assert_eq!(rows, vec![2, 3]);
    assert_eq!(app.count("indicator", "value = '203.0.113.10'").await, 0, "nothing half-imported");

    // Bad requests name what is wrong.
    let reply = upload(
        &app,
        multipart(&[("kind", "indicators"), ("format", "xml"), ("source", "x")], "c", good),
        Some(&feed),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("indicators are imported from csv, stix, misp, not \\\"xml\\\""), "{}", reply.body);
    let reply =
        upload(&app, multipart(&[("kind", "indicators"), ("format", "csv")], "c", good), Some(&feed), None).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("name the list or feed"), "{}", reply.body);
    let reply = upload(&app, multipart(&[("kind", "flows"), ("format", "csv")], "c", good), Some(&feed), None).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("kind \\\"flows\\\" is not known"), "{}", reply.body);
}

#[tokio::test]
async fn people_need_manage_context_and_a_browser_is_sent_to_the_job_page() {
    let app = TestApp::new().await;
    app.create_user("tina", Role::Tier1).await;
    app.create_user("theo", Role::Tier2).await;
    let inventory = "name,addresses,criticality\ndc01,10.0.0.10,5\n";
    let form = || multipart(&[("kind", "assets"), ("format", "csv")], "inventory.csv", inventory);

    let tier1 = app.sign_in("tina").await;
    let refused = upload(&app, form(), None, Some(&tier1)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{refused:?}");
    let ingest_only = app.token("sensor", &[TokenScope::Ingest]).await;
    assert_eq!(upload(&app, form(), Some(&ingest_only), None).await.status, StatusCode::FORBIDDEN);

    let tier2 = app.sign_in("theo").await;
    let sent = upload(&app, form(), None, Some(&tier2)).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{sent:?}");
    let page = sent.header("location").expect("redirect").to_owned();
    assert!(page.starts_with("/context/imports/"), "{page}");
    let id: i64 = page.rsplit('/').next().and_then(|n| n.parse().ok()).expect("id");
    let reader = app.token("ops", &[TokenScope::Context]).await;
    assert_eq!(finished(&app, id, &reader).await["status"], "imported");
    let html = app.page(&page, Some(&tier2)).await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(html.body.contains("inventory.csv") && html.body.contains("1 stored"), "{}", html.body);
    assert_eq!(app.count("asset", "name = 'dc01'").await, 1);
}

/// Serves `files` (path, body) on a loopback port, as a feed publisher would; other paths 404.
async fn publisher(files: Vec<(&'static str, String)>) -> String {
    let mut router = axum::Router::new();
    for (path, body) in files {
        router = router.route(path, axum::routing::get(move || async move { body }));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

fn url_form(fields: &[(&str, &str)]) -> String {
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    // A browser sends the empty file input too.
    body.push_str(&format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n\r\n--{BOUNDARY}--\r\n"
    ));
    body
}

async fn queued(app: &TestApp, body: String, token: &str) -> i64 {
    let reply = upload(app, body, Some(token), None).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{reply:?}");
    serde_json::from_str::<serde_json::Value>(&reply.body).expect("json")["id"].as_i64().expect("id")
}

#[tokio::test]
async fn a_watchlist_or_a_whole_misp_feed_is_fetched_from_a_url() {
    let app = TestApp::new().await;
    let token = app.token("intel-feed", &[TokenScope::Context]).await;
    let event = |value: &str| {
        format!(
            r#"{{"Event":{{"info":"wave","threat_level_id":"1","Attribute":[{{"type":"ip-dst","value":"{value}","to_ids":true}}]}}}}"#
        )
    };
    let a = "5f1a2b3c-0000-4000-8000-00000000000a";
    let b = "5f1a2b3c-0000-4000-8000-00000000000b";
    let base = publisher(vec![
        ("/lists/c2.csv", "type,value,confidence\nip,203.0.113.77,90\n".to_owned()),
        ("/feeds/circl/manifest.json", format!(r#"{{"{a}": {{"info": "one"}}, "{b}": {{"info": "two"}}}}"#)),
        ("/feeds/circl/5f1a2b3c-0000-4000-8000-00000000000a.json", event("198.51.100.71")),
        ("/feeds/circl/5f1a2b3c-0000-4000-8000-00000000000b.json", event("198.51.100.72")),
        ("/feeds/broken/manifest.json", format!(r#"{{"{a}": {{}}}}"#)),
    ])
    .await;

    let csv_url = format!("{base}/lists/c2.csv");
    let id = queued(
        &app,
        url_form(&[("kind", "indicators"), ("format", "csv"), ("source", "c2"), ("url", &csv_url)]),
        &token,
    )
    .await;
    let job = finished(&app, id, &token).await;
    assert_eq!(job["status"], "imported", "{job}");
    assert_eq!(job["file_name"], csv_url.as_str(), "the job names the address it fetched");
    assert_eq!(app.count("indicator", "value = '203.0.113.77' and source = 'c2'").await, 1);

    let feed_url = format!("{base}/feeds/circl/manifest.json");
    let id = queued(
        &app,
        url_form(&[("kind", "indicators"), ("format", "misp"), ("source", "circl"), ("url", &feed_url)]),
        &token,
    )
    .await;
    let job = finished(&app, id, &token).await;
    assert_eq!((job["status"].as_str(), job["report"]["imported"].as_i64()), (Some("imported"), Some(2)), "{job}");
    assert_eq!(app.count("indicator", "source = 'circl' and confidence = 90").await, 2);

    // An event the manifest lists but the publisher lacks: the job is rejected, naming it.
    let broken = format!("{base}/feeds/broken/manifest.json");
    let id = queued(
        &app,
        url_form(&[("kind", "indicators"), ("format", "misp"), ("source", "b"), ("url", &broken)]),
        &token,
    )
    .await;
    let job = finished(&app, id, &token).await;
    assert_eq!(job["status"], "rejected");
    let message = job["report"]["errors"][0]["message"].as_str().expect("message");
    assert!(message.contains(&format!("{a}.json answered 404")), "{message}");
    assert_eq!(app.count("indicator", "source = 'b'").await, 0);

    // A refused scheme, and a file and a URL at once, are bad requests at once.
    let reply = upload(
        &app,
        url_form(&[("kind", "indicators"), ("format", "csv"), ("source", "x"), ("url", "file:///etc/passwd")]),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("only http and https"), "{}", reply.body);
    let both = multipart(
        &[("kind", "indicators"), ("format", "csv"), ("source", "x"), ("url", &csv_url)],
        "a.csv",
        "type,value\nip,1.2.3.4\n",
    );
    let reply = upload(&app, both, Some(&token), None).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("either a file or a url"), "{}", reply.body);
}

#[tokio::test]
async fn a_watchlist_is_browsed_by_value_address_kind_and_source_and_an_indicator_deleted() {
    let app = TestApp::new().await;
    let feed = app.token("intel-feed", &[TokenScope::Context]).await;
    let list = "type,value,confidence,expires\nip,203.0.113.9,90,\nip,203.0.113.10,80,\ncidr,198.51.100.0/24,60,\n\
                domain,bad.example,70,\ndomain,old.example,50,2001-01-01\n";
    for source in ["feed A", "feed B"] {
        let form = multipart(&[("kind", "indicators"), ("format", "csv"), ("source", source)], "a.csv", list);
        let reply = upload(&app, form, Some(&feed), None).await;
        let id = serde_json::from_str::<serde_json::Value>(&reply.body).expect("json")["id"].as_i64().expect("id");
        assert_eq!(finished(&app, id, &feed).await["status"], "imported");
    }
    let search = async |query: &str| {
        let reply = app.json(Method::GET, &format!("/api/v1/context/indicators?{query}"), "", Some(&feed)).await;
        assert_eq!(reply.status, StatusCode::OK, "{query}: {reply:?}");
        serde_json::from_str::<serde_json::Value>(&reply.body).expect("json")
    };
    let values = |page: &serde_json::Value| -> Vec<String> {
        let rows = page["indicators"].as_array().expect("rows");
        rows.iter()
            .map(|r| format!("{} {}", r["indicator"]["value"].as_str().unwrap_or(""), r["indicator"]["source"]))
            .collect()
    };

    assert_eq!(search("").await["total"], 10, "everything, newest first");
    // The start of a value; an address also finds the ranges holding it.
    assert_eq!(search("q=203.0.113.1&source=feed%20A").await["total"], 1);
    let by_address = search("q=198.51.100.7&source=feed%20B").await;
    assert_eq!(values(&by_address), ["198.51.100.0/24 \"feed B\""]);
    let domains = search("kind=domain&source=feed%20A").await;
    assert_eq!(domains["total"], 2);
    let old = domains["indicators"].as_array().expect("rows").iter().find(|r| r["indicator"]["value"] == "old.example");
    assert_eq!(old.map(|r| r["expired"].clone()), Some(serde_json::json!(true)), "expired rows are shown as such");
    assert_eq!(search("q=nothing.example").await["total"], 0);
    let bad = app.json(Method::GET, "/api/v1/context/indicators?kind=registry", "", Some(&feed)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("unknown indicator type \\\"registry\\\""), "{}", bad.body);

    // Deleted: gone, audited with what it was, and a second delete is a 404.
    let id = search("q=203.0.113.9&source=feed%20A").await["indicators"][0]["id"].as_i64().expect("id");
    let one = app.json(Method::GET, &format!("/api/v1/context/indicators/{id}"), "", Some(&feed)).await;
    assert!(one.body.contains("\"confidence\":90"), "{}", one.body);
    let deleted = app.json(Method::DELETE, &format!("/api/v1/context/indicators/{id}"), "", Some(&feed)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{deleted:?}");
    assert_eq!(app.count("indicator", "value = '203.0.113.9'").await, 1, "feed B's copy stays");
    assert_eq!(
        app.count(
            "audit_record",
            "action = 'indicator_deleted' and subject = 'ip:203.0.113.9' and detail->'before'->>'source' = 'feed A'"
        )
        .await,
        1
    );
    let again = app.json(Method::DELETE, &format!("/api/v1/context/indicators/{id}"), "", Some(&feed)).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);

    // The context scope is required.
    let ingest = app.token("sensor", &[TokenScope::Ingest]).await;
    let refused = app.json(Method::GET, "/api/v1/context/indicators", "", Some(&ingest)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}
