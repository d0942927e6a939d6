//! Containment requests against a real PostgreSQL: the guard rails refuse (recording
//! nothing) or ask for a second person; approval, rejection and undo follow the action's one
//! path, each once; a repeated request gives the same action; every step is on the action,
//! on its incident and in the audit trail.

use riposte_backend::containment::{ContainRequest, approve, cancel, preview, reject, request};
use riposte_backend::{Backend, BackendError};
use riposte_domain::Role;
use riposte_domain::containment::{ActionKind, ActionState, Direction, GuardPolicy};
use riposte_testkit::TestDb;

use crate::incidents::{incident_of, send, user};

pub(crate) fn block<'a>(target: &'a str, key: &'a str) -> ContainRequest<'a> {
    ContainRequest {
        kind: ActionKind::Block,
        target,
        direction: Some(Direction::Inbound),
        ttl_secs: 3600,
        connector: "edge-fw",
        incident_id: None,
        reason: "scanning our DMZ",
        override_reason: None,
        idempotency_key: key,
    }
}

/// A backend whose action workers are stopped: the test drives each step itself.
pub(crate) async fn quiet_backend(db: &TestDb) -> Backend {
    db.backend_without_containment_jobs().await
}

/// A webhook connector called `name` posting to `url`; `ranges` limit what it acts on.
pub(crate) async fn add_connector(db: &TestDb, name: &str, url: &str, ranges: &[&str]) {
    sqlx::query(
        "insert into containment_connector (name, kind, config, ranges, created_by) \
         values ($1, 'webhook', jsonb_build_object('url', $2::text), $3::cidr[], 'test')",
    )
    .bind(name)
    .bind(url)
    .bind(ranges)
    .execute(&db.pool)
    .await
    .expect("connector");
}

pub(crate) async fn count(db: &TestDb, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&db.pool).await.expect("count")
}

/// An inventory asset at one address; the optional columns come from `extra`.
pub(crate) async fn add_asset(db: &TestDb, name: &str, address: &str, criticality: i16, extra: AssetExtra<'_>) {
    let id: i64 = sqlx::query_scalar(
        "insert into asset (natural_key, name, criticality, segment, tags, connectors, updated_by) \
         values ($1, $1, $2, $3, $4, $5, 'test') returning asset_id",
    )
    .bind(name)
    .bind(criticality)
    .bind(extra.segment)
    .bind(extra.tags)
    .bind(extra.connectors)
    .fetch_one(&db.pool)
    .await
    .expect("asset");
    sqlx::query("insert into asset_address (asset_id, net) values ($1, $2::inet)")
        .bind(id)
        .bind(address)
        .execute(&db.pool)
        .await
        .expect("address");
}

#[derive(Default, Clone, Copy)]
pub(crate) struct AssetExtra<'a> {
    pub segment: &'a str,
    pub tags: &'a [&'a str],
    pub connectors: &'a [&'a str],
}

async fn incident(db: &TestDb, backend: &Backend) -> i64 {
    let alert = r#"{"title":"ET SCAN sweep","severity":"high","source_ref":"c1",
        "entities":[{"kind":"ip","value":"203.0.113.7","role":"source"},{"kind":"ip","value":"10.9.9.9","role":"destination"}]}"#;
    let ids = send(db, backend, "ids", &[alert]).await;
    incident_of(db, ids[0]).await.expect("incident")
}

#[tokio::test]
async fn an_outside_attacker_is_blocked_at_once_once_and_on_the_record() {
    let db = TestDb::new().await;
    let backend = quiet_backend(&db).await;
    add_connector(&db, "edge-fw", "http://127.0.0.1:9/", &[]).await;
    let analyst = user(&backend, "tina", Role::Tier2).await;
    let incident_id = incident(&db, &backend).await;
    let ask = ContainRequest { incident_id: Some(incident_id), ..block("203.0.113.7", "incident-1-block") };

    let first = request(&backend, &analyst, &ask).await.expect("requested");
    assert_eq!(first.state, ActionState::Approved, "nothing asks for a second person");
    assert!(first.created);
    let again = request(&backend, &analyst, &ask).await.expect("again");
    assert_eq!((again.action_id, again.created), (first.action_id, false), "the same key is the same action");
    assert_eq!(count(&db, "select count(*) from containment_action").await, 1);
    assert_eq!(count(&db, "select count(*) from containment_action_event").await, 1);
    let (target, direction): (String, String) =
        sqlx::query_as("select target, direction from containment_action").fetch_one(&db.pool).await.expect("row");
    assert_eq!((target.as_str(), direction.as_str()), ("203.0.113.7/32", "inbound"));
    let logged = "select count(*) from incident_event where kind = 'containment_requested'";
    assert_eq!(count(&db, logged).await, 1, "on the incident's log");
    assert_eq!(count(&db, "select count(*) from audit_record where action = 'containment_requested'").await, 1);

    assert_eq!(cancel(&backend, &analyst, first.action_id).await.expect("undo"), ActionState::Undone);
    let twice = cancel(&backend, &analyst, first.action_id).await;
    assert!(matches!(twice, Err(BackendError::Conflict(ref m)) if m.contains("undone")), "{twice:?}");
    assert_eq!(count(&db, "select count(*) from containment_action_event").await, 2);
    assert_eq!(count(&db, "select count(*) from incident_event where kind = 'containment_undo'").await, 1);
}

