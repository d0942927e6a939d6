//! Live updates: PostgreSQL NOTIFY (sent in the committing transaction, so every server
//! process sees it) fanned out to browsers as server-sent events.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use riposte_backend::ingest::ALERTS_CHANNEL;
use riposte_backend::tokens::TokenScope;
use riposte_domain::Permission;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::broadcast;

use super::api_auth::ApiCaller;
use super::api_error::ApiError;

/// Notices from the database, shared by every open stream of this process.
#[derive(Clone)]
pub struct LiveHub {
    sender: broadcast::Sender<String>,
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

async fn listen(pool: &PgPool, forward: &broadcast::Sender<String>) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(ALERTS_CHANNEL).await?;
    loop {
        let notification = listener.recv().await?;
        // No receivers is normal (nobody has a queue open).
        let _ = forward.send(notification.payload().to_owned());
    }
}

/// `GET /api/v1/stream/alerts`: an `alerts` event whenever new alerts are stored.
pub async fn stream_alerts(
    State(hub): State<LiveHub>,
    caller: ApiCaller,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    caller.require(Permission::ViewQueue, TokenScope::Read)?;
    let receiver = hub.sender.subscribe();
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        let payload = match receiver.recv().await {
            Ok(payload) => payload,
            // A slow reader missed some notices: one refresh covers them all.
            Err(broadcast::error::RecvError::Lagged(_)) => "{}".to_owned(),
            Err(broadcast::error::RecvError::Closed) => return None,
        };
        Some((Ok(Event::default().event("alerts").data(payload)), receiver))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
