//! Enrichment against a real PostgreSQL: importers store nothing from a file with a bad row
//! and name every bad row; alerts carry a context packet of asset and intelligence matches
//! and an explained score that sets their incident's priority; expired indicators stop
//! matching; a slow or failing enricher is recorded and skipped, never blocking an alert.

use riposte_backend::admin::Actor;
use riposte_backend::context_sources::{ContextKind, ImportRequest, Payload, import_now};
use riposte_domain::enrichment::{ContextPacket, EnricherOutcome, ScoreBreakdown};
use riposte_testkit::TestDb;
use sqlx::types::Json;

use crate::incidents::{ingest_only, send};

const INVENTORY: &str = "name,addresses,owner,service,criticality,segment,internet_facing,tags\n\
                         dc01.corp.example,10.0.0.10,IT,Directory,5,servers,no,domain-controller\n\
                         web01,203.0.113.80,Web,Shop,4,dmz,yes,\n";
const WATCHLIST: &str = "type,value,confidence,tlp,expires,description\n\
                         ip,203.0.113.9,90,amber,,Known C2\n\
                         ip,198.51.100.0/24,60,green,,Bulletproof host range\n\
                         domain,old.example,80,amber,2001-01-01,Expired long ago\n";

fn assets(file: &[u8]) -> ImportRequest<'_> {
    ImportRequest {
        kind: ContextKind::Assets,
        format: "csv",
        source: "",
        payload: Payload::File { name: "inventory.csv", bytes: file },
    }
}

fn indicators<'a>(format: &'a str, source: &'a str, file: &'a [u8]) -> ImportRequest<'a> {
    ImportRequest {
        kind: ContextKind::Indicators,
        format,
        source,
        payload: Payload::File { name: "list", bytes: file },
    }
}

async fn count(db: &TestDb, table: &str) -> i64 {
    sqlx::query_scalar(&format!("select count(*) from {table}")).fetch_one(&db.pool).await.expect("count")
}

async fn context(db: &TestDb, alert_id: i64) -> (ContextPacket, ScoreBreakdown, i32) {
    let (Json(packet), Json(breakdown), enrich_ms): (Json<ContextPacket>, Json<ScoreBreakdown>, i32) =
        sqlx::query_as("select packet, breakdown, enrich_ms from alert_context where alert_id = $1")
            .bind(alert_id)
            .fetch_one(&db.pool)
            .await
            .expect("every alert is enriched");
    (packet, breakdown, enrich_ms)
}

pub(crate) async fn load_context(db: &TestDb, backend: &riposte_backend::Backend) {
    let backend = backend.clone();
    let assets = import_now(&backend, Actor::CommandLine, assets(INVENTORY.as_bytes())).await.expect("assets");
    assert_eq!((assets.imported, assets.errors.len()), (2, 0));
    let intel = import_now(&backend, Actor::CommandLine, indicators("csv", "team list", WATCHLIST.as_bytes()))
        .await
        .expect("indicators");
    assert_eq!(intel.imported, 3);
    assert_eq!(count(db, "asset_address").await, 2);
}

#[tokio::test]
async fn a_file_with_a_bad_row_stores_nothing_and_names_every_bad_row() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let bad_inventory = format!("{INVENTORY}printer9,10.0.9.300,IT,,2,,no,\nfw01,10.0.0.1,IT,,7,,no,\n");
    let report = import_now(&backend, Actor::CommandLine, assets(bad_inventory.as_bytes())).await.expect("read");
    assert_eq!((report.imported, report.valid), (0, 2));
    let rows: Vec<usize> = report.errors.iter().map(|e| e.row).collect();
    assert_eq!(rows, vec![3, 4]);
    assert_eq!(count(&db, "asset").await, 0, "nothing half-imported");

    let stix = r#"{"type":"bundle","id":"bundle--x","objects":[
        {"type":"indicator","id":"indicator--ok","pattern":"[ipv4-addr:value = '198.51.100.7']"},
        {"type":"indicator","id":"indicator--bad","pattern":"[process:name = 'x']"}]}"#;
    let report =
        import_now(&backend, Actor::CommandLine, indicators("stix", "feed", stix.as_bytes())).await.expect("read");
    assert_eq!((report.imported, report.errors[0].row), (0, 2));
    assert!(report.errors[0].message.contains("indicator--bad"), "{:?}", report.errors);
    let misp = r#"{"Event":{"info":"x","Attribute":[{"type":"ip-dst","value":"198.51.100.8","to_ids":true},
        {"type":"sha256","value":"nothex","to_ids":true}]}}"#;
    let report =
        import_now(&backend, Actor::CommandLine, indicators("misp", "misp", misp.as_bytes())).await.expect("read");
    assert_eq!((report.imported, report.errors[0].row), (0, 2));
    let csv = "type,value\nip,1.2.3.4\nip,1.2.3\n";
    let report =
        import_now(&backend, Actor::CommandLine, indicators("csv", "list", csv.as_bytes())).await.expect("read");
    assert_eq!((report.imported, report.errors[0].row), (0, 2));
    assert_eq!(count(&db, "indicator").await, 0, "nothing half-imported");

    // Whole-file problems are one clear error.
    let err = import_now(&backend, Actor::CommandLine, indicators("stix", "feed", b"{\"type\":\"x\"}"))
        .await
        .expect_err("not a bundle");
    assert!(err.to_string().contains("not a STIX 2.1 bundle"), "{err}");
    let err = import_now(&backend, Actor::CommandLine, assets(b"name,owner\nx,y\n")).await.expect_err("header");
    assert!(err.to_string().contains("no \"criticality\" column"), "{err}");

    // Sending the fixed file again stores it; sending it twice updates, never duplicates.
    for _ in 0..2 {
        import_now(&backend, Actor::CommandLine, assets(INVENTORY.as_bytes())).await.expect("assets");
    }
    assert_eq!(count(&db, "asset").await, 2);
}

