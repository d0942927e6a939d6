//! Storing alerts and ingest tokens against a real PostgreSQL: dedup across and within
//! batches, token scopes, revocation and last use.

use riposte_backend::BackendError;
use riposte_backend::admin::Actor;
use riposte_backend::ingest::ingest_alerts;
use riposte_backend::store::alerts::find_alert;
use riposte_backend::tokens::{TokenScope, authenticate_token, create_token, list_tokens, revoke_token};
use riposte_testkit::TestDb;

fn alerts(body: &str, source: &str) -> Vec<riposte_domain::alert::NewAlert> {
    let (_, records) = riposte_ingest::native::parse_body(body.as_bytes(), source).expect("valid body");
    records.into_iter().map(|r| r.expect("valid record")).collect()
}

/// An ingest token for the source "ids".
async fn ids_token(backend: &riposte_backend::Backend) -> riposte_backend::tokens::TokenIdentity {
    let (_, secret) =
        create_token(backend, Actor::CommandLine, "sensor", "ids", &[TokenScope::Ingest]).await.expect("token");
    authenticate_token(backend, &secret).await.expect("valid token")
}

#[tokio::test]
async fn resending_returns_the_stored_alert() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let token = ids_token(&backend).await;
    assert_eq!(token.source, "ids");

    let batch = r#"[{"title":"a","severity":"high","source_ref":"1"},{"title":"b","severity":"low"},
                    {"title":"a again","severity":"high","source_ref":"1"}]"#;
    let first = ingest_alerts(&backend, &token, alerts(batch, &token.source)).await.expect("stored");
    assert_eq!(first.len(), 3);
    assert!(first[0].created && first[1].created);
    assert_eq!(first[2].alert_id, first[0].alert_id, "in-batch repeat points at the first");
    assert!(!first[2].created);

    let again = ingest_alerts(&backend, &token, alerts(batch, &token.source)).await.expect("stored");
    assert_eq!(
        again.iter().map(|s| s.alert_id).collect::<Vec<_>>(),
        first.iter().map(|s| s.alert_id).collect::<Vec<_>>()
    );
    assert!(again.iter().all(|s| !s.created), "nothing new the second time");
    let count: i64 = sqlx::query_scalar("select count(*) from alert").fetch_one(&db.pool).await.expect("count");
    assert_eq!(count, 2);

    let row = find_alert(&db.pool, first[0].alert_id).await.expect("query").expect("found");
    assert_eq!((row.source.as_str(), row.title.as_str(), row.severity), ("ids", "a", 4));
    assert!(row.raw.contains("\"source_ref\":\"1\""), "raw kept: {}", row.raw);
}

#[tokio::test]
async fn tokens_are_scoped_revocable_and_record_use() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let (row, secret) =
        create_token(&backend, Actor::CommandLine, "reader", "api", &[TokenScope::Read]).await.expect("token");
    assert!(secret.starts_with("rip_") && secret.len() > 40);
    let stored_hash: Vec<u8> =
        sqlx::query_scalar("select token_hash from ingest_token").fetch_one(&db.pool).await.expect("hash");
    assert_ne!(stored_hash, secret.as_bytes(), "only a hash is stored");

    let token = authenticate_token(&backend, &secret).await.expect("valid");
    let err =
        ingest_alerts(&backend, &token, alerts(r#"{"title":"x","severity":1}"#, "api")).await.expect_err("read only");
    assert!(matches!(err, BackendError::TokenScope("ingest")), "{err}");
    let listed = list_tokens(&backend, Actor::CommandLine).await.expect("list");
    assert!(listed[0].last_used_at.is_some(), "last use recorded");

    revoke_token(&backend, Actor::CommandLine, row.token_id).await.expect("revoke");
    assert!(matches!(authenticate_token(&backend, &secret).await, Err(BackendError::Unauthenticated)));
    assert!(matches!(authenticate_token(&backend, "rip_made_up").await, Err(BackendError::Unauthenticated)));
    let err = revoke_token(&backend, Actor::CommandLine, row.token_id).await.expect_err("already revoked");
    assert!(matches!(err, BackendError::NotFound(_)));
}

#[tokio::test]
async fn only_admins_manage_tokens() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    for role in riposte_domain::Role::ALL {
        let new = riposte_backend::admin::NewUser {
            username: format!("user-{role}"),
            display_name: String::new(),
            role,
            password: "correct horse battery".into(),
        };
        let id = riposte_backend::admin::create_user(&backend, Actor::CommandLine, new).await.expect("user").id;
        let user =
            riposte_backend::CurrentUser { id, username: format!("user-{role}"), display_name: String::new(), role };
        let outcome = create_token(&backend, Actor::User(&user), "t", "s", &[TokenScope::Ingest]).await;
        assert_eq!(outcome.is_ok(), role == riposte_domain::Role::Admin, "{role}");
    }
}

#[tokio::test]
async fn tags_and_techniques_keep_every_character() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let token = ids_token(&backend).await;
    // Attacker-chosen text: quotes, backslashes, commas, braces, NULL-like words, unicode.
    let tags = [r#"a "quoted" tag"#, r"back\slash", "comma,separated", "{braces}", "NULL", " ", "ünï ☃"];
    let body = serde_json::json!({
        "title": "odd tags", "severity": "low", "tags": tags, "attack_techniques": ["T1059.001", "T1110"]
    });
    let stored = ingest_alerts(&backend, &token, alerts(&body.to_string(), "ids")).await.expect("stored");
    let row = find_alert(&db.pool, stored[0].alert_id).await.expect("query").expect("found");
    assert_eq!(row.tags, tags);
    assert_eq!(row.attack_techniques, ["T1059.001", "T1110"]);
}

#[tokio::test]
async fn the_pipeline_gets_from_ingest_in_memory_what_it_would_read_from_the_table() {
    let db = TestDb::new().await;
    // No pipeline worker: what ingest hands over stays there to be compared.
    let backend = db.tool_backend().await;
    let token = ids_token(&backend).await;
    let batch = r#"[{"title":"ET SCAN \"quoted\" sweep","severity":"critical","source_ref":"h1",
                     "event_time":"2026-11-23T10:11:12.345Z","attack_techniques":["T1046"],
                     "entities":[{"kind":"ip","value":"203.0.113.7","role":"source"},{"kind":"user","value":"Zoë"}]},
                    {"title":"b","severity":"low"},
                    {"title":"ET SCAN \"quoted\" sweep","severity":"critical","source_ref":"h1"}]"#;
    let stored = ingest_alerts(&backend, &token, alerts(batch, &token.source)).await.expect("stored");
    let ids: Vec<i64> = vec![stored[0].alert_id, stored[1].alert_id];
    let handoff = backend.pipeline.handoff();
    assert_eq!(handoff.len(), 2, "the repeat was not created, so not handed over");

    let held: Vec<String> = handoff.take(&ids).into_iter().map(|p| format!("{:?}", p.expect("held"))).collect();
    let mut conn = db.pool.acquire().await.expect("connection");
    let read: Vec<String> = riposte_backend::store::pipeline::read_pending(&mut conn, &ids)
        .await
        .expect("read")
        .into_iter()
        .map(|p| format!("{p:?}"))
        .collect();
    assert_eq!(held, read);
}
