//! One Management API session per connector: logged in on first use, its id (`sid`) sent as
//! `X-chkp-sid` on every command, and renewed once when the server says it expired (HTTP 401,
//! or a refusal coded `generic_err_wrong_session_id` or `generic_err_session_expired`).

use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::ConnectorError;
use crate::http::Http;

/// How the connector logs in.
#[derive(Clone)]
pub enum Login {
    Password { user: String, password: String },
    ApiKey(String),
}

#[derive(Clone)]
pub struct Session {
    http: Http,
    /// `https://host[:port]`, without `/web_api`.
    base: String,
    /// `/web_api/v1.9` (or the configured version).
    commands: String,
    login: Login,
    domain: Option<String>,
    sid: Arc<Mutex<Option<String>>>,
}

/// Without the credentials.
impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("device", &self.http.device()).field("base", &self.base).finish()
    }
}

impl Session {
    pub fn new(http: Http, base: String, api_version: &str, login: Login, domain: Option<String>) -> Session {
        let commands = format!("/web_api/v{api_version}");
        Session { http, base, commands, login, domain, sid: Arc::default() }
    }

    pub fn device(&self) -> &str {
        self.http.device()
    }

    /// Runs one API command with the session, logging in first when there is none and once
    /// more when the server no longer knows it.
    pub async fn call(&self, command: &str, body: &Value) -> Result<Value, ConnectorError> {
        let sid = self.sid().await?;
        match self.post(command, body, &sid).await {
            Err(error) if expired(&error) => {
                tracing::debug!(device = %self.device(), command, "connector: session expired, logging in again");
                self.forget(&sid).await;
                let sid = self.sid().await?;
                self.post(command, body, &sid).await
            }
            other => other,
        }
    }

    /// The session id, logging in when none is held.
    pub async fn sid(&self) -> Result<String, ConnectorError> {
        let mut held = self.sid.lock().await;
        if let Some(sid) = held.as_ref() {
            return Ok(sid.clone());
        }
        let sid = self.log_in().await?;
        *held = Some(sid.clone());
        Ok(sid)
    }

    async fn forget(&self, stale: &str) {
        let mut held = self.sid.lock().await;
        if held.as_deref() == Some(stale) {
            *held = None;
        }
    }

    async fn log_in(&self) -> Result<String, ConnectorError> {
        const WHAT: &str = "login";
        // As the SDK sends it: a fresh read-write session, never a disconnected one resumed.
        let mut body = match &self.login {
            Login::Password { user, password } => json!({ "user": user, "password": password }),
            Login::ApiKey(key) => json!({ "api-key": key }),
        };
        body["continue-last-session"] = json!(false);
        body["read-only"] = json!(false);
        if let Some(domain) = &self.domain {
            body["domain"] = json!(domain);
        }
        let url = format!("{}/web_api/login", self.base);
        let body = body.to_string();
        let reply = self
            .http
            .send(WHAT, |client| client.post(&url).header("content-type", "application/json").body(body.clone()))
            .await
            .map_err(|e| match e {
                // The API refuses bad credentials with a 400 or 403 (err_login_failed).
                ConnectorError::Refused { device, detail } => ConnectorError::Unauthorized { device, detail },
                other => other,
            })?;
        let answer = reply.json(self.device(), WHAT)?;
        answer.get("sid").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned).ok_or_else(|| {
            ConnectorError::Unexpected {
                device: self.device().to_owned(),
                detail: format!("{WHAT}: the answer has no sid"),
            }
        })
    }

    async fn post(&self, command: &str, body: &Value, sid: &str) -> Result<Value, ConnectorError> {
        let url = format!("{}{}/{command}", self.base, self.commands);
        let body = body.to_string();
        let reply = self
            .http
            .send(command, |client| {
                client
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("x-chkp-sid", sid)
                    .body(body.clone())
            })
            .await?;
        reply.json(self.device(), command)
    }
}

/// Whether the server no longer knows the session.
fn expired(error: &ConnectorError) -> bool {
    match error {
        ConnectorError::Unauthorized { .. } => true,
        ConnectorError::Refused { detail, .. } => {
            ["generic_err_wrong_session_id", "generic_err_session_expired", "Wrong session id"]
                .iter()
                .any(|sign| detail.contains(sign))
        }
        _ => false,
    }
}

/// Whether a refusal says the object asked for does not exist.
pub fn not_found(error: &ConnectorError) -> bool {
    matches!(error, ConnectorError::Refused { detail, .. } if detail.contains("generic_err_object_not_found"))
}
