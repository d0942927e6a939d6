//! The generic webhook: for any device without a connector of its own, and for packet
//! captures on a sensor. Riposte POSTs one JSON order per call,
//! `{"op": "apply"|"undo"|"status", "action_id", "kind", "target", "direction", "ttl_secs"}`,
//! signed with HMAC-SHA256 over the body (`X-Riposte-Signature: sha256=<hex>`) when a secret
//! is set. The receiver answers `{"in_force": true|false, ...}`: the state after the call,
//! which is how apply and undo are verified; the whole answer is kept as evidence.

use hmac::{Hmac, Mac};
use riposte_domain::containment::{ActionKind, Target};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::http::{Http, Patience};
use crate::{ConfigError, ConnectorError, Order, Outcome};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    pub url: String,
    /// What the receiver can do; all kinds when absent.
    pub kinds: Option<Vec<ActionKind>>,
    pub ca_pem: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Webhook {
    http: Http,
    url: String,
    secret: Option<String>,
    kinds: Vec<ActionKind>,
}

impl Webhook {
    pub fn from_config(
        name: &str,
        config: &Value,
        secret: Option<&str>,
        patience: Patience,
    ) -> Result<Webhook, ConfigError> {
        let config: WebhookConfig = serde_json::from_value(config.clone()).map_err(|e| ConfigError::from_json(&e))?;
        let url = reqwest::Url::parse(config.url.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .ok_or_else(|| ConfigError::new("url", "give the receiver's full http:// or https:// address"))?;
        let http = Http::new(&format!("webhook {name}"), config.ca_pem.as_deref(), patience)?;
        Ok(Webhook {
            http,
            url: url.to_string(),
            secret: secret.filter(|s| !s.is_empty()).map(str::to_owned),
            kinds: config.kinds.unwrap_or_else(|| ActionKind::ALL.to_vec()),
        })
    }

    pub fn kinds(&self) -> &[ActionKind] {
        &self.kinds
    }

    pub async fn apply_order(&self, order: &Order) -> Result<Outcome, ConnectorError> {
        self.call("apply", order).await
    }

    pub async fn verify_order(&self, order: &Order) -> Result<Outcome, ConnectorError> {
        self.call("status", order).await
    }

    pub async fn undo_order(&self, order: &Order) -> Result<Outcome, ConnectorError> {
        self.call("undo", order).await
    }

    /// Credential health: the receiver answers a status call for no action.
    pub async fn check(&self) -> Result<String, ConnectorError> {
        let body = json!({ "op": "ping" }).to_string();
        self.post("ping", body).await?;
        Ok(format!("{} answers", self.http.device()))
    }

    async fn call(&self, op: &str, order: &Order) -> Result<Outcome, ConnectorError> {
        let target = match &order.target {
            Target::Network(network) => network.to_string(),
            Target::Host(host) => host.clone(),
        };
        let body = json!({
            "op": op, "action_id": order.action_id, "kind": order.kind.as_str(), "target": target,
            "direction": order.direction.map(|d| d.as_str()), "ttl_secs": order.ttl_secs,
        })
        .to_string();
        let answer = self.post(op, body).await?;
        let in_force = answer.get("in_force").and_then(Value::as_bool).ok_or_else(|| ConnectorError::Unexpected {
            device: self.http.device().to_owned(),
            detail: format!("{op}: the answer has no boolean \"in_force\""),
        })?;
        let summary =
            if in_force { "the receiver reports it in force" } else { "the receiver reports it not in force" };
        Ok(Outcome::new(in_force, summary, answer))
    }

    async fn post(&self, op: &str, body: String) -> Result<Value, ConnectorError> {
        let signature = self.secret.as_deref().map(|secret| sign(secret, &body));
        let reply = self
            .http
            .send(op, |client| {
                let request = client.post(&self.url).header("content-type", "application/json").body(body.clone());
                match &signature {
                    Some(signature) => request.header("x-riposte-signature", signature),
                    None => request,
                }
            })
            .await?;
        if reply.body.trim().is_empty() { Ok(Value::Null) } else { reply.json(self.http.device(), op) }
    }
}

/// `sha256=<hex HMAC of the body>`, as GitHub-style receivers check it.
pub fn sign(secret: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(body.as_bytes());
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}