#[tokio::test]
async fn a_critical_asset_waits_for_a_second_person_in_an_approving_role() {
    let db = TestDb::new().await;
    let backend = quiet_backend(&db).await;
    add_connector(&db, "edge-fw", "http://127.0.0.1:9/", &[]).await;
    add_asset(&db, "dc01.corp", "10.1.0.10", 5, AssetExtra::default()).await;
    let analyst = user(&backend, "tina", Role::Tier2).await;
    let responder = user(&backend, "ivan", Role::Ir).await;
    let other = user(&backend, "iris", Role::Ir).await;

    let seen = preview(&backend, &analyst, &block("10.1.0.0/28", "p")).await.expect("preview");
    assert_eq!(seen.radius.assets[0].name, "dc01.corp");
    assert_eq!(seen.radius.addresses, 16);
    assert_eq!(count(&db, "select count(*) from containment_action").await, 0, "a preview records nothing");

    let asked = request(&backend, &analyst, &block("10.1.0.0/28", "k1")).await.expect("requested");
    assert_eq!(asked.state, ActionState::AwaitingApproval);
    let refused = approve(&backend, &analyst, asked.action_id).await;
    assert!(matches!(refused, Err(BackendError::Forbidden(_))), "Tier 2 cannot approve: {refused:?}");

    let own = request(&backend, &responder, &block("10.1.0.10", "k2")).await.expect("requested");
    let same = approve(&backend, &responder, own.action_id).await;
    assert!(matches!(same, Err(BackendError::Validation(ref e)) if e.message.contains("second person")), "{same:?}");
    assert_eq!(approve(&backend, &other, own.action_id).await.expect("approved"), ActionState::Approved);
    let approver: String = sqlx::query_scalar("select approved_by from containment_action where action_id = $1")
        .bind(own.action_id)
        .fetch_one(&db.pool)
        .await
        .expect("approver");
    assert_eq!(approver, "iris");
    assert!(matches!(approve(&backend, &other, own.action_id).await, Err(BackendError::Conflict(_))), "approved once");
    assert!(matches!(reject(&backend, &other, own.action_id, "too late").await, Err(BackendError::Conflict(_))));

    let blank = reject(&backend, &other, asked.action_id, "  ").await;
    assert!(matches!(blank, Err(BackendError::Validation(_))), "a rejection says why");
    assert_eq!(
        reject(&backend, &other, asked.action_id, "dc01 serves logons").await.expect("rejected"),
        ActionState::Rejected
    );
    assert_eq!(count(&db, "select count(*) from audit_record where action like 'containment_%'").await, 4);
}

#[tokio::test]
async fn guard_rails_refuse_with_reasons_and_record_nothing() {
    let db = TestDb::new().await;
    let backend = quiet_backend(&db).await;
    add_connector(&db, "edge-fw", "http://127.0.0.1:9/", &[]).await;
    sqlx::query(
        "insert into containment_protected (net, why, created_by) values ('10.0.0.53', 'DNS resolver', 'test')",
    )
    .execute(&db.pool)
    .await
    .expect("protected");
    let analyst = user(&backend, "tina", Role::Tier2).await;
    let tier1 = user(&backend, "tom", Role::Tier1).await;

    let message = |result: Result<_, BackendError>| match result {
        Err(BackendError::Validation(e)) => e.message,
        other => panic!("expected a refusal, got {other:?}"),
    };
    let dns = message(request(&backend, &analyst, &block("10.0.0.53", "a")).await);
    assert!(dns.contains("10.0.0.53/32 is protected: DNS resolver"), "{dns}");
    let wide = message(request(&backend, &analyst, &block("203.0.0.0/16", "b")).await);
    assert!(wide.contains("broader than a /24"), "{wide}");
    let sloppy = message(request(&backend, &analyst, &block("10.1.2.7/24", "c")).await);
    assert!(sloppy.contains("host bits set; the range is 10.1.2.0/24"), "{sloppy}");
    let no_reason = request(&backend, &analyst, &ContainRequest { reason: " ", ..block("203.0.113.9", "d") }).await;
    assert!(message(no_reason).contains("say why"));
    assert!(matches!(request(&backend, &tier1, &block("203.0.113.9", "e")).await, Err(BackendError::Forbidden(_))));
    let orphan = ContainRequest { incident_id: Some(999_999), ..block("203.0.113.9", "f") };
    assert!(matches!(request(&backend, &analyst, &orphan).await, Err(BackendError::NotFound("incident"))));
    assert_eq!(count(&db, "select count(*) from containment_action").await, 0, "nothing refused is recorded");

    let overridden =
        ContainRequest { override_reason: Some("the resolver itself is compromised"), ..block("10.0.0.53", "g") };
    let asked = request(&backend, &analyst, &overridden).await.expect("overridden");
    assert_eq!(asked.state, ActionState::AwaitingApproval, "an override always needs a second person");
    let stored: String =
        sqlx::query_scalar("select override_reason from containment_action").fetch_one(&db.pool).await.expect("row");
    assert_eq!(stored, "the resolver itself is compromised");
}

