//! What every vendor simulator shares: a loopback server that records each request and can
//! be told to misbehave for the next ones (answer 500 or 429, hang past the client's
//! timeout, refuse the token), and the recorded SDK requests the contract tests compare with.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// One request as the simulator saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The query (or a form body) as decoded pairs.
    pub fn pairs(text: &str) -> Vec<(String, String)> {
        url_pairs(text)
    }
}

/// How the simulator misbehaves for one coming request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer this status (with `Retry-After` seconds when given) instead of serving.
    Status(u16, Option<u64>),
    /// Wait this long before serving (past the client's timeout, it never sees the answer).
    Hang(Duration),
    /// Answer 401, as an expired token gets.
    ExpiredToken,
}

#[derive(Clone, Default)]
pub struct Recorder {
    pub seen: Arc<Mutex<Vec<Seen>>>,
    faults: Arc<Mutex<VecDeque<Fault>>>,
}

impl Recorder {
    /// The next requests (one fault each, in order) misbehave.
    pub fn fail_next(&self, faults: impl IntoIterator<Item = Fault>) {
        self.faults.lock().expect("faults").extend(faults);
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("seen").clone()
    }

    pub fn clear(&self) {
        self.seen.lock().expect("seen").clear();
    }
}

/// Serves `router` on a loopback port behind the recorder; returns `http://127.0.0.1:port`.
pub async fn serve(router: Router, recorder: Recorder) -> String {
    let app = router.layer(middleware::from_fn_with_state(recorder, record));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("simulator") });
    format!("http://{addr}")
}

async fn record(State(recorder): State<Recorder>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, 16 << 20).await.unwrap_or_default();
    recorder.seen.lock().expect("seen").push(Seen {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_owned()))
            .collect(),
        body: String::from_utf8_lossy(&bytes).into_owned(),
    });
    let fault = recorder.faults.lock().expect("faults").pop_front();
    match fault {
        Some(Fault::Status(code, retry_after)) => {
            let status = StatusCode::from_u16(code).expect("status");
            let mut response = (status, "simulated failure").into_response();
            if let Some(secs) = retry_after {
                response.headers_mut().insert("retry-after", secs.to_string().parse().expect("header"));
            }
            response
        }
        Some(Fault::ExpiredToken) => (StatusCode::UNAUTHORIZED, "token expired").into_response(),
        Some(Fault::Hang(wait)) => {
            tokio::time::sleep(wait).await;
            next.run(Request::from_parts(parts, Body::from(bytes))).await
        }
        None => next.run(Request::from_parts(parts, Body::from(bytes))).await,
    }
}

/// The requests an SDK sent, from `tests/fixtures/vendor-calls/<file>`.
pub fn recorded(file: &str) -> Vec<Value> {
    let path = format!("{}/tests/fixtures/vendor-calls/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).expect("recorded call")).collect()
}

/// `a=1&b=x%20y` as pairs, `+` read as a space (form encoding).
pub fn url_pairs(text: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str(text).expect("form-encoded text")
}
