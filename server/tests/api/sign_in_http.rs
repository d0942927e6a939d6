//! Sign-in over HTTP through every middleware: passwords, session cycling, disabled users,
//! throttling, the no-JavaScript error path, cross-site refusal, request ids.

use crate::support;

use std::time::Duration;

use axum::body::Body;
use axum::http::{StatusCode, header};
use riposte_domain::Role;
use support::{PASSWORD, TestApp, api_request, enc};

#[tokio::test]
async fn right_and_wrong_passwords() {
    let app = TestApp::new().await;
    app.create_user("alice", Role::Tier1).await;
    let ok = app.call("/api/sign_in", &format!("username=alice&password={}", enc(PASSWORD)), None).await;
    assert_eq!(ok.status, StatusCode::OK, "{ok:?}");
    let cookie = ok.session_cookie().expect("cookie");
    let set_cookie = ok.header("set-cookie").expect("set-cookie");
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    let me = app.call("/api/current_session", "", Some(&cookie)).await;
    assert!(me.body.contains("\"username\":\"alice\"") && me.body.contains("\"role\":\"tier1\""), "{me:?}");

    let wrong = app.call("/api/sign_in", "username=alice&password=not+it+at+all", None).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("InvalidCredentials"), "{}", wrong.body);
    assert!(wrong.session_cookie().is_none(), "no session for a failed sign-in");
}

#[tokio::test]
async fn session_id_changes_at_sign_in_and_old_id_dies() {
    let app = TestApp::new().await;
    app.create_user("alice", Role::Tier1).await;
    app.create_user("bob", Role::Tier2).await;
    let first = app.sign_in("alice").await;
    let reply = app.call("/api/sign_in", &format!("username=bob&password={}", enc(PASSWORD)), Some(&first)).await;
    let second = reply.session_cookie().expect("new cookie");
    assert_ne!(first, second, "session id is cycled at sign-in");
    let old = app.call("/api/current_session", "", Some(&first)).await;
    assert_eq!(old.body, "null", "the pre-sign-in id no longer works");
    let new = app.call("/api/current_session", "", Some(&second)).await;
    assert!(new.body.contains("\"bob\""), "{new:?}");
}

#[tokio::test]
async fn sign_out_flushes_the_session() {
    let app = TestApp::new().await;
    app.create_user("alice", Role::Tier1).await;
    let cookie = app.sign_in("alice").await;
    let out = app.call("/api/sign_out", "", Some(&cookie)).await;
    assert!(out.status.is_success(), "{out:?}");
    assert_eq!(app.call("/api/current_session", "", Some(&cookie)).await.body, "null");
}

#[tokio::test]
async fn disabled_user_is_refused_and_their_open_session_stops_at_once() {
    let app = TestApp::new().await;
    app.create_user("root", Role::Admin).await;
    let victim = app.create_user("carol", Role::Ir).await;
    let carol = app.sign_in("carol").await;
    let admin = app.sign_in("root").await;
    assert!(app.page("/queue", Some(&carol)).await.status.is_success());

    let disable = app.call("/api/set_user_disabled", &format!("user_id={victim}&disabled=true"), Some(&admin)).await;
    assert!(disable.status.is_success(), "{disable:?}");
    let page = app.page("/queue", Some(&carol)).await;
    assert_eq!(page.status, StatusCode::FOUND, "open session ended: {page:?}");
    assert_eq!(page.header("location"), Some("/sign-in"));
    let again = app.call("/api/sign_in", &format!("username=carol&password={}", enc(PASSWORD)), None).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn rate_limit_engages_and_releases() {
    let app = TestApp::with(|o| {
        o.sign_in_max_failures = 2;
        o.sign_in_lockout_secs = 1;
    })
    .await;
    app.create_user("dave", Role::Noc).await;
    let first = app.call("/api/sign_in", "username=dave&password=wrong-password-1", None).await;
    assert_eq!(first.status, StatusCode::UNAUTHORIZED);
    let second = app.call("/api/sign_in", "username=dave&password=wrong-password-2", None).await;
    assert_eq!(second.status, StatusCode::TOO_MANY_REQUESTS, "{second:?}");
    assert!(second.body.contains("too many failed sign-ins; try again in"), "clear message: {}", second.body);
    let locked = app.call("/api/sign_in", &format!("username=dave&password={}", enc(PASSWORD)), None).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "right password refused while locked");

    tokio::time::sleep(Duration::from_millis(1300)).await;
    app.sign_in("dave").await;
}

#[tokio::test]
async fn plain_form_post_carries_the_error_back_to_the_page() {
    let app = TestApp::new().await;
    // What a browser without JavaScript sends for a plain form post.
    let request = axum::http::Request::post("/api/sign_in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::REFERER, "http://localhost/sign-in")
        .body(Body::from("username=ghost&password=nope-nope-nope"))
        .expect("request");
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{reply:?}");
    let location = reply.header("location").expect("location").to_owned();
    assert!(location.contains("__err="), "{location}");
    let path = location.trim_start_matches("http://localhost");
    let page = app.page(path, None).await;
    assert!(page.body.contains("Wrong username or password."), "error rendered on the sign-in page");
}

#[tokio::test]
async fn cross_site_state_changes_are_refused() {
    let app = TestApp::new().await;
    app.create_user("erin", Role::Manager).await;
    let form = format!("username=erin&password={}", enc(PASSWORD));
    let cases = [
        ("sec-fetch-site", "cross-site", StatusCode::FORBIDDEN),
        ("sec-fetch-site", "same-site", StatusCode::FORBIDDEN),
        ("origin", "https://evil.example", StatusCode::FORBIDDEN),
        ("sec-fetch-site", "same-origin", StatusCode::OK),
        ("origin", "http://riposte.test", StatusCode::OK),
    ];
    for (name, value, expected) in cases {
        let request = api_request("/api/sign_in", &form, None)
            .header(name, value)
            .header(header::HOST, "riposte.test")
            .body(Body::from(form.clone()))
            .expect("request");
        let reply = app.send(request).await;
        assert_eq!(reply.status, expected, "{name}: {value} -> {reply:?}");
        if expected == StatusCode::FORBIDDEN {
            assert!(reply.body.contains("cross_site_request"), "{}", reply.body);
        }
    }
    // Reading is allowed from anywhere (it changes nothing and SameSite keeps cookies home).
    let get = app.page("/sign-in", None).await;
    assert_eq!(get.status, StatusCode::OK);
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_health_answers() {
    let app = TestApp::new().await;
    let health = app.page("/healthz", None).await;
    assert_eq!(health.status, StatusCode::OK);
    assert!(health.header("x-request-id").is_some_and(|id| id.len() >= 32), "{health:?}");
    let ready = app.page("/readyz", None).await;
    assert_eq!(ready.status, StatusCode::OK);
    assert!(ready.body.contains("reachable"));
    assert_eq!(app.page("/no/such/page", None).await.status, StatusCode::NOT_FOUND);
}
