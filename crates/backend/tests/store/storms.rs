//! Storm control against a real PostgreSQL: a flood of one signature becomes one queue row
//! with a running count, every original stays stored and countable, policies are per source,
//! and concurrent writers and pipeline runs agree on one head. The roll-up runs in the
//! post-commit pipeline; tests settle it before looking.

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

/// Runs the pipeline until nothing waits (the backend's own worker may be running too).
async fn settle(db: &TestDb) {
    riposte_backend::pipeline::run_until_idle(&db.pool).await.expect("pipeline");
}

/// Holds the pipeline's lock until the transaction ends, as a busy pipeline would.
async fn hold_pipeline(db: &TestDb) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut holder = db.pool.begin().await.expect("begin");
    sqlx::query("select pg_advisory_xact_lock($1)")
        .bind(riposte_backend::store::pipeline::PIPELINE_LOCK)
        .execute(&mut *holder)
        .await
        .expect("lock");
    holder
}

/// Alerts the pipeline has not yet taken.
async fn waiting(db: &TestDb) -> i64 {
    sqlx::query_scalar("select count(*) from alert_pipeline").fetch_one(&db.pool).await.expect("count")
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
    assert_eq!(count(&db).await, 50, "every original is stored");
    settle(&db).await;

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
    settle(&db).await;
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
    settle(&db).await;
    let heads = queue(&backend, None).await;
    assert_eq!(heads.len(), 2, "one storm per attacker, from the first alert (threshold 0)");
    assert!(heads.iter().all(|h| h.occurrences == 5));

    let edr = token(&backend, "edr").await;
    ingest_alerts(&backend, &edr, flood("edr", "malware", 30, &["10.0.0.5"])).await.expect("stored");
    settle(&db).await;
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
async fn concurrent_writers_and_pipeline_runs_agree_on_one_head() {
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
    // Pipeline runs racing the writers and each other (as several server processes would).
    let runners: Vec<_> = (0..3)
        .map(|_| {
            let pool = db.pool.clone();
            tokio::spawn(async move {
                for _ in 0..20 {
                    riposte_backend::pipeline::run_until_idle(&pool).await.expect("pipeline");
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    for task in waves.into_iter().chain(runners) {
        task.await.expect("task");
    }
    settle(&db).await;
    let rows = queue(&backend, None).await;
    assert_eq!(rows.len(), 6, "5 alone and exactly one head: {rows:#?}");
    assert_eq!(rows.iter().map(|r| r.occurrences).sum::<i32>(), 200);
    assert_eq!(count(&db).await, 200);
}

#[tokio::test]
async fn a_stalled_pipeline_loses_nothing_and_catches_up() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let ids = token(&backend, "ids").await;
    // Hold the pipeline's lock, as a crashed or slow pipeline would leave its work undone.
    let holder = hold_pipeline(&db).await;
    let stored = ingest_alerts(&backend, &ids, flood("ids", "ET STALL", 40, &["192.0.2.7"])).await.expect("stored");
    assert_eq!(stored.len(), 40, "ingest acknowledges without waiting for the pipeline");
    assert_eq!(waiting(&db).await, 40, "every new alert is queued for the pipeline");
    assert_eq!(queue(&backend, None).await.len(), 40, "unprocessed alerts are listed, not hidden");

    holder.rollback().await.expect("release");
    settle(&db).await;
    let rows = queue(&backend, None).await;
    assert_eq!(rows.len(), 21, "once through the pipeline the flood is rolled up");
    assert_eq!(rows.iter().map(|r| r.occurrences).sum::<i32>(), 40);
}

#[tokio::test]
async fn an_alert_the_pipeline_cannot_read_does_not_stall_the_rest() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let ids = token(&backend, "ids").await;
    let holder = hold_pipeline(&db).await;
    let stored = ingest_alerts(&backend, &ids, flood("ids", "ET POISON", 30, &["192.0.2.8"])).await.expect("stored");
    // Entities of a shape this version cannot read (as a newer version might write).
    sqlx::query("update alert set entities = '{\"not\": \"a list\"}' where alert_id = $1")
        .bind(stored[3].alert_id)
        .execute(&db.pool)
        .await
        .expect("corrupt");
    holder.rollback().await.expect("release");
    // The backend's own worker isolates the bad alert and carries on.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while waiting(&db).await > 0 {
        assert!(std::time::Instant::now() < deadline, "alerts still wait for the pipeline");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(count(&db).await, 30, "the unreadable alert stays stored");
    let (counted, members): (i64, i64) = sqlx::query_as(
        "select sum(occurrences) filter (where rollup_id is null), count(*) filter (where rollup_id is not null) from alert",
    )
    .fetch_one(&db.pool)
    .await
    .expect("sums");
    assert_eq!(counted, 30, "every alert is still countable");
    assert!(members > 0, "the others were rolled up");
}

/// Sends alerts `from..to` of the flood `title` (from 192.0.2.5) in one request; their ids.
async fn send_part(backend: &Backend, ids: &TokenIdentity, title: &str, from: usize, to: usize) -> Vec<i64> {
    let part: Vec<NewAlert> = flood("ids", title, to, &["192.0.2.5"]).into_iter().skip(from).collect();
    let stored = ingest_alerts(backend, ids, part).await.expect("stored");
    stored.iter().map(|s| s.alert_id).collect()
}

async fn heads_of(db: &TestDb, ids: &[i64]) -> Vec<Option<i64>> {
    sqlx::query_scalar("select rollup_id from alert where alert_id = any($1) order by alert_id")
        .bind(ids)
        .fetch_all(&db.pool)
        .await
        .expect("heads")
}

#[tokio::test]
async fn alerts_of_a_running_storm_are_stored_in_it_and_a_stale_placement_is_corrected() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let ids = token(&backend, "ids").await;
    send_part(&backend, &ids, "ET RUNNING", 0, 30).await;
    settle(&db).await;
    let head = queue(&backend, None).await.into_iter().find(|r| r.occurrences > 1).expect("head").id;

    // While the storm runs, ingest stores new alerts straight into it, before the pipeline.
    let holder = hold_pipeline(&db).await;
    let new_ids = send_part(&backend, &ids, "ET RUNNING", 30, 40).await;
    assert!(heads_of(&db, &new_ids).await.iter().all(|h| *h == Some(head)), "placed at insert");
    holder.rollback().await.expect("release");
    settle(&db).await;
    let rows = queue(&backend, None).await;
    assert_eq!(rows.iter().map(|r| r.occurrences).sum::<i32>(), 40, "counted once each");
    assert_eq!(rows.iter().find(|r| r.id == head).expect("head").occurrences, 20);

    // Roll-up switched off by another server process (this one's cache has not seen it):
    // ingest still places into the storm, and the pipeline puts the alerts back on their own.
    let holder = hold_pipeline(&db).await;
    sqlx::query("update storm_policy set enabled = false").execute(&db.pool).await.expect("disable");
    let late_ids = send_part(&backend, &ids, "ET RUNNING", 40, 45).await;
    assert!(heads_of(&db, &late_ids).await.iter().all(|h| *h == Some(head)), "stale cache places them");
    holder.rollback().await.expect("release");
    settle(&db).await;
    assert!(heads_of(&db, &late_ids).await.iter().all(Option::is_none), "the pipeline corrects them");
    assert_eq!(queue(&backend, None).await.iter().map(|r| r.occurrences).sum::<i32>(), 45);
}

#[tokio::test]
async fn a_storm_that_starts_while_the_pipeline_is_behind_is_stored_in_from_the_next_write() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let ids = token(&backend, "ids").await;
    // The pipeline has not counted any of it, so the stored state knows of no storm.
    let holder = hold_pipeline(&db).await;
    let first = send_part(&backend, &ids, "ET FRESH", 0, 30).await;
    // Default policy: twenty alone, the twenty-first heads the storm.
    let head = first[20];
    let new_ids = send_part(&backend, &ids, "ET FRESH", 30, 40).await;
    assert!(heads_of(&db, &new_ids).await.iter().all(|h| *h == Some(head)), "placed at insert, before the pipeline");
    holder.rollback().await.expect("release");
    settle(&db).await;
    let rows = queue(&backend, None).await;
    assert_eq!(rows.len(), 21, "twenty alone and the head: {rows:#?}");
    assert_eq!(rows.iter().find(|r| r.id == head).expect("head").occurrences, 20);
    assert_eq!(rows.iter().map(|r| r.occurrences).sum::<i32>(), 40);
}
