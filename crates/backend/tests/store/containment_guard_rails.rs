//! The guard rails as an administrator edits them, against a real PostgreSQL: the protected
//! list, the inventory tags that mark infrastructure, and whose approval counts all change
//! what a request may do; bad settings are refused whole, naming the field; only an
//! administrator may change them, and every change is audited.

use riposte_backend::admin::Actor;
use riposte_backend::containment::guard_rails::{GuardRailsInput, guard_rails, protect, set_guard_rails, unprotect};
use riposte_backend::containment::{ContainRequest, approve, request};
use riposte_backend::{Backend, BackendError, CurrentUser};
use riposte_domain::Role;
use riposte_domain::containment::ActionState;
use riposte_testkit::TestDb;

use crate::containment::{AssetExtra, add_asset, add_connector, block, count, quiet_backend};
use crate::incidents::user;

fn defaults() -> GuardRailsInput {
    GuardRailsInput {
        internal: vec!["10.0.0.0/8".into(), "192.168.0.0/16".into()],
        broadest_v4: 24,
        broadest_v6: 48,
        critical_from: 4,
        approver_roles: vec!["ir".into(), "admin".into()],
        protected_tags: vec!["dns".into(), "gateway".into(), "domain-controller".into()],
    }
}

async fn refusal(backend: &Backend, who: &CurrentUser, ask: &ContainRequest<'_>) -> String {
    match request(backend, who, ask).await {
        Err(BackendError::Validation(e)) => e.message,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn the_protected_list_and_infrastructure_tags_are_kept_by_an_administrator() {
    let db = TestDb::new().await;
    let backend = quiet_backend(&db).await;
    add_connector(&db, "edge-fw", "http://127.0.0.1:9/", &[]).await;
    let admin = user(&backend, "ada", Role::Admin).await;
    let analyst = user(&backend, "tina", Role::Tier2).await;

    protect(&backend, Actor::User(&admin), "203.0.113.53", "partner's resolver").await.expect("protect");
    let why = refusal(&backend, &analyst, &block("203.0.113.53", "k1")).await;
    assert!(why.contains("partner's resolver"), "{why}");
    unprotect(&backend, Actor::User(&admin), "203.0.113.53/32").await.expect("unprotect");
    request(&backend, &analyst, &block("203.0.113.53", "k2")).await.expect("no longer protected");
    assert!(matches!(unprotect(&backend, Actor::User(&admin), "203.0.113.53").await, Err(BackendError::NotFound(_))));
    let bad = protect(&backend, Actor::User(&admin), "203.0.113.0/23", "x").await;
    assert!(matches!(bad, Err(BackendError::Validation(ref e)) if e.field == "net"), "{bad:?}");
    let blank = protect(&backend, Actor::User(&admin), "203.0.113.1", "  ").await;
    assert!(matches!(blank, Err(BackendError::Validation(ref e)) if e.field == "why"), "{blank:?}");

    // A resolver the inventory tags `dns` is protected without anyone listing it.
    add_asset(&db, "ns1.partner", "198.51.100.53", 2, AssetExtra { tags: &["dns"], ..AssetExtra::default() }).await;
    let why = refusal(&backend, &analyst, &block("198.51.100.53", "k3")).await;
    assert!(why.contains("ns1.partner is critical infrastructure (dns)"), "{why}");
    let overridden = ContainRequest { override_reason: Some("it relays the C2"), ..block("198.51.100.53", "k4") };
    let asked = request(&backend, &analyst, &overridden).await.expect("overridden");
    assert_eq!(asked.state, ActionState::AwaitingApproval, "an override always needs a second person");
    let seen = guard_rails(&backend, Actor::User(&admin)).await.expect("view");
    assert_eq!(seen.tagged_assets, ["ns1.partner"]);

    let without_dns = GuardRailsInput { protected_tags: vec!["gateway".into()], ..defaults() };
    set_guard_rails(&backend, Actor::User(&admin), &without_dns).await.expect("save");
    let asked = request(&backend, &analyst, &block("198.51.100.53", "k5")).await.expect("no longer infrastructure");
    assert_eq!(asked.state, ActionState::Approved);
    let audited = "select count(*) from audit_record where action in \
         ('protect_from_containment', 'unprotect_from_containment', 'set_containment_guard_rails')";
    assert_eq!(count(&db, audited).await, 3);
}

#[tokio::test]
async fn approver_roles_and_limits_are_set_whole_or_not_at_all() {
    let db = TestDb::new().await;
    let backend = quiet_backend(&db).await;
    add_connector(&db, "edge-fw", "http://127.0.0.1:9/", &[]).await;
    add_asset(&db, "pay01", "10.7.0.10", 5, AssetExtra { tags: &["pci"], ..AssetExtra::default() }).await;
    let admin = user(&backend, "ada", Role::Admin).await;
    let analyst = user(&backend, "tina", Role::Tier2).await;
    let noc = user(&backend, "nico", Role::Noc).await;

    let refused = set_guard_rails(&backend, Actor::User(&analyst), &defaults()).await;
    assert!(matches!(refused, Err(BackendError::Forbidden(_))), "{refused:?}");
    for (input, field) in [
        (GuardRailsInput { approver_roles: vec!["boss".into()], ..defaults() }, "approver_roles"),
        // Tier 1 cannot see containment actions: naming it would be a setting that never counts.
        (GuardRailsInput { approver_roles: vec!["tier1".into()], ..defaults() }, "approver_roles"),
        (GuardRailsInput { approver_roles: vec![" ".into()], ..defaults() }, "approver_roles"),
        (GuardRailsInput { critical_from: 9, ..defaults() }, "critical_from"),
        (GuardRailsInput { broadest_v4: 33, ..defaults() }, "broadest_v4"),
        (GuardRailsInput { internal: vec!["10.0.0.1/8".into()], ..defaults() }, "internal"),
        (GuardRailsInput { protected_tags: vec!["dns; drop".into()], ..defaults() }, "protected_tags"),
    ] {
        let result = set_guard_rails(&backend, Actor::User(&admin), &input).await;
        assert!(matches!(result, Err(BackendError::Validation(ref e)) if e.field == field), "{field}: {result:?}");
    }
    let unchanged = guard_rails(&backend, Actor::User(&admin)).await.expect("view");
    assert_eq!(unchanged.approver_roles, ["ir", "admin"], "a refused change leaves everything as it was");

    // The NOC's approval counts once an administrator says so.
    let asked = request(&backend, &analyst, &block("10.7.0.10", "k1")).await.expect("requested");
    assert_eq!(asked.state, ActionState::AwaitingApproval);
    assert!(matches!(approve(&backend, &noc, asked.action_id).await, Err(BackendError::Forbidden(_))));
    let noc_approves = GuardRailsInput { approver_roles: vec!["noc".into(), "NOC".into()], ..defaults() };
    set_guard_rails(&backend, Actor::User(&admin), &noc_approves).await.expect("save");
    assert_eq!(guard_rails(&backend, Actor::User(&admin)).await.expect("view").approver_roles, ["noc"]);
    assert_eq!(approve(&backend, &noc, asked.action_id).await.expect("approved"), ActionState::Approved);

    // Nothing is critical enough for a second person at 6.
    set_guard_rails(&backend, Actor::User(&admin), &GuardRailsInput { critical_from: 6, ..defaults() })
        .await
        .expect("save");
    let asked = request(&backend, &analyst, &block("10.7.0.10", "k2")).await.expect("requested");
    assert_eq!(asked.state, ActionState::Approved);
}
