//! `riposte-bench-enrichment`: what enrichment adds per alert with a full inventory and
//! watchlist. Sends the same volume of alerts twice through HTTP while the pipeline runs:
//! first with nothing loaded (the baseline, same run), then after importing 100,000 assets
//! and 1,000,000 indicators through the import API; prints the enrichment stage's time as
//! each alert waited for it (its batch's) and as its share of the batch, time from receipt
//! to enrichment, the match rates, and the imports' rows/s.
//! Usage: `scripts/bench --enrichment`, or `riposte-bench-enrichment --help`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper::{Request, header};
use sqlx::{ConnectOptions, PgConnection};

use riposte_bench::enrichment::{alert_bodies, inventory_csv, watchlist_csv};
use riposte_bench::load::connect;
use riposte_bench::server::Server;
use riposte_bench::{load, scratch};

#[derive(Debug, Parser)]
#[command(name = "riposte-bench-enrichment", about = "Enrichment time per alert with 1M indicators and 100k assets.")]
struct Options {
    #[arg(long)]
    server: Option<PathBuf>,
    #[arg(long, default_value = "target/bench-enrichment")]
    data_dir: PathBuf,
    #[arg(long, default_value = "127.0.0.1:3919")]
    listen: SocketAddr,
    /// Multiplies the counts (1,000,000 indicators, 100,000 assets, 100,000 alerts a phase).
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
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

/// One phase's figures.
struct Phase {
    name: &'static str,
    alerts: usize,
    rate: f64,
    /// Enrichment stage time of the alert's batch: p50, p99 (ms).
    waited: (f64, f64),
    /// The stage's time divided by its batch's alerts: p50, p99 (ms).
    share: (f64, f64),
    /// From the start of the alert's chunk or batch to its packet being stored (the
    /// enrichers, the statements around them and the insert; not the commit): p50, p99 (ms).
    stored: (f64, f64),
    /// Receipt to enrichment: p50, p99 (ms).
    to_enrich: (f64, f64),
    intel_share: f64,
    asset_share: f64,
    /// Each enricher's time per batch: (name, p50, p99 ms).
    enrichers: Vec<(String, f64, f64)>,
}

async fn run(options: &Options, binary: &std::path::Path, data_dir: &std::path::Path) -> anyhow::Result<()> {
    let scaled = |n: f64| ((n * options.scale) as usize).max(1);
    let (indicators, assets, alerts) = (scaled(1_000_000.0), scaled(100_000.0), scaled(100_000.0));
    println!("starting {} with a fresh database in {}", binary.display(), data_dir.display());
    let server = Server::start_with(binary, data_dir, options.listen, &[], &[]).await?;
    // Stopped even when a step fails: a cluster left running would outlive its data directory.
    let result = measure(&server, indicators, assets, alerts).await;
    server.stop().await?;
    result
}

async fn measure(server: &Server, indicators: usize, assets: usize, alerts: usize) -> anyhow::Result<()> {
    let ingest = server.create_token("bench").await?;
    let context = server.create_token_with("bench-context", "context").await?;
    let mut db = server.database()?.connect().await?;

    let empty = phase(server, &mut db, &ingest, "nothing loaded (baseline)", alerts, assets, indicators, "a").await?;

    let mut imports = Vec::new();
    for (kind, source, file, rows) in [
        ("assets", "", inventory_csv(assets), assets),
        ("indicators", "bench feed", watchlist_csv(indicators), indicators),
    ] {
        let started = Instant::now();
        let id = upload(server.addr, &context, kind, source, file).await?;
        wait_for_import(server.addr, &context, id).await?;
        imports.push((kind, rows, started.elapsed()));
    }
    sqlx::query("vacuum (analyze) asset, asset_address, indicator").execute(&mut db).await?;

    let full = phase(server, &mut db, &ingest, "full context", alerts, assets, indicators, "b").await?;

    println!();
    for (kind, rows, took) in &imports {
        println!(
            "import of {rows} {kind} through the API: {:.1} s = {:.0} rows/s",
            took.as_secs_f64(),
            *rows as f64 / took.as_secs_f64()
        );
    }
    println!(
        "\n{:<28} {:>8} {:>9} {:>18} {:>18} {:>18} {:>18} {:>7} {:>7}",
        "context",
        "alerts",
        "alerts/s",
        "stage p50/p99 ms",
        "share p50/p99 ms",
        "→stored p50/p99",
        "receipt→ p50/p99",
        "intel",
        "asset"
    );
    for p in [&empty, &full] {
        println!(
            "{:<28} {:>8} {:>9.0} {:>8.1} /{:>8.1} {:>8.2} /{:>8.2} {:>8.1} /{:>8.1} {:>8.0} /{:>8.0} {:>6.0}% {:>6.0}%",
            p.name,
            p.alerts,
            p.rate,
            p.waited.0,
            p.waited.1,
            p.share.0,
            p.share.1,
            p.stored.0,
            p.stored.1,
            p.to_enrich.0,
            p.to_enrich.1,
            p.intel_share * 100.0,
            p.asset_share * 100.0
        );
    }
    for p in [&empty, &full] {
        let each: Vec<String> =
            p.enrichers.iter().map(|(name, p50, p99)| format!("{name} {p50:.0}/{p99:.0}")).collect();
        println!("  {:<26} per enricher, ms per batch p50/p99: {}", p.name, each.join(", "));
    }
    println!(
        "\nfull context / baseline, p99: stage {:.2}x, share {:.2}x",
        full.waited.1 / empty.waited.1.max(0.001),
        full.share.1 / empty.share.1.max(0.001)
    );
    let verdict = |ms: f64| if ms <= 20.0 { "met" } else { "NOT met" };
    println!(
        "target: enrichment adds at most 20 ms p99 per alert — stage as waited {} ({:.1} ms), \
         start to stored {} ({:.1} ms), share per alert {} ({:.2} ms)",
        verdict(full.waited.1),
        full.waited.1,
        verdict(full.stored.1),
        full.stored.1,
        verdict(full.share.1),
        full.share.1
    );
    println!("server peak memory (RSS): {:.0} MiB", server.peak_rss_mib());
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn phase(
    server: &Server,
    db: &mut PgConnection,
    token: &str,
    name: &'static str,
    alerts: usize,
    assets: usize,
    indicators: usize,
    run: &str,
) -> anyhow::Result<Phase> {
    let first: i64 = sqlx::query_scalar("select coalesce(max(alert_id), 0) + 1 from alert").fetch_one(&mut *db).await?;
    let bodies = alert_bodies(alerts, 1000, assets, indicators, run);
    let sent = load::send_all(server.addr, "/api/v1/alerts", token, bodies, 8).await?;
    let rate = alerts as f64 / sent.elapsed.as_secs_f64();
    let deadline = Instant::now() + Duration::from_secs(1800);
    while sqlx::query_scalar::<_, bool>("select exists (select 1 from alert_pipeline)").fetch_one(&mut *db).await? {
        anyhow::ensure!(Instant::now() < deadline, "the pipeline did not drain in 30 minutes");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // One row per pipeline batch: its alerts (same transaction start) and its stage time.
    let batches: Vec<(i64, i64)> = sqlx::query_as(
        "select count(*), max((select coalesce(sum((e->>'elapsed_ms')::int8), 0) \
                               from json_array_elements(packet->'enrichers') e))::int8 \
         from alert_context where alert_id >= $1 group by enriched_at",
    )
    .bind(first)
    .fetch_all(&mut *db)
    .await?;
    let mut waited: Vec<f64> = Vec::new();
    let mut share: Vec<f64> = Vec::new();
    for (n, stage_ms) in &batches {
        for _ in 0..*n {
            waited.push(*stage_ms as f64);
            share.push(*stage_ms as f64 / *n as f64);
        }
    }
    let (p50, p99, intel, asset, enriched): (f64, f64, i64, i64, i64) = sqlx::query_as(
        "select coalesce(percentile_cont(0.5) within group (order by enrich_ms), 0), \
                coalesce(percentile_cont(0.99) within group (order by enrich_ms), 0), \
                count(*) filter (where json_array_length(packet->'intel') > 0), \
                count(*) filter (where json_array_length(packet->'assets') > 0), count(*) \
         from alert_context where alert_id >= $1",
    )
    .bind(first)
    .fetch_one(&mut *db)
    .await?;
    // enriched_at is the transaction's start; receipt plus enrich_ms is when the row was
    // written (clock_timestamp() in the insert), to the millisecond.
    let stored: (f64, f64) = sqlx::query_as(
        "select coalesce(percentile_cont(0.5) within group (order by w), 0), \
                coalesce(percentile_cont(0.99) within group (order by w), 0) \
         from (select greatest(0, extract(epoch from a.received_at + c.enrich_ms * interval '1 millisecond' \
                                                 - c.enriched_at) * 1000) w \
               from alert_context c join alert a using (alert_id) where c.alert_id >= $1) x",
    )
    .bind(first)
    .fetch_one(&mut *db)
    .await?;
    let enrichers: Vec<(String, f64, f64)> = sqlx::query_as(
        "select e->>'name', percentile_cont(0.5) within group (order by (e->>'elapsed_ms')::float8), \
                percentile_cont(0.99) within group (order by (e->>'elapsed_ms')::float8) \
         from (select distinct on (enriched_at) packet from alert_context where alert_id >= $1) p \
         cross join json_array_elements(p.packet->'enrichers') e group by 1 order by 1",
    )
    .bind(first)
    .fetch_all(&mut *db)
    .await?;
    Ok(Phase {
        enrichers,
        name,
        alerts,
        rate,
        waited: percentiles(&mut waited),
        share: percentiles(&mut share),
        stored,
        to_enrich: (p50, p99),
        intel_share: intel as f64 / enriched.max(1) as f64,
        asset_share: asset as f64 / enriched.max(1) as f64,
    })
}

fn percentiles(values: &mut [f64]) -> (f64, f64) {
    values.sort_by(f64::total_cmp);
    let at = |p: f64| values.get(((values.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or(0.0);
    (at(0.5), at(0.99))
}

const BOUNDARY: &str = "riposte-bench-boundary";

async fn upload(addr: SocketAddr, token: &str, kind: &str, source: &str, file: String) -> anyhow::Result<i64> {
    let mut body = String::new();
    for (name, value) in [("kind", kind), ("format", "csv"), ("source", source)] {
        body.push_str(&format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    body.push_str(&format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{kind}.csv\"\r\n\r\n{file}\r\n--{BOUNDARY}--\r\n"
    ));
    let request = Request::post("/api/v1/context/imports")
        .header(header::HOST, "localhost")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::ACCEPT, "application/json")
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(Full::new(Bytes::from(body)))?;
    let reply = json(addr, request).await?;
    reply["id"].as_i64().ok_or_else(|| anyhow::anyhow!("import not queued: {reply}"))
}

async fn wait_for_import(addr: SocketAddr, token: &str, id: i64) -> anyhow::Result<()> {
    loop {
        let request = Request::get(format!("/api/v1/context/imports/{id}"))
            .header(header::HOST, "localhost")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Full::new(Bytes::new()))?;
        let job = json(addr, request).await?;
        match job["status"].as_str() {
            Some("imported") => return Ok(()),
            Some("rejected" | "failed") => anyhow::bail!("import {id} ended {}: {}", job["status"], job["report"]),
            _ => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

async fn json(addr: SocketAddr, request: Request<Full<Bytes>>) -> anyhow::Result<serde_json::Value> {
    let mut sender = connect(addr).await?;
    let response = sender.send_request(request).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    anyhow::ensure!(status.is_success(), "{status}: {}", String::from_utf8_lossy(&body));
    Ok(serde_json::from_slice(&body)?)
}
