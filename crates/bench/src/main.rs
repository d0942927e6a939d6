//! `riposte-bench`: sends alerts to a real Riposte server over HTTP (batches of 1, 100 and
//! 1,000; 1 and 8 clients), then `COPY`s the same rows into the same table of the same
//! database, and prints alerts/s, p50/p99 latency, the ratio to COPY and the server's peak
//! memory. Usage: `scripts/bench` (builds release first), or `riposte-bench --help`.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use sqlx::{ConnectOptions, PgConnection};

use riposte_bench::alerts::{self, Generator};
use riposte_bench::server::Server;
use riposte_bench::stats::{self, Figures};
use riposte_bench::{copy, load, scratch};

#[derive(Debug, Parser)]
#[command(name = "riposte-bench", about = "Ingest over HTTP against COPY, same database, same run.")]
struct Options {
    /// The server binary (default: `server` beside this one).
    #[arg(long)]
    server: Option<PathBuf>,
    /// A scratch directory for the server's database; emptied first, removed after.
    #[arg(long, default_value = "target/bench-data")]
    data_dir: PathBuf,
    /// Where the server listens.
    #[arg(long, default_value = "127.0.0.1:3917")]
    listen: SocketAddr,
    /// Multiplies every scenario's alert count (0.05 for a quick smoke run).
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Turn storm roll-up off (to see its cost).
    #[arg(long)]
    storm_off: bool,
    /// Run only these scenarios (0-based positions in the table, comma-separated), e.g. to
    /// profile one.
    #[arg(long, value_delimiter = ',')]
    only: Vec<usize>,
    /// Leave the scratch directory (database and its log) in place afterwards, to inspect.
    #[arg(long)]
    keep_data: bool,
}

/// (batch size, clients, alerts at scale 1).
const SCENARIOS: [(usize, usize, usize); 6] =
    [(1, 1, 5_000), (1, 8, 20_000), (100, 1, 50_000), (100, 8, 100_000), (1000, 1, 100_000), (1000, 8, 200_000)];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = Options::parse();
    scratch::run_with(options.server.clone(), &options.data_dir, options.keep_data, async |binary, data_dir| {
        run(&options, &binary, &data_dir).await
    })
    .await
}

async fn run(options: &Options, binary: &std::path::Path, data_dir: &std::path::Path) -> anyhow::Result<()> {
    println!("starting {} with a fresh database in {}", binary.display(), data_dir.display());
    let server = Server::start(binary, data_dir, options.listen).await?;
    let token = server.create_token("bench").await?;
    if options.storm_off {
        server.command(&["storm", "set", "*", "--disabled"]).await?;
    }
    let mut db = server.database()?.connect().await.context("connecting to the server's database")?;
    println!("{}", stats::header());
    let mut all = Vec::new();
    for (n, &(batch, clients, count)) in SCENARIOS.iter().enumerate() {
        if !options.only.is_empty() && !options.only.contains(&n) {
            continue;
        }
        let count = ((count as f64 * options.scale) as usize).max(batch * clients);
        let mut figures = scenario(&server, &token, &mut db, n, batch, clients, count).await?;
        println!("{}", stats::line(&mut figures));
        all.push(figures);
    }
    let stored: i64 =
        sqlx::query_scalar("select count(*) from alert where source = 'bench'").fetch_one(&mut db).await?;
    let sent: usize = all.iter().map(|f| f.alerts).sum();
    println!("\nstored over HTTP: {stored} of {sent} acknowledged alerts");
    println!("server peak memory (RSS): {:.0} MiB", server.peak_rss_mib());
    verdicts(&all, server.peak_rss_mib(), stored == sent as i64);
    drop(db);
    server.stop().await
}

async fn scenario(
    server: &Server,
    token: &str,
    db: &mut PgConnection,
    n: usize,
    batch: usize,
    clients: usize,
    count: usize,
) -> anyhow::Result<Figures> {
    let mut generator = Generator::new(0x5eed + n as u64, &format!("s{n}"));
    let bodies = generator.bodies(count, batch);
    let rows = alerts::parse(&bodies, "bench-copy")?;
    let outcome = load::send_all(server.addr, "/api/v1/alerts", token, bodies, clients).await?;
    let drain = wait_for_pipeline(db).await?;
    let copy = copy::copy_alerts(db, &rows, "bench-copy").await?;
    let plural = if clients == 1 { "" } else { "s" };
    Ok(Figures {
        name: format!("batch {batch}, {clients} client{plural}"),
        alerts: count,
        elapsed: outcome.elapsed,
        latencies: outcome.latencies,
        retries: outcome.retries,
        copy,
        drain,
    })
}

/// Waits until the post-commit pipeline has taken every alert, so that each scenario (and
/// the COPY after it) starts on an idle server; returns how long that took.
async fn wait_for_pipeline(db: &mut PgConnection) -> anyhow::Result<std::time::Duration> {
    let started = std::time::Instant::now();
    loop {
        let waiting: i64 = sqlx::query_scalar("select count(*) from alert_pipeline").fetch_one(&mut *db).await?;
        if waiting == 0 {
            return Ok(started.elapsed());
        }
        anyhow::ensure!(started.elapsed().as_secs() < 600, "the pipeline still has {waiting} alerts after 10 minutes");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

fn verdicts(all: &[Figures], peak_rss_mib: f64, complete: bool) {
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    println!("\ntargets:");
    for f in all.iter().filter(|f| !f.name.starts_with("batch 1,")) {
        let ratio = f.rate() / f.copy_rate();
        println!("  {:<24} >= 70% of COPY: {:>4.0}%  {}", f.name, ratio * 100.0, verdict(ratio >= 0.7));
    }
    if let Some(single) = all.iter().find(|f| f.name == "batch 1, 8 clients") {
        println!("  single alerts, 8 clients >= 3000/s: {:.0}/s  {}", single.rate(), verdict(single.rate() >= 3000.0));
    }
    println!("  server memory < 300 MiB: {peak_rss_mib:.0} MiB  {}", verdict(peak_rss_mib < 300.0));
    println!("  every acknowledged alert stored: {}", verdict(complete));
}
