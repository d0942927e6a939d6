//! CrowdStrike Falcon: isolates a host with network containment (`contain`, undone with
//! `lift_containment`) and blocks an address with a custom IOC set to `prevent`. OAuth2
//! client credentials; the token is kept and renewed once when refused. Containment is
//! asynchronous on the sensor's side: a read-back that finds it pending reports it not in
//! force yet, and the job layer verifies again later.

mod hosts;
mod iocs;

use riposte_domain::containment::{ActionKind, Target};
use serde::Deserialize;
use serde_json::Value;

use crate::http::{Http, Patience};
use crate::oauth::TokenSource;
use crate::{ConfigError, ConnectorError, Order, Outcome};

/// What an administrator fills in; the client secret is the connector's secret.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FalconConfig {
    /// The API base of the tenant's cloud (US-1 when absent; EU-1 is
    /// `https://api.eu-1.crowdstrike.com`).
    #[serde(default = "default_url")]
    pub url: String,
    pub client_id: Option<String>,
    pub ca_pem: Option<String>,
    /// An IOC's severity: informational, low, medium, high or critical.
    #[serde(default = "default_severity")]
    pub ioc_severity: String,
    /// The sensor platforms an IOC applies to (windows, linux, mac).
    #[serde(default = "default_platforms")]
    pub ioc_platforms: Vec<String>,
}

fn default_url() -> String {
    "https://api.crowdstrike.com".into()
}

fn default_severity() -> String {
    "high".into()
}

fn default_platforms() -> Vec<String> {
    ["windows", "linux", "mac"].map(String::from).to_vec()
}

const SEVERITIES: [&str; 5] = ["informational", "low", "medium", "high", "critical"];
const PLATFORMS: [&str; 3] = ["windows", "linux", "mac"];

/// One Falcon tenant.
#[derive(Debug, Clone)]
pub struct Falcon {
    tokens: TokenSource,
    base: String,
    severity: String,
    platforms: Vec<String>,
}

impl Falcon {
    pub const KINDS: &'static [ActionKind] = &[ActionKind::Isolate, ActionKind::Block];

