//! Drives the real router (all middleware included) without a socket, on a fresh database.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use riposte_backend::admin::{self, Actor, NewUser};
use riposte_backend::{AuthSettings, Backend, settings::PasswordCost};
use riposte_domain::Role;
use riposte_testkit::TestDb;
use server::cli::build_router;
use server::config::ServeOptions;
use tower::ServiceExt;
use tower_sessions_sqlx_store::PostgresStore;

pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub db: TestDb,
    pub backend: Backend,
    router: Router,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The session cookie this reply sets, if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|c| {
            c.strip_prefix("riposte_session=").map(|rest| rest.split(';').next().unwrap_or("").to_owned())
        })
    }
}

impl TestApp {
    pub async fn new() -> TestApp {
        TestApp::with(|_| {}).await
    }

    pub async fn with(configure: impl FnOnce(&mut ServeOptions)) -> TestApp {
        let db = TestDb::new().await;
        let mut options = ServeOptions { trust_forwarded_for: true, ..ServeOptions::default() };
        configure(&mut options);
        let settings = AuthSettings { throttle: options.throttle(), password_cost: PasswordCost::for_tests() };
        let backend = Backend::new(db.pool.clone(), settings).await.expect("backend");
        let router = build_router(backend.clone(), &options, PostgresStore::new(db.pool.clone()));
        TestApp { db, backend, router }
    }

    pub async fn create_user(&self, username: &str, role: Role) -> i64 {
        let new = NewUser { username: username.into(), display_name: String::new(), role, password: PASSWORD.into() };
        admin::create_user(&self.backend, Actor::CommandLine, new).await.expect("create user").id
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.expect("infallible router");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    /// A server-function call as a script would make it (JSON reply, real status codes).
    pub async fn call(&self, path: &str, form: &str, cookie: Option<&str>) -> Reply {
        self.send(api_request(path, form, cookie).body(Body::from(form.to_owned())).expect("request")).await
    }

    /// Signs in and returns the session cookie.
    pub async fn sign_in(&self, username: &str) -> String {
        let reply = self.call("/api/sign_in", &format!("username={username}&password={}", enc(PASSWORD)), None).await;
        assert!(reply.status.is_success(), "sign-in of {username}: {reply:?}");
        reply.session_cookie().expect("session cookie set")
    }

    /// A page load as a browser makes it.
    pub async fn page(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut request = Request::builder().method(Method::GET).uri(path).header(header::ACCEPT, "text/html");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, format!("riposte_session={cookie}"));
        }
        self.send(request.body(Body::empty()).expect("request")).await
    }
}

pub fn api_request(path: &str, _form: &str, cookie: Option<&str>) -> axum::http::request::Builder {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, format!("riposte_session={cookie}"));
    }
    request
}

/// Minimal form encoding for the values these tests use.
pub fn enc(value: &str) -> String {
    value.replace('%', "%25").replace(' ', "+").replace('&', "%26").replace('=', "%3D")
}

impl TestApp {
    /// Creates a token as an administrator would and returns its secret.
    pub async fn token(&self, source: &str, scopes: &[riposte_backend::tokens::TokenScope]) -> String {
        riposte_backend::tokens::create_token(&self.backend, Actor::CommandLine, "test token", source, scopes)
            .await
            .expect("token")
            .1
    }

    /// A JSON request as an integration (a sensor, a SOAR) sends it.
    pub async fn json(&self, method: Method, path: &str, body: &str, bearer: Option<&str>) -> Reply {
        let mut request = Request::builder().method(method).uri(path).header(header::CONTENT_TYPE, "application/json");
        if let Some(secret) = bearer {
            request = request.header(header::AUTHORIZATION, format!("Bearer {secret}"));
        }
        self.send(request.body(Body::from(body.to_owned())).expect("request")).await
    }
}

impl TestApp {
    /// Status and headers only, for responses whose body never ends (event streams).
    pub async fn head_of(&self, path: &str, cookie: Option<&str>) -> Reply {
        self.status_of(Method::GET, path, cookie).await
    }

    /// A request with any method, a JSON body `{}` and an optional session cookie.
    pub async fn with_cookie(&self, method: &str, path: &str, cookie: Option<&str>) -> Reply {
        let mut request = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).expect("method"))
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, format!("riposte_session={cookie}"));
        }
        self.send(request.body(Body::from("{}")).expect("request")).await
    }

    /// The status of an unauthenticated request with any method (body not read).
    pub async fn head_of_method(&self, method: &str, path: &str) -> Reply {
        self.status_of(Method::from_bytes(method.as_bytes()).expect("method"), path, None).await
    }

    async fn status_of(&self, method: Method, path: &str, cookie: Option<&str>) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, format!("riposte_session={cookie}"));
        }
        let response =
            self.router.clone().oneshot(request.body(Body::empty()).expect("request")).await.expect("router");
        Reply { status: response.status(), headers: response.headers().clone(), body: String::new() }
    }
}

impl TestApp {
    /// A request with any `Authorization` header value (Splunk, Basic, ...).
    pub async fn authorized(&self, method: Method, path: &str, body: &str, authorization: Option<&str>) -> Reply {
        let mut request = Request::builder().method(method).uri(path).header(header::CONTENT_TYPE, "application/json");
        if let Some(value) = authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        self.send(request.body(Body::from(body.to_owned())).expect("request")).await
    }

    /// Rows in a table matching a condition (tests read the database directly).
    pub async fn count(&self, table: &str, condition: &str) -> i64 {
        sqlx::query_scalar(&format!("select count(*) from {table} where {condition}"))
            .fetch_one(&self.db.pool)
            .await
            .expect("count")
    }
}

/// `Basic` credentials.
pub fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
}
