//! Correlation and the incident record against a real PostgreSQL: alerts from different
//! tools join one incident with the reason recorded, over-merging is prevented, merge, split
//! and unlink lose nothing and undo exactly, concurrent edits conflict instead of
//! overwriting, and hand-offs are acknowledged with their time recorded.

use riposte_backend::admin::{Actor, NewUser, create_user};
use riposte_backend::incidents::{
    acknowledge_handoff, add_comment, edit_incident, hand_off, incident_detail, merge, split, undo, unlink,
    unread_notices,
};
use riposte_backend::ingest::ingest_alerts;
use riposte_backend::tokens::{TokenScope, authenticate_token, create_token};
use riposte_backend::{Backend, BackendError, CurrentUser};
use riposte_domain::Role;
use riposte_domain::correlation::CorrelationRule;
use riposte_domain::incident::{Classification, HandoffPacket, IncidentEdit, IncidentStatus, Tier};
use riposte_testkit::TestDb;

/// Stores alerts (Riposte's native JSON) as `source`, runs the pipeline, returns their ids.
pub(crate) async fn send(db: &TestDb, backend: &Backend, source: &str, alerts: &[&str]) -> Vec<i64> {
    let ids = ingest_only(backend, source, alerts).await;
    riposte_backend::pipeline::run_until_idle(&db.pool).await.expect("pipeline");
    ids
}

/// Stores alerts as `source` and leaves them queued for the pipeline; returns their ids.
pub(crate) async fn ingest_only(backend: &Backend, source: &str, alerts: &[&str]) -> Vec<i64> {
    let (_, secret) =
        create_token(backend, Actor::CommandLine, source, source, &[TokenScope::Ingest]).await.expect("token");
    let token = authenticate_token(backend, &secret).await.expect("valid");
    let (_, records) =
        riposte_ingest::native::parse_body(format!("[{}]", alerts.join(",")).as_bytes(), source).expect("body");
    let alerts = records.into_iter().map(|r| r.expect("record")).collect();
    let stored = ingest_alerts(backend, &token, alerts).await.expect("ingest");
    stored.into_iter().map(|s| s.alert_id).collect()
}

pub(crate) async fn user(backend: &Backend, name: &str, role: Role) -> CurrentUser {
    let new =
        NewUser { username: name.into(), display_name: name.into(), role, password: "correct horse battery".into() };
    let summary = create_user(backend, Actor::CommandLine, new).await.expect("user");
    CurrentUser { id: summary.id, username: summary.username, display_name: summary.display_name, role }
}

pub(crate) async fn incident_of(db: &TestDb, alert_id: i64) -> Option<i64> {
    sqlx::query_scalar("select incident_id from incident_alert where alert_id = $1")
        .bind(alert_id)
        .fetch_optional(&db.pool)
        .await
        .expect("query")
}

async fn scalar(db: &TestDb, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&db.pool).await.expect("query")
}

const NETWORK: &str = r#"{"title":"ET EXPLOIT RDP exploit attempt","severity":"high","source_ref":"n1",
    "entities":[{"kind":"ip","value":"203.0.113.9","role":"source"},{"kind":"ip","value":"10.0.0.5","role":"destination"}],
    "attack_techniques":["T1190"]}"#;
const LOGON: &str = r#"{"title":"4624 logon","severity":"medium","source_ref":"w1",
    "entities":[{"kind":"host","value":"ws5"},{"kind":"user","value":"alice"},{"kind":"ip","value":"203.0.113.9","role":"source"}],
    "attack_techniques":["T1078"]}"#;
const PROCESS: &str = r#"{"title":"4688 powershell.exe started","severity":"medium","source_ref":"w2",
    "entities":[{"kind":"host","value":"ws5"},{"kind":"user","value":"alice"},{"kind":"process","value":"powershell.exe"}],
    "attack_techniques":["T1059.001"]}"#;
const UNRELATED: &str = r#"{"title":"Printer offline","severity":"low","source_ref":"p1",
    "entities":[{"kind":"host","value":"printer7"}]}"#;

