//! The real `server` binary with its embedded PostgreSQL: start, refuse a second server on
//! the same data directory, borrow the cluster from the command line, stop cleanly on
//! SIGTERM, keep data across restarts, and recover after being killed.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

const BIN: &str = env!("CARGO_BIN_EXE_server");

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

fn server_command(data_dir: &Path) -> Command {
    let mut command = Command::new(BIN);
    command.env_remove("DATABASE_URL").env("RUST_LOG", "info").arg("--data-dir").arg(data_dir);
    command
}

fn start(data_dir: &Path, port: u16, extra: &[&str]) -> Child {
    server_command(data_dir)
        .args(extra)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--site-root", "/nonexistent"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn server")
}

/// One HTTP/1.1 request over a raw socket; returns (status, body).
fn http(port: u16, method: &str, path: &str, body: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nAccept: application/json\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, response.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned()))
}

fn wait_ready(port: u16, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while Instant::now() < deadline {
        if let Some((200, _)) = http(port, "GET", "/readyz", "") {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            let mut stderr = String::new();
            child.stderr.take().expect("stderr").read_to_string(&mut stderr).ok();
            panic!("server exited early ({status}): {stderr}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("server not ready within 90 s");
}

fn wait_exit(child: &mut Child, limit: Duration) -> Output {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    if child.try_wait().expect("wait").is_none() {
        let _ = child.kill();
        panic!("process did not exit within {limit:?}");
    }
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    child.stdout.take().map(|mut s| s.read_to_end(&mut stdout));
    child.stderr.take().map(|mut s| s.read_to_end(&mut stderr));
    Output { status: child.wait().expect("status"), stdout, stderr }
}

fn signal(child: &Child, signal: Signal) {
    kill(Pid::from_raw(child.id() as i32), signal).expect("signal");
}

fn run_tool(data_dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = server_command(data_dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn tool");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    wait_exit(&mut child, Duration::from_secs(90))
}

#[test]
fn embedded_database_lifecycle() {
    let scratch = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(scratch.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let data = scratch.path().join("data");
    let port = free_port();

    // First start creates the cluster; logs as JSON lines on request.
    let mut first = start(&data, port, &["--log-format", "json"]);
    wait_ready(port, &mut first);

    // A second server on the same data directory is refused, clearly.
    let mut second = start(&data, free_port(), &[]);
    let refused = wait_exit(&mut second, Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(stderr.contains("is in use by another Riposte server"), "clear error: {stderr}");

    // The command line borrows the running server's cluster.
    let added =
        run_tool(&data, &["user", "add", "alice", "--role", "admin", "--password-stdin"], "correct horse battery\n");
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));

    // SIGTERM: graceful exit, cluster stopped.
    signal(&first, Signal::SIGTERM);
    let stopped = wait_exit(&mut first, Duration::from_secs(60));
    assert!(stopped.status.success(), "clean exit: {stopped:?}");
    let logs = String::from_utf8_lossy(&stopped.stderr);
    let json_lines = logs.lines().filter(|l| l.starts_with('{')).count();
    assert!(json_lines >= 3 && logs.contains("\"Riposte is listening\""), "JSON logs: {logs}");
    assert!(!data.join("pgdata/postmaster.pid").exists(), "PostgreSQL stopped with the server");

    // Restart: the data is still there.
    let port = free_port();
    let mut again = start(&data, port, &[]);
    wait_ready(port, &mut again);
    let (status, _) =
        http(port, "POST", "/api/sign_in", "username=alice&password=correct+horse+battery").expect("sign in");
    assert_eq!(status, 200, "the user created before the restart signs in");

    // Killed outright, PostgreSQL is orphaned; the next start stops it cleanly and goes on.
    signal(&again, Signal::SIGKILL);
    let _ = wait_exit(&mut again, Duration::from_secs(10));
    assert!(data.join("pgdata/postmaster.pid").exists(), "cluster left running");
    let port = free_port();
    let mut recovered = start(&data, port, &[]);
    wait_ready(port, &mut recovered);
    let listed = run_tool(&data, &["user", "list"], "");
    assert!(String::from_utf8_lossy(&listed.stdout).contains("alice"), "data kept after the kill");
    signal(&recovered, Signal::SIGTERM);
    let output = wait_exit(&mut recovered, Duration::from_secs(60));
    let logs = String::from_utf8_lossy(&output.stderr);
    assert!(logs.contains("still running from a previous run"), "says what it found: {logs}");
    assert!(output.status.success());
}

/// With DATABASE_URL the server uses that PostgreSQL and starts no cluster of its own.
#[test]
fn database_url_uses_the_given_server_and_starts_nothing() {
    let target = riposte_testkit::test_cluster();
    let database = format!("url_{}", std::process::id());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        use sqlx::Connection;
        let mut admin =
            sqlx::PgConnection::connect_with(&riposte_testkit::connect_options("postgres")).await.expect("connect");
        sqlx::query(&format!("drop database if exists {database}")).execute(&mut admin).await.expect("drop");
        sqlx::query(&format!("create database {database}")).execute(&mut admin).await.expect("create");
    });
    let url = format!(
        "postgres://{}@localhost/{database}?host={}&port={}",
        target.user,
        target.socket_dir.display(),
        target.port
    );
    let scratch = tempfile::tempdir().expect("tempdir");
    let data = scratch.path().join("unused");
    let port = free_port();
    let mut server = server_command(&data)
        .env("DATABASE_URL", &url)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--site-root", "/nonexistent"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    wait_ready(port, &mut server);
    assert!(!data.join("pgdata").exists(), "no embedded cluster was created");
    signal(&server, Signal::SIGTERM);
    assert!(wait_exit(&mut server, Duration::from_secs(60)).status.success());
}