#[tokio::test]
async fn alerts_carry_their_context_and_an_explained_score_that_sets_priority() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    // Scores alone: the shipped escalation rules would raise the domain controller's alert.
    riposte_backend::escalation::rules::save(&backend, Actor::CommandLine, Some(1), "", "scores alone")
        .await
        .expect("no rules");
    load_context(&db, &backend).await;
    let attack = r#"{"title":"ET EXPLOIT attempt on the DC","severity":"high","source_ref":"e1",
        "entities":[{"kind":"ip","value":"203.0.113.9","role":"source"},{"kind":"ip","value":"10.0.0.10","role":"destination"},
                    {"kind":"host","value":"dc01"}]}"#;
    let quiet = r#"{"title":"Old domain seen","severity":"low","source_ref":"e2",
        "entities":[{"kind":"domain","value":"www.old.example"},{"kind":"ip","value":"198.51.100.77","role":"destination"}]}"#;
    let ids = send(&db, &backend, "suricata", &[attack, quiet]).await;

    let (packet, breakdown, enrich_ms) = context(&db, ids[0]).await;
    assert!(enrich_ms >= 0);
    assert_eq!(packet.intel.len(), 1);
    assert_eq!((packet.intel[0].indicator.as_str(), packet.intel[0].confidence), ("203.0.113.9", 90));
    assert_eq!(packet.intel[0].source, "team list");
    let dc = packet.top_asset().expect("the DC is known");
    assert_eq!((dc.name.as_str(), dc.criticality, dc.internet_facing), ("dc01.corp.example", 5, false));
    assert_eq!(packet.assets.len(), 2, "found by address and by short host name");
    // 0.8 × 1.0 × 0.8 × (0.7 + 0.3 × 0.9) × 1.0 = 0.6208
    assert_eq!(breakdown.score, 62);
    assert!(
        breakdown.explain().starts_with("62 = severity high (0.80) × criticality 5 (1.00) × exposure internal (0.80)")
    );
    assert!(packet.enrichers.iter().all(|r| matches!(r.outcome, EnricherOutcome::Ok { .. })));

    let (packet, breakdown, _) = context(&db, ids[1]).await;
    let matched: Vec<&str> = packet.intel.iter().map(|m| m.indicator.as_str()).collect();
    assert_eq!(matched, vec!["198.51.100.0/24"], "the range matches; the expired domain does not");
    assert!(breakdown.score < 62);

    let priority: i16 = sqlx::query_scalar(
        "select i.priority from incident i join incident_alert l using (incident_id) where l.alert_id = $1",
    )
    .bind(ids[0])
    .fetch_one(&db.pool)
    .await
    .expect("incident");
    assert_eq!(priority, 2, "a score of 62 calls for P2");
}