#[tokio::test]
async fn a_network_alert_the_logon_it_enabled_and_the_process_it_started_are_one_incident() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let network = send(&db, &backend, "suricata", &[NETWORK]).await[0];
    let windows = send(&db, &backend, "windows", &[LOGON, PROCESS]).await;
    let other = send(&db, &backend, "printers", &[UNRELATED]).await[0];
    let incident = incident_of(&db, network).await.expect("linked");
    assert_eq!(incident_of(&db, windows[0]).await, Some(incident));
    assert_eq!(incident_of(&db, windows[1]).await, Some(incident));
    assert_ne!(incident_of(&db, other).await, Some(incident));

    let analyst = user(&backend, "tina", Role::Tier2).await;
    let detail = incident_detail(&backend, &analyst, incident).await.expect("detail");
    assert_eq!(detail.summary.alert_count, 3);
    let reason = |id: i64| detail.alerts.iter().find(|a| a.alert.id == id).and_then(|a| a.reason.clone());
    assert_eq!(reason(network), None, "the first alert opened it");
    let logon = reason(windows[0]).expect("why the logon joined");
    assert_eq!(logon.rule_id, "same-attacker");
    assert_eq!(logon.entities[0].value, "203.0.113.9");
    assert_eq!(reason(windows[1]).expect("why the process joined").rule_id, "same-host");
    assert_eq!(detail.summary.severity.as_str(), "high");
    assert_eq!(detail.attack_techniques, vec!["T1059.001", "T1078", "T1190"]);
    // The narrative tells the path; the timeline groups by tactic in kill-chain order.
    assert!(detail.narrative.iter().any(|l| l.contains("Initial access")), "{:?}", detail.narrative);
    let tactics: Vec<_> = detail.timeline.groups.iter().map(|g| g.tactic).collect();
    assert_eq!(tactics.len(), 2, "{tactics:?}");
    assert!(detail.entities.iter().any(|e| e.entity.value == "ws5" && e.alert_count == 2));
    assert_eq!(detail.events[0].kind, "opened");
}

#[tokio::test]
async fn listed_and_too_frequent_entities_do_not_merge_unrelated_alerts() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    sqlx::query(
        "insert into correlation_exclusion (kind, value, created_by) values ('network', '10.0.53.0/24', 'test')",
    )
    .execute(&db.pool)
    .await
    .expect("exclusion");
    sqlx::query("update correlation_setting set max_frequency = 3").execute(&db.pool).await.expect("cap");
    let via_resolver = |n: usize, client: &str| {
        format!(
            r#"{{"title":"DNS lookup of bad domain {n}","severity":"medium","source_ref":"d{n}",
                "entities":[{{"kind":"ip","value":"{client}","role":"source"}},{{"kind":"ip","value":"10.0.53.53","role":"destination"}}]}}"#
        )
    };
    // Different clients resolving through the same DNS server: nothing else in common.
    let a = send(&db, &backend, "dns", &[&via_resolver(1, "10.1.0.1")]).await[0];
    let b = send(&db, &backend, "dns", &[&via_resolver(2, "10.1.0.2")]).await[0];
    assert_ne!(incident_of(&db, a).await, incident_of(&db, b).await, "a listed resolver joins nothing");
    // A proxy in front of everything: after three alerts it is too common to join on.
    let proxied = |n: usize| {
        format!(
            r#"{{"title":"Proxy alert {n}","severity":"low","source_ref":"x{n}",
                "entities":[{{"kind":"host","value":"proxy1"}},{{"kind":"url","value":"http://site{n}.example/"}}]}}"#
        )
    };
    let alerts: Vec<String> = (1..=5).map(proxied).collect();
    let ids = send(&db, &backend, "proxy", &alerts.iter().map(String::as_str).collect::<Vec<_>>()).await;
    let first = incident_of(&db, ids[0]).await;
    assert_eq!(incident_of(&db, ids[2]).await, first, "the third is still within the cap");
    assert_ne!(incident_of(&db, ids[3]).await, first, "the fourth is past it");
    assert_ne!(incident_of(&db, ids[4]).await, incident_of(&db, ids[3]).await);
}

