//! Property test for every parser: whatever bytes arrive, a parser answers with records or
//! errors and never panics. Seeds are real-shaped records; each round mutates one (flips,
//! cuts, duplicates, inserts multi-byte and control characters, splices two seeds). The
//! generator is seeded, so a failure reproduces; the work is bounded so CI stays fast.
//! `RIPOSTE_FUZZ_ROUNDS` raises the rounds for a longer local run.

use riposte_ingest::formats::{Format, parse_record};
use riposte_ingest::syslog::{Framer, parse_header};
use riposte_ingest::thehive::query::parse_query;
use riposte_ingest::thehive::{parse_alert, parse_patch};
use riposte_ingest::{Batch, cef, eve, fortigate, native, panos, sshd, windows};

const SEEDS: &[&str] = &[
    r#"{"title":"SSH brute force","severity":"high","event_time":"2026-11-22T10:00:00Z","entities":[{"kind":"ip","value":"203.0.113.7","role":"source"}],"attack_techniques":["T1110"],"tags":["ssh"]}"#,
    r#"{"timestamp":"2026-11-22T09:58:01.123456+0000","flow_id":1234567890123,"event_type":"alert","src_ip":"203.0.113.7","src_port":40112,"dest_ip":"10.1.1.5","dest_port":443,"proto":"TCP","alert":{"action":"allowed","signature_id":2034647,"signature":"ET EXPLOIT log4j","severity":1,"metadata":{"mitre_technique_id":["T1190"]}},"http":{"hostname":"a.example","url":"/x"}}"#,
    r#"{"type":"wazuh_alert","source":"wazuh","sourceRef":"1.2","title":"t","description":"d","severity":3,"date":1795341481000,"tlp":2,"observables":[{"dataType":"ip","data":["203.0.113.7","10.0.0.0/8"]},{"dataType":"file","data":"a.exe;application/x;AAAA"}],"procedures":[{"patternId":"T1110"}],"customFields":{"a":{"string":"b"}}}"#,
    r#"{"query":[{"_name":"listAlert"},{"_name":"filter","_and":[{"_eq":{"_field":"status","_value":"New"}},{"_not":{"_like":{"_field":"title","_value":"*x*"}}}]},{"_name":"sort","_fields":[{"date":"desc"}]},{"_name":"page","from":0,"to":10}]}"#,
    r"CEF:0|Check Point|VPN-1 \| FW|R81|Anti Bot|Pipe \| name|8|src=10.0.0.5 dst=203.0.113.9 msg=a \= b\\c suser=CORP\\alice rt=1795341600000",
    r#"1,2026/11/22 09:58:01,012801096514,THREAT,vulnerability,2561,2026/11/22 09:58:01,10.1.1.20,203.0.113.9,0.0.0.0,0.0.0.0,r,corp\bob,,web,vsys1,trust,untrust,e1,e2,f,2026/11/22 09:58:01,48213,1,51234,80,0,0,0x2000,tcp,reset-both,"a,b",Log4j(91991),any,critical,c2s,7204857021"#,
    r#"date=2026-11-22 time=09:58:01 devname="FGT" devid="FGT60" eventtime=1795341481123456789 logid="0419016384" type="utm" subtype="ips" severity="critical" srcip=203.0.113.7 dstip=10.1.1.5 attack="Log4j \"x\"" url="/a" hostname="h""#,
    "Failed password for invalid user admin from 203.0.113.7 port 50524 ssh2",
    r#"{"@timestamp":"2026-11-22T09:57:12.345Z","winlog":{"event_id":"4688","computer_name":"WS","record_id":1,"event_data":{"SubjectUserName":"bob","CommandLine":"vssadmin delete shadows /all"}}}"#,
    r#"{"EventTime":"2026-11-22 09:59:00","Hostname":"WS","EventID":7045,"RecordNumber":5,"ServiceName":"s","ImagePath":"cmd /c x"}"#,
    r#"<165>1 2026-11-22T09:59:58.123Z host sshd 42 ID [a b="c\]d" e="f"] Accepted publickey for alice from 10.0.0.9 port 5 ssh2"#,
    "<38>Nov 22 09:58:01 bastion sshd[812]: Failed password for root from 203.0.113.7 port 50522 ssh2",
    "11 <13>hello w5 <13>x\n<13>line\n",
];

const INSERTS: &[&str] = &[
    "\u{3000}",
    "é",
    "𝒜",
    "\0",
    "\\",
    "|",
    "=",
    "\"",
    "{",
    "[",
    "]",
    "<",
    ">",
    " ",
    "\n",
    "%",
    "*",
    "~",
    "-1",
    "99999999999999999999",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: small, deterministic, good enough to drive mutations.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(6) {
            0 if !bytes.is_empty() => {
                let i = rng.below(bytes.len());
                bytes[i] ^= 1 << rng.below(8);
            }
            1 => bytes.truncate(at),
            2 => {
                let insert = INSERTS[rng.below(INSERTS.len())].as_bytes();
                bytes.splice(at..at, insert.iter().copied());
            }
            3 if !bytes.is_empty() => {
                let end = (at + rng.below(16)).min(bytes.len());
                let piece = bytes[at.min(end)..end].to_vec();
                bytes.splice(at..at, piece);
            }
            4 => {
                let other = SEEDS[rng.below(SEEDS.len())].as_bytes();
                let cut = rng.below(other.len());
                bytes.truncate(at);
                bytes.extend_from_slice(&other[cut..]);
            }
            _ => {
                let end = (at + rng.below(8)).min(bytes.len());
                bytes.drain(at..end);
            }
        }
    }
    bytes
}

/// Feeds one input to every parser.
fn every_parser(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let _ = native::parse_body(bytes, "s");
    let _ = eve::parse_lines(bytes, "s");
    let _ = parse_alert(bytes, "s");
    let _ = parse_patch(bytes);
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) {
        let _ = parse_query(&value);
    }
    if let Ok(record) = cef::parse_cef(&text) {
        let _ = cef::cef_alert(&record, &text, "s", None);
    }
    let _ = panos::looks_like_panos(&text);
    let _ = panos::parse_panos(&text, "s");
    let _ = fortigate::parse_fortigate(&text, "s");
    let _ = sshd::parse_sshd(&text, Some("h"), Some(1), "s");
    let _ = windows::parse_windows(&text, "s");
    let _ = parse_header(&text, 1_795_341_600_000);
    let mut framer = Framer::default();
    let _ = framer.push(bytes);
    let _ = framer.finish();
    for format in [
        Format::Auto,
        Format::Eve,
        Format::Native,
        Format::Cef,
        Format::PanOs,
        Format::FortiGate,
        Format::Sshd,
        Format::Windows,
    ] {
        let mut batch = Batch::default();
        parse_record(format, &text, None, 1_795_341_600_000, 0, &mut batch);
    }
}

#[test]
fn no_input_makes_a_parser_panic() {
    let rounds: usize = std::env::var("RIPOSTE_FUZZ_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(20_000);
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    for seed in SEEDS {
        every_parser(seed.as_bytes());
    }
    for round in 0..rounds {
        let seed = SEEDS[round % SEEDS.len()].as_bytes();
        let input = mutate(&mut rng, seed);
        let outcome = std::panic::catch_unwind(|| every_parser(&input));
        assert!(outcome.is_ok(), "round {round} panicked on input {:?}", String::from_utf8_lossy(&input));
    }
}
