//! Background rounds that run every so often for as long as the backend lives (the notifier,
//! the SLA breach watch). A failed round is logged and the next one tries again.

use std::future::Future;
use std::time::Duration;

use tokio::sync::oneshot;

use crate::BackendError;

/// A running loop; it stops when this is dropped.
pub struct Periodic {
    _stop: oneshot::Sender<()>,
}

/// No loop at all: for a short-lived process that must not do background work.
pub fn idle() -> Periodic {
    Periodic { _stop: oneshot::channel().0 }
}

/// Runs `round` now and then every `period` after each round ends.
pub fn every<F, Fut>(what: &'static str, period: Duration, mut round: F) -> Periodic
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), BackendError>> + Send,
{
    let (stop, mut stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        loop {
            if let Err(err) = round().await {
                tracing::warn!(error = %err, "{what}: round failed");
            }
            tokio::select! {
                () = tokio::time::sleep(period) => {}
                _ = &mut stopped => return,
            }
        }
    });
    Periodic { _stop: stop }
}
