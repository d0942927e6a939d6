//! Group commit and back-pressure: concurrent single-alert requests share transactions and
//! every acknowledged alert is stored exactly once; a full queue answers 429 with
//! Retry-After, never a 5xx, and nothing already accepted is lost.

use axum::http::{Method, StatusCode};
use riposte_backend::tokens::TokenScope;
use riposte_backend::{AuthSettings, Backend, IngestSettings};
use serde_json::Value;

use crate::support::TestApp;

#[tokio::test]
async fn concurrent_single_alerts_are_each_stored_once() {
    let app = std::sync::Arc::new(TestApp::new().await);
    let token = app.token("fw", &[TokenScope::Ingest]).await;
    let mut tasks = Vec::new();
    for client in 0..8 {
        let (app, token) = (app.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for n in 0..25 {
                // Every client also sends one alert all the others send: one row, one id.
                let reference = if n == 0 { "shared".to_owned() } else { format!("c{client}-{n}") };
                let alert = format!(r#"{{"title":"t","severity":"low","source_ref":"{reference}"}}"#);
                let reply = app.json(Method::POST, "/api/v1/alerts", &alert, Some(&token)).await;
                assert!(reply.status.is_success(), "{reply:?}");
                let value: Value = serde_json::from_str(&reply.body).expect("json");
                ids.push((reference, value["id"].as_i64().expect("id")));
            }
            ids
        }));
    }
    let mut shared = std::collections::BTreeSet::new();
    for task in tasks {
        for (reference, id) in task.await.expect("client") {
            if reference == "shared" {
                shared.insert(id);
            }
        }
    }
    assert_eq!(shared.len(), 1, "every client got the same id for the shared alert");
    assert_eq!(app.count("alert", "source = 'fw'").await, 8 * 24 + 1);
}

#[tokio::test]
async fn a_full_queue_answers_429_and_loses_nothing() {
    let app = TestApp::new().await;
    let settings =
        AuthSettings { password_cost: riposte_backend::settings::PasswordCost::for_tests(), ..Default::default() };
    let small = IngestSettings { max_pending: 3, max_group: 100, writers: 1 };
    let backend = Backend::with_ingest(app.db.pool.clone(), settings, small).await.expect("backend");
    let router = server::cli::build_router(
        backend.clone(),
        &server::config::ServeOptions::default(),
        tower_sessions_sqlx_store::PostgresStore::new(app.db.pool.clone()),
    );
    let token = app.token("fw", &[TokenScope::Ingest]).await;
    let post = |body: String| {
        let router = router.clone();
        let token = token.clone();
        async move {
            use http_body_util::BodyExt;
            use tower::ServiceExt;
            let request = axum::http::Request::builder()
                .method(Method::POST)
                .uri("/api/v1/alerts")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body))
                .expect("request");
            let response = router.oneshot(request).await.expect("response");
            let status = response.status();
            let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap_or("").to_owned());
            let bytes = response.into_body().collect().await.expect("body").to_bytes();
            (status, retry_after, String::from_utf8_lossy(&bytes).into_owned())
        }
    };
    // Hold the table so the first batch (3 alerts, the whole queue) cannot commit yet.
    let mut blocker = app.db.pool.begin().await.expect("tx");
    sqlx::query("lock table alert in exclusive mode").execute(&mut *blocker).await.expect("lock");
    let first = tokio::spawn(post(
        r#"[{"title":"a","severity":"low"},{"title":"b","severity":"low"},{"title":"c","severity":"low"}]"#.into(),
    ));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while backend.ingest.pending() < 3 {
        assert!(std::time::Instant::now() < deadline, "the first batch never queued");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let (status, retry_after, body) = post(r#"{"title":"d","severity":"low"}"#.into()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(retry_after.as_deref(), Some("1"));
    assert!(body.contains("overloaded"), "{body}");
    blocker.rollback().await.expect("unlock");
    let (status, _, body) = first.await.expect("first");
    assert_eq!(status, StatusCode::OK, "the accepted batch is committed once the table frees: {body}");
    assert_eq!(app.count("alert", "source = 'fw'").await, 3);
    let (status, _, _) = post(r#"{"title":"d","severity":"low"}"#.into()).await;
    assert_eq!(status, StatusCode::CREATED, "room again after the commit");
}

#[tokio::test]
async fn a_lone_large_batch_is_split_over_two_connections_and_answered_in_order() {
    let app = TestApp::new().await;
    let token = app.token("ids", &[TokenScope::Ingest]).await;
    let alert = |n: usize| format!(r#"{{"title":"t{n}","severity":"low","source_ref":"r{n}"}}"#);
    // 40 alerts stored first, to come back as repeats.
    let earlier: Vec<String> = (0..40).map(alert).collect();
    let reply = app.json(Method::POST, "/api/v1/alerts", &format!("[{}]", earlier.join(",")), Some(&token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    // 300 records: the 40 again, 250 new, and 10 of the new ones a second time at the end.
    let mut batch: Vec<String> = (0..290).map(alert).collect();
    batch.extend((100..110).map(alert));
    let reply = app.json(Method::POST, "/api/v1/alerts", &format!("[{}]", batch.join(",")), Some(&token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{reply:?}");
    let value: Value = serde_json::from_str(&reply.body).expect("json");
    let results = value["results"].as_array().expect("results");
    assert_eq!(results.len(), 300);
    let references: std::collections::HashMap<i64, String> =
        sqlx::query_as("select alert_id, source_ref from alert where source = 'ids'")
            .fetch_all(&app.db.pool)
            .await
            .expect("alerts")
            .into_iter()
            .collect();
    assert_eq!(references.len(), 290, "every distinct alert stored once");
    for (position, result) in results.iter().enumerate() {
        assert_eq!(result["index"].as_u64(), Some(position as u64));
        let n = if position < 290 { position } else { position - 190 };
        let id = result["id"].as_i64().expect("id");
        assert_eq!(references[&id], format!("r{n}"), "record {position} answered with its own alert's id");
        let created = (40..290).contains(&position);
        assert_eq!(result["created"].as_bool(), Some(created), "record {position}");
    }
    let ingest_connections: i64 = sqlx::query_scalar(
        "select count(*) from pg_stat_activity \
         where application_name = 'riposte-ingest-helper' and datname = current_database()",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("activity");
    assert_eq!(ingest_connections, 1, "the writer spread the batch over a second connection");
}
