//! Identity and network-activity context against a real PostgreSQL and real mmdb files: an
//! alert about a user carries their usual hosts and sources, flags a first-seen source and
//! host and an impossible trip (Paris, then Sydney an hour later, placed by the GeoIP and
//! ASN databases); an alert about an address carries its recent flows and DNS lookups; a
//! GeoIP database that cannot be read is recorded and skipped.

use riposte_domain::enrichment::{ContextPacket, EnricherOutcome};
use riposte_ingest::eve::{Parsed, parse_event};
use riposte_ingest::windows::parse_windows;
use riposte_testkit::TestDb;
use sqlx::types::Json;

use crate::escalation::send_context;
use crate::incidents::send;

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/geoip/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn logon(record: u32, time: &str, host: &str, from: &str) -> String {
    format!(
        r#"{{"@timestamp":"{time}","winlog":{{"channel":"Security","event_id":"4624","computer_name":"{host}","record_id":{record},"event_data":{{"TargetUserName":"alice","LogonType":"10","IpAddress":"{from}","IpPort":"50522"}}}}}}"#
    )
}

async fn packet(db: &TestDb, alert_id: i64) -> ContextPacket {
    let Json(packet): Json<ContextPacket> = sqlx::query_scalar("select packet from alert_context where alert_id = $1")
        .bind(alert_id)
        .fetch_one(&db.pool)
        .await
        .expect("enriched");
    packet
}

async fn configure_geo(db: &TestDb, city: &str, asn: &str) {
    sqlx::query("update geoip_setting set city_path = $1, asn_path = $2")
        .bind(city)
        .bind(asn)
        .execute(&db.pool)
        .await
        .expect("setting");
}

#[tokio::test]
async fn a_users_alert_carries_their_sign_in_pattern_and_impossible_travel() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    configure_geo(&db, &fixture("city-test.mmdb"), &fixture("asn-test.mmdb")).await;
    let logons = [
        logon(1, "2026-11-20T08:00:00Z", "WS7.corp.example", "192.0.2.10"),
        logon(2, "2026-11-21T08:00:00Z", "WS7.corp.example", "192.0.2.10"),
        logon(3, "2026-11-22T09:00:00Z", "WS7.corp.example", "192.0.2.10"),
    ];
    let events = logons.iter().map(|l| parse_windows(l, "windows").expect("4624").context).collect();
    send_context(&db, &backend, "windows", events).await;
    let alert = r#"{"title":"Interactive logon to a domain controller","severity":"high","source_ref":"id1",
        "event_time":"2026-11-22T10:00:00Z",
        "entities":[{"kind":"user","value":"alice"},{"kind":"host","value":"dc01"},
                    {"kind":"ip","value":"198.51.100.4","role":"source"}]}"#;
    let id = send(&db, &backend, "idp", &[alert]).await[0];
    let packet = packet(&db, id).await;

    let who = &packet.identities[0];
    assert_eq!((who.user.as_str(), who.logons, who.failures), ("alice", 3, 0));
    assert_eq!(who.usual_hosts[0].value, "ws7.corp.example");
    assert_eq!((who.usual_sources[0].value.as_str(), who.usual_sources[0].count), ("192.0.2.10", 3));
    assert_eq!(who.usual_sources[0].place, "Paris, FR · AS64500 Example Telecom FR");
    assert_eq!(who.new_source.as_deref(), Some("198.51.100.4"));
    assert_eq!(who.new_host.as_deref(), Some("dc01"));
    let trip = who.impossible_travel.as_ref().expect("Paris then Sydney in an hour");
    assert_eq!((trip.from.as_str(), trip.to.as_str()), ("192.0.2.10", "198.51.100.4"));
    assert!(trip.to_place.starts_with("Sydney, AU"), "{}", trip.to_place);
    assert!(trip.kmh > 15_000, "{}", trip.kmh);
    let place = packet.places.iter().find(|p| p.address == "198.51.100.4").expect("placed");
    assert_eq!((place.country.as_deref(), place.asn), (Some("AU"), Some(64501)));
    let run = |name: &str| packet.enrichers.iter().find(|r| r.name == name).map(|r| r.outcome.clone());
    assert!(matches!(run("identity"), Some(EnricherOutcome::Ok { matches: 1 })), "{:?}", packet.enrichers);
    assert!(matches!(run("geoip"), Some(EnricherOutcome::Ok { .. })), "{:?}", packet.enrichers);
}