#[tokio::test]
async fn a_slow_or_failing_enricher_is_recorded_and_skipped() {
    let db = TestDb::new().await;
    // A server's backend: its enricher runs each enricher as statements of its own (no
    // savepoints) under its connection's statement timeout.
    let backend = db.backend().await;
    load_context(&db, &backend).await;
    let alert = |n: usize| {
        format!(
            r#"{{"title":"Probe {n}","severity":"medium","source_ref":"p{n}",
                "entities":[{{"kind":"ip","value":"203.0.113.9","role":"source"}},{{"kind":"ip","value":"10.0.0.10","role":"destination"}}]}}"#
        )
    };

    // Slow: another session holds the watchlist locked, so the intel lookup waits past its budget.
    let mut blocker = db.pool.begin().await.expect("tx");
    sqlx::query("lock table indicator in access exclusive mode").execute(&mut *blocker).await.expect("lock");
    let slow = send(&db, &backend, "suricata", &[&alert(1)]).await[0];
    blocker.rollback().await.expect("release");
    let (packet, _, _) = context(&db, slow).await;
    let outcome =
        |p: &ContextPacket, name: &str| p.enrichers.iter().find(|r| r.name == name).map(|r| r.outcome.clone());
    assert_eq!(outcome(&packet, "intel"), Some(EnricherOutcome::TimedOut));
    assert!(packet.intel.is_empty());
    assert_eq!(packet.assets.len(), 1, "the asset lookup still ran");

    // Failing: the watchlist's table is broken; the alert is enriched without it and linked.
    sqlx::query("alter table indicator rename column net to net_moved").execute(&db.pool).await.expect("break");
    let failed = send(&db, &backend, "suricata", &[&alert(2)]).await[0];
    let (packet, breakdown, _) = context(&db, failed).await;
    assert!(matches!(outcome(&packet, "intel"), Some(EnricherOutcome::Failed { .. })), "{:?}", packet.enrichers);
    assert_eq!(packet.top_asset().map(|a| a.criticality), Some(5));
    assert!(breakdown.explain().contains("intel no match"));
    assert_eq!(count(&db, "alert_pipeline").await, 0, "nothing left waiting");
    let linked: i64 = sqlx::query_scalar("select count(*) from incident_alert where alert_id = any($1)")
        .bind(vec![slow, failed])
        .fetch_one(&db.pool)
        .await
        .expect("links");
    assert_eq!(linked, 2);
}

#[tokio::test]
async fn a_worker_sees_every_change_to_context_made_after_its_filters_were_built() {
    use riposte_backend::pipeline::{Worker, run_batch};
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let mut worker = Worker::default();
    let alert = |n: usize, ip: &str| {
        format!(
            r#"{{"title":"Beacon {n}","severity":"medium","source_ref":"b{n}",
                "entities":[{{"kind":"ip","value":"{ip}","role":"source"}},{{"kind":"host","value":"web01"}}]}}"#
        )
    };
    let mut enrich = async |n: usize, ip: &str| {
        let id = ingest_only(&backend, &format!("sensor{n}"), &[&alert(n, ip)]).await[0];
        run_batch(&db.pool, 100, &mut worker).await.expect("batch");
        context(&db, id).await.0
    };

    // Nothing loaded: the worker's filters are built empty.
    let packet = enrich(1, "203.0.113.9").await;
    assert!(packet.intel.is_empty() && packet.assets.is_empty());

    // Imported after: the same worker matches them at once.
    load_context(&db, &backend).await;
    let packet = enrich(2, "203.0.113.9").await;
    assert_eq!(packet.intel.iter().map(|m| m.indicator.as_str()).collect::<Vec<_>>(), ["203.0.113.9"]);
    assert_eq!(packet.assets.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["web01"]);

    // Changed by any statement, here plain SQL: a deleted indicator stops matching, a range
    // added to an asset starts to.
    sqlx::query("delete from indicator where value = '203.0.113.9'").execute(&db.pool).await.expect("delete");
    sqlx::query(
        "insert into asset_address (asset_id, net) select asset_id, '192.0.2.0/24' from asset where name = 'web01'",
    )
    .execute(&db.pool)
    .await
    .expect("range");
    let packet = enrich(3, "203.0.113.9").await;
    assert!(packet.intel.is_empty(), "{:?}", packet.intel);
    let packet = enrich(4, "192.0.2.44").await;
    let by_range: Vec<(&str, &str)> =
        packet.assets.iter().map(|a| (a.name.as_str(), a.entity.value.as_str())).collect();
    assert!(by_range.contains(&("web01", "192.0.2.44")), "{by_range:?}");
}

