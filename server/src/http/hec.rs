//! Splunk HTTP Event Collector compatibility: what Splunk forwarders, Cribl, Vector, Fluent
//! Bit and NiFi already send. `Authorization: Splunk <token>`, concatenated JSON events,
//! HEC-shaped replies (`{"text": ..., "code": ...}`); each event's `sourcetype` picks the
//! parser. Events are committed before the reply, so indexer acknowledgement (`ackId` and
//! `/services/collector/ack`) is answered truthfully at once.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use riposte_backend::tokens::{TokenIdentity, TokenScope, authenticate_token};
use riposte_backend::{Backend, BackendError};
use riposte_ingest::Batch;
use riposte_ingest::formats::{Format, parse_record};
use riposte_ingest::hec::{READ, parse_events};
use serde::Deserialize;
use serde_json::{Value, json};

use super::basic_auth::basic_credentials;
use crate::clock::now_ms;

/// A HEC reply; errors use Splunk's codes.
pub struct HecReply {
    status: StatusCode,
    body: Value,
    retry_after: bool,
}

impl HecReply {
    fn new(status: StatusCode, code: u8, text: &str) -> Self {
        HecReply { status, body: json!({ "text": text, "code": code }), retry_after: false }
    }
}

impl IntoResponse for HecReply {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

impl From<BackendError> for HecReply {
    fn from(err: BackendError) -> Self {
        match err {
            _ if err.retry().is_some() => {
                // Splunk says 503 here; Riposte never answers overload with a 5xx, which
                // clients retry blindly, so 429 with Retry-After (Splunk clients retry it too).
                let mut reply = HecReply::new(StatusCode::TOO_MANY_REQUESTS, 9, "Server is busy");
                reply.retry_after = true;
                reply
            }
            BackendError::TokenScope(_) | BackendError::Forbidden(_) => {
                HecReply::new(StatusCode::FORBIDDEN, 4, "Invalid token")
            }
            other => {
                let reference = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
                tracing::error!(error.reference = %reference, error = %other, "HEC request failed");
                HecReply::new(StatusCode::INTERNAL_SERVER_ERROR, 8, "Internal server error")
            }
        }
    }
}

/// `Authorization: Splunk <token>` (or Basic with the token as password, as curl users do).
pub struct HecToken(TokenIdentity);

impl<S: Send + Sync> FromRequestParts<S> for HecToken
where
    Backend: axum::extract::FromRef<S>,
{
    type Rejection = HecReply;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let backend = <Backend as axum::extract::FromRef<S>>::from_ref(state);
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(HecReply::new(StatusCode::UNAUTHORIZED, 2, "Token is required"));
        };
        let text = value.to_str().unwrap_or_default();
        let secret = if let Some(token) = text.strip_prefix("Splunk ") {
            token.trim().to_owned()
        } else if let Some((_, password)) = basic_credentials(text) {
            password
        } else {
            return Err(HecReply::new(StatusCode::UNAUTHORIZED, 3, "Invalid authorization"));
        };
        let token = authenticate_token(&backend, &secret)
            .await
            .map_err(|_| HecReply::new(StatusCode::FORBIDDEN, 4, "Invalid token"))?;
        token.require(TokenScope::Ingest).map_err(HecReply::from)?;
        Ok(HecToken(token))
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct HecParams {
    sourcetype: Option<String>,
}

static NEXT_ACK: AtomicU64 = AtomicU64::new(0);

/// `POST /services/collector/event` (and `/services/collector`).
pub async fn event(
    State(backend): State<Backend>,
    HecToken(token): HecToken,
    Query(params): Query<HecParams>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<HecReply, HecReply> {
    let now_ms = now_ms();
    let (events, batch) = parse_events(&body, params.sourcetype.as_deref(), &token.source, now_ms);
    if events == 0 && batch.errors.is_empty() {
        return Err(HecReply::new(StatusCode::BAD_REQUEST, 5, "No data"));
    }
    store(&backend, &token, batch, &headers).await
}

/// `POST /services/collector/raw`: lines of text, parsed as `?sourcetype=` says (syslog by default).
pub async fn raw(
    State(backend): State<Backend>,
    HecToken(token): HecToken,
    Query(params): Query<HecParams>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<HecReply, HecReply> {
    let format = match params.sourcetype.as_deref() {
        Some(name) => Format::from_sourcetype(name).ok_or_else(|| {
            let mut reply = HecReply::new(StatusCode::BAD_REQUEST, 6, "Invalid data format");
            reply.body["detail"] = json!(format!("sourcetype {name:?} is not one Riposte reads ({READ})"));
            reply
        })?,
        None => Format::Auto,
    };
    let text = String::from_utf8_lossy(&body);
    let now_ms = now_ms();
    let mut batch = Batch::default();
    let mut lines = 0;
    for (index, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        lines += 1;
        parse_record(format, line, Some(&token.source), now_ms, index, &mut batch);
    }
    if lines == 0 {
        return Err(HecReply::new(StatusCode::BAD_REQUEST, 5, "No data"));
    }
    store(&backend, &token, batch, &headers).await
}

async fn store(
    backend: &Backend,
    token: &TokenIdentity,
    batch: Batch,
    headers: &HeaderMap,
) -> Result<HecReply, HecReply> {
    let errors = batch.errors;
    riposte_backend::ingest::ingest_with_context(backend, token, batch.alerts, batch.context).await?;
    let mut reply = match errors.first() {
        None => HecReply::new(StatusCode::OK, 0, "Success"),
        Some(first) => {
            // Splunk's shape, plus every rejected event; the others are stored.
            let mut reply = HecReply::new(StatusCode::BAD_REQUEST, 6, "Invalid data format");
            reply.body["invalid-event-number"] = json!(first.index);
            reply.body["errors"] = json!(errors);
            reply
        }
    };
    if headers.contains_key("x-splunk-request-channel") {
        reply.body["ackId"] = json!(NEXT_ACK.fetch_add(1, Ordering::Relaxed));
    }
    Ok(reply)
}

/// `GET /services/collector/health`.
pub async fn health(State(backend): State<Backend>) -> HecReply {
    if backend.ingest.saturated() {
        return HecReply::new(StatusCode::SERVICE_UNAVAILABLE, 18, "HEC is unhealthy, queues are full");
    }
    HecReply::new(StatusCode::OK, 17, "HEC is healthy")
}

#[derive(Deserialize)]
pub struct AckRequest {
    acks: Vec<u64>,
}

/// `POST /services/collector/ack`: every acknowledged batch was committed before its reply.
pub async fn ack(_token: HecToken, Json(request): Json<AckRequest>) -> Json<Value> {
    let acks: serde_json::Map<String, Value> = request.acks.iter().map(|id| (id.to_string(), json!(true))).collect();
    Json(json!({ "acks": acks }))
}
