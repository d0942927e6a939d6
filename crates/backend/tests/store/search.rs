//! Search across incidents, alerts, entities and comments against a real PostgreSQL:
//! words by full text, addresses by range containment, names by part, and alerts only for
//! those who may see the alert queue.

use riposte_backend::BackendError;
use riposte_backend::incidents::{add_comment, search};
use riposte_domain::Role;
use riposte_testkit::TestDb;

use crate::incidents::{send, user};

#[tokio::test]
async fn words_addresses_ranges_and_partial_names_find_their_incidents() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    send(
        &db,
        &backend,
        "ids",
        &[
            r#"{"title":"Kerberoasting detected on domain controller","severity":"high","source_ref":"a",
                "entities":[{"kind":"host","value":"corp-dc01"},{"kind":"ip","value":"10.20.30.40","role":"destination"}]}"#,
            r#"{"title":"Printer offline","severity":"low","source_ref":"b",
                "entities":[{"kind":"host","value":"printer-7"},{"kind":"ip","value":"192.0.2.7","role":"source"}]}"#,
        ],
    )
    .await;
    let analyst = user(&backend, "sam", Role::Tier2).await;
    let found = search(&backend, &analyst, "kerberoasting").await.expect("words");
    assert_eq!(found.incidents.len(), 1);
    assert_eq!(found.alerts.len(), 1, "the alert title matches by word stem too");
    assert!(found.alerts[0].incident_id.is_some());

    let by_address = search(&backend, &analyst, "10.20.30.40").await.expect("address");
    assert_eq!(by_address.entities.iter().map(|e| e.value.as_str()).collect::<Vec<_>>(), vec!["10.20.30.40"]);
    let by_range = search(&backend, &analyst, "10.20.0.0/16").await.expect("range");
    assert_eq!(by_range.entities.len(), 1);
    assert!(search(&backend, &analyst, "10.21.0.0/16").await.expect("other range").entities.is_empty());
    let by_part = search(&backend, &analyst, "dc0").await.expect("partial");
    assert_eq!(by_part.entities.iter().map(|e| e.value.as_str()).collect::<Vec<_>>(), vec!["corp-dc01"]);
    assert!(search(&backend, &analyst, "%").await.expect("a wildcard is literal").entities.is_empty());

    let incident = found.incidents[0].id;
    add_comment(&backend, &analyst, incident, "The **SPN** requests came from a service account")
        .await
        .expect("comment");
    let by_comment = search(&backend, &analyst, "service accounts").await.expect("comment words");
    assert_eq!(by_comment.comments.len(), 1);
    assert_eq!(by_comment.comments[0].incident_id, incident);
    let by_number = search(&backend, &analyst, &format!("#{incident}")).await.expect("number");
    assert_eq!(by_number.incidents[0].id, incident);
}

#[tokio::test]
async fn alerts_are_left_out_for_roles_without_the_queue_and_long_queries_are_refused() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    send(&db, &backend, "ids", &[r#"{"title":"Beacon to known C2","severity":"high","source_ref":"c"}"#]).await;
    let noc = user(&backend, "nils", Role::Noc).await;
    let found = search(&backend, &noc, "beacon").await.expect("noc search");
    assert_eq!(found.incidents.len(), 1);
    assert!(found.alerts.is_empty(), "the NOC does not see the alert queue");
    let long = "x".repeat(201);
    assert!(matches!(search(&backend, &noc, &long).await, Err(BackendError::Validation(_))));
}
