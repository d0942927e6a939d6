//! One FortiOS REST call: the bearer token in the header, `?vdom=` on configuration and
//! monitor calls, JSON both ways. API tokens do not expire on their own, so a refused token
//! is final (`Unauthorized`): a person must issue another.

use reqwest::Method;
use serde_json::Value;

use crate::ConnectorError;
use crate::http::{Http, excerpt};

/// The API token, kept out of logs and debug output.
#[derive(Clone)]
struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(…)")
    }
}

#[derive(Debug, Clone)]
pub struct Api {
    http: Http,
    base: String,
    token: Token,
    vdom: String,
}

/// Whether a call names the vdom (everything but system-wide reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Vdom,
    System,
}

impl Api {
    pub fn new(http: Http, base: String, token: &str, vdom: String) -> Api {
        Api { http, base, token: Token(token.to_owned()), vdom }
    }

    pub fn device(&self) -> &str {
        self.http.device()
    }

    pub async fn get(&self, what: &str, path: &str, query: &[(&str, &str)]) -> Result<Value, ConnectorError> {
        self.call(what, Method::GET, path, query, None, Scope::Vdom).await
    }

    pub async fn send(
        &self,
        what: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, ConnectorError> {
        self.call(what, method, path, &[], body, Scope::Vdom).await
    }

    /// Sends the call and returns its JSON answer (`null` when empty). An answer with
    /// `"status": "error"` is a refusal even when the HTTP status says otherwise.
    pub async fn call(
        &self,
        what: &str,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
        scope: Scope,
    ) -> Result<Value, ConnectorError> {
        let url = format!("{}{path}", self.base);
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if scope == Scope::Vdom {
            pairs.push(("vdom", &self.vdom));
        }
        pairs.extend_from_slice(query);
        let body = body.map(Value::to_string);
        let reply = self
            .http
            .send(what, |client| {
                let request = client.request(method.clone(), &url).bearer_auth(&self.token.0);
                let request = if pairs.is_empty() { request } else { request.query(&pairs) };
                match &body {
                    Some(body) => request.header("content-type", "application/json").body(body.clone()),
                    None => request,
                }
            })
            .await?;
        if reply.body.trim().is_empty() {
            return Ok(Value::Null);
        }
        let answer = reply.json(self.device(), what)?;
        if answer.get("status").and_then(Value::as_str) == Some("error") {
            return Err(ConnectorError::Refused {
                device: self.device().to_owned(),
                detail: format!("{what}: {}", excerpt(&reply.body)),
            });
        }
        Ok(answer)
    }
}

/// The `results` array of an answer (a single object counts as one).
pub fn results(answer: &Value) -> Vec<&Value> {
    match answer.get("results") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(item @ Value::Object(_)) => vec![item],
        _ => Vec::new(),
    }
}
