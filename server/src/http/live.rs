//! Live updates: PostgreSQL NOTIFY (sent in the committing transaction, so every server
//! process sees it) fanned out to browsers as server-sent events.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use riposte_backend::ingest::ALERTS_CHANNEL;
use riposte_backend::live::{CONTAINMENT_CHANNEL, INCIDENTS_CHANNEL, NOTICES_CHANNEL};
use riposte_backend::tokens::TokenScope;
use riposte_domain::Permission;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::broadcast;

use super::api_auth::ApiCaller;
use super::api_error::ApiError;

/// A notice from the database: its channel and payload.
#[derive(Clone, Debug)]
struct Notice {
    channel: String,
    payload: String,
}

/// Notices from the database, shared by every open stream of this process.
#[derive(Clone)]
pub struct LiveHub {
    sender: broadcast::Sender<Notice>,
}

impl LiveHub {
    /// Starts listening; the task reconnects by itself if the connection drops.
    pub fn start(pool: PgPool) -> LiveHub {
        let (sender, _) = broadcast::channel(256);
        let hub = LiveHub { sender };
        let forward = hub.sender.clone();
        tokio::spawn(async move {
            loop {
                if let Err(err) = listen(&pool, &forward).await {
                    // Shutting down: the pool closes before this task is dropped.
                    if pool.is_closed() {
                        return;
                    }
                    tracing::warn!(error = %err, "live updates: listener failed; retrying");
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        hub
    }
}

async fn listen(pool: &PgPool, forward: &broadcast::Sender<Notice>) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen_all([ALERTS_CHANNEL, INCIDENTS_CHANNEL, NOTICES_CHANNEL, CONTAINMENT_CHANNEL]).await?;
    loop {
        let notification = listener.recv().await?;
        let notice = Notice { channel: notification.channel().to_owned(), payload: notification.payload().to_owned() };
        // No receivers is normal (nobody has a page open).
        let _ = forward.send(notice);
    }
}

/// `GET /api/v1/stream/alerts`: an `alerts` event whenever new alerts are stored.
pub async fn stream_alerts(
    State(hub): State<LiveHub>,
    caller: ApiCaller,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    caller.require(Permission::ViewQueue, TokenScope::Read)?;
    Ok(stream(&hub, &[(ALERTS_CHANNEL, "alerts")]))
}

/// `GET /api/v1/stream/incidents`: an `incidents` event naming the incidents that changed
/// (or `"many"`), and a `notices` event naming users with new in-app notices.
pub async fn stream_incidents(
    State(hub): State<LiveHub>,
    caller: ApiCaller,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    caller.require(Permission::ViewIncidents, TokenScope::Read)?;
    Ok(stream(&hub, &[(INCIDENTS_CHANNEL, "incidents"), (NOTICES_CHANNEL, "notices")]))
}

/// `GET /api/v1/stream/containment`: a `containment` event whenever an action moves or the
/// NOC's notices change.
pub async fn stream_containment(
    State(hub): State<LiveHub>,
    caller: ApiCaller,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    caller.require(Permission::ViewContainment, TokenScope::Read)?;
    Ok(stream(&hub, &[(CONTAINMENT_CHANNEL, "containment")]))
}

/// Server-sent events for the notices of `channels`, each under its event name.
fn stream(
    hub: &LiveHub,
    channels: &'static [(&'static str, &'static str)],
) -> Sse<impl Stream<Item = Result<Event, Infallible>> + use<>> {
    let receiver = hub.sender.subscribe();
    let stream = futures_util::stream::unfold(receiver, move |mut receiver| async move {
        loop {
            let (event, payload) = match receiver.recv().await {
                Ok(notice) => match channels.iter().find(|(channel, _)| *channel == notice.channel) {
                    Some((_, event)) => (*event, notice.payload),
                    None => continue,
                },
                // A slow reader missed some notices: one refresh of everything covers them.
                Err(broadcast::error::RecvError::Lagged(_)) => (channels[0].1, r#"{"incidents":"many"}"#.to_owned()),
                Err(broadcast::error::RecvError::Closed) => return None,
            };
            return Some((Ok(Event::default().event(event).data(payload)), receiver));
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
