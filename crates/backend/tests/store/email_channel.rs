//! E-mail channels over real SMTP: a loopback relay that speaks the protocol (EHLO, MAIL,
//! RCPT, DATA) receives a containment notice sent to the NOC's channels; a relay that
//! answers 5xx fails the message for good, one that cannot be reached is retried.

use std::sync::{Arc, Mutex};

use riposte_backend::admin::Actor;
use riposte_backend::containment::jobs::{Devices, run_due};
use riposte_backend::containment::request;
use riposte_backend::notify::{deliver_due, put_channel};
use riposte_testkit::TestDb;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::containment::quiet_backend;
use crate::containment_jobs::{Lab, block};

/// A relay on loopback that keeps each message's DATA; `refuse` answers RCPT with 550.
async fn relay(refuse: bool) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("addr").to_string();
    let received = Arc::new(Mutex::new(Vec::new()));
    let kept = received.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            let kept = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 relay.test ESMTP\r\n").await.ok();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            kept.lock().expect("kept").push(std::mem::take(body));
                            data = None;
                            write.write_all(b"250 2.0.0 queued\r\n").await.ok();
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let verb = line.split(' ').next().unwrap_or_default().to_ascii_uppercase();
                    let answer: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250-relay.test\r\n250 8BITMIME\r\n",
                        "RCPT" if refuse => b"550 5.1.1 no such mailbox\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 end with .\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.ok();
                            return;
                        }
                        _ => b"250 2.0.0 ok\r\n",
                    };
                    write.write_all(answer).await.ok();
                }
            });
        }
    });
    (address, received)
}

#[tokio::test]
async fn a_containment_notice_reaches_the_noc_by_e_mail() {
    let Lab { db, backend, device: _, analyst } = Lab::new().await;
    let (address, received) = relay(false).await;
    let url = format!("smtp://{address}?from=riposte@example.org&to=noc@example.org,oncall@example.org");
    put_channel(&backend, Actor::CommandLine, "noc-mail", "email", &url).await.expect("channel");
    let bad = put_channel(&backend, Actor::CommandLine, "x", "email", "smtp://relay?to=noc@example.org").await;
    assert!(bad.is_err_and(|e| e.to_string().contains("from")), "a sender is required");
    sqlx::query("update containment_setting set notice_channels = '{noc-mail}'")
        .execute(&db.pool)
        .await
        .expect("setting");

    request(&backend, &analyst, &block("203.0.113.7", "k", None)).await.expect("request");
    run_due(&db.pool, &Devices::default()).await.expect("jobs");
    let sent = deliver_due(&db.pool, &reqwest::Client::new()).await.expect("deliver");
    assert_eq!(sent, 1);
    let messages = received.lock().expect("received").clone();
    assert_eq!(messages.len(), 1, "one message for both receivers");
    let message = &messages[0];
    assert!(message.contains("Subject: Containment verified: 203.0.113.7/32"), "{message}");
    assert!(message.contains("To: noc@example.org, oncall@example.org"), "{message}");
    assert!(message.contains("block 203.0.113.7/32 (inbound) applied on edge"), "{message}");
}

#[tokio::test]
async fn a_refusing_relay_fails_for_good_and_an_absent_one_is_retried() {
    let db = TestDb::new().await;
    let backend = quiet_backend(&db).await;
    let (address, _) = relay(true).await;
    let refusing = format!("smtp://{address}?from=riposte@example.org&to=nobody@example.org");
    put_channel(&backend, Actor::CommandLine, "refusing", "email", &refusing).await.expect("channel");
    put_channel(
        &backend,
        Actor::CommandLine,
        "absent",
        "email",
        "smtp://127.0.0.1:9?from=a@example.org&to=b@example.org",
    )
    .await
    .expect("channel");
    for name in ["refusing", "absent"] {
        riposte_backend::notify::send_test(&backend, Actor::CommandLine, name).await.expect("queued");
    }
    deliver_due(&db.pool, &reqwest::Client::new()).await.expect("deliver");
    let states: Vec<(String, String, bool)> =
        sqlx::query_as("select channel, status, next_attempt_at > now() from notification order by channel")
            .fetch_all(&db.pool)
            .await
            .expect("states");
    assert_eq!(states[0].0, "absent");
    assert_eq!((states[0].1.as_str(), states[0].2), ("pending", true), "tried again later");
    assert_eq!(states[1].0, "refusing");
    assert_eq!(states[1].1, "failed", "a 5xx is final");
}
