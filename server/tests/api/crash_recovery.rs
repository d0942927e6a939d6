//! A crash in the middle of a load: the real server binary (with its embedded PostgreSQL) is
//! killed with SIGKILL while clients send alerts, then started again. Every alert it had
//! acknowledged must be stored exactly once, and sending one again must not duplicate it.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use riposte_bench::load::{connect, post};
use riposte_bench::server::Server;
use sqlx::ConnectOptions;
use tokio::sync::Mutex;

fn alert(client: usize, n: usize) -> String {
    format!(
        r#"{{"title":"crash test {client}","severity":"high","source_ref":"c{client}-{n}",
             "entities":[{{"kind":"ip","value":"192.0.2.{client}","role":"source"}}]}}"#
    )
}

/// Sends single alerts and batches of 10 until the connection dies; records what was acknowledged.
async fn client(addr: std::net::SocketAddr, token: String, id: usize, acked: Arc<Mutex<Vec<String>>>) {
    let Ok(mut sender) = connect(addr).await else { return };
    let mut n = 0;
    loop {
        let size = if n % 2 == 0 { 1 } else { 10 };
        let refs: Vec<String> = (n..n + size).map(|k| format!("c{id}-{k}")).collect();
        let alerts: Vec<String> = (n..n + size).map(|k| alert(id, k)).collect();
        let body = if size == 1 { alerts.concat() } else { format!("[{}]", alerts.join(",")) };
        n += size;
        match post(&mut sender, "/api/v1/alerts", &token, Bytes::from(body)).await {
            Ok((status, _)) if status.is_success() => acked.lock().await.extend(refs),
            Ok((StatusCode::TOO_MANY_REQUESTS, _)) => tokio::time::sleep(Duration::from_millis(50)).await,
            Ok((status, _)) => panic!("unexpected reply {status}"),
            // The server died: whatever was in flight was never acknowledged.
            Err(_) => return,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_alert_survives_sigkill_exactly_once() {
    let dir = tempfile::tempdir().expect("scratch directory");
    let data_dir = dir.path().join("data");
    std::fs::create_dir_all(&data_dir).expect("data dir");
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_server"));
    let addr: std::net::SocketAddr = "127.0.0.1:3931".parse().expect("address");

    let server = Server::start(binary, &data_dir, addr).await.expect("server starts");
    let token = server.create_token("crash").await.expect("token");
    let acked = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = (1..=6).map(|id| tokio::spawn(client(addr, token.clone(), id, acked.clone()))).collect();
    // Kill once the load is well under way (or after 5 s whatever happened).
    for _ in 0..100 {
        if acked.lock().await.len() >= 500 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.kill().await.expect("SIGKILL");
    for c in clients {
        c.await.expect("client");
    }
    let acked = acked.lock().await.clone();
    assert!(acked.len() >= 100, "the load was under way when the server died ({} acknowledged)", acked.len());

    // The restart recovers the orphaned cluster and its WAL.
    let server = Server::start(binary, &data_dir, addr).await.expect("server restarts");
    let mut db = server.database().expect("database").connect().await.expect("connect");
    let stored: Vec<(String, i64)> =
        sqlx::query_as("select source_ref, count(*) from alert where source = 'crash' group by source_ref")
            .fetch_all(&mut db)
            .await
            .expect("query");
    let duplicates: Vec<_> = stored.iter().filter(|(_, n)| *n > 1).collect();
    assert!(duplicates.is_empty(), "stored twice: {duplicates:?}");
    let stored: HashSet<&str> = stored.iter().map(|(r, _)| r.as_str()).collect();
    let lost: Vec<_> = acked.iter().filter(|r| !stored.contains(r.as_str())).collect();
    assert!(lost.is_empty(), "{} acknowledged alerts lost, e.g. {:?}", lost.len(), lost.first());

    // What the killed server's pipeline had not reached, the restarted one finishes: every
    // alert ends up counted exactly once in the queue (alone, as a storm row, or inside one).
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let waiting: i64 =
            sqlx::query_scalar("select count(*) from alert_pipeline").fetch_one(&mut db).await.expect("count");
        if waiting == 0 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{waiting} alerts still wait for the pipeline after a restart");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (total, counted): (i64, i64) = sqlx::query_as(
        "select count(*), coalesce(sum(occurrences) filter (where rollup_id is null), 0) \
         from alert where source = 'crash'",
    )
    .fetch_one(&mut db)
    .await
    .expect("sums");
    assert_eq!(counted, total, "the queue's counts cover every stored alert once");

    // A sender that never saw its acknowledgement sends again: no duplicate.
    let mut sender = connect(addr).await.expect("connect");
    let first = &acked[0];
    let (client_id, n) = first.trim_start_matches('c').split_once('-').expect("ref");
    let again = alert(client_id.parse().expect("id"), n.parse().expect("n"));
    let (status, _) = post(&mut sender, "/api/v1/alerts", &token, Bytes::from(again)).await.expect("resend");
    assert_eq!(status, StatusCode::OK, "an existing alert is answered 200, not created");
    let copies: i64 = sqlx::query_scalar("select count(*) from alert where source = 'crash' and source_ref = $1")
        .bind(first)
        .fetch_one(&mut db)
        .await
        .expect("count");
    assert_eq!(copies, 1);
    drop(db);
    server.stop().await.expect("clean stop");
}
