//! The enricher ahead of the pipeline, against a real PostgreSQL: a chunk's packets are
//! stored before the pipeline's batch runs, and the batch uses them as made; what the
//! enricher did not reach (its chunk failed, or another process made the packet) the batch
//! completes, reusing a stored packet and enriching only what has none.

use std::sync::Arc;

use riposte_backend::enricher::{Stages, enrich_chunk};
use riposte_backend::pipeline::{Worker, run_batch};
use riposte_backend::store::pipeline::read_pending;
use riposte_testkit::TestDb;

use crate::enrichment::load_context;
use crate::incidents::{incident_of, ingest_only};

fn alert(n: usize, ip: &str) -> String {
    format!(
        r#"{{"title":"Beacon {n}","severity":"low","source_ref":"e{n}",
            "entities":[{{"kind":"ip","value":"{ip}","role":"source"}},{{"kind":"host","value":"pc{n}"}}]}}"#
    )
}

async fn stored_score(db: &TestDb, alert_id: i64) -> Option<i16> {
    sqlx::query_scalar("select score from alert_context where alert_id = $1")
        .bind(alert_id)
        .fetch_optional(&db.pool)
        .await
        .expect("context")
}

async fn incident_score(db: &TestDb, alert_id: i64) -> i16 {
    let incident = incident_of(db, alert_id).await.expect("linked");
    sqlx::query_scalar("select score from incident where incident_id = $1")
        .bind(incident)
        .fetch_one(&db.pool)
        .await
        .expect("incident")
}

#[tokio::test]
async fn the_pipeline_uses_what_the_enricher_made_and_completes_what_it_did_not() {
    let db = TestDb::new().await;
    // No workers of its own: this test plays the enricher and the pipeline.
    let backend = db.tool_backend().await;
    load_context(&db, &backend).await;
    let alerts = [alert(1, "203.0.113.9"), alert(2, "10.9.9.2"), alert(3, "10.9.9.3"), alert(4, "10.9.9.4")];
    let ids = ingest_only(&backend, "sensor", &alerts.iter().map(String::as_str).collect::<Vec<_>>()).await;
    let stages = Arc::new(Stages::default());
    let mut conn = db.pool.acquire().await.expect("connection");

    // Alert 1, on the watchlist, goes through the enricher: stored before any batch.
    enrich_chunk(&db.pool, &stages, read_pending(&mut conn, &ids[..1]).await.expect("read")).await;
    let ahead = stored_score(&db, ids[0]).await.expect("stored by the enricher");
    assert!(ahead > 0);
    let waiting: i64 =
        sqlx::query_scalar("select count(*) from alert_pipeline").fetch_one(&db.pool).await.expect("outbox");
    assert_eq!(waiting, 4, "the pipeline has not run");
    // Once made, the match is not looked up again: without the indicator the batch would
    // score alert 1 lower.
    sqlx::query("delete from indicator where value = '203.0.113.9'").execute(&db.pool).await.expect("delete");

    // Alert 2's chunk fails (the database is out of reach): it is passed on unenriched.
    let unreachable = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_secs(2))
        .connect_lazy("postgres://nobody@127.0.0.1:1/nothing")
        .expect("options");
    enrich_chunk(&unreachable, &stages, read_pending(&mut conn, &ids[1..2]).await.expect("read")).await;
    assert_eq!(stored_score(&db, ids[1]).await, None);
    assert_eq!(stages.ready.len(), 2);

    // Alert 3's packet was made by another process: the batch reuses it as stored.
    sqlx::query(
        "insert into alert_context (alert_id, packet, score, breakdown, enrich_ms) \
         select $2, packet, 97, breakdown, 0 from alert_context where alert_id = $1",
    )
    .bind(ids[0])
    .bind(ids[2])
    .execute(&db.pool)
    .await
    .expect("stored elsewhere");

    let mut worker = Worker::sharing(stages.clone());
    assert_eq!(run_batch(&db.pool, 100, &mut worker).await.expect("batch"), 4);
    assert!(stages.ready.is_empty(), "everything the enricher passed on was taken");
    assert_eq!(incident_score(&db, ids[0]).await, ahead, "alert 1 as the enricher scored it");
    assert_eq!(incident_score(&db, ids[2]).await, 97, "alert 3 as stored");
    for alert_id in [ids[1], ids[3]] {
        let made = stored_score(&db, alert_id).await.expect("enriched by the batch");
        assert_eq!(incident_score(&db, alert_id).await, made);
    }
    assert!(stored_score(&db, ids[1]).await < Some(ahead), "alert 2 is not on the watchlist");
}
