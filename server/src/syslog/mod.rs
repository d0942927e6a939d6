//! The syslog listener: UDP datagrams and TCP streams (octet counting or newline framing),
//! parsed by content (CEF, PAN-OS, FortiGate, sshd, JSON) and written through the same
//! group-committed ingest as every HTTP adapter. Overload never drops a message: writers
//! wait and retry, TCP senders are slowed by flow control, and UDP waits in the kernel's
//! receive buffer (what the kernel itself drops when that fills is beyond any listener).

mod allow;
mod batcher;
mod receive;

pub use allow::AllowList;

use std::net::SocketAddr;

use anyhow::Context;
use riposte_backend::Backend;

/// Where to listen and whom to hear.
#[derive(Debug, Clone)]
pub struct SyslogOptions {
    pub udp: Option<SocketAddr>,
    pub tcp: Option<SocketAddr>,
    pub allow: AllowList,
}

/// The addresses actually bound (port 0 picks a free one).
#[derive(Debug, Clone, Copy, Default)]
pub struct SyslogBound {
    pub udp: Option<SocketAddr>,
    pub tcp: Option<SocketAddr>,
}

/// Binds the sockets and spawns the receivers and the batcher on the current runtime.
pub async fn start(backend: Backend, options: SyslogOptions) -> anyhow::Result<SyslogBound> {
    let mut bound = SyslogBound::default();
    if options.udp.is_none() && options.tcp.is_none() {
        return Ok(bound);
    }
    let sender = batcher::start(backend);
    if let Some(addr) = options.udp {
        let socket = tokio::net::UdpSocket::bind(addr).await.with_context(|| format!("binding syslog UDP {addr}"))?;
        bound.udp = Some(socket.local_addr()?);
        tokio::spawn(receive::udp(socket, options.allow.clone(), sender.clone()));
    }
    if let Some(addr) = options.tcp {
        let listener =
            tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding syslog TCP {addr}"))?;
        bound.tcp = Some(listener.local_addr()?);
        tokio::spawn(receive::tcp(listener, options.allow.clone(), sender));
    }
    tracing::info!(udp = ?bound.udp, tcp = ?bound.tcp, "syslog listener ready");
    Ok(bound)
}
