//! Gathers parsed messages from every receiver and writes them in batches. A full ingest
//! queue is waited out, never dropped: the bounded channel then fills and receivers stop
//! reading, which pushes back on TCP senders.

use std::time::Duration;

use riposte_backend::tokens::TokenIdentity;
use riposte_backend::{Backend, BackendError};
use riposte_ingest::Batch;
use riposte_ingest::formats::parse_syslog_message;
use riposte_ingest::syslog::parse_header;
use tokio::sync::mpsc;

/// One message as received, with the peer it came from (for the log).
pub struct Received {
    pub text: String,
    pub peer: std::net::SocketAddr,
}

const BATCH: usize = 2000;
const LINGER: Duration = Duration::from_millis(50);

pub fn start(backend: Backend) -> mpsc::Sender<Received> {
    let (sender, receiver) = mpsc::channel(10_000);
    tokio::spawn(run(backend, receiver));
    sender
}

/// Syslog has no token; records are filed under their format's source name.
fn listener_identity() -> TokenIdentity {
    TokenIdentity {
        token_id: 0,
        name: "syslog-listener".into(),
        source: "syslog".into(),
        scopes: vec!["ingest".into()],
    }
}

async fn run(backend: Backend, mut receiver: mpsc::Receiver<Received>) {
    let identity = listener_identity();
    let mut pending: Vec<Received> = Vec::with_capacity(BATCH);
    loop {
        if pending.is_empty() {
            match receiver.recv().await {
                Some(first) => pending.push(first),
                None => return,
            }
        }
        let deadline = tokio::time::Instant::now() + LINGER;
        while pending.len() < BATCH {
            match tokio::time::timeout_at(deadline, receiver.recv()).await {
                Ok(Some(message)) => pending.push(message),
                Ok(None) | Err(_) => break,
            }
        }
        write(&backend, &identity, std::mem::take(&mut pending)).await;
    }
}

async fn write(backend: &Backend, identity: &TokenIdentity, messages: Vec<Received>) {
    let now_ms = crate::clock::now_ms();
    let mut batch = Batch::default();
    for (index, message) in messages.iter().enumerate() {
        match parse_header(&message.text, now_ms) {
            Ok(parsed) => parse_syslog_message(&parsed, &message.text, None, index, &mut batch),
            Err(reason) => batch.reject(index, reason),
        }
    }
    for error in &batch.errors {
        let peer = messages.get(error.index).map(|m| m.peer.to_string()).unwrap_or_default();
        tracing::warn!(%peer, reason = %error.message, "syslog message not understood; not stored");
    }
    let (alerts, context) = (batch.alerts, batch.context);
    let mut delay = Duration::from_millis(100);
    loop {
        match riposte_backend::ingest::ingest_with_context(backend, identity, alerts.clone(), context.clone()).await {
            Ok(_) => return,
            Err(BackendError::Overloaded { .. } | BackendError::Database(_)) => {
                tracing::warn!(
                    retry_in_ms = delay.as_millis() as u64,
                    "syslog batch waits: ingest is saturated or the database is away"
                );
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            Err(err) => {
                tracing::error!(error = %err, messages = messages.len(), "syslog batch refused");
                return;
            }
        }
    }
}
