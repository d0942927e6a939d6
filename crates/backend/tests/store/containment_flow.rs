//! Containment around the action: a pre-authorised policy acting on a matching alert within
//! its cap and waiting for review; the NOC acknowledging or objecting; the SIEM receiving
//! every step over syslog (TCP and UDP) and HEC, and a SIEM that is down holding up nothing.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use riposte_backend::BackendError;
use riposte_backend::admin::Actor;
use riposte_backend::containment::jobs::{Devices, run_due};
use riposte_backend::containment::notices::{acknowledge, noc_queue, object};
use riposte_backend::containment::policies::{PolicyInput, put_policy, review};
use riposte_backend::containment::request;
use riposte_backend::incidents::unread_notices;
use riposte_domain::Role;
use riposte_domain::containment::Condition;
use riposte_testkit::TestDb;
use tokio::io::AsyncReadExt;

use crate::containment::{add_connector, count, quiet_backend};
use crate::containment_jobs::{Lab, block, incident, state};
use crate::incidents::{send, user};

/// What a HEC receiver saw: the Authorization header and the body of each POST.
type HecSeen = Arc<Mutex<Vec<(String, String)>>>;

fn scan_policy(cap: i32) -> PolicyInput {
    PolicyInput {
        name: "block scanners".into(),
        enabled: true,
        condition: Condition { signature_contains: Some("ET SCAN".into()), ..Condition::default() },
        kind: "block".into(),
        direction: Some("both".into()),
        aim: "source".into(),
        connector: "edge".into(),
        ttl_secs: 3600,
        rate_cap_per_hour: cap,
    }
}

fn scan(from: &str, reference: &str) -> String {
    format!(
        r#"{{"title":"ET SCAN Nmap sweep","severity":"high","source_ref":"{reference}",
        "entities":[{{"kind":"ip","value":"{from}","role":"source"}},{{"kind":"ip","value":"10.9.9.9","role":"destination"}}]}}"#
    )
}

#[tokio::test]
async fn a_pre_authorised_policy_blocks_a_matching_alert_within_its_cap() {
    let Lab { db, backend, device, analyst } = Lab::new().await;
    let too_broad = PolicyInput { condition: Condition::default(), ..scan_policy(1) };
    let refused = put_policy(&backend, Actor::CommandLine, &too_broad).await;
    assert!(matches!(refused, Err(BackendError::Validation(ref e)) if e.field == "condition"), "{refused:?}");
    put_policy(&backend, Actor::CommandLine, &scan_policy(1)).await.expect("policy");

    send(&db, &backend, "ids", &[&scan("203.0.113.7", "p1")]).await;
    let (action_id, requested_by, needs_review, incident): (i64, String, bool, Option<i64>) =
        sqlx::query_as("select action_id, requested_by, needs_review, incident_id from containment_action")
            .fetch_one(&db.pool)
            .await
            .expect("the policy asked for an action");
    assert_eq!((requested_by.as_str(), needs_review), ("policy:block scanners", true));
    assert!(incident.is_some(), "on the alert's incident");
    assert_eq!(state(&db, action_id).await, "approved");

    send(&db, &backend, "ids", &[&scan("203.0.113.7", "p2")]).await;
    assert_eq!(count(&db, "select count(*) from containment_action").await, 1, "one open action per target");
    send(&db, &backend, "ids", &[&scan("203.0.113.8", "p3")]).await;
    assert_eq!(count(&db, "select count(*) from containment_action").await, 1, "the hourly cap holds");
    let held: String =
        sqlx::query_scalar("select detail->>'why' from audit_record where action = 'containment_policy_held_back'")
            .fetch_one(&db.pool)
            .await
            .expect("recorded");
    assert!(held.contains("cap of 1"), "{held}");
    send(
        &db,
        &backend,
        "ids",
        &[r#"{"title":"ET POLICY curl","severity":"high","source_ref":"p4",
        "entities":[{"kind":"ip","value":"203.0.113.9","role":"source"}]}"#],
    )
    .await;
    assert_eq!(count(&db, "select count(*) from audit_record where action = 'containment_policy_held_back'").await, 1);

    run_due(&db.pool, &Devices::default()).await.expect("jobs");
    assert_eq!(state(&db, action_id).await, "verified");
    assert_eq!(device.held(), ["203.0.113.7/32"]);
    review(&backend, &analyst, action_id).await.expect("reviewed");
    assert!(matches!(review(&backend, &analyst, action_id).await, Err(BackendError::Conflict(_))));
}