#[tokio::test]
async fn an_address_alert_carries_its_recent_flows_and_dns_lookups() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    let lines = [
        r#"{"timestamp":"2026-11-22T09:50:00.000000+0000","flow_id":11,"event_type":"dns","src_ip":"10.20.0.5","src_port":53001,"dest_ip":"10.20.0.53","dest_port":53,"proto":"UDP","dns":{"version":2,"type":"query","id":1,"rrname":"c2.evil.example","rrtype":"A","tx_id":0}}"#,
        r#"{"timestamp":"2026-11-22T09:50:01.000000+0000","flow_id":12,"event_type":"dns","src_ip":"10.20.0.5","src_port":53002,"dest_ip":"10.20.0.53","dest_port":53,"proto":"UDP","dns":{"version":3,"type":"request","tx_id":0,"queries":[{"rrname":"c2.evil.example","rrtype":"AAAA"}]}}"#,
        r#"{"timestamp":"2026-11-22T09:51:00.000000+0000","flow_id":13,"event_type":"flow","src_ip":"10.20.0.5","src_port":50000,"dest_ip":"203.0.113.66","dest_port":443,"proto":"TCP","app_proto":"tls","flow":{"pkts_toserver":10,"pkts_toclient":8,"bytes_toserver":900,"bytes_toclient":5000,"start":"2026-11-22T09:51:00.000000+0000","end":"2026-11-22T09:51:30.000000+0000","age":30,"state":"closed","reason":"timeout","alerted":false}}"#,
        // A day and more earlier: outside the window.
        r#"{"timestamp":"2026-11-20T09:51:00.000000+0000","flow_id":14,"event_type":"flow","src_ip":"10.20.0.5","src_port":50001,"dest_ip":"192.0.2.99","dest_port":22,"proto":"TCP","flow":{"pkts_toserver":1,"pkts_toclient":0,"bytes_toserver":60,"bytes_toclient":0,"start":"2026-11-20T09:51:00.000000+0000","end":"2026-11-20T09:51:00.000000+0000","age":0,"state":"new","reason":"timeout","alerted":false}}"#,
    ];
    let events = lines
        .iter()
        .map(|line| match parse_event(line.as_bytes(), "suricata").expect("EVE") {
            Parsed::Context(event) => *event,
            Parsed::Alert(_) => panic!("context expected"),
        })
        .collect();
    send_context(&db, &backend, "suricata", events).await;
    let alert = r#"{"title":"ET MALWARE beacon","severity":"high","source_ref":"act1","event_time":"2026-11-22T10:00:00Z",
        "entities":[{"kind":"ip","value":"10.20.0.5","role":"source"},{"kind":"ip","value":"203.0.113.66","role":"destination"}]}"#;
    let id = send(&db, &backend, "suricata", &[alert]).await[0];
    let packet = packet(&db, id).await;
    let host = packet.activity.iter().find(|a| a.address == "10.20.0.5").expect("activity");
    assert_eq!((host.events, host.flows), (3, 1));
    assert_eq!((host.dns[0].value.as_str(), host.dns[0].count), ("c2.evil.example", 2));
    assert_eq!(host.ports[0].value, "443");
    let server = packet.activity.iter().find(|a| a.address == "203.0.113.66").expect("the peer's side");
    assert_eq!((server.flows, server.peers[0].value.as_str()), (1, "10.20.0.5"));
    // No GeoIP configured: no places, and no geoip enricher in the packet.
    assert!(packet.places.is_empty());
    assert!(packet.enrichers.iter().all(|r| r.name != "geoip"));
}

#[tokio::test]
async fn an_unreadable_geoip_database_is_recorded_and_skipped() {
    let db = TestDb::new().await;
    let backend = db.backend().await;
    configure_geo(&db, &fixture("make_test_mmdb.py"), &fixture("no-such.mmdb")).await;
    let alert = r#"{"title":"Port scan","severity":"low","source_ref":"geo-bad",
        "entities":[{"kind":"ip","value":"198.51.100.4","role":"source"}]}"#;
    let id = send(&db, &backend, "ids", &[alert]).await[0];
    let packet = packet(&db, id).await;
    let geo = packet.enrichers.iter().find(|r| r.name == "geoip").expect("recorded");
    match &geo.outcome {
        EnricherOutcome::Failed { error } => assert!(error.contains("GeoIP database"), "{error}"),
        other => panic!("expected a failure, got {other:?}"),
    }
    assert!(packet.places.is_empty());
}
