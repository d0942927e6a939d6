//! One PAN-OS XML API call: a form POST to `/api/` with the key, its answer checked. With a
//! username and password the key comes from keygen, is kept for later calls, and is fetched
//! once more when the firewall stops accepting it (expired, revoked, firewall rebooted).

use std::sync::{Arc, Mutex};

use crate::ConnectorError;
use crate::http::Http;

use super::answer;

#[derive(Clone)]
enum Credential {
    /// A key given by the administrator: when refused, a person must give another.
    Key(String),
    /// A login the connector turns into a key, shared by the clones of one connector.
    Login { username: String, password: String, key: Arc<Mutex<Option<String>>> },
}

/// Keys and passwords stay out of logs and debug output.
impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::Key(_) => f.write_str("Key(…)"),
            Credential::Login { username, .. } => write!(f, "Login({username}, …)"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Api {
    http: Http,
    endpoint: String,
    credential: Credential,
}

impl Api {
    pub fn new(http: Http, endpoint: String, username: Option<&str>, secret: &str) -> Api {
        let credential = match username {
            Some(username) => Credential::Login {
                username: username.trim().to_owned(),
                password: secret.to_owned(),
                key: Arc::default(),
            },
            None => Credential::Key(secret.to_owned()),
        };
        Api { http, endpoint, credential }
    }

    pub fn device(&self) -> &str {
        self.http.device()
    }

    /// Sends `fields` with the key and returns the answer's text once it is a success, or an
    /// error whose messages are all in `tolerated` (lower case: "already exists, ignore").
    /// A refused key is replaced by keygen once when the connector holds a login.
    pub async fn call(
        &self,
        what: &str,
        fields: &[(&str, &str)],
        tolerated: &[&str],
    ) -> Result<String, ConnectorError> {
        let key = self.key().await?;
        match self.call_with(what, fields, &key, tolerated).await {
            Err(ConnectorError::Unauthorized { detail, .. }) if matches!(self.credential, Credential::Login { .. }) => {
                tracing::info!(device = %self.device(), what, %detail, "PAN-OS: key refused, running keygen again");
                let key = self.keygen().await?;
                self.call_with(what, fields, &key, tolerated).await
            }
            other => other,
        }
    }

    async fn call_with(
        &self,
        what: &str,
        fields: &[(&str, &str)],
        key: &str,
        tolerated: &[&str],
    ) -> Result<String, ConnectorError> {
        let mut form = fields.to_vec();
        form.push(("key", key));
        self.post(what, &form, tolerated).await
    }

    /// The key to use: the given one, the one keygen gave last, or a fresh one.
    async fn key(&self) -> Result<String, ConnectorError> {
        match &self.credential {
            Credential::Key(key) => Ok(key.clone()),
            Credential::Login { key, .. } => match key.lock().map(|k| k.clone()).ok().flatten() {
                Some(known) => Ok(known),
                None => self.keygen().await,
            },
        }
    }

    /// `type=keygen`: a fresh key for the login, kept for the next calls.
    async fn keygen(&self) -> Result<String, ConnectorError> {
        let Credential::Login { username, password, key } = &self.credential else {
            return Err(ConnectorError::Unauthorized {
                device: self.device().to_owned(),
                detail: "keygen: no username configured; the API key was refused".into(),
            });
        };
        let form = [("type", "keygen"), ("user", username.as_str()), ("password", password.as_str())];
        let body = self.post("keygen", &form, &[]).await?;
        let doc = answer::parse(&body, self.device(), "keygen")?;
        let fresh = answer::key(&doc).ok_or_else(|| ConnectorError::Unexpected {
            device: self.device().to_owned(),
            detail: "keygen: the answer holds no <key>".into(),
        })?;
        if let Ok(mut held) = key.lock() {
            *held = Some(fresh.clone());
        }
        Ok(fresh)
    }

    async fn post(&self, what: &str, form: &[(&str, &str)], tolerated: &[&str]) -> Result<String, ConnectorError> {
        let reply = self
            .http
            .send(what, |client| client.post(&self.endpoint).form(form))
            .await
            .map_err(|e| forbidden(e, what))?;
        let doc = answer::parse(&reply.body, self.device(), what)?;
        match answer::failure(&doc, self.device(), what)? {
            None => Ok(reply.body),
            Some(failure) if failure.is_bad_credential() => Err(ConnectorError::Unauthorized {
                device: self.device().to_owned(),
                detail: format!("{what}: {}", failure.text()),
            }),
            Some(failure) if failure.only(tolerated) => Ok(reply.body),
            Some(failure) => Err(ConnectorError::Refused {
                device: self.device().to_owned(),
                detail: format!("{what}: {}", failure.text()),
            }),
        }
    }
}

/// PAN-OS answers a bad key with HTTP 403 as well as with a 200 carrying code 403; the
/// shared client calls any 4xx but 401 a refusal, so a 403 is turned back into what it is.
fn forbidden(error: ConnectorError, what: &str) -> ConnectorError {
    match error {
        ConnectorError::Refused { device, detail } if detail.starts_with(&format!("{what}: 403 ")) => {
            ConnectorError::Unauthorized { device, detail }
        }
        other => other,
    }
}