#[tokio::test]
async fn an_incident_a_batch_opens_is_written_once_with_everything_the_batch_adds() {
    let db = TestDb::new().await;
    // No background pipeline: the three alerts wait, then pass as one batch.
    let backend = db.tool_backend().await;
    let network = ingest_only(&backend, "suricata", &[NETWORK]).await[0];
    let windows = ingest_only(&backend, "windows", &[LOGON, PROCESS]).await;
    assert_eq!(riposte_backend::pipeline::run_until_idle(&db.pool).await.expect("pipeline"), 3, "one batch");
    let incident = incident_of(&db, network).await.expect("linked");
    assert_eq!(incident_of(&db, windows[0]).await, Some(incident));
    assert_eq!(incident_of(&db, windows[1]).await, Some(incident));
    let (alerts, events, severity, techniques, at): (i32, i64, i16, Vec<String>, String) = sqlx::query_as(
        "select alert_count, event_count, severity, attack_techniques, ctid::text from incident where incident_id = $1",
    )
    .bind(incident)
    .fetch_one(&db.pool)
    .await
    .expect("incident");
    assert_eq!((alerts, events, severity), (3, 3, 4));
    assert_eq!(techniques, ["T1059.001", "T1078", "T1190"]);
    // The first row version of an empty table: had the batch updated the incident after
    // inserting it, the live version would sit in a later slot.
    assert_eq!(at, "(0,1)");
}

#[tokio::test]
async fn a_storm_rolls_up_into_one_incident_with_every_alert_counted() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let storm: Vec<String> = (0..50)
        .map(|n| {
            format!(
                r#"{{"title":"ET SCAN flood","severity":"medium","source_ref":"s{n}",
                    "entities":[{{"kind":"ip","value":"198.51.100.7","role":"source"}}]}}"#
            )
        })
        .collect();
    let ids = send(&db, &backend, "ids", &storm.iter().map(String::as_str).collect::<Vec<_>>()).await;
    let incidents = scalar(&db, "select count(*) from incident").await;
    assert_eq!(incidents, 1, "one storm, one incident");
    assert_eq!(scalar(&db, "select event_count from incident").await, 50);
    let head = incident_of(&db, ids[0]).await;
    assert!(head.is_some());
    // Members are in the incident through their head, not linked one by one.
    let rows = scalar(&db, "select count(*) from alert where rollup_id is null").await;
    assert!(rows < 50, "the storm was rolled up");
    assert_eq!(scalar(&db, "select count(*) from incident_alert").await, rows);
    assert_eq!(scalar(&db, "select alert_count::int8 from incident").await, rows);
}

#[tokio::test]
async fn merge_split_and_unlink_lose_nothing_and_undo_exactly() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let lead = user(&backend, "irene", Role::Ir).await;
    let first = send(&db, &backend, "suricata", &[NETWORK]).await[0];
    let second = send(&db, &backend, "printers", &[UNRELATED]).await[0];
    let (a, b) =
        (incident_of(&db, first).await.expect("test value"), incident_of(&db, second).await.expect("test value"));
    add_comment(&backend, &lead, a, "on **a**").await.expect("comment");
    add_comment(&backend, &lead, b, "on b").await.expect("comment");
    let links = || scalar(&db, "select count(*) from incident_alert");
    let events_before = scalar(&db, "select count(*) from incident_event").await;

    let merged = merge(&backend, &lead, b, a, Some("same printer campaign")).await.expect("merge");
    assert_eq!(incident_of(&db, second).await, Some(a));
    let detail = incident_detail(&backend, &lead, a).await.expect("detail");
    assert_eq!(detail.summary.alert_count, 2);
    assert_eq!(detail.comments.len(), 2, "the merged incident's comments show on the one it joined");
    let away = incident_detail(&backend, &lead, b).await.expect("merged-away detail");
    assert_eq!((away.merged_into, away.summary.status), (Some(a), IncidentStatus::Closed));
    assert_eq!(links().await, 2);

    undo(&backend, &lead, merged, None).await.expect("undo merge");
    assert_eq!(incident_of(&db, second).await, Some(b));
    let back = incident_detail(&backend, &lead, b).await.expect("detail");
    assert_eq!((back.merged_into, back.summary.status, back.summary.alert_count), (None, IncidentStatus::New, 1));
    assert!(matches!(undo(&backend, &lead, merged, None).await, Err(BackendError::Conflict(_))), "undone once only");

    // Split the printer alert back out after merging again; then undo that too.
    merge(&backend, &lead, b, a, None).await.expect("merge again");
    let c = split(&backend, &lead, a, &[second], None, Some("separate story")).await.expect("split");
    assert_eq!(incident_of(&db, second).await, Some(c));
    let split_event = incident_detail(&backend, &lead, a)
        .await
        .expect("test value")
        .events
        .iter()
        .rev()
        .find(|e| e.kind == "split_out")
        .expect("test value")
        .id;
    undo(&backend, &lead, split_event, None).await.expect("undo split");
    assert_eq!(incident_of(&db, second).await, Some(a));

    let unlinked = unlink(&backend, &lead, a, first, Some("not related")).await.expect("unlink");
    assert_eq!(incident_of(&db, first).await, None);
    assert_eq!(
        scalar(&db, &format!("select count(*) from alert where alert_id = {first}")).await,
        1,
        "the alert stays"
    );
    undo(&backend, &lead, unlinked, None).await.expect("undo unlink");
    assert_eq!(incident_of(&db, first).await, Some(a));

    assert_eq!(links().await, 2, "every alert is in exactly one incident");
    assert_eq!(scalar(&db, "select count(*) from incident_comment").await, 2);
    assert!(scalar(&db, "select count(*) from incident_event").await > events_before + 8);
    let refused = sqlx::query("delete from incident_event").execute(&db.pool).await;
    assert!(refused.is_err(), "the event log is append-only");
}

