//! The server under test: a separate process with its own embedded PostgreSQL in a scratch
//! data directory, so its memory can be sampled from `/proc` while it works.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use riposte_pgcluster::{Cluster, ClusterState};
use sqlx::postgres::PgConnectOptions;
use tokio::process::{Child, Command};

pub struct Server {
    child: Child,
    binary: PathBuf,
    pub data_dir: PathBuf,
    pub addr: SocketAddr,
    /// The largest resident set seen so far, in KiB.
    pub peak_rss_kib: Arc<AtomicU64>,
}

impl Server {
    /// Starts `binary serve` and waits until `/readyz` answers.
    pub async fn start(binary: &Path, data_dir: &Path, addr: SocketAddr) -> anyhow::Result<Server> {
        Server::start_with(binary, data_dir, addr, &[], &[]).await
    }

    /// As [`Server::start`], with more global arguments (before `serve`, e.g.
    /// `--database-url`) and `serve` arguments (e.g. `--demo`).
    pub async fn start_with(
        binary: &Path,
        data_dir: &Path,
        addr: SocketAddr,
        global: &[&str],
        serve: &[&str],
    ) -> anyhow::Result<Server> {
        let child = Command::new(binary)
            .arg("--data-dir")
            .arg(data_dir)
            .args(global)
            .args(["serve", "--listen", &addr.to_string()])
            .args(serve)
            .env("RUST_LOG", std::env::var("RIPOSTE_BENCH_SERVER_LOG").unwrap_or_else(|_| "warn".into()))
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let server = Server {
            child,
            binary: binary.to_owned(),
            data_dir: data_dir.to_owned(),
            addr,
            peak_rss_kib: Arc::new(AtomicU64::new(0)),
        };
        server.wait_ready().await?;
        server.sample_memory();
        Ok(server)
    }

    async fn wait_ready(&self) -> anyhow::Result<()> {
        for _ in 0..600 {
            if let Ok(mut sender) = crate::load::connect(self.addr).await {
                let request = hyper::Request::get("/readyz")
                    .header(hyper::header::HOST, "localhost")
                    .body(http_body_util::Full::new(bytes::Bytes::new()))?;
                if sender.send_request(request).await.is_ok_and(|r| r.status().is_success()) {
                    return Ok(());
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::bail!("the server did not become ready within 60 s")
    }

    /// Samples the server's resident memory every 50 ms, keeping the peak.
    fn sample_memory(&self) {
        let (Some(pid), peak) = (self.child.id(), self.peak_rss_kib.clone()) else { return };
        tokio::spawn(async move {
            while let Some(kib) = rss_kib(pid) {
                peak.fetch_max(kib, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
    }

    pub fn peak_rss_mib(&self) -> f64 {
        self.peak_rss_kib.load(Ordering::Relaxed) as f64 / 1024.0
    }

    /// Runs one of the server's own commands against its database; returns what it printed.
    pub async fn command(&self, args: &[&str]) -> anyhow::Result<String> {
        let output = Command::new(&self.binary)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .args(args)
            .env("RUST_LOG", "warn")
            .output()
            .await?;
        anyhow::ensure!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        Ok(String::from_utf8(output.stdout)?)
    }

    /// Creates an ingest token with the server's own command line; returns the secret.
    pub async fn create_token(&self, source: &str) -> anyhow::Result<String> {
        self.create_token_with(source, "ingest").await
    }

    /// Creates a token with one scope (ingest, read, triage, context); returns the secret.
    pub async fn create_token_with(&self, source: &str, scope: &str) -> anyhow::Result<String> {
        let text = self.command(&["token", "create", "bench", "--source", source, "--scope", scope]).await?;
        text.lines()
            .find_map(|line| line.strip_prefix("token: "))
            .map(str::to_owned)
            .context("token create printed no token")
    }

    /// A `postgres://` URL of the server's embedded database, for another process to share.
    pub fn database_url(&self) -> anyhow::Result<String> {
        let cluster = Cluster::new(&self.data_dir, None)?;
        let target = cluster.target();
        Ok(format!(
            "postgres://{}@localhost/riposte?host={}&port={}",
            target.user,
            target.socket_dir.display(),
            target.port
        ))
    }

    /// Connection options for the server's embedded database (for COPY and checks).
    pub fn database(&self) -> anyhow::Result<PgConnectOptions> {
        let cluster = Cluster::new(&self.data_dir, None)?;
        anyhow::ensure!(matches!(cluster.state(), ClusterState::Running { .. }), "the embedded cluster is not running");
        let target = cluster.target();
        Ok(PgConnectOptions::new()
            .socket(&target.socket_dir)
            .port(target.port)
            .username(&target.user)
            .database("riposte"))
    }

    /// Kills the server outright (SIGKILL: no shutdown, no flush), as a crash would.
    pub async fn kill(mut self) -> anyhow::Result<()> {
        self.child.start_kill()?;
        self.child.wait().await?;
        Ok(())
    }

    /// Stops the server gracefully (it stops its cluster too).
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(pid) = self.child.id() {
            let pid = nix::unistd::Pid::from_raw(i32::try_from(pid)?);
            nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM)?;
        }
        tokio::time::timeout(Duration::from_secs(60), self.child.wait()).await??;
        Ok(())
    }
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
