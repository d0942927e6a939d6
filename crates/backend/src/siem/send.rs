//! Putting messages on the wire: syslog over TCP (RFC 6587 octet counting, which rsyslog and
//! syslog-ng read by default) or UDP (one datagram each), and HEC (events concatenated in one
//! POST, as Splunk accepts them).

use std::time::Duration;

use riposte_domain::containment::StateChange;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpStream, UdpSocket};

const TIMEOUT: Duration = Duration::from_secs(10);

pub async fn send(
    client: &reqwest::Client,
    kind: &str,
    address: &str,
    token_ref: Option<&str>,
    changes: &[StateChange],
) -> Result<(), String> {
    if changes.is_empty() {
        return Ok(());
    }
    let version = env!("CARGO_PKG_VERSION");
    let host = hostname();
    match kind {
        "syslog_tcp" => {
            let mut frames = String::new();
            for change in changes {
                let line = change.syslog(&host, version);
                frames.push_str(&format!("{} {line}", line.len()));
            }
            let write = async {
                let mut stream = TcpStream::connect(address).await?;
                stream.write_all(frames.as_bytes()).await?;
                stream.shutdown().await
            };
            tokio::time::timeout(TIMEOUT, write)
                .await
                .map_err(|_| format!("{address} did not take the messages within {TIMEOUT:?}"))?
                .map_err(|e| format!("{address}: {e}"))
        }
        "syslog_udp" => {
            let socket = UdpSocket::bind(if address.starts_with('[') { "[::]:0" } else { "0.0.0.0:0" })
                .await
                .map_err(|e| e.to_string())?;
            for change in changes {
                socket
                    .send_to(change.syslog(&host, version).as_bytes(), address)
                    .await
                    .map_err(|e| format!("{address}: {e}"))?;
            }
            Ok(())
        }
        "hec" => {
            let token = match token_ref {
                Some(reference) => crate::secrets::resolve(reference)?,
                None => return Err("the HEC output has no token".into()),
            };
            let url = format!("{}/services/collector/event", address.trim_end_matches('/'));
            let body: String = changes.iter().map(|c| c.hec().to_string()).collect();
            let response = client
                .post(&url)
                .header(reqwest::header::AUTHORIZATION, format!("Splunk {token}"))
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body)
                .send()
                .await
                .map_err(|e| format!("could not reach the collector: {e}"))?;
            let status = response.status();
            if status.is_success() {
                Ok(())
            } else {
                let text = response.text().await.unwrap_or_default();
                Err(format!("the collector answered {status}: {}", text.chars().take(200).collect::<String>()))
            }
        }
        other => Err(format!("unknown output kind {other:?}")),
    }
}

/// This machine's name, for the syslog header (read once).
pub fn hostname() -> String {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_owned()).unwrap_or_default()
    })
    .clone()
}
