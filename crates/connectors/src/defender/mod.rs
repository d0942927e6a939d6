//! Microsoft Defender for Endpoint: isolates a machine (`isolate`, undone with `unisolate`,
//! both machine actions that Defender carries out when the machine next checks in) and
//! blocks an address with an `IpAddress` indicator that expires with the action. OAuth2
//! client credentials against Entra ID; the token is kept and renewed once when refused.
//! Defender allows 100 calls a minute and answers 429 with `Retry-After` past that, which
//! the shared HTTP client honours.

pub mod clock;
mod indicators;
mod machines;

use std::time::Duration;

use riposte_domain::containment::{ActionKind, Target};
use serde::Deserialize;
use serde_json::Value;

use crate::http::{Http, Patience};
use crate::oauth::TokenSource;
use crate::{ConfigError, ConnectorError, Order, Outcome};

/// What an administrator fills in; the client secret is the connector's secret.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefenderConfig {
    /// The API base (a regional one such as `https://api-eu.securitycenter.microsoft.com`
    /// works too).
    #[serde(default = "default_url")]
    pub url: String,
    /// Where tokens come from; `{tenant}` is replaced by `tenant_id`.
    #[serde(default = "default_token_url")]
    pub token_url: String,
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    #[serde(default = "default_scope")]
    pub scope: String,
    /// `Full`, or `Selective` (Outlook, Teams and Skype keep working).
    #[serde(default = "default_isolation_type")]
    pub isolation_type: String,
    /// An indicator's severity: Informational, Low, Medium or High.
    #[serde(default = "default_severity")]
    pub indicator_severity: String,
    /// How often a machine action is polled while it runs.
    #[serde(default = "default_poll_interval_ms")]
    pub poll_interval_ms: u64,
    /// How long an apply or undo waits for its machine action before it reports it pending
    /// (a machine that is off can take hours; the job layer verifies again later).
    #[serde(default = "default_action_wait_secs")]
    pub action_wait_secs: u64,
    pub ca_pem: Option<String>,
}

fn default_url() -> String {
    "https://api.securitycenter.microsoft.com".into()
}

fn default_token_url() -> String {
    "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token".into()
}

fn default_scope() -> String {
    "https://api.securitycenter.microsoft.com/.default".into()
}

fn default_isolation_type() -> String {
    "Full".into()
}

fn default_severity() -> String {
    "High".into()
}

fn default_poll_interval_ms() -> u64 {
    5_000
}

fn default_action_wait_secs() -> u64 {
    60
}

const ISOLATION_TYPES: [&str; 2] = ["Full", "Selective"];
const SEVERITIES: [&str; 4] = ["Informational", "Low", "Medium", "High"];

/// One Defender tenant.
#[derive(Debug, Clone)]
pub struct Defender {
    tokens: TokenSource,
    base: String,
    isolation_type: &'static str,
    severity: &'static str,
    poll_interval: Duration,
    action_wait: Duration,
}

impl Defender {
    pub const KINDS: &'static [ActionKind] = &[ActionKind::Isolate, ActionKind::Block];