#[tokio::test]
async fn a_policy_on_a_category_acts_on_alerts_of_that_category_only() {
    let Lab { db, backend, .. } = Lab::new().await;
    let condition = Condition { category_contains: Some("privilege gain".into()), ..Condition::default() };
    let policy = PolicyInput { name: "privilege gain".into(), condition, ..scan_policy(10) };
    put_policy(&backend, Actor::CommandLine, &policy).await.expect("policy");
    // Suricata's classification, as its EVE adapter stores it: "category · action".
    let alert = |from: &str, category: &str, reference: &str| {
        format!(
            r#"{{"title":"ET EXPLOIT attempt","severity":"high","source_ref":"{reference}",
            "description":"{category} · allowed","entities":[{{"kind":"ip","value":"{from}","role":"source"}}]}}"#
        )
    };
    send(&db, &backend, "ids", &[&alert("203.0.113.20", "Web Application Attack", "c1")]).await;
    assert_eq!(count(&db, "select count(*) from containment_action").await, 0, "another category");
    send(&db, &backend, "ids", &[&alert("203.0.113.21", "Attempted Administrator Privilege Gain", "c2")]).await;
    let target: String =
        sqlx::query_scalar("select target from containment_action").fetch_one(&db.pool).await.expect("one");
    assert_eq!(target, "203.0.113.21/32");
}

#[tokio::test]
async fn a_policy_never_blocks_an_internal_address() {
    let db = TestDb::new().await;
    let backend = quiet_backend(&db).await;
    add_connector(&db, "edge", "http://127.0.0.1:9/", &[]).await;
    put_policy(&backend, Actor::CommandLine, &scan_policy(10)).await.expect("policy");
    send(&db, &backend, "ids", &[&scan("10.20.30.40", "i1")]).await;
    assert_eq!(count(&db, "select count(*) from containment_action").await, 0);
    let held: String =
        sqlx::query_scalar("select detail->>'why' from audit_record where action = 'containment_policy_held_back'")
            .fetch_one(&db.pool)
            .await
            .expect("recorded");
    assert!(held.contains("guard rails"), "{held}");
}

#[tokio::test]
async fn the_noc_acknowledges_or_objects_and_the_requester_hears() {
    let Lab { db, backend, device: _, analyst } = Lab::new().await;
    sqlx::query("insert into notification_channel (name, kind, url, created_by) values ('noc-chat', 'slack', 'http://127.0.0.1:9/x', 'test')")
        .execute(&db.pool)
        .await
        .expect("channel");
    sqlx::query("update containment_setting set notice_channels = '{noc-chat}'")
        .execute(&db.pool)
        .await
        .expect("setting");
    let noc = user(&backend, "nora", Role::Noc).await;
    let tier1 = user(&backend, "tom", Role::Tier1).await;
    let incident_id = incident(&db, &backend).await;
    request(&backend, &analyst, &block("203.0.113.7", "a", Some(incident_id))).await.expect("first");
    request(&backend, &analyst, &block("203.0.113.8", "b", Some(incident_id))).await.expect("second");
    // Asked for from an alert no incident holds (yet).
    request(&backend, &analyst, &block("203.0.113.9", "c", None)).await.expect("third");
    run_due(&db.pool, &Devices::default()).await.expect("jobs");

    let queue = noc_queue(&backend, &noc, 50).await.expect("queue");
    assert_eq!(queue.len(), 3);
    let (on_incident, alone): (Vec<_>, Vec<_>) =
        queue.into_iter().partition(|n| n.change.contains(".113.7") || n.change.contains(".113.8"));
    let queue = on_incident;
    assert!(queue.iter().all(|n| n.acknowledged_at.is_none() && n.event == "verified"));
    assert_eq!(
        count(&db, "select count(*) from notification where channel = 'noc-chat'").await,
        3,
        "sent to the channel"
    );
    assert!(matches!(acknowledge(&backend, &tier1, queue[0].notice_id).await, Err(BackendError::Forbidden(_))));
    acknowledge(&backend, &noc, queue[0].notice_id).await.expect("acknowledged");
    assert!(matches!(acknowledge(&backend, &noc, queue[0].notice_id).await, Err(BackendError::Conflict(_))));

    object(&backend, &noc, queue[1].notice_id, "the partner VPN rides on that address").await.expect("objection");
    let heard = unread_notices(&backend, &analyst).await.expect("notices");
    assert!(heard.iter().any(|n| n.text.contains("nora objects") && n.text.contains("partner VPN")), "{heard:?}");
    object(&backend, &noc, alone[0].notice_id, "that is our mail relay's upstream").await.expect("objection");
    let heard = unread_notices(&backend, &analyst).await.expect("notices");
    let relay = heard.iter().find(|n| n.text.contains("mail relay")).expect("the requester hears without an incident");
    assert_eq!(relay.incident_id, None);
    let after = noc_queue(&backend, &noc, 50).await.expect("queue");
    assert!(after.iter().all(|n| n.acknowledged_at.is_some()));
    assert_eq!(after.iter().filter(|n| n.objection.is_some()).count(), 2);
    let logged =
        "select count(*) from incident_event where kind in ('containment_acknowledged', 'containment_objection')";
    assert_eq!(count(&db, logged).await, 2);
}