#[tokio::test]
async fn concurrent_edits_conflict_instead_of_overwriting() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let one = user(&backend, "tom", Role::Tier2).await;
    let two = user(&backend, "ann", Role::Tier2).await;
    let alert = send(&db, &backend, "suricata", &[NETWORK]).await[0];
    let id = incident_of(&db, alert).await.expect("test value");
    let seen = incident_detail(&backend, &one, id).await.expect("test value").version;
    let status = IncidentEdit::Status { to: IncidentStatus::Investigating, classification: None };
    edit_incident(&backend, &one, id, seen, status, None).await.expect("first edit");
    let late = edit_incident(&backend, &two, id, seen, IncidentEdit::Owner(Some("ann".into())), None).await;
    match late {
        Err(BackendError::Conflict(message)) => assert!(message.contains("someone else changed"), "{message}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    let closing = IncidentEdit::Status { to: IncidentStatus::Closed, classification: None };
    let current = incident_detail(&backend, &one, id).await.expect("test value").version;
    assert!(matches!(
        edit_incident(&backend, &one, id, current, closing, None).await,
        Err(BackendError::Validation(_))
    ));
}

#[tokio::test]
async fn a_hand_off_moves_the_incident_and_its_acknowledgement_is_timed_and_told() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let tier1 = user(&backend, "tia", Role::Tier1).await;
    let tier2 = user(&backend, "tobias", Role::Tier2).await;
    let noc = user(&backend, "nora", Role::Noc).await;
    let alert = send(&db, &backend, "suricata", &[NETWORK]).await[0];
    let id = incident_of(&db, alert).await.expect("test value");
    let version = incident_detail(&backend, &tier1, id).await.expect("test value").version;
    let packet = HandoffPacket {
        summary: "RDP exploit from 203.0.113.9 against 10.0.0.5".into(),
        next_actions: "Check for a successful logon".into(),
        ..HandoffPacket::default()
    };
    let handoff = hand_off(&backend, &tier1, id, version, Tier::Tier2, &packet).await.expect("hand off");
    let notices = unread_notices(&backend, &tier2).await.expect("test value");
    assert!(notices.iter().any(|n| n.incident_id == Some(id) && n.text.contains("handed")), "{notices:?}");
    assert!(matches!(acknowledge_handoff(&backend, &noc, handoff).await, Err(BackendError::Validation(_))));
    acknowledge_handoff(&backend, &tier2, handoff).await.expect("ack");
    assert!(matches!(acknowledge_handoff(&backend, &tier2, handoff).await, Err(BackendError::Conflict(_))));
    let detail = incident_detail(&backend, &tier1, id).await.expect("test value");
    assert_eq!((detail.summary.tier, detail.summary.owner.as_deref()), (Tier::Tier2, Some("tobias")));
    let h = &detail.handoffs[0];
    assert_eq!(h.acknowledged_by.as_deref(), Some("tobias"));
    assert!(h.ack_seconds.is_some());
    assert!(
        unread_notices(&backend, &tier1).await.expect("test value").iter().any(|n| n.text.contains("acknowledged"))
    );
}

