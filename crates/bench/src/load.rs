//! Clients sending request bodies over keep-alive HTTP/1.1 connections, timing each request.
//! A 429 is waited out (its `Retry-After`) and sent again, as a well-behaved sender does.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Request, StatusCode, header};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::Mutex;

pub struct Outcome {
    pub elapsed: Duration,
    pub latencies: Vec<Duration>,
    pub retries: u64,
}

/// Sends every body to `path`, `clients` at a time; fails on any reply but 2xx or 429.
pub async fn send_all(
    addr: SocketAddr,
    path: &str,
    token: &str,
    bodies: Vec<String>,
    clients: usize,
) -> anyhow::Result<Outcome> {
    let queue = Arc::new(Mutex::new(bodies.into_iter().map(Bytes::from).collect::<Vec<_>>()));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..clients {
        let (queue, path, token) = (queue.clone(), path.to_owned(), token.to_owned());
        workers.push(tokio::spawn(async move {
            let mut sender = connect(addr).await?;
            let mut latencies = Vec::new();
            let mut retries = 0;
            loop {
                let Some(body) = queue.lock().await.pop() else { break };
                let sent = Instant::now();
                loop {
                    let (status, retry_after) = post(&mut sender, &path, &token, body.clone()).await?;
                    if status == StatusCode::TOO_MANY_REQUESTS {
                        retries += 1;
                        tokio::time::sleep(Duration::from_secs(retry_after.unwrap_or(1))).await;
                        continue;
                    }
                    anyhow::ensure!(status.is_success(), "the server answered {status}");
                    break;
                }
                latencies.push(sent.elapsed());
            }
            anyhow::Ok((latencies, retries))
        }));
    }
    let mut outcome = Outcome { elapsed: Duration::ZERO, latencies: Vec::new(), retries: 0 };
    for worker in workers {
        let (latencies, retries) = worker.await??;
        outcome.latencies.extend(latencies);
        outcome.retries += retries;
    }
    outcome.elapsed = started.elapsed();
    Ok(outcome)
}

pub async fn connect(addr: SocketAddr) -> anyhow::Result<SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    Ok(sender)
}

/// One POST; returns the status and any `Retry-After` seconds. The body is read fully.
pub async fn post(
    sender: &mut SendRequest<Full<Bytes>>,
    path: &str,
    token: &str,
    body: Bytes,
) -> anyhow::Result<(StatusCode, Option<u64>)> {
    let request = Request::post(path)
        .header(header::HOST, "localhost")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Full::new(body))?;
    sender.ready().await?;
    let response = sender.send_request(request).await?;
    let status = response.status();
    let retry_after =
        response.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    response.into_body().collect().await?;
    Ok((status, retry_after))
}