    pub fn from_config(
        name: &str,
        config: &Value,
        secret: Option<&str>,
        patience: Patience,
    ) -> Result<Defender, ConfigError> {
        let config: DefenderConfig = serde_json::from_value(config.clone()).map_err(|e| ConfigError::from_json(&e))?;
        let base = crate::naming::http_base("url", &config.url, "the API's")?;
        let token_url =
            if config.token_url.contains("{tenant}") {
                let tenant =
                    config.tenant_id.as_deref().map(str::trim).filter(|t| !t.is_empty()).ok_or_else(|| {
                        ConfigError::new("tenant_id", "the Entra ID tenant (its id or domain) is needed")
                    })?;
                if !tenant.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.')) {
                    return Err(ConfigError::new("tenant_id", "a tenant id is a GUID or a domain name"));
                }
                config.token_url.replace("{tenant}", tenant)
            } else {
                config.token_url.clone()
            };
        let token_url = crate::naming::http_base("token_url", &token_url, "the token endpoint's")?;
        let client_id = config
            .client_id
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| ConfigError::new("client_id", "the application (client) id is needed"))?;
        if !client_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(ConfigError::new("client_id", "an application id is a GUID"));
        }
        let scope = config.scope.trim();
        if scope.is_empty() || scope.chars().any(char::is_control) {
            return Err(ConfigError::new("scope", "give the API's scope, such as its .default"));
        }
        let secret = secret
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ConfigError::new("secret", "the application's client secret is needed"))?;
        let isolation_type = one_of("isolation_type", &config.isolation_type, &ISOLATION_TYPES)?;
        let severity = one_of("indicator_severity", &config.indicator_severity, &SEVERITIES)?;
        if !(10..=60_000).contains(&config.poll_interval_ms) {
            return Err(ConfigError::new("poll_interval_ms", "between 10 and 60000 milliseconds"));
        }
        if config.action_wait_secs > 3_600 {
            return Err(ConfigError::new("action_wait_secs", "at most 3600 seconds"));
        }
        let http = Http::new(&format!("defender {name}"), config.ca_pem.as_deref(), patience)?;
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
            ("scope", scope),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .to_vec();
        Ok(Defender {
            tokens: TokenSource::new(http, token_url, form),
            base,
            isolation_type,
            severity,
            poll_interval: Duration::from_millis(config.poll_interval_ms),
            action_wait: Duration::from_secs(config.action_wait_secs),
        })
    }

    pub fn kinds(&self) -> &[ActionKind] {
        Defender::KINDS
    }

    /// Isolates the machine, or blocks the address, unless it already is; then reads it back.
    pub async fn apply_order(&self, order: &Order) -> Result<Outcome, ConnectorError> {
        match self.subject("apply", order)? {
            Subject::Host(host) => self.isolate(host, order).await,
            Subject::Address(address) => self.block(&address, order).await,
        }
    }

    pub async fn verify_order(&self, order: &Order) -> Result<Outcome, ConnectorError> {
        match self.subject("verify", order)? {
            Subject::Host(host) => {
                let machine = self.find_machine(host).await?;
                Ok(self.read_isolation(&machine).await?.outcome())
            }
            Subject::Address(address) => Ok(self.read_indicators(&address).await?.outcome()),
        }
    }

    pub async fn undo_order(&self, order: &Order) -> Result<Outcome, ConnectorError> {
        match self.subject("undo", order)? {
            Subject::Host(host) => self.release(host, order).await,
            Subject::Address(address) => self.unblock(&address, order).await,
        }
    }

    /// Credential health: a token, then a one-machine listing.
    pub async fn check(&self) -> Result<String, ConnectorError> {
        self.get("check", &self.url("/api/machines"), &[("$top", "1")]).await?;
        Ok(format!("{} accepts the credentials", self.device()))
    }

    fn device(&self) -> &str {
        self.tokens.http().device()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn subject<'a>(&self, what: &str, order: &'a Order) -> Result<Subject<'a>, ConnectorError> {
        match (order.kind, &order.target) {
            (ActionKind::Isolate, Target::Host(host)) => Ok(Subject::Host(host)),
            (ActionKind::Block, Target::Network(network)) => {
                indicators::single_address(network).map(Subject::Address).ok_or_else(|| {
                    self.refused(what, format!("a Defender indicator holds one address, not the range {network}"))
                })
            }
            (kind, _) => Err(self.refused(what, format!("Defender cannot {} that target", kind.as_str()))),
        }
    }

    fn refused(&self, what: &str, detail: impl std::fmt::Display) -> ConnectorError {
        ConnectorError::Refused { device: self.device().to_owned(), detail: format!("{what}: {detail}") }
    }

    fn unexpected(&self, what: &str, detail: impl std::fmt::Display) -> ConnectorError {
        ConnectorError::Unexpected { device: self.device().to_owned(), detail: format!("{what}: {detail}") }
    }

    async fn get(&self, what: &str, url: &str, query: &[(&str, &str)]) -> Result<Value, ConnectorError> {
        let reply = self.tokens.send(what, |client| client.get(url).query(query)).await?;
        reply.json(self.device(), what)
    }

    async fn post_json(&self, what: &str, url: &str, body: &Value) -> Result<Value, ConnectorError> {
        let body = body.to_string();
        let reply = self
            .tokens
            .send(what, |client| client.post(url).header("content-type", "application/json").body(body.clone()))
            .await?;
        reply.json(self.device(), what)
    }

    /// The `value` list of an OData answer.
    fn values(&self, what: &str, answer: &Value) -> Result<Vec<Value>, ConnectorError> {
        match answer.get("value") {
            Some(Value::Array(items)) => Ok(items.clone()),
            _ => Err(self.unexpected(what, "the answer has no \"value\" list")),
        }
    }
}

enum Subject<'a> {
    Host(&'a str),
    Address(String),
}

/// An OData string literal: quoted, a quote inside doubled.
fn odata_string(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// An `id` that Defender writes as a string or a number.
fn id_text(item: &Value) -> Option<String> {
    match item.get("id")? {
        Value::String(id) if !id.is_empty() => Some(id.clone()),
        Value::Number(id) => Some(id.to_string()),
        _ => None,
    }
}

/// The one of `allowed` that `value` names, ignoring case.
fn one_of(field: &str, value: &str, allowed: &[&'static str]) -> Result<&'static str, ConfigError> {
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(value.trim()))
        .copied()
        .ok_or_else(|| ConfigError::new(field, format!("one of {}", allowed.join(", "))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odata_strings_double_their_quotes() {
        assert_eq!(odata_string("wks-042"), "'wks-042'");
        assert_eq!(odata_string("o'brien"), "'o''brien'");
    }
}
