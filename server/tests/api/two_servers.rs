//! Two server processes on one database, as behind a load balancer: a change made through
//! one reaches a browser's live stream held open on the other, because notices travel through
//! PostgreSQL (NOTIFY at commit), not through either process's memory.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use riposte_bench::load::connect;
use riposte_bench::server::Server;

/// Reads server-sent events until one named `event` carries `needle`, or `within` passes.
async fn wait_for_event(
    body: &mut hyper::body::Incoming,
    seen: &mut String,
    event: &str,
    needle: &str,
    within: Duration,
) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if seen.split("\n\n").any(|block| block.contains(&format!("event: {event}")) && block.contains(needle)) {
            return true;
        }
        let Some(left) = deadline.checked_duration_since(Instant::now()) else { return false };
        match tokio::time::timeout(left, body.frame()).await {
            Ok(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    seen.push_str(&String::from_utf8_lossy(data));
                }
            }
            _ => return false,
        }
    }
}

async fn send(
    addr: std::net::SocketAddr,
    request: hyper::Request<Full<Bytes>>,
) -> hyper::Response<hyper::body::Incoming> {
    let mut sender = connect(addr).await.expect("connect");
    sender.send_request(request).await.expect("request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_through_one_server_is_seen_live_through_the_other() {
    let dir = tempfile::tempdir().expect("scratch directory");
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_server"));
    let (addr_a, addr_b) =
        ("127.0.0.1:3951".parse().expect("test value"), "127.0.0.1:3952".parse().expect("test value"));
    let data_a = dir.path().join("a");
    let data_b = dir.path().join("b");
    std::fs::create_dir_all(&data_a).expect("test value");
    std::fs::create_dir_all(&data_b).expect("test value");
    let a = Server::start_with(binary, &data_a, addr_a, &[], &["--demo"]).await.expect("server A");
    let url = a.database_url().expect("database url");
    let b = Server::start_with(binary, &data_b, addr_b, &["--database-url", &url], &[]).await.expect("server B");

    let ingest = a.create_token("ids").await.expect("ingest token");
    let reader = a
        .command(&["token", "create", "dashboard", "--source", "screen", "--scope", "read"])
        .await
        .expect("read token");
    let reader = reader.lines().find_map(|l| l.strip_prefix("token: ")).expect("secret").to_owned();

    // A browser on B opens the incidents stream.
    let stream = hyper::Request::get("/api/v1/stream/incidents")
        .header("host", "localhost")
        .header("authorization", format!("Bearer {reader}"))
        .body(Full::new(Bytes::new()))
        .expect("test value");
    let response = send(addr_b, stream).await;
    assert_eq!(response.status(), 200);
    let mut body = response.into_body();
    let mut seen = String::new();

    // An alert arrives through A; correlation opens an incident; B's stream hears of it.
    let alert = r#"{"title":"ET EXPLOIT two-server","severity":"high","entities":[{"kind":"ip","value":"198.18.9.9","role":"source"}]}"#;
    let post = hyper::Request::post("/api/v1/alerts")
        .header("host", "localhost")
        .header("authorization", format!("Bearer {ingest}"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(alert)))
        .expect("test value");
    let started = Instant::now();
    assert_eq!(send(addr_a, post).await.status(), 201);
    assert!(
        wait_for_event(&mut body, &mut seen, "incidents", "[", Duration::from_secs(10)).await,
        "no notice on B: {seen}"
    );
    let opened = started.elapsed();
    let mut db = {
        use sqlx::ConnectOptions;
        a.database().expect("options").connect().await.expect("connect")
    };
    let incident: i64 = sqlx::query_scalar("select incident_id from incident order by incident_id desc limit 1")
        .fetch_one(&mut db)
        .await
        .expect("incident");

    // A person comments through A; B's stream names that incident.
    let sign_in = hyper::Request::post("/api/sign_in")
        .header("host", "localhost")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(Full::new(Bytes::from("username=tier1&password=riposte-demo")))
        .expect("test value");
    let signed_in = send(addr_a, sign_in).await;
    assert!(signed_in.status().is_success(), "{}", signed_in.status());
    let cookie = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.split(';').next().filter(|c| c.starts_with("riposte_session=")))
        .expect("session cookie")
        .to_owned();
    seen.clear();
    let comment = hyper::Request::post("/api/comment_incident")
        .header("host", "localhost")
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(Full::new(Bytes::from(format!("id={incident}&body=seen+from+A"))))
        .expect("test value");
    let commented_at = Instant::now();
    let reply = send(addr_a, comment).await;
    assert!(reply.status().is_success(), "comment through A: {}", reply.status());
    let needle = format!("{incident}");
    assert!(
        wait_for_event(&mut body, &mut seen, "incidents", &needle, Duration::from_secs(10)).await,
        "B did not hear of the comment: {seen}"
    );
    println!(
        "two servers: new incident seen on B {} ms after the alert was sent to A; comment {} ms",
        opened.as_millis(),
        commented_at.elapsed().as_millis()
    );
    drop(body);
    drop(db);
    b.stop().await.expect("stop B");
    a.stop().await.expect("stop A");
}