#[tokio::test]
async fn proposed_weights_are_back_tested_on_closed_incidents_then_saved() {
    use riposte_backend::incidents::{edit_incident, incident_detail};
    use riposte_domain::Role;
    use riposte_domain::enrichment::ScoreWeights;
    use riposte_domain::incident::{Classification, IncidentEdit, IncidentStatus};

    let db = TestDb::new().await;
    let backend = db.backend().await;
    load_context(&db, &backend).await;
    let on_dc = r#"{"title":"Kerberoasting on the DC","severity":"high","source_ref":"k1",
        "entities":[{"kind":"ip","value":"10.0.0.10","role":"destination"}]}"#;
    let on_web = r#"{"title":"Scanner hits the shop","severity":"high","source_ref":"s1",
        "entities":[{"kind":"ip","value":"203.0.113.80","role":"destination"}]}"#;
    let ids = send(&db, &backend, "suricata", &[on_dc, on_web]).await;
    let analyst = crate::incidents::user(&backend, "wes", Role::Tier2).await;
    for (alert, classification) in [(ids[0], Classification::TruePositive), (ids[1], Classification::FalsePositive)] {
        let incident: i64 = sqlx::query_scalar("select incident_id from incident_alert where alert_id = $1")
            .bind(alert)
            .fetch_one(&db.pool)
            .await
            .expect("linked");
        let version = incident_detail(&backend, &analyst, incident).await.expect("detail").version;
        let close = IncidentEdit::Status { to: IncidentStatus::Closed, classification: Some(classification) };
        edit_incident(&backend, &analyst, incident, version, close, None).await.expect("closed");
    }

    let admin = crate::incidents::user(&backend, "ada", Role::Admin).await;
    let actor = Actor::User(&admin);
    let proposed = ScoreWeights { internal: 1.0, ..ScoreWeights::default() };
    let result = riposte_backend::scoring::backtest_weights(&backend, actor, &proposed, 30).await.expect("back-test");
    assert_eq!((result.samples, result.true_positives), (2, 1));
    assert!(result.proposed.mean_true > result.current.mean_true, "{result:?}");
    assert_eq!(result.proposed.mean_other, result.current.mean_other);

    let refused = riposte_backend::scoring::backtest_weights(&backend, Actor::User(&analyst), &proposed, 30).await;
    assert!(matches!(refused, Err(riposte_backend::BackendError::Forbidden(_))));
    let bad = ScoreWeights { no_intel: 2.0, ..ScoreWeights::default() };
    let err = riposte_backend::scoring::set_weights(&backend, actor, bad).await.expect_err("out of range");
    assert!(err.to_string().contains("no intelligence match must be a number from 0 to 1"), "{err}");
    riposte_backend::scoring::set_weights(&backend, actor, proposed.clone()).await.expect("saved");
    assert_eq!(riposte_backend::scoring::weights(&backend, actor).await.expect("weights"), proposed);
    assert_eq!(count(&db, "audit_record where action = 'set_score_weights'").await, 1);
}

#[tokio::test]
async fn a_file_listing_one_asset_twice_keeps_the_later_row_and_says_so() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let file = "name,addresses,criticality\ndc01,10.0.0.10,3\nweb01,10.0.0.20,2\nDC01.,10.0.0.11,5\n";
    let report = import_now(&backend, Actor::CommandLine, assets(file.as_bytes())).await.expect("read");
    assert_eq!((report.imported, report.errors.len()), (2, 0));
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(
        (report.skipped[0].row, report.skipped[0].message.as_str()),
        (1, "the same entry again at row 3; that one is kept")
    );
    let criticality: i16 = sqlx::query_scalar("select criticality from asset where name = 'dc01'")
        .fetch_one(&db.pool)
        .await
        .expect("dc01");
    assert_eq!(criticality, 5);
}

#[tokio::test]
async fn a_detection_that_was_mostly_false_positives_scores_lower() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let noisy = |n: u32| {
        format!(
            r#"{{"title":"Noisy rule","severity":"high","source_ref":"noisy-{n}",
                "entities":[{{"kind":"ip","value":"10.77.0.{n}","role":"source"}}]}}"#
        )
    };
    let alerts: Vec<String> = (1..=6).map(noisy).collect();
    let ids = send(&db, &backend, "ids", &alerts.iter().map(String::as_str).collect::<Vec<_>>()).await;
    let (first, _, _) = context(&db, ids[0]).await;
    assert_eq!(first.precision, None, "no history yet");
    // Analysts closed five of the six incidents as false positives and one as a true positive.
    sqlx::query(
        "update incident set status = 'closed', \
             classification = case when incident_id = (select min(incident_id) from incident) \
                 then 'true_positive' else 'false_positive' end",
    )
    .execute(&db.pool)
    .await
    .expect("close");
    assert_eq!(riposte_backend::enrichment::precision::refresh(&db.pool).await.expect("refresh"), 1);
    let id = send(&db, &backend, "ids", &[&noisy(7)]).await[0];
    let (packet, breakdown, _) = context(&db, id).await;
    assert_eq!(packet.precision.map(|p| (p.true_positives, p.classified)), Some((1, 6)));
    let factor = breakdown.factors.iter().find(|f| f.name == "precision").expect("factor");
    assert_eq!(factor.reason, "17% true positives of 6");
    assert!(breakdown.score < context(&db, ids[0]).await.1.score);
}
