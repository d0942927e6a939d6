//! Sign-in against a real PostgreSQL: passwords, disabled users, session revocation,
//! throttling per account and per address, and equal cost for unknown users.

use std::time::{Duration, Instant};

use riposte_backend::admin::{self, Actor, NewUser};
use riposte_backend::auth::{authenticate_session, sign_in};
use riposte_backend::{Backend, BackendError, ThrottlePolicy};
use riposte_domain::Role;
use riposte_testkit::TestDb;

const PASSWORD: &str = "correct horse battery";

async fn with_user(backend: &Backend, name: &str, role: Role) -> i64 {
    let new = NewUser { username: name.into(), display_name: String::new(), role, password: PASSWORD.into() };
    admin::create_user(backend, Actor::CommandLine, new).await.expect("create user").id
}

#[tokio::test]
async fn correct_password_signs_in_and_wrong_one_does_not() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let id = with_user(&backend, "alice", Role::Tier2).await;

    let (user, auth) = sign_in(&backend, "Alice", PASSWORD.into(), "192.0.2.1").await.expect("signs in");
    assert_eq!((user.id, user.role, user.username.as_str()), (id, Role::Tier2, "alice"));
    assert_eq!(authenticate_session(&backend, auth).await.expect("session valid").id, id);

    let err = sign_in(&backend, "alice", "wrong horse battery".into(), "192.0.2.1").await.expect_err("wrong password");
    assert!(matches!(err, BackendError::InvalidCredentials), "{err}");
    let err = sign_in(&backend, "mallory", PASSWORD.into(), "192.0.2.1").await.expect_err("unknown user");
    assert!(matches!(err, BackendError::InvalidCredentials), "same answer as a wrong password: {err}");
}

#[tokio::test]
async fn disabling_refuses_sign_in_and_ends_open_sessions() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let admin_id = with_user(&backend, "root-admin", Role::Admin).await;
    let id = with_user(&backend, "bob", Role::Tier1).await;
    let (_, auth) = sign_in(&backend, "bob", PASSWORD.into(), "192.0.2.2").await.expect("signs in");
    let (admin_user, _) = sign_in(&backend, "root-admin", PASSWORD.into(), "192.0.2.2").await.expect("admin");
    assert_eq!(admin_user.id, admin_id);

    admin::set_disabled(&backend, Actor::User(&admin_user), id, true).await.expect("disable");
    let err = authenticate_session(&backend, auth).await.expect_err("open session ends at once");
    assert!(matches!(err, BackendError::Unauthenticated));
    let err = sign_in(&backend, "bob", PASSWORD.into(), "192.0.2.2").await.expect_err("disabled");
    assert!(matches!(err, BackendError::InvalidCredentials), "{err}");

    admin::set_disabled(&backend, Actor::User(&admin_user), id, false).await.expect("enable");
    assert!(authenticate_session(&backend, auth).await.is_err(), "re-enabling does not revive old sessions");
    sign_in(&backend, "bob", PASSWORD.into(), "192.0.2.2").await.expect("enabled again");
}

#[tokio::test]
async fn password_reset_ends_open_sessions() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let id = with_user(&backend, "carol", Role::Ir).await;
    let (_, auth) = sign_in(&backend, "carol", PASSWORD.into(), "192.0.2.3").await.expect("signs in");
    admin::reset_password(&backend, Actor::CommandLine, id, "a brand new passphrase").await.expect("reset");
    assert!(authenticate_session(&backend, auth).await.is_err());
    assert!(sign_in(&backend, "carol", PASSWORD.into(), "192.0.2.3").await.is_err());
    sign_in(&backend, "carol", "a brand new passphrase".into(), "192.0.2.3").await.expect("new password works");
}

fn quick_policy() -> ThrottlePolicy {
    ThrottlePolicy {
        account_max_failures: 3,
        address_max_failures: 5,
        window: Duration::from_secs(60),
        lockout: Duration::from_millis(1500),
    }
}

#[tokio::test]
async fn account_limit_engages_then_releases() {
    let db = TestDb::new().await;
    let backend = db.backend_with(quick_policy()).await;
    with_user(&backend, "dave", Role::Noc).await;

    for attempt in 1..=2 {
        let err = sign_in(&backend, "dave", "not the password".into(), "192.0.2.10").await.expect_err("wrong");
        assert!(matches!(err, BackendError::InvalidCredentials), "attempt {attempt}: {err}");
    }
    let err = sign_in(&backend, "dave", "not the password".into(), "192.0.2.11").await.expect_err("third");
    assert!(matches!(err, BackendError::RateLimited { .. }), "third failure locks: {err}");
    assert!(err.to_string().contains("try again in"), "clear message: {err}");
    // Locked: even the right password from another address is refused until the lock ends.
    let err = sign_in(&backend, "dave", PASSWORD.into(), "192.0.2.12").await.expect_err("locked");
    assert!(matches!(err, BackendError::RateLimited { .. }), "{err}");

    tokio::time::sleep(Duration::from_millis(1700)).await;
    sign_in(&backend, "dave", PASSWORD.into(), "192.0.2.12").await.expect("lock released");
}

#[tokio::test]
async fn address_limit_spans_accounts() {
    let db = TestDb::new().await;
    let backend = db.backend_with(quick_policy()).await;
    with_user(&backend, "erin", Role::Manager).await;
    // Spraying one guess across many names from one address.
    for n in 0..5 {
        let _ = sign_in(&backend, &format!("user{n}"), "Winter2026!".into(), "198.51.100.7").await;
    }
    let err = sign_in(&backend, "erin", PASSWORD.into(), "198.51.100.7").await.expect_err("address locked");
    assert!(matches!(err, BackendError::RateLimited { .. }), "{err}");
    sign_in(&backend, "erin", PASSWORD.into(), "198.51.100.8").await.expect("other addresses unaffected");
}

/// Without the dummy hash an unknown name answers in microseconds and a known one in
/// milliseconds; with it both cost one argon2 verification. The bounds are loose on purpose.
#[tokio::test]
async fn unknown_users_cost_as_much_as_known_ones() {
    let db = TestDb::new().await;
    let settings = riposte_backend::AuthSettings {
        throttle: ThrottlePolicy { account_max_failures: 1000, address_max_failures: 1000, ..quick_policy() },
        password_cost: Default::default(),
    };
    let backend = Backend::new(db.pool.clone(), settings).await.expect("backend");
    with_user(&backend, "frank", Role::Tier1).await;
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        let start = Instant::now();
        let _ = sign_in(&backend, "frank", "wrong wrong wrong".into(), "203.0.113.1").await;
        known.push(start.elapsed());
        let start = Instant::now();
        let _ = sign_in(&backend, "nobody-here", "wrong wrong wrong".into(), "203.0.113.1").await;
        unknown.push(start.elapsed());
    }
    let ratio = median(unknown).as_secs_f64() / median(known).as_secs_f64();
    println!("unknown/known sign-in time ratio: {ratio:.2}");
    assert!((0.33..3.0).contains(&ratio), "ratio {ratio}");
}
