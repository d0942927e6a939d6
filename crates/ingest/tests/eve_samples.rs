//! The EVE adapter on real Suricata output (fixtures derived from suricata-verify; see
//! fixtures/README.md), and on everything in the shared reference file when it is present.

use riposte_domain::alert::{EntityKind, Severity};
use riposte_ingest::eve::parse_lines;

const SAMPLE: &str = include_str!("fixtures/suricata-eve-sample.jsonl");

#[test]
fn alerts_and_context_from_real_events() {
    let batch = parse_lines(SAMPLE.as_bytes(), "suricata");
    assert!(batch.errors.is_empty(), "{:?}", batch.errors);
    assert_eq!(batch.alerts.len(), 6);
    assert_eq!(batch.context.len(), 9);
    let kinds: Vec<&str> = batch.context.iter().map(|c| c.kind.as_str()).collect();
    assert_eq!(kinds, ["fileinfo", "anomaly", "http", "flow", "dns", "tls", "ssh", "drop", "smb"]);

    let first = &batch.alerts[0];
    assert_eq!(first.title, "GPL ATTACK_RESPONSE id check returned root");
    assert_eq!(first.severity, Severity::Medium, "Suricata 2 is medium");
    assert_eq!(first.flow_id.as_deref(), Some("1983485437592685"));
    assert_eq!(first.dedup_key.0, "flow=1983485437592685|sid=2100498|tx=0");
    assert_eq!(first.event_time_ms, Some(1_468_449_727_199));
    assert_eq!(first.raw, SAMPLE.lines().next().expect("line"), "raw kept verbatim");
    let has = |kind: EntityKind, value: &str| first.entities.iter().any(|e| e.kind == kind && e.value == value);
    assert!(has(EntityKind::Ip, "82.165.177.154") && has(EntityKind::Ip, "10.16.1.11"));
    assert!(has(EntityKind::Port, "54186") && has(EntityKind::Protocol, "tcp"));
    assert!(has(EntityKind::File, "/libhtp::request_uri_not_seen"));
    // The session's other records share the alert's flow id: that is the join.
    assert!(batch.context[..4].iter().all(|c| c.flow_id == first.flow_id));

    let blocked = batch.alerts.iter().find(|a| a.tags.iter().any(|t| t == "blocked")).expect("a blocked alert");
    assert!(blocked.description.contains("blocked"));
    assert!(batch.alerts.iter().any(|a| a.entities.iter().any(|e| e.kind == EntityKind::CommunityId)));
    assert!(batch.alerts.iter().any(|a| a.entities.iter().any(|e| e.kind == EntityKind::Domain)));
}

#[test]
fn bad_lines_are_named_and_the_rest_kept() {
    let body = format!(
        "{}\n\nnot json\n{{\"event_type\":\"alert\"}}\n[1]\n{{\"timestamp\":\"x\",\"event_type\":\"dns\"}}\n{}",
        SAMPLE.lines().next().expect("line"),
        SAMPLE.lines().nth(4).expect("line")
    );
    let batch = parse_lines(body.as_bytes(), "suricata");
    assert_eq!((batch.alerts.len(), batch.context.len()), (1, 1));
    let errors: Vec<String> = batch.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert!(errors[0].starts_with("record 2: not JSON"), "{errors:?}");
    assert!(errors[1].starts_with("record 3: an alert event without"), "{errors:?}");
    assert!(errors[2].starts_with("record 4: not a JSON object"), "{errors:?}");
    assert!(errors[3].starts_with("record 5: timestamp \"x\""), "{errors:?}");
}

/// All 10,484 events of the shared reference file, when it is beside the checkout: every
/// line becomes an alert, a context event or a named error, and nothing panics.
#[test]
fn every_reference_event_is_accounted_for() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/eve/suricata-verify-eve.jsonl.gz");
    if !std::path::Path::new(path).exists() {
        eprintln!("reference file not present; skipped");
        return;
    }
    let output = std::process::Command::new("zcat").arg(path).output().expect("zcat");
    let lines = output.stdout.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count();
    let needle: &[u8] = b"\"event_type\":\"alert\"";
    let alert_lines =
        output.stdout.split(|b| *b == b'\n').filter(|l| l.windows(needle.len()).any(|w| w == needle)).count();
    let batch = parse_lines(&output.stdout, "suricata");
    println!(
        "{lines} lines: {} alerts, {} context, {} errors",
        batch.alerts.len(),
        batch.context.len(),
        batch.errors.len()
    );
    assert_eq!(batch.alerts.len() + batch.context.len() + batch.errors.len(), lines);
    assert_eq!(batch.alerts.len(), alert_lines, "{:?}", batch.errors.iter().take(5).collect::<Vec<_>>());
}
