//! SLA timers against a real PostgreSQL: an unacknowledged incident past its target gets one
//! breach event (however often the watch runs); acknowledging stops that clock and starts
//! the contain clock; waiting on an external party pauses the clocks, and the paused time is
//! not counted; administrators change the targets and queues follow.

use riposte_backend::BackendError;
use riposte_backend::admin::Actor;
use riposte_backend::incidents::sla::{record_breaches, save_targets, targets};
use riposte_backend::incidents::{edit_incident, incident_detail, list_incidents};
use riposte_domain::Role;
use riposte_domain::incident::sla::{SlaClock, SlaTarget};
use riposte_domain::incident::{IncidentEdit, IncidentFilter, IncidentStatus, Priority, Queue};
use riposte_testkit::TestDb;

use crate::incidents::{send, user};

const ALERT: &str = r#"{"title":"ET SCAN sweep","severity":"high","source_ref":"sla1",
    "entities":[{"kind":"ip","value":"198.51.100.77","role":"source"},{"kind":"ip","value":"10.9.9.9","role":"destination"}]}"#;

/// Moves the incident's opening `minutes` into the past, as if it had waited that long.
async fn age(db: &TestDb, incident_id: i64, minutes: i32) {
    sqlx::query("update incident set opened_at = opened_at - make_interval(mins => $2) where incident_id = $1")
        .bind(incident_id)
        .bind(minutes)
        .execute(&db.pool)
        .await
        .expect("age");
}

async fn breach_events(db: &TestDb, incident_id: i64) -> Vec<String> {
    sqlx::query_scalar(
        "select detail->>'clock' from incident_event where incident_id = $1 and kind = 'sla_breached' order by event_id",
    )
    .bind(incident_id)
    .fetch_all(&db.pool)
    .await
    .expect("events")
}

#[tokio::test]
async fn clocks_breach_once_stop_when_acknowledged_and_pause_while_waiting() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let analyst = user(&backend, "sam", Role::Tier2).await;
    send(&db, &backend, "suricata", &[ALERT]).await;
    let id: i64 = sqlx::query_scalar("select incident_id from incident order by incident_id desc limit 1")
        .fetch_one(&db.pool)
        .await
        .expect("incident");
    let detail = incident_detail(&backend, &analyst, id).await.expect("detail");
    let priority = detail.summary.priority.level();
    let target = targets(&backend, Actor::User(&analyst))
        .await
        .expect("targets")
        .into_iter()
        .find(|t| t.priority.level() == priority)
        .expect("a target for every priority");
    let badge = detail.summary.sla.expect("a running clock");
    assert_eq!(badge.clock, SlaClock::Acknowledge);
    assert!(badge.label.starts_with("ack in "), "{}", badge.label);

    // Past the acknowledge target: one breach, however many rounds run.
    age(&db, id, i32::try_from(target.ack_minutes).expect("minutes") + 1).await;
    assert_eq!(record_breaches(&db.pool).await.expect("round"), vec![(id, "acknowledge")]);
    assert!(record_breaches(&db.pool).await.expect("round").is_empty());
    assert_eq!(breach_events(&db, id).await, ["acknowledge"]);
    let queue = list_incidents(&backend, &analyst, &IncidentFilter { queue: Queue::All, ..IncidentFilter::default() })
        .await
        .expect("queue");
    let row = queue.iter().find(|i| i.id == id).expect("listed");
    let badge = row.sla.as_ref().expect("running");
    assert_eq!((badge.urgency.as_str(), badge.label.starts_with("ack overdue")), ("overdue", true), "{}", badge.label);

    // Taking it up stops the acknowledge clock; the contain clock runs from the opening.
    let version = incident_detail(&backend, &analyst, id).await.expect("detail").version;
    let status = IncidentEdit::Status { to: IncidentStatus::Investigating, classification: None };
    let version = edit_incident(&backend, &analyst, id, version, status, None).await.expect("investigate");
    let detail = incident_detail(&backend, &analyst, id).await.expect("detail");
    assert_eq!(detail.summary.sla.expect("contain clock").clock, SlaClock::Contain);

    // Waiting on the ISP pauses it: a long wait adds no breach.
    let wait = IncidentEdit::WaitingOn(Some("ISP abuse desk".into()));
    let version =
        edit_incident(&backend, &analyst, id, version, wait, Some("asked them to null-route")).await.expect("pause");
    let twice = edit_incident(&backend, &analyst, id, version, IncidentEdit::WaitingOn(Some("x".into())), None).await;
    assert!(matches!(twice, Err(BackendError::Validation(_))), "{twice:?}");
    sqlx::query("update incident set sla_paused_at = sla_paused_at - interval '5 days' where incident_id = $1")
        .bind(id)
        .execute(&db.pool)
        .await
        .expect("a long wait");
    age(&db, id, 5 * 24 * 60).await;
    assert!(record_breaches(&db.pool).await.expect("round").is_empty());
    let paused = incident_detail(&backend, &analyst, id).await.expect("detail").summary;
    let badge = paused.sla.expect("paused clock");
    assert_eq!(badge.urgency, "paused");
    assert!(badge.label.contains("waiting on ISP abuse desk"), "{}", badge.label);

    // Resumed: the five days do not count, so the contain clock has still not run out.
    let version = incident_detail(&backend, &analyst, id).await.expect("detail").version;
    edit_incident(&backend, &analyst, id, version, IncidentEdit::WaitingOn(None), None).await.expect("resume");
    assert!(record_breaches(&db.pool).await.expect("round").is_empty());
    let kinds: Vec<String> = sqlx::query_scalar(
        "select kind from incident_event where incident_id = $1 and kind like 'sla_%' order by event_id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
    .expect("events");
    assert_eq!(kinds, ["sla_breached", "sla_paused", "sla_resumed"]);

    // Containing it stops every clock.
    let version = incident_detail(&backend, &analyst, id).await.expect("detail").version;
    let contain = IncidentEdit::Status { to: IncidentStatus::Contained, classification: None };
    edit_incident(&backend, &analyst, id, version, contain, None).await.expect("contain");
    assert_eq!(incident_detail(&backend, &analyst, id).await.expect("detail").summary.sla, None);
}

#[tokio::test]
async fn administrators_set_the_targets_and_analysts_cannot() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let admin = user(&backend, "ada", Role::Admin).await;
    let analyst = user(&backend, "tim", Role::Tier1).await;
    let p1 = |ack, contain| SlaTarget {
        priority: Priority::new(1).expect("P1"),
        ack_minutes: ack,
        contain_minutes: contain,
    };
    let refused = save_targets(&backend, Actor::User(&analyst), &[p1(5, 30)]).await;
    assert!(matches!(refused, Err(BackendError::Forbidden(_))), "{refused:?}");
    let invalid = save_targets(&backend, Actor::User(&admin), &[p1(60, 30)]).await;
    match invalid {
        Err(BackendError::Validation(e)) => assert!(e.to_string().contains("P1"), "{e}"),
        other => panic!("expected a validation error, got {other:?}"),
    }
    save_targets(&backend, Actor::User(&admin), &[p1(5, 30)]).await.expect("saved");
    let saved = targets(&backend, Actor::User(&analyst)).await.expect("targets");
    assert_eq!(saved[0], p1(5, 30));
    assert_eq!(saved.len(), 4);
}
