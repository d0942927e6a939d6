//! User administration: authorization of every use-case by role, validation, the last-admin
//! guard and the tamper-evident audit trail.

use riposte_backend::admin::{self, Actor, NewUser};
use riposte_backend::auth::sign_in;
use riposte_backend::store::audit::verify_chain;
use riposte_backend::{Backend, BackendError, CurrentUser};
use riposte_domain::{Permission, Role};
use riposte_testkit::TestDb;

const PASSWORD: &str = "correct horse battery";

async fn user(backend: &Backend, name: &str, role: Role) -> CurrentUser {
    let new = NewUser { username: name.into(), display_name: String::new(), role, password: PASSWORD.into() };
    admin::create_user(backend, Actor::CommandLine, new).await.expect("create");
    sign_in(backend, name, PASSWORD.into(), "192.0.2.1").await.expect("sign in").0
}

#[tokio::test]
async fn only_admins_administer_users() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let target = user(&backend, "target", Role::Tier1).await;
    for role in Role::ALL {
        let actor = user(&backend, &format!("actor-{role}"), role).await;
        let allowed = role == Role::Admin;
        let outcomes = [
            admin::list_users(&backend, Actor::User(&actor)).await.map(drop),
            admin::create_user(
                &backend,
                Actor::User(&actor),
                NewUser {
                    username: format!("new-{role}"),
                    display_name: String::new(),
                    role: Role::Tier1,
                    password: PASSWORD.into(),
                },
            )
            .await
            .map(drop),
            admin::change_role(&backend, Actor::User(&actor), target.id, Role::Tier2).await,
            admin::set_disabled(&backend, Actor::User(&actor), target.id, false).await,
            admin::reset_password(&backend, Actor::User(&actor), target.id, "another long passphrase").await,
        ];
        for (n, outcome) in outcomes.into_iter().enumerate() {
            match (allowed, outcome) {
                (true, Ok(())) => {}
                (false, Err(BackendError::Forbidden(Permission::ManageUsers))) => {}
                (allowed, other) => panic!("{role} use-case {n}: allowed={allowed}, got {other:?}"),
            }
        }
    }
}

#[tokio::test]
async fn bad_input_is_named() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let new = |username: &str, password: &str| NewUser {
        username: username.into(),
        display_name: String::new(),
        role: Role::Tier1,
        password: password.into(),
    };
    let err = admin::create_user(&backend, Actor::CommandLine, new("x y", PASSWORD)).await.expect_err("bad name");
    assert!(matches!(&err, BackendError::Validation(v) if v.field == "username"), "{err}");
    let err = admin::create_user(&backend, Actor::CommandLine, new("shorty", "short")).await.expect_err("short");
    assert!(matches!(&err, BackendError::Validation(v) if v.field == "password"), "{err}");
    admin::create_user(&backend, Actor::CommandLine, new("dup", PASSWORD)).await.expect("first");
    let err = admin::create_user(&backend, Actor::CommandLine, new("DUP", PASSWORD)).await.expect_err("duplicate");
    assert_eq!(err.to_string(), "username: is already taken");
}

#[tokio::test]
async fn the_last_admin_stays() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let only = user(&backend, "only-admin", Role::Admin).await;
    let err = admin::change_role(&backend, Actor::User(&only), only.id, Role::Tier1).await.expect_err("last admin");
    assert!(err.to_string().contains("last active administrator"), "{err}");
    let err = admin::set_disabled(&backend, Actor::User(&only), only.id, true).await.expect_err("self");
    assert!(matches!(err, BackendError::Conflict(_)));
    let second = user(&backend, "second-admin", Role::Admin).await;
    admin::change_role(&backend, Actor::User(&second), only.id, Role::Manager).await.expect("now allowed");
}

#[tokio::test]
async fn audit_trail_records_and_detects_tampering() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let admin_user = user(&backend, "auditor-admin", Role::Admin).await;
    let other = user(&backend, "someone", Role::Tier1).await;
    admin::change_role(&backend, Actor::User(&admin_user), other.id, Role::Tier2).await.expect("role");
    let _ = sign_in(&backend, "someone", "wrong password!".into(), "192.0.2.9").await;

    let actions: Vec<String> = sqlx::query_scalar("select action from audit_record order by audit_id")
        .fetch_all(&db.pool)
        .await
        .expect("audit rows");
    assert_eq!(actions, ["create_user", "sign_in", "create_user", "sign_in", "change_role", "sign_in_failed"],);
    let mut conn = db.pool.acquire().await.expect("conn");
    assert_eq!(verify_chain(&mut conn).await.expect("verify"), None, "intact chain");

    // The table refuses edits; a superuser bypassing the trigger is still caught by the chain.
    let refused = sqlx::query("update audit_record set actor = 'nobody' where audit_id = 2").execute(&db.pool).await;
    assert!(refused.expect_err("append-only").to_string().contains("append-only"));
    sqlx::query("alter table audit_record disable trigger audit_record_append_only")
        .execute(&db.pool)
        .await
        .expect("disable");
    sqlx::query("update audit_record set subject = 'forged' where audit_id = 5")
        .execute(&db.pool)
        .await
        .expect("tamper");
    let first_bad = verify_chain(&mut conn).await.expect("verify");
    let id5: i64 = sqlx::query_scalar("select audit_id from audit_record order by audit_id offset 4 limit 1")
        .fetch_one(&db.pool)
        .await
        .expect("id");
    assert_eq!(first_bad, Some(id5));
}
