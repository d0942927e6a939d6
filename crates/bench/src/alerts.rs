//! Deterministic, realistic alerts: many signatures, addresses and ports, the shape an IDS
//! or EDR sends through the native API. The same records feed both the HTTP run and COPY.

use crate::rng::Xorshift;
use riposte_domain::alert::NewAlert;

const SIGNATURES: &[(&str, &str, &str)] = &[
    ("ET SCAN Potential SSH Scan", "medium", "T1046"),
    ("ET POLICY Suspicious inbound to MSSQL port 1433", "medium", "T1190"),
    ("ET EXPLOIT Apache log4j RCE Attempt (CVE-2021-44228)", "critical", "T1190"),
    ("ET MALWARE Cobalt Strike Beacon Observed", "critical", "T1071.001"),
    ("ET TROJAN Possible Metasploit Payload Common Construct", "high", "T1059"),
    ("GPL ATTACK_RESPONSE id check returned root", "high", "T1033"),
    ("SURICATA TLS invalid handshake message", "low", "T1573"),
    ("ET INFO Observed DNS Query to .onion proxy Domain", "medium", "T1090.003"),
    ("Windows: new service installed (7045)", "high", "T1543.003"),
    ("EDR: credential dumping via lsass access", "critical", "T1003.001"),
];

/// A small, fast generator (xorshift): the same seed gives the same alerts every run.
pub struct Generator {
    rng: Xorshift,
    serial: u64,
    run: String,
}

impl Generator {
    pub fn new(seed: u64, run: &str) -> Self {
        Self { rng: Xorshift::new(seed), serial: 0, run: run.to_owned() }
    }

    fn next(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// One alert as native-API JSON.
    pub fn alert_json(&mut self) -> String {
        self.serial += 1;
        let r = self.next();
        // Signatures in 64 variants each (so storm control sees realistic repetition).
        let (title, severity, technique) = SIGNATURES[(r % SIGNATURES.len() as u64) as usize];
        let variant = (r >> 8) % 64;
        let src = format!("203.0.{}.{}", (r >> 16) % 256, (r >> 24) % 254 + 1);
        let dst = format!("10.{}.{}.{}", (r >> 32) % 16, (r >> 40) % 256, (r >> 48) % 254 + 1);
        let port = [22, 80, 443, 445, 1433, 3389, 8080][((r >> 56) % 7) as usize];
        let time_ms = 1_795_000_000_000_u64 + self.serial * 7;
        format!(
            r#"{{"title":"{title} [{variant}]","severity":"{severity}","source_ref":"{run}-{serial}","event_time":{time_ms},"description":"sensor dmz-{sensor} flagged {src} -> {dst}:{port}","entities":[{{"kind":"ip","value":"{src}","role":"source"}},{{"kind":"ip","value":"{dst}","role":"destination"}},{{"kind":"port","value":"{port}","role":"destination"}},{{"kind":"protocol","value":"tcp"}}],"attack_techniques":["{technique}"],"tags":["bench","dmz"]}}"#,
            run = self.run,
            serial = self.serial,
            sensor = r % 4,
        )
    }

    /// `count` alerts split into request bodies of `batch` (one object when `batch` is 1).
    pub fn bodies(&mut self, count: usize, batch: usize) -> Vec<String> {
        let mut bodies = Vec::with_capacity(count.div_ceil(batch));
        let mut left = count;
        while left > 0 {
            let n = left.min(batch);
            left -= n;
            let alerts: Vec<String> = (0..n).map(|_| self.alert_json()).collect();
            bodies.push(if batch == 1 { alerts.concat() } else { format!("[{}]", alerts.join(",")) });
        }
        bodies
    }
}

/// The records a body becomes, exactly as the server parses them (for the COPY baseline).
pub fn parse(bodies: &[String], source: &str) -> anyhow::Result<Vec<NewAlert>> {
    let mut alerts = Vec::new();
    for body in bodies {
        let (_, records) = riposte_ingest::native::parse_body(body.as_bytes(), source)
            .map_err(|e| anyhow::anyhow!("generated body refused: {e}"))?;
        for record in records {
            alerts.push(record.map_err(|e| anyhow::anyhow!("generated alert refused: {}", e.message))?);
        }
    }
    Ok(alerts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_bodies_parse_and_are_distinct() {
        let mut generator = Generator::new(7, "t");
        let bodies = generator.bodies(250, 100);
        assert_eq!(bodies.len(), 3);
        let alerts = parse(&bodies, "bench").expect("valid");
        assert_eq!(alerts.len(), 250);
        let keys: std::collections::HashSet<_> = alerts.iter().map(|a| a.dedup_key.0.clone()).collect();
        assert_eq!(keys.len(), 250, "every alert is distinct");
        let one = generator.bodies(1, 1);
        assert!(one[0].starts_with('{'), "a batch of one is a single object");
    }
}
