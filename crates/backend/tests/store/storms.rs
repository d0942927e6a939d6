//! Storm control against a real PostgreSQL: a flood of one signature becomes one queue row
//! with a running count, every original stays stored and countable, policies are per source,
//! and concurrent writers agree on one head.

use riposte_backend::admin::Actor;
use riposte_backend::alerts::{list_alerts, set_alert_status};
use riposte_backend::caller::Caller;
use riposte_backend::ingest::ingest_alerts;
use riposte_backend::storms::{list_policies, remove_policy, set_policy};
use riposte_backend::tokens::{TokenIdentity, TokenScope, authenticate_token, create_token};
use riposte_backend::{Backend, BackendError};
use riposte_domain::alert::{AlertFilter, AlertStatus, NewAlert, StormField, StormPolicy};
use riposte_testkit::TestDb;

async fn token(backend: &Backend, source: &str) -> TokenIdentity {
    let (_, secret) =
        create_token(backend, Actor::CommandLine, source, source, &[TokenScope::Ingest]).await.expect("token");
    authenticate_token(backend, &secret).await.expect("valid")
}

/// `count` distinct alerts of one signature, from the given attacker addresses in turn.
fn flood(source: &str, title: &str, count: usize, attackers: &[&str]) -> Vec<NewAlert> {
    let body: Vec<String> = (0..count)
        .map(|n| {
            let src = attackers[n % attackers.len()];
            format!(
                r#"{{"title":"{title}","severity":"high","source_ref":"{title}-{n}",
                     "entities":[{{"kind":"ip","value":"{src}","role":"source"}}]}}"#
            )
        })
        .collect();
    let (_, records) =
        riposte_ingest::native::parse_body(format!("[{}]", body.join(",")).as_bytes(), source).expect("valid body");
    records.into_iter().map(|r| r.expect("valid record")).collect()
}

/// An integration that reads and triages (the queue's use-cases need a caller).
async fn analyst(backend: &Backend) -> TokenIdentity {
    let scopes = [TokenScope::Read, TokenScope::Triage];
    let (_, secret) = create_token(backend, Actor::CommandLine, "analyst", "soar", &scopes).await.expect("token");
    authenticate_token(backend, &secret).await.expect("valid")
}

async fn list(backend: &Backend, filter: AlertFilter) -> Vec<riposte_domain::alert::AlertSummary> {
    let reader = analyst(backend).await;
    list_alerts(backend, Caller::Token(&reader), &filter, 1000).await.expect("list")
}

async fn queue(backend: &Backend, rollup_of: Option<i64>) -> Vec<riposte_domain::alert::AlertSummary> {
    list(backend, AlertFilter { rollup_of, ..AlertFilter::default() }).await
}

async fn count(db: &TestDb) -> i64 {
    sqlx::query_scalar("select count(*) from alert").fetch_one(&db.pool).await.expect("count")
}

#[tokio::test]
async fn a_flood_past_the_threshold_becomes_one_row_with_every_original_kept() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let ids = token(&backend, "ids").await;
    // The shipped default: 20 alone per minute, then the rest roll up.
    let stored = ingest_alerts(&backend, &ids, flood("ids", "ET SCAN", 50, &["192.0.2.1"])).await.expect("stored");
    assert!(stored.iter().all(|s| s.created), "every original is a new alert");
    assert_eq!(stored.iter().filter(|s| s.rollup_id.is_none()).count(), 21, "20 alone and the head");
    assert_eq!(count(&db).await, 50, "every original is stored");

    let rows = queue(&backend, None).await;
    assert_eq!(rows.len(), 21, "the queue shows 20 alerts and one storm row");
    let head = rows.iter().find(|r| r.occurrences > 1).expect("a storm head");
    assert_eq!(head.occurrences, 30, "the head counts itself and 29 members");
    assert!(head.last_seen.is_some());
    let members = queue(&backend, Some(head.id)).await;
    assert_eq!(members.len(), 29);
    assert!(members.iter().all(|m| m.rollup_id == Some(head.id)));

    // A second wave while the storm runs only grows the count; re-sends create nothing.
    let more = ingest_alerts(&backend, &ids, flood("ids", "ET SCAN", 60, &["192.0.2.1"])).await.expect("stored");
    assert_eq!(more.iter().filter(|s| s.created).count(), 10, "only the 10 new ones are new");
    assert!(more[..50].iter().zip(&stored).all(|(again, first)| again.alert_id == first.alert_id));
    let rows = queue(&backend, None).await;
    assert_eq!(rows.len(), 21);
    assert_eq!(rows.iter().map(|r| r.occurrences).sum::<i32>(), 60, "every original is countable");

    // Dismissing the storm dismisses its members with it.
    let triage = analyst(&backend).await;
    set_alert_status(&backend, Caller::Token(&triage), head.id, AlertStatus::Dismissed).await.expect("dismiss");
    let dismissed: i64 = sqlx::query_scalar("select count(*) from alert where status = 'dismissed'")
        .fetch_one(&db.pool)
        .await
        .expect("count");
    assert_eq!(dismissed, 40, "the head and its 39 members");
}

