//! `riposte-bench-workspace`: the incident workspace at scale. Sends a million generated
//! alerts over HTTP (8 clients, batches of 1,000) while correlation runs, reporting its lag;
//! then, as a signed-in analyst, times the queue pages, the page of an incident of 10,000
//! alerts and searches, and prints p50/p99 beside a baseline page timed in the same run.
//! Usage: `scripts/bench --workspace`, or `riposte-bench-workspace --help`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use sqlx::ConnectOptions;

use riposte_bench::server::Server;
use riposte_bench::stats::percentile;
use riposte_bench::workspace::{Probe, WorkspaceGenerator, sign_in, time_requests};
use riposte_bench::{load, scratch};

#[derive(Debug, Parser)]
#[command(name = "riposte-bench-workspace", about = "Correlation lag, queue, incident page and search at 1M alerts.")]
struct Options {
    #[arg(long)]
    server: Option<PathBuf>,
    /// A scratch directory for the server's database; emptied first, removed after.
    #[arg(long, default_value = "target/bench-workspace")]
    data_dir: PathBuf,
    #[arg(long, default_value = "127.0.0.1:3918")]
    listen: SocketAddr,
    /// Multiplies the alert counts (1,000,000 and 10,000 at 1).
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Requests timed per probe.
    #[arg(long, default_value_t = 200)]
    samples: usize,
    #[arg(long)]
    keep_data: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = Options::parse();
    scratch::run_with(options.server.clone(), &options.data_dir, options.keep_data, async |binary, data_dir| {
        run(&options, &binary, &data_dir).await
    })
    .await
}