#[tokio::test]
async fn the_stored_guard_rails_start_as_the_domain_defaults() {
    let db = TestDb::new().await;
    let mut conn = db.pool.acquire().await.expect("connection");
    let stored = riposte_backend::store::containment::guard_policy(&mut conn).await.expect("policy");
    assert_eq!(stored, GuardPolicy::default());
}

#[tokio::test]
async fn a_request_names_a_connector_that_can_act_on_the_target() {
    let db = TestDb::new().await;
    let backend = quiet_backend(&db).await;
    add_connector(&db, "inside", "http://127.0.0.1:9/", &["10.0.0.0/8"]).await;
    sqlx::query(
        "insert into containment_connector (name, kind, config, created_by) \
         values ('fw', 'nftables', '{\"netns\": \"nowhere\"}', 'test')",
    )
    .execute(&db.pool)
    .await
    .expect("nftables connector");
    let analyst = user(&backend, "tina", Role::Tier2).await;
    let refusal = |result: Result<_, BackendError>| match result {
        Err(BackendError::Validation(e)) => (e.field, e.message),
        other => panic!("expected a refusal, got {other:?}"),
    };
    let (field, message) =
        refusal(request(&backend, &analyst, &ContainRequest { connector: "nope", ..block("203.0.113.9", "a") }).await);
    assert_eq!(field, "connector");
    assert!(message.contains("no connector is called \"nope\""), "{message}");
    let outside = ContainRequest { connector: "inside", ..block("203.0.113.9", "b") };
    let (_, message) = refusal(request(&backend, &analyst, &outside).await);
    assert!(message.contains("acts on 10.0.0.0/8 only, not 203.0.113.9/32"), "{message}");
    let isolate = ContainRequest {
        kind: ActionKind::Isolate,
        target: "wks-042",
        direction: None,
        connector: "fw",
        ..block("", "c")
    };
    let (_, message) = refusal(request(&backend, &analyst, &isolate).await);
    assert!(message.contains("connector fw cannot isolate"), "{message}");
    sqlx::query("update containment_connector set enabled = false where name = 'inside'")
        .execute(&db.pool)
        .await
        .expect("switch off");
    let inside = ContainRequest { connector: "inside", ..block("10.2.3.4", "d") };
    let (_, message) = refusal(request(&backend, &analyst, &inside).await);
    assert!(message.contains("switched off"), "{message}");
    assert_eq!(count(&db, "select count(*) from containment_action").await, 0);
}

#[tokio::test]
async fn a_direction_the_connector_cannot_enforce_is_refused_not_recorded() {
    let db = TestDb::new().await;
    let backend = quiet_backend(&db).await;
    // A PAN-OS firewall: the administrator's rules decide what its tagged addresses lose.
    sqlx::query(
        "insert into containment_connector (name, kind, config, created_by) \
         values ('edge-fw', 'panos', '{\"url\": \"https://192.0.2.1\"}', 'test')",
    )
    .execute(&db.pool)
    .await
    .expect("connector");
    let analyst = user(&backend, "tina", Role::Tier2).await;

    let inbound = request(&backend, &analyst, &block("203.0.113.7", "k1")).await;
    assert!(
        matches!(inbound, Err(BackendError::Validation(ref e)) if e.field == "direction" && e.message.contains("both directions only")),
        "{inbound:?}"
    );
    assert_eq!(count(&db, "select count(*) from containment_action").await, 0);
    let both = ContainRequest { direction: Some(Direction::Both), ..block("203.0.113.7", "k2") };
    assert_eq!(request(&backend, &analyst, &both).await.expect("both").state, ActionState::Approved);

    let policy = riposte_backend::containment::policies::PolicyInput {
        name: "scanners".into(),
        enabled: true,
        condition: riposte_domain::containment::Condition {
            signature_contains: Some("ET SCAN".into()),
            ..Default::default()
        },
        kind: "block".into(),
        direction: Some("outbound".into()),
        aim: "source".into(),
        connector: "edge-fw".into(),
        ttl_secs: 3600,
        rate_cap_per_hour: 5,
    };
    let refused = riposte_backend::containment::policies::put_policy(
        &backend,
        riposte_backend::admin::Actor::CommandLine,
        &policy,
    )
    .await;
    assert!(matches!(refused, Err(BackendError::Validation(ref e)) if e.field == "direction"), "{refused:?}");
}
