//! OAuth2 client credentials, as the cloud EDR APIs (CrowdStrike Falcon, Microsoft Defender)
//! use them: a bearer token fetched with a client id and secret, kept until shortly before it
//! expires, shared by every clone of the connector, and fetched again once when the API
//! refuses it (revoked, or expired early).

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Client, RequestBuilder};
use serde_json::Value;
use tokio::sync::Mutex;

use crate::ConnectorError;
use crate::http::{Http, Reply};

/// The longest a token is given back early: it is renewed this long before it expires, or a
/// fifth of its life for short-lived ones.
const RENEW_EARLY: Duration = Duration::from_secs(60);

/// Where tokens come from and the one currently held.
#[derive(Clone)]
pub struct TokenSource {
    http: Http,
    token_url: String,
    /// The form sent for a token, the client secret included.
    form: Vec<(String, String)>,
    held: Arc<Mutex<Option<Token>>>,
}

struct Token {
    value: String,
    renew_at: Instant,
}

/// Without the form: it holds the client secret.
impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource").field("device", &self.http.device()).field("token_url", &self.token_url).finish()
    }
}

impl TokenSource {
    /// `form`: the fields of the token request (`client_id`, `client_secret`, and for Entra ID
    /// `grant_type` and `scope`).
    pub fn new(http: Http, token_url: String, form: Vec<(String, String)>) -> TokenSource {
        TokenSource { http, token_url, form, held: Arc::default() }
    }

    pub fn http(&self) -> &Http {
        &self.http
    }

    /// A token good for a while yet, fetched when none is held or the held one is old.
    pub async fn token(&self) -> Result<String, ConnectorError> {
        let mut held = self.held.lock().await;
        if let Some(token) = held.as_ref().filter(|t| Instant::now() < t.renew_at) {
            return Ok(token.value.clone());
        }
        let token = self.fetch().await?;
        let value = token.value.clone();
        *held = Some(token);
        Ok(value)
    }

    /// Drops `stale` after the API refused it; a token another call already renewed stays.
    pub async fn forget(&self, stale: &str) {
        let mut held = self.held.lock().await;
        if held.as_ref().is_some_and(|t| t.value == stale) {
            *held = None;
        }
    }

    /// Sends what `build` makes with the bearer token; when the API refuses the token, gets a
    /// new one and sends once more.
    pub async fn send(&self, what: &str, build: impl Fn(&Client) -> RequestBuilder) -> Result<Reply, ConnectorError> {
        let token = self.token().await?;
        match self.http.send(what, |client| build(client).bearer_auth(&token)).await {
            Err(ConnectorError::Unauthorized { .. }) => {
                tracing::debug!(device = %self.http.device(), what, "connector: token refused, fetching a new one");
                self.forget(&token).await;
                let token = self.token().await?;
                self.http.send(what, |client| build(client).bearer_auth(&token)).await
            }
            other => other,
        }
    }

    async fn fetch(&self) -> Result<Token, ConnectorError> {
        const WHAT: &str = "get token";
        let device = self.http.device().to_owned();
        let reply = self
            .http
            .send(WHAT, |client| client.post(&self.token_url).header("accept", "application/json").form(&self.form))
            .await
            .map_err(|e| match e {
                // A token request refused is a credentials problem whatever the status says.
                ConnectorError::Refused { device, detail } => ConnectorError::Unauthorized { device, detail },
                other => other,
            })?;
        let answer = reply.json(&device, WHAT)?;
        let value = answer.get("access_token").and_then(Value::as_str).filter(|t| !t.is_empty()).ok_or_else(|| {
            ConnectorError::Unexpected {
                device: device.clone(),
                detail: format!("{WHAT}: the answer has no access_token"),
            }
        })?;
        let lifetime = expires_in(&answer).ok_or_else(|| ConnectorError::Unexpected {
            device: device.clone(),
            detail: format!("{WHAT}: the answer has no expires_in"),
        })?;
        let early = RENEW_EARLY.min(lifetime / 5);
        Ok(Token { value: value.to_owned(), renew_at: Instant::now() + lifetime - early })
    }
}

/// `expires_in` in seconds, as a number or (Entra ID v1 style) a string.
fn expires_in(answer: &Value) -> Option<Duration> {
    let field = answer.get("expires_in")?;
    let secs = field.as_u64().or_else(|| field.as_str().and_then(|s| s.trim().parse().ok()))?;
    Some(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_expires_in_as_number_or_text() {
        assert_eq!(expires_in(&json!({ "expires_in": 1799 })), Some(Duration::from_secs(1799)));
        assert_eq!(expires_in(&json!({ "expires_in": "3599" })), Some(Duration::from_secs(3599)));
        assert_eq!(expires_in(&json!({ "expires_in": "soon" })), None);
        assert_eq!(expires_in(&json!({})), None);
    }
}