#[tokio::test]
async fn the_shipped_rules_are_the_documented_defaults() {
    let db = TestDb::new().await;
    let rules = riposte_backend::store::correlation::load_rules(&db.pool).await.expect("rules");
    assert_eq!(rules, CorrelationRule::defaults());
}

#[tokio::test]
async fn administrators_edit_rules_and_exclusions_and_correlation_follows() {
    use riposte_backend::correlation::admin::{add_exclusion, remove_rule, set_rule, settings};
    use riposte_domain::correlation::parse_join;
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let analyst = user(&backend, "tess", Role::Tier2).await;
    assert!(matches!(settings(&backend, Actor::User(&analyst)).await, Err(BackendError::Forbidden(_))));
    // Only same-host stays on; a host must then be shared for two alerts to join.
    for rule in CorrelationRule::defaults().into_iter().filter(|r| r.id != "same-host") {
        remove_rule(&backend, Actor::CommandLine, &rule.id).await.expect("remove");
    }
    let domain = CorrelationRule {
        id: "same-domain".into(),
        name: "Same domain".into(),
        enabled: true,
        window_secs: 600,
        join_on: parse_join("domain").expect("test value"),
    };
    set_rule(&backend, Actor::CommandLine, domain, Some(1)).await.expect("add rule");
    let bad = CorrelationRule { id: "bad id!".into(), ..CorrelationRule::defaults()[0].clone() };
    assert!(matches!(set_rule(&backend, Actor::CommandLine, bad, None).await, Err(BackendError::Validation(_))));
    assert!(add_exclusion(&backend, Actor::CommandLine, "network", "10.0.0.0/33", "").await.is_err());
    add_exclusion(&backend, Actor::CommandLine, "host", "Jump01", "bastion").await.expect("exclude host");
    let now = settings(&backend, Actor::CommandLine).await.expect("settings");
    assert_eq!(now.rules.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), vec!["same-domain", "same-host"]);
    assert_eq!(now.exclusions[0].value, "jump01", "values are normalised like entities");

    let alert = |n: u32, entities: &str| {
        format!(r#"{{"title":"t{n}","severity":"low","source_ref":"r{n}","entities":[{entities}]}}"#)
    };
    let a = alert(1, r#"{"kind":"ip","value":"192.0.2.1","role":"source"},{"kind":"domain","value":"bad.example"}"#);
    let b = alert(2, r#"{"kind":"ip","value":"192.0.2.1","role":"source"}"#);
    let c = alert(3, r#"{"kind":"domain","value":"BAD.example"}"#);
    let d = alert(4, r#"{"kind":"host","value":"jump01"}"#);
    let e = alert(5, r#"{"kind":"host","value":"jump01"}"#);
    let ids = send(&db, &backend, "proxy", &[&a, &b, &c, &d, &e]).await;
    let of = |i: usize| incident_of(&db, ids[i]);
    assert_ne!(of(1).await, of(0).await, "same-attacker was removed");
    assert_eq!(of(2).await, of(0).await, "the new domain rule joins");
    assert_ne!(of(4).await, of(3).await, "an excluded host joins nothing");
}

#[tokio::test]
async fn a_closed_incident_gives_up_its_keys_and_a_new_one_takes_them() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let analyst = user(&backend, "cleo", Role::Tier2).await;
    let first = send(&db, &backend, "suricata", &[NETWORK]).await[0];
    let closed = incident_of(&db, first).await.expect("linked");
    let version = incident_detail(&backend, &analyst, closed).await.expect("detail").version;
    let closing =
        IncidentEdit::Status { to: IncidentStatus::Closed, classification: Some(Classification::FalsePositive) };
    edit_incident(&backend, &analyst, closed, version, closing, None).await.expect("closed");

    let again = NETWORK.replace("\"n1\"", "\"n2\"");
    let second = send(&db, &backend, "suricata", &[&again]).await[0];
    let reopened = incident_of(&db, second).await.expect("linked");
    assert_ne!(reopened, closed, "a closed story stays closed");
    // One row per key, now naming the new incident.
    let holders = scalar(
        &db,
        "select count(distinct incident_id) from correlation_key where join_key like 'same-attacker|%203.0.113.9'",
    )
    .await;
    assert_eq!(holders, 1);
    let third = send(&db, &backend, "suricata", &[&NETWORK.replace("\"n1\"", "\"n3\"")]).await[0];
    assert_eq!(incident_of(&db, third).await, Some(reopened));
}