async fn run(options: &Options, binary: &std::path::Path, data_dir: &std::path::Path) -> anyhow::Result<()> {
    let total = (1_000_000.0 * options.scale) as usize;
    let big = (10_000.0 * options.scale).max(1.0) as usize;
    println!("starting {} with a fresh database in {}", binary.display(), data_dir.display());
    let server = Server::start_with(binary, data_dir, options.listen, &[], &["--demo"]).await?;
    let token = server.create_token("workspace").await?;
    let mut db = server.database()?.connect().await?;

    // Ingest while correlation runs; sample the pipeline's backlog as it goes.
    let bodies = WorkspaceGenerator::new(total, big).bodies(1000);
    let backlog = Arc::new(AtomicI64::new(0));
    let lag_ms = Arc::new(AtomicI64::new(0));
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let (backlog, lag_ms, sampling, options) =
            (backlog.clone(), lag_ms.clone(), sampling.clone(), server.database()?);
        tokio::spawn(async move {
            let mut db = options.connect().await?;
            while sampling.load(Ordering::Relaxed) {
                let (waiting, age_ms) = pipeline_backlog(&mut db).await?;
                backlog.fetch_max(waiting, Ordering::Relaxed);
                lag_ms.fetch_max(age_ms, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            anyhow::Ok(())
        })
    };
    let sent = load::send_all(server.addr, "/api/v1/alerts", &token, bodies, 8).await?;
    let acked = Instant::now();
    loop {
        let (waiting, _) = pipeline_backlog(&mut db).await?;
        if waiting == 0 {
            break;
        }
        anyhow::ensure!(acked.elapsed().as_secs() < 1800, "the pipeline still has {waiting} alerts after 30 minutes");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let drain = acked.elapsed();
    sampling.store(false, Ordering::Relaxed);
    sampler.await??;
    let rate = total as f64 / sent.elapsed.as_secs_f64();
    println!(
        "\ningest with correlation: {total} alerts in {:.1} s = {rate:.0} alerts/s (8 clients, batches of 1,000)",
        sent.elapsed.as_secs_f64()
    );
    println!(
        "correlation lag: oldest waiting alert at most {:.1} s old; largest backlog ≈ {} alerts; caught up {:.1} s after the last acknowledgement",
        lag_ms.load(Ordering::Relaxed) as f64 / 1000.0,
        backlog.load(Ordering::Relaxed),
        drain.as_secs_f64()
    );
    let (incidents, big_id, big_rows, big_events): (i64, i64, i32, i64) = sqlx::query_as(
        "select (select count(*) from incident), incident_id, alert_count, event_count from incident order by alert_count desc limit 1",
    )
    .fetch_one(&mut db)
    .await?;
    let median: i64 = sqlx::query_scalar(
        "select incident_id from incident order by alert_count desc offset (select count(*) / 2 from incident) limit 1",
    )
    .fetch_one(&mut db)
    .await?;
    let alerts: i64 = sqlx::query_scalar("select count(*) from alert").fetch_one(&mut db).await?;
    println!(
        "stored {alerts} alerts in {incidents} incidents; the largest, #{big_id}, links {big_rows} alert rows ({big_events} alerts)"
    );

    // Measured at rest, as a server sees most of its day: right after a bulk load the
    // planner's statistics lag behind (autovacuum would catch up within minutes).
    let analyzing = Instant::now();
    sqlx::query("vacuum (analyze)").execute(&mut db).await?;
    println!("vacuum (analyze) after the load: {:.1} s", analyzing.elapsed().as_secs_f64());

    let cookie = sign_in(server.addr, "tier1", "riposte-demo").await?;
    let probes = [
        Probe::page("baseline: sign-in page", "/sign-in"),
        Probe::page("alert queue", "/queue"),
        Probe::page("incident queue, Tier 1", "/incidents?queue=tier1"),
        Probe::page("incident queue, all by priority", "/incidents?queue=all&sort=priority"),
        Probe::page("incident queue, high severity", "/incidents?queue=all&severity=high"),
        Probe::page(&format!("incident page, {big_rows} alerts"), &format!("/incidents/{big_id}")),
        Probe::page("incident page, median incident", &format!("/incidents/{median}")),
        Probe::call("search: words", "/api/search", "q=beacon+implant"),
        Probe::call("search: an address", "/api/search", "q=203.0.7.7"),
        Probe::call("search: a range", "/api/search", "q=10.1.0.0%2F16"),
        Probe::call("search: part of a host", "/api/search", "q=ws012"),
        Probe::call("search: a signature", "/api/search", "q=%22ET+SIG+4242%22"),
    ];
    println!("\n{:<40} {:>9} {:>9} {:>10} {:>9} {:>8}", "request", "p50 ms", "p99 ms", "p99/base", "KiB", "target");
    let mut baseline = None;
    let mut verdicts = Vec::new();
    for probe in &probes {
        // One untimed warm-up, as a page already visited once.
        time_requests(server.addr, &cookie, probe, 1).await?;
        let (latencies, size) = time_requests(server.addr, &cookie, probe, options.samples).await?;
        let (p50, p99) = (percentile(&latencies, 50.0), percentile(&latencies, 99.0));
        let base = *baseline.get_or_insert(p99);
        let target = if probe.form.is_some() {
            100
        } else if probe.name.starts_with("baseline") {
            0
        } else {
            50
        };
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{:<40} {:>9.1} {:>9.1} {:>9.1}x {:>9.0} {:>8}",
            probe.name,
            ms(p50),
            ms(p99),
            p99.as_secs_f64() / base.as_secs_f64(),
            size as f64 / 1024.0,
            if target == 0 { "—".to_owned() } else { format!("≤{target}") }
        );
        if target > 0 {
            verdicts.push((probe.name.clone(), ms(p99) <= f64::from(target)));
        }
    }
    let failed: Vec<&String> = verdicts.iter().filter(|(_, ok)| !ok).map(|(name, _)| name).collect();
    println!(
        "\ntargets: {} of {} p99 targets met{}",
        verdicts.len() - failed.len(),
        verdicts.len(),
        if failed.is_empty() { String::new() } else { format!("; NOT met: {failed:?}") }
    );
    println!("server peak memory (RSS): {:.0} MiB", server.peak_rss_mib());
    drop(db);
    server.stop().await
}

/// The pipeline's backlog (estimated from ids, which the outbox holds in order) and the age
/// of its oldest alert in ms. Two index probes: counting the outbox would itself load the
/// database the benchmark measures.
async fn pipeline_backlog(db: &mut sqlx::PgConnection) -> anyhow::Result<(i64, i64)> {
    Ok(sqlx::query_as(
        "select coalesce((select max(alert_id) from alert) - o.alert_id + 1, 0)::int8, \
                coalesce((extract(epoch from clock_timestamp() - a.received_at) * 1000)::int8, 0) \
         from (select min(alert_id) alert_id from alert_pipeline) o left join alert a using (alert_id)",
    )
    .fetch_one(db)
    .await?)
}
