//! The HTTP side every vendor connector shares: one client with a timeout and an optional
//! pinned CA (appliances mostly present their own certificate), and retries with backoff on
//! the answers worth retrying: no answer, a 5xx, and 429 (after the pause the device asked
//! for, within a cap). Credentials refused come back as `Unauthorized`, so the connector can
//! fetch a new token once and try again; any other 4xx is a refusal.

use std::time::Duration;

use reqwest::{Client, RequestBuilder, StatusCode};

use crate::{ConfigError, ConnectorError};

/// How patient a connector is with its device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Patience {
    /// One request, connection included.
    pub timeout: Duration,
    /// Tries in all, the first included.
    pub attempts: u32,
    /// The first pause between tries; doubled each time.
    pub backoff: Duration,
    /// The longest pause honoured when a device asks for one (`Retry-After`).
    pub max_wait: Duration,
}

impl Default for Patience {
    fn default() -> Patience {
        Patience {
            timeout: Duration::from_secs(15),
            attempts: 4,
            backoff: Duration::from_millis(500),
            max_wait: Duration::from_secs(30),
        }
    }
}

/// A device's answer that was not an error.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

impl Reply {
    /// The body as JSON, or `Unexpected` naming the device and what was asked.
    pub fn json(&self, device: &str, what: &str) -> Result<serde_json::Value, ConnectorError> {
        serde_json::from_str(&self.body).map_err(|e| ConnectorError::Unexpected {
            device: device.to_owned(),
            detail: format!("{what}: the answer is not JSON ({e}): {}", excerpt(&self.body)),
        })
    }
}

#[derive(Debug, Clone)]
pub struct Http {
    client: Client,
    device: String,
    patience: Patience,
}

impl Http {
    /// `ca_pem`: a certificate (or chain) to trust besides the usual roots, for an appliance
    /// with its own CA.
    pub fn new(device: &str, ca_pem: Option<&str>, patience: Patience) -> Result<Http, ConfigError> {
        let mut builder = Client::builder()
            .timeout(patience.timeout)
            .connect_timeout(patience.timeout)
            .user_agent(concat!("riposte/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = ca_pem.filter(|p| !p.trim().is_empty()) {
            let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
                .map_err(|e| ConfigError::new("ca_pem", format!("not a PEM certificate: {e}")))?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let client = builder.build().map_err(|e| ConfigError::new("ca_pem", e.to_string()))?;
        Ok(Http { client, device: device.to_owned(), patience })
    }

    pub fn device(&self) -> &str {
        &self.device
    }

    /// Sends what `build` makes (built afresh for every try) and returns a 2xx or 3xx answer.
    /// `what` names the call in errors ("register tag", "poll job 12").
    pub async fn send(&self, what: &str, build: impl Fn(&Client) -> RequestBuilder) -> Result<Reply, ConnectorError> {
        let mut attempt = 1;
        loop {
            let failure = match build(&self.client).send().await {
                Err(e) => Failure::Retry(None, self.unreachable(what, &e.to_string())),
                Ok(response) => {
                    let status = response.status();
                    let asked = retry_after(&response);
                    let body = response.text().await.unwrap_or_default();
                    match status {
                        s if s.is_success() || s.is_redirection() => return Ok(Reply { status: s.as_u16(), body }),
                        StatusCode::UNAUTHORIZED => {
                            return Err(ConnectorError::Unauthorized {
                                device: self.device.clone(),
                                detail: format!("{what}: {}", excerpt(&body)),
                            });
                        }
                        StatusCode::TOO_MANY_REQUESTS => {
                            let wait = asked.unwrap_or(self.pause(attempt)).min(self.patience.max_wait);
                            Failure::Retry(
                                Some(wait),
                                ConnectorError::Throttled { device: self.device.clone(), retry_after: wait },
                            )
                        }
                        s if s.is_server_error() || s == StatusCode::REQUEST_TIMEOUT => {
                            Failure::Retry(asked, self.unreachable(what, &format!("{s}: {}", excerpt(&body))))
                        }
                        s => Failure::Final(ConnectorError::Refused {
                            device: self.device.clone(),
                            detail: format!("{what}: {s}: {}", excerpt(&body)),
                        }),
                    }
                }
            };
            match failure {
                Failure::Final(error) => return Err(error),
                Failure::Retry(_, error) if attempt >= self.patience.attempts => return Err(error),
                Failure::Retry(wait, error) => {
                    let wait = wait.unwrap_or(self.pause(attempt)).min(self.patience.max_wait);
                    tracing::debug!(device = %self.device, what, attempt, ?wait, error = %error, "connector: retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }

    fn pause(&self, attempt: u32) -> Duration {
        self.patience.backoff.saturating_mul(1 << attempt.saturating_sub(1).min(10))
    }

    fn unreachable(&self, what: &str, detail: &str) -> ConnectorError {
        ConnectorError::Unreachable { device: self.device.clone(), detail: format!("{what}: {detail}") }
    }
}

enum Failure {
    /// Worth another try, after the pause given (or the backoff).
    Retry(Option<Duration>, ConnectorError),
    Final(ConnectorError),
}

/// `Retry-After` in seconds (the HTTP-date form is rare on APIs and read as absent).
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<f64>().ok().filter(|s| s.is_finite() && *s >= 0.0).map(Duration::from_secs_f64)
}

/// The start of a body, for error messages: enough to recognise, never a whole page.
pub fn excerpt(body: &str) -> String {
    const MAX: usize = 300;
    let body = body.trim();
    match body.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &body[..cut]),
        None => body.to_owned(),
    }
}
