//! The syslog listener over real sockets: UDP datagrams and TCP streams with both framings,
//! each message parsed by content and stored; peers outside the allow list are ignored.

use std::time::{Duration, Instant};

use server::syslog::{AllowList, SyslogOptions, start};
use tokio::io::AsyncWriteExt;

use crate::support::TestApp;

const LINES: &str = include_str!("../fixtures/syslog-mixed.log");

async fn wait_for(app: &TestApp, table: &str, condition: &str, expected: i64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let found = app.count(table, condition).await;
        if found == expected {
            return;
        }
        assert!(Instant::now() < deadline, "{table} where {condition}: {found}, expected {expected}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn local() -> Option<std::net::SocketAddr> {
    Some("127.0.0.1:0".parse().expect("addr"))
}

#[tokio::test]
async fn udp_and_tcp_messages_are_parsed_and_stored() {
    let app = TestApp::new().await;
    let bound = start(app.backend.clone(), SyslogOptions { udp: local(), tcp: local(), allow: AllowList::default() })
        .await
        .expect("listening");
    let lines: Vec<&str> = LINES.lines().collect();

    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.expect("udp");
    for line in &lines[..3] {
        socket.send_to(line.as_bytes(), bound.udp.expect("udp bound")).await.expect("sent");
    }
    let mut stream = tokio::net::TcpStream::connect(bound.tcp.expect("tcp bound")).await.expect("tcp");
    // One octet-counted frame, then newline-framed lines, split at awkward places.
    let mut payload = format!("{} {}", lines[3].len(), lines[3]).into_bytes();
    payload.extend(format!("{}\n{}\n", lines[4], lines[5]).into_bytes());
    for chunk in payload.chunks(37) {
        stream.write_all(chunk).await.expect("write");
    }
    stream.shutdown().await.expect("close");

    wait_for(&app, "alert", "source = 'cef'", 1).await;
    wait_for(&app, "alert", "source = 'panos'", 1).await;
    wait_for(&app, "alert", "source = 'fortigate'", 1).await;
    wait_for(&app, "context_event", "source = 'panos' and kind = 'firewall_traffic' and action = 'allow'", 1).await;
    wait_for(&app, "context_event", "source = 'sshd' and kind = 'logon' and user_name = 'root'", 2).await;
}

#[tokio::test]
async fn peers_outside_the_allow_list_are_not_heard() {
    let app = TestApp::new().await;
    let allow = AllowList::new(&["192.0.2.0/24".into()]).expect("list");
    let bound = start(app.backend.clone(), SyslogOptions { udp: local(), tcp: None, allow }).await.expect("listening");
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.expect("udp");
    socket.send_to(LINES.lines().next().expect("line").as_bytes(), bound.udp.expect("udp")).await.expect("sent");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.count("alert", "true").await, 0);
}
