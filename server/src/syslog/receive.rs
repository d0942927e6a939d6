//! The sockets: one task reads UDP datagrams; one task per TCP connection reassembles frames.

use riposte_ingest::syslog::{Frame, Framer};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::mpsc;

use super::AllowList;
use super::batcher::Received;

pub async fn udp(socket: UdpSocket, allow: AllowList, sender: mpsc::Sender<Received>) {
    let mut buffer = vec![0u8; 65_536];
    loop {
        let (length, peer) = match socket.recv_from(&mut buffer).await {
            Ok(received) => received,
            Err(err) => {
                tracing::warn!(error = %err, "syslog UDP receive failed");
                continue;
            }
        };
        if !allow.allows(peer.ip()) {
            tracing::debug!(%peer, "syslog datagram from a peer not allowed");
            continue;
        }
        let text = String::from_utf8_lossy(&buffer[..length]);
        // Some senders pack several newline-separated messages into one datagram.
        for line in text.split('\n').map(|l| l.trim_end_matches(['\r', '\0'])).filter(|l| !l.trim().is_empty()) {
            if sender.send(Received { text: line.to_owned(), peer }).await.is_err() {
                return;
            }
        }
    }
}

pub async fn tcp(listener: TcpListener, allow: AllowList, sender: mpsc::Sender<Received>) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(err) => {
                tracing::warn!(error = %err, "syslog TCP accept failed");
                continue;
            }
        };
        if !allow.allows(peer.ip()) {
            tracing::warn!(%peer, "syslog connection from a peer not allowed; closed");
            continue;
        }
        tokio::spawn(connection(stream, peer, sender.clone()));
    }
}

async fn connection(mut stream: tokio::net::TcpStream, peer: std::net::SocketAddr, sender: mpsc::Sender<Received>) {
    let mut framer = Framer::default();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let read = match stream.read(&mut chunk).await {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) => {
                tracing::debug!(%peer, error = %err, "syslog TCP connection ended");
                break;
            }
        };
        for frame in framer.push(&chunk[..read]) {
            if !deliver(frame, peer, &sender).await {
                return;
            }
        }
    }
    if let Some(frame) = framer.finish() {
        deliver(frame, peer, &sender).await;
    }
}

async fn deliver(frame: Frame, peer: std::net::SocketAddr, sender: &mpsc::Sender<Received>) -> bool {
    match frame {
        Frame::Message(bytes) => {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            sender.send(Received { text, peer }).await.is_ok()
        }
        Frame::Invalid(reason) => {
            tracing::warn!(%peer, %reason, "syslog frame refused");
            true
        }
    }
}
