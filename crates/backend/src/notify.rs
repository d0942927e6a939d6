//! Notifications: channels administrators configure, and the notifier that delivers queued
//! messages through them, retrying with backoff (and honouring `Retry-After`) until the
//! receiver takes them or answers that it never will.

use std::time::Duration;

use riposte_domain::Permission;
use riposte_domain::notification::{ChannelKind, ChannelView, NotificationView, valid_channel_name};
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::admin::Actor;
use crate::alerts::rfc3339;
use crate::background::{self, Periodic};
use crate::store::{audit, notify as store};
use crate::{Backend, BackendError};

/// How long one delivery may take.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// A leased message is taken again after this, should its notifier die mid-way.
const LEASE_SECS: i32 = 60;
/// Attempts before a message is given up as failed.
pub const MAX_ATTEMPTS: i32 = 8;
const POLL: Duration = Duration::from_secs(1);

/// Starts the notifier; it stops when the returned handle is dropped.
pub fn start(pool: PgPool) -> Periodic {
    let client = client();
    background::every("notifier", POLL, move || {
        let (pool, client) = (pool.clone(), client.clone());
        async move { deliver_due(&pool, &client).await.map(drop) }
    })
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(SEND_TIMEOUT)
        .user_agent(concat!("riposte/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

/// Delivers every message due now; returns how many were delivered.
pub async fn deliver_due(pool: &PgPool, client: &reqwest::Client) -> Result<usize, BackendError> {
    let mut delivered = 0;
    loop {
        let due = store::lease_due(pool, 20, LEASE_SECS).await?;
        if due.is_empty() {
            return Ok(delivered);
        }
        for message in due {
            let (Some(kind), Some(url)) = (message.kind.as_deref().and_then(ChannelKind::parse), message.url) else {
                store::mark_failed(pool, message.notification_id, "the channel no longer exists", None).await?;
                continue;
            };
            match send(client, kind, &url, &message.subject, &message.body.0).await {
                Ok(()) => {
                    store::mark_sent(pool, message.notification_id).await?;
                    delivered += 1;
                }
                Err(failure) => {
                    let retry = failure.retry_after.filter(|_| message.attempts < MAX_ATTEMPTS).map(|wait| {
                        // Backoff: 5 s, 10 s, 20 s ... or what the receiver asked for.
                        wait.unwrap_or_else(|| 5.0 * 2f64.powi(message.attempts - 1))
                    });
                    tracing::warn!(id = message.notification_id, error = %failure.message, ?retry, "notifier: not delivered");
                    store::mark_failed(pool, message.notification_id, &failure.message, retry).await?;
                }
            }
        }
    }
}

struct SendFailure {
    message: String,
    /// None: never worth retrying. Some(None): retry after the usual backoff. Some(Some(s)):
    /// retry after the seconds the receiver asked for.
    retry_after: Option<Option<f64>>,
}

/// The body a channel kind expects.
pub fn payload(kind: ChannelKind, subject: &str, body: &Value) -> Value {
    match kind {
        ChannelKind::Webhook => {
            let mut payload = json!({ "subject": subject });
            if let (Some(out), Some(details)) = (payload.as_object_mut(), body.as_object()) {
                out.extend(details.clone());
            }
            payload
        }
        ChannelKind::Slack | ChannelKind::Teams | ChannelKind::Email => {
            let lines: Vec<String> = body
                .get("events")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|e| e.get("event").and_then(Value::as_str))
                .map(|e| format!("• {e}"))
                .collect();
            let text = if lines.is_empty() { subject.to_owned() } else { format!("{subject}\n{}", lines.join("\n")) };
            json!({ "text": text })
        }
    }
}

async fn send(
    client: &reqwest::Client,
    kind: ChannelKind,
    url: &str,
    subject: &str,
    body: &Value,
) -> Result<(), SendFailure> {
    if kind == ChannelKind::Email {
        let target = crate::email::parse(url).map_err(|message| SendFailure { message, retry_after: None })?;
        let text = payload(kind, subject, body)["text"].as_str().unwrap_or(subject).to_owned();
        return crate::email::send(&target, subject, &text)
            .await
            .map_err(|f| SendFailure { message: f.message, retry_after: f.retry.then_some(None) });
    }
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(payload(kind, subject, body).to_string())
        .send()
        .await
        .map_err(|e| SendFailure {
            message: format!("could not reach {}: {e}", host_of(url)),
            retry_after: Some(None),
        })?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let asked = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map(|s| s.clamp(1.0, 3600.0));
    let retry_after = match status.as_u16() {
        408 | 425 | 429 => Some(asked),
        500.. => Some(asked),
        _ => None,
    };
    Err(SendFailure { message: format!("{} answered {status}", host_of(url)), retry_after })
}

/// The host of a URL, for messages: a webhook's path often holds its secret.
fn host_of(url: &str) -> String {
    reqwest::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_else(|| "the channel".into())
}

/// A webhook address hides its secret in the path; lists show only scheme and host.
fn redacted(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => format!("{}://{}/…", u.scheme(), u.host_str().unwrap_or_default()),
        Err(_) => "…".into(),
    }
}

pub async fn channels(backend: &Backend, actor: Actor<'_>) -> Result<Vec<ChannelView>, BackendError> {
    actor.require(Permission::ManageSettings)?;
    Ok(store::channels(&backend.pool)
        .await?
        .into_iter()
        .filter_map(|row| {
            Some(ChannelView {
                kind: ChannelKind::parse(&row.kind)?,
                url: redacted(&row.url),
                name: row.name,
                created_by: row.created_by,
                created_at: rfc3339(row.created_at),
            })
        })
        .collect())
}

pub async fn put_channel(
    backend: &Backend,
    actor: Actor<'_>,
    name: &str,
    kind: &str,
    url: &str,
) -> Result<(), BackendError> {
    actor.require(Permission::ManageSettings)?;
    let name = name.trim();
    if !valid_channel_name(name) {
        return Err(BackendError::invalid("name", "a channel name is 1 to 64 letters, digits, '_', '.' or '-'"));
    }
    let kind = ChannelKind::parse(kind)
        .ok_or_else(|| BackendError::invalid("kind", "choose webhook, slack, teams or email"))?;
    let url = url.trim();
    if kind == ChannelKind::Email {
        crate::email::parse(url).map_err(|e| BackendError::invalid("url", e))?;
    } else {
        match reqwest::Url::parse(url) {
            Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host_str().is_some() => {}
            _ => return Err(BackendError::invalid("url", "give the webhook's full http:// or https:// address")),
        }
    }
    let mut tx = backend.pool.begin().await?;
    store::put_channel(&mut *tx, name, kind.as_str(), url, actor.label()).await?;
    audit::append(
        &mut tx,
        actor.entry("put_notification_channel", name, json!({ "kind": kind.as_str(), "host": host_of(url) })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete_channel(backend: &Backend, actor: Actor<'_>, name: &str) -> Result<(), BackendError> {
    actor.require(Permission::ManageSettings)?;
    let mut tx = backend.pool.begin().await?;
    if !store::delete_channel(&mut *tx, name).await? {
        return Err(BackendError::NotFound("notification channel"));
    }
    audit::append(&mut tx, actor.entry("delete_notification_channel", name, Value::Null)).await?;
    tx.commit().await?;
    Ok(())
}

/// Queues a test message through a channel.
pub async fn send_test(backend: &Backend, actor: Actor<'_>, name: &str) -> Result<(), BackendError> {
    actor.require(Permission::ManageSettings)?;
    let mut conn = backend.pool.acquire().await?;
    if !store::channel_names(&mut *conn).await?.contains(name) {
        return Err(BackendError::NotFound("notification channel"));
    }
    let subject = format!("Riposte test message from {}", actor.label());
    store::queue(&mut conn, name, None, &subject, &json!({ "test": true })).await?;
    Ok(())
}

pub async fn recent(backend: &Backend, actor: Actor<'_>, limit: i64) -> Result<Vec<NotificationView>, BackendError> {
    actor.require(Permission::ManageSettings)?;
    Ok(store::recent(&backend.pool, limit.clamp(1, 200))
        .await?
        .into_iter()
        .map(|row| NotificationView {
            id: row.notification_id,
            channel: row.channel,
            incident_id: row.incident_id,
            subject: row.subject,
            status: row.status,
            attempts: row.attempts,
            last_error: row.last_error,
            created_at: rfc3339(row.created_at),
            sent_at: row.sent_at.map(rfc3339),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_channels_get_text_and_webhooks_get_the_details() {
        let body = json!({ "incident_id": 7, "events": [{ "at_ms": 1, "event": "logon failure user alice" }] });
        let hook = payload(ChannelKind::Webhook, "Escalated", &body);
        assert_eq!(hook["subject"], "Escalated");
        assert_eq!(hook["incident_id"], 7);
        let slack = payload(ChannelKind::Slack, "Escalated", &body);
        assert_eq!(slack["text"], "Escalated\n• logon failure user alice");
    }

    #[test]
    fn addresses_are_shown_without_their_secret_path() {
        assert_eq!(redacted("https://hooks.slack.com/services/T000/B000/XXXX"), "https://hooks.slack.com/…");
        assert_eq!(host_of("https://hooks.example.com/x"), "hooks.example.com");
    }
}