    pub fn from_config(
        name: &str,
        config: &Value,
        secret: Option<&str>,
        patience: Patience,
    ) -> Result<Falcon, ConfigError> {
        let config: FalconConfig = serde_json::from_value(config.clone()).map_err(|e| ConfigError::from_json(&e))?;
        let base = crate::naming::http_base("url", &config.url, "the API's")?;
        let client_id = config
            .client_id
            .map(|id| id.trim().to_owned())
            .filter(|id| !id.is_empty())
            .ok_or_else(|| ConfigError::new("client_id", "the API client's id is needed"))?;
        if !client_id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')) {
            return Err(ConfigError::new("client_id", "an API client id is letters, digits, '-' and '_'"));
        }
        let secret = secret
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ConfigError::new("secret", "the API client's secret is needed"))?;
        let severity = config.ioc_severity.trim().to_ascii_lowercase();
        if !SEVERITIES.contains(&severity.as_str()) {
            return Err(ConfigError::new("ioc_severity", format!("one of {}", SEVERITIES.join(", "))));
        }
        let platforms: Vec<String> = config.ioc_platforms.iter().map(|p| p.trim().to_ascii_lowercase()).collect();
        if platforms.is_empty() || platforms.iter().any(|p| !PLATFORMS.contains(&p.as_str())) {
            return Err(ConfigError::new("ioc_platforms", format!("one or more of {}", PLATFORMS.join(", "))));
        }
        let http = Http::new(&format!("falcon {name}"), config.ca_pem.as_deref(), patience)?;
        // Falcon takes the two fields alone, as its SDK sends them (no grant_type).
        let form = vec![("client_id".to_owned(), client_id), ("client_secret".to_owned(), secret.to_owned())];
        let tokens = TokenSource::new(http, format!("{base}/oauth2/token"), form);
        Ok(Falcon { tokens, base, severity, platforms })
    }

    pub fn kinds(&self) -> &[ActionKind] {
        Falcon::KINDS
    }

    /// Contains the host, or blocks the address, unless it already is; then reads it back.
    pub async fn apply_order(&self, order: &Order) -> Result<Outcome, ConnectorError> {
        match self.subject("apply", order)? {
            Subject::Host(host) => self.contain(host, order).await,
            Subject::Address(address) => self.block(&address, order).await,
        }
    }

    pub async fn verify_order(&self, order: &Order) -> Result<Outcome, ConnectorError> {
        match self.subject("verify", order)? {
            Subject::Host(host) => {
                let device = self.find_device(host).await?;
                Ok(self.read_device(&device).await?.outcome())
            }
            Subject::Address(address) => Ok(self.read_iocs(&address).await?.outcome()),
        }
    }

    pub async fn undo_order(&self, order: &Order) -> Result<Outcome, ConnectorError> {
        match self.subject("undo", order)? {
            Subject::Host(host) => self.lift(host, order).await,
            Subject::Address(address) => self.unblock(&address, order).await,
        }
    }

    /// Credential health: a token, then a one-device query.
    pub async fn check(&self) -> Result<String, ConnectorError> {
        let url = format!("{}/devices/queries/devices/v1", self.base);
        let reply = self.tokens.send("check", |client| client.get(&url).query(&[("limit", "1")])).await?;
        let answer = reply.json(self.device(), "check")?;
        let total = answer.pointer("/meta/pagination/total").and_then(Value::as_u64);
        Ok(match total {
            Some(total) => format!("{} accepts the credentials ({total} hosts visible)", self.device()),
            None => format!("{} accepts the credentials", self.device()),
        })
    }

    fn device(&self) -> &str {
        self.tokens.http().device()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// What the order is aimed at, in the terms Falcon acts on.
    fn subject<'a>(&self, what: &str, order: &'a Order) -> Result<Subject<'a>, ConnectorError> {
        match (order.kind, &order.target) {
            (ActionKind::Isolate, Target::Host(host)) => Ok(Subject::Host(host)),
            (ActionKind::Block, Target::Network(network)) => iocs::Address::of(network)
                .map(Subject::Address)
                .ok_or_else(|| self.refused(what, format!("a Falcon IOC holds one address, not the range {network}"))),
            (kind, _) => Err(self.refused(what, format!("Falcon cannot {} that target", kind.as_str()))),
        }
    }

    fn refused(&self, what: &str, detail: impl std::fmt::Display) -> ConnectorError {
        ConnectorError::Refused { device: self.device().to_owned(), detail: format!("{what}: {detail}") }
    }

    fn unexpected(&self, what: &str, detail: impl std::fmt::Display) -> ConnectorError {
        ConnectorError::Unexpected { device: self.device().to_owned(), detail: format!("{what}: {detail}") }
    }

    /// Falcon answers `{"resources": [...], "errors": [...]}`; errors in a 2xx answer (a
    /// batch call that partly failed) are a refusal.
    fn resources(&self, what: &str, answer: &Value) -> Result<Vec<Value>, ConnectorError> {
        if let Some(errors) = answer.get("errors").and_then(Value::as_array).filter(|e| !e.is_empty()) {
            let messages: Vec<&str> = errors.iter().filter_map(|e| e.get("message").and_then(Value::as_str)).collect();
            return Err(self.refused(what, messages.join("; ")));
        }
        match answer.get("resources") {
            Some(Value::Array(items)) => Ok(items.clone()),
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(other) => Err(self.unexpected(what, format!("resources is not a list: {other}"))),
        }
    }

    /// A JSON POST with the bearer token.
    async fn post_json(
        &self,
        what: &str,
        url: &str,
        query: &[(&str, &str)],
        body: &Value,
    ) -> Result<Value, ConnectorError> {
        let body = body.to_string();
        let reply = self
            .tokens
            .send(what, |client| {
                client.post(url).query(query).header("content-type", "application/json").body(body.clone())
            })
            .await?;
        reply.json(self.device(), what)
    }

    async fn get(&self, what: &str, url: &str, query: &[(&str, &str)]) -> Result<Value, ConnectorError> {
        let reply = self.tokens.send(what, |client| client.get(url).query(query)).await?;
        reply.json(self.device(), what)
    }
}

enum Subject<'a> {
    Host(&'a str),
    Address(iocs::Address),
}

/// An FQL string literal: quoted, with quotes and backslashes escaped, so a value can never
/// end the literal early.
fn fql_string(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('\'');
    for c in value.chars() {
        if matches!(c, '\'' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('\'');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fql_strings_cannot_be_broken_out_of() {
        assert_eq!(fql_string("WKS-042"), "'WKS-042'");
        assert_eq!(fql_string("a'b\\"), "'a\\'b\\\\'");
    }
}