#[tokio::test]
async fn policies_are_per_source_and_can_split_storms_by_attacker() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let policy = |source: &str, enabled: bool, group_by: Vec<StormField>| StormPolicy {
        source: source.into(),
        enabled,
        threshold: 0,
        window_secs: 300,
        group_by,
    };
    set_policy(&backend, Actor::CommandLine, policy("fw", true, vec![StormField::SrcIp])).await.expect("set");
    set_policy(&backend, Actor::CommandLine, policy("edr", false, vec![])).await.expect("set");
    let listed = list_policies(&backend, Actor::CommandLine).await.expect("list");
    assert_eq!(listed.iter().map(|p| p.policy.source.as_str()).collect::<Vec<_>>(), ["*", "edr", "fw"]);

    let fw = token(&backend, "fw").await;
    ingest_alerts(&backend, &fw, flood("fw", "deny", 10, &["198.51.100.1", "198.51.100.2"])).await.expect("stored");
    let heads = queue(&backend, None).await;
    assert_eq!(heads.len(), 2, "one storm per attacker, from the first alert (threshold 0)");
    assert!(heads.iter().all(|h| h.occurrences == 5));

    let edr = token(&backend, "edr").await;
    ingest_alerts(&backend, &edr, flood("edr", "malware", 30, &["10.0.0.5"])).await.expect("stored");
    let edr_rows = list(&backend, AlertFilter { source: Some("edr".into()), ..AlertFilter::default() }).await;
    assert_eq!(edr_rows.len(), 30, "a disabled policy rolls nothing up");

    remove_policy(&backend, Actor::CommandLine, "edr").await.expect("remove");
    let err = remove_policy(&backend, Actor::CommandLine, "*").await.expect_err("the default stays");
    assert!(matches!(err, BackendError::NotFound(_)), "{err}");
    let bad = StormPolicy { window_secs: 0, ..policy("x", true, vec![]) };
    let err = set_policy(&backend, Actor::CommandLine, bad).await.expect_err("bad window");
    assert!(err.to_string().contains("window"), "{err}");
}

#[tokio::test]
async fn concurrent_writers_agree_on_one_head() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let policy = StormPolicy { source: "ids".into(), enabled: true, threshold: 5, window_secs: 600, group_by: vec![] };
    set_policy(&backend, Actor::CommandLine, policy).await.expect("set");
    let ids = token(&backend, "ids").await;
    let waves: Vec<_> = (0..8)
        .map(|wave| {
            let (backend, ids) = (backend.clone(), ids.clone());
            let alerts: Vec<NewAlert> =
                flood("ids", "ET FLOOD", 200, &["192.0.2.9"]).into_iter().skip(wave * 25).take(25).collect();
            tokio::spawn(async move {
                for one in alerts {
                    ingest_alerts(&backend, &ids, vec![one]).await.expect("stored");
                }
            })
        })
        .collect();
    for wave in waves {
        wave.await.expect("wave");
    }
    let rows = queue(&backend, None).await;
    assert_eq!(rows.len(), 6, "5 alone and exactly one head: {rows:#?}");
    assert_eq!(rows.iter().map(|r| r.occurrences).sum::<i32>(), 200);
    assert_eq!(count(&db).await, 200);
}