#[tokio::test]
async fn every_step_reaches_syslog_and_hec_and_a_dead_siem_holds_up_nothing() {
    let Lab { db, backend, device: _, analyst } = Lab::new().await;

    // A syslog receiver over TCP that keeps every byte.
    let syslog = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let syslog_addr = syslog.local_addr().expect("addr").to_string();
    let received = Arc::new(Mutex::new(Vec::<u8>::new()));
    let sink = received.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = syslog.accept().await else { return };
            let mut bytes = Vec::new();
            stream.read_to_end(&mut bytes).await.ok();
            sink.lock().expect("sink").extend(bytes);
        }
    });
    // A HEC receiver that keeps the token and the body.
    let hec_seen = HecSeen::default();
    let app = Router::new()
        .route(
            "/services/collector/event",
            post(|State(seen): State<HecSeen>, headers: HeaderMap, body: String| async move {
                let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                seen.lock().expect("seen").push((auth, body));
                r#"{"text":"Success","code":0}"#
            }),
        )
        .with_state(hec_seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let hec_url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("hec") });
    let token_file = std::env::temp_dir().join(format!("riposte-hec-{}", std::process::id()));
    std::fs::write(&token_file, "hec-token-1\n").expect("token");

    let admin = Actor::CommandLine;
    use riposte_backend::siem::put_output;
    put_output(&backend, admin, "syslog", "syslog_tcp", &syslog_addr, None).await.expect("syslog output");
    let token_ref = format!("file:{}", token_file.display());
    put_output(&backend, admin, "splunk", "hec", &hec_url, Some(&token_ref)).await.expect("hec output");
    put_output(&backend, admin, "down", "syslog_tcp", "127.0.0.1:9", None).await.expect("dead output");
    // And a syslog receiver over UDP: one datagram a message.
    let udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.expect("udp");
    let udp_addr = udp.local_addr().expect("addr").to_string();
    put_output(&backend, admin, "syslog-udp", "syslog_udp", &udp_addr, None).await.expect("udp output");
    let bad = put_output(&backend, admin, "x", "hec", "not a url", Some(&token_ref)).await;
    assert!(matches!(bad, Err(BackendError::Validation(ref e)) if e.field == "address"), "{bad:?}");

    let asked = request(&backend, &analyst, &block("203.0.113.7", "k", None)).await.expect("request");
    run_due(&db.pool, &Devices::default()).await.expect("jobs");
    assert_eq!(state(&db, asked.action_id).await, "verified", "the SIEM being down held up nothing");

    let client = reqwest::Client::new();
    let sent = riposte_backend::siem::deliver_due(&db.pool, &client).await.expect("deliver");
    assert_eq!(sent, 12, "four steps to each of the three live outputs");
    let mut datagrams = Vec::new();
    let mut buffer = [0u8; 4096];
    while datagrams.len() < 4 {
        let read = tokio::time::timeout(std::time::Duration::from_secs(5), udp.recv(&mut buffer))
            .await
            .expect("a datagram")
            .expect("read");
        datagrams.push(String::from_utf8_lossy(&buffer[..read]).into_owned());
    }
    assert!(datagrams.iter().all(|d| d.contains(" riposte - containment - CEF:0|Riposte|Riposte|")), "{datagrams:?}");
    assert!(datagrams[3].contains("containment:verified"), "{datagrams:?}");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let text = String::from_utf8(received.lock().expect("sink").clone()).expect("utf-8");
    // Octet-counted frames: "<length> <message>".
    let mut rest = text.as_str();
    let mut frames = Vec::new();
    while let Some((length, tail)) = rest.split_once(' ') {
        let length: usize = length.parse().expect("frame length");
        frames.push(&tail[..length]);
        rest = &tail[length..];
    }
    assert_eq!(frames.len(), 4, "{text}");
    assert!(frames.iter().all(|f| f.starts_with('<') && f.contains(" riposte - containment - CEF:0|Riposte|Riposte|")));
    assert!(frames[3].contains("containment:verified") && frames[3].contains(&format!("cn1={}", asked.action_id)));
    let hec = hec_seen.lock().expect("seen").clone();
    assert_eq!(hec.len(), 1, "one POST for the batch");
    assert_eq!(hec[0].0, "Splunk hec-token-1");
    assert_eq!(hec[0].1.matches("\"sourcetype\":\"riposte:containment\"").count(), 4);

    let (waiting, error): (i64, Option<String>) = sqlx::query_as(
        "select count(*), max(last_error) from siem_outbox where output = 'down' and sent_at is null and next_try_at > now()",
    )
    .fetch_one(&db.pool)
    .await
    .expect("dead output");
    assert_eq!(waiting, 4, "kept and due again later");
    assert!(error.is_some_and(|e| e.contains("127.0.0.1:9")));
    std::fs::remove_file(token_file).ok();
}
