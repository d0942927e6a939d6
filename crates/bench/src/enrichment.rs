//! The enrichment benchmark's data: an asset inventory and a watchlist as the import API takes
//! them (CSV), and alerts whose addresses, hosts and domains fall partly in both, so lookups
//! both hit and miss as they would in production.

use std::fmt::Write;

use crate::rng::Xorshift;

/// `count` assets: hosts `srvN.corp.example` at 10.(N/65536).(N/256).(N%256), every
/// hundredth a /24 range instead, criticality 1 to 5, every tenth internet-facing.
pub fn inventory_csv(count: usize) -> String {
    let mut csv = String::from("name,addresses,owner,criticality,internet_facing,tags\n");
    for n in 0..count {
        let (a, b, c) = ((n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
        if n % 100 == 99 {
            let k = n / 100;
            let _ = writeln!(csv, ",10.{}.{}.0/24,Network,{},no,segment", 100 + (k >> 8), k & 0xff, 1 + n % 5);
        } else {
            let _ = writeln!(
                csv,
                "srv{n}.corp.example,10.{a}.{b}.{c},Ops,{},{},",
                1 + n % 5,
                if n % 10 == 0 { "yes" } else { "no" }
            );
        }
    }
    csv
}

/// `count` indicators: addresses in 203.0.0.0/8-like space, domains, SHA-256 hashes, and every
/// thousandth a /24 range; confidence 10 to 100.
pub fn watchlist_csv(count: usize) -> String {
    let mut csv = String::from("type,value,confidence,description\n");
    for n in 0..count {
        let confidence = 10 + (n * 7) % 91;
        match n % 4 {
            _ if n % 1000 == 999 => {
                let _ =
                    writeln!(csv, "cidr,172.{}.{}.0/24,{confidence},range {n}", 16 + (n >> 16) % 16, (n >> 8) & 0xff);
            }
            0 | 1 => {
                let _ = writeln!(csv, "ip,{},{confidence},address {n}", bad_ip(n));
            }
            2 => {
                let _ = writeln!(csv, "domain,bad{n}.example,{confidence},domain {n}");
            }
            _ => {
                let _ = writeln!(csv, "hash,{:064x},{confidence},sample {n}", n as u128 * 0x9e37_79b9_7f4a_7c15);
            }
        }
    }
    csv
}

/// The listed address for indicator `n`.
fn bad_ip(n: usize) -> String {
    format!("{}.{}.{}.{}", 1 + (n >> 24) % 200, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff)
}

/// Request bodies of `batch` alerts, `total` in all, under enough signatures that storm
/// control rolls nothing up (every alert is enriched): the source address is on the watchlist
/// for one alert in five, the destination is an inventoried server for one in two, one in ten
/// names a listed domain, one in twenty a listed hash.
pub fn alert_bodies(total: usize, batch: usize, assets: usize, indicators: usize, run: &str) -> Vec<String> {
    let mut rng = Xorshift::new(0x2545_f491_4f6c_dd1d);
    let mut bodies = Vec::new();
    let mut alerts = Vec::with_capacity(batch);
    for n in 0..total {
        let r = rng.next_u64();
        let listed = (r as usize >> 8) % indicators.max(1) / 4 * 4;
        let src = if r.is_multiple_of(5) {
            bad_ip(listed)
        } else {
            format!("198.18.{}.{}", (r >> 16) & 0xff, (r >> 24) & 0xff)
        };
        let server = (r as usize >> 32) % assets.max(1);
        let dst = if r.is_multiple_of(2) {
            format!("10.{}.{}.{}", (server >> 16) & 0xff, (server >> 8) & 0xff, server & 0xff)
        } else {
            format!("192.168.{}.{}", (r >> 40) & 0xff, (r >> 48) & 0xff)
        };
        let mut entities = format!(
            r#"{{"kind":"ip","value":"{src}","role":"source"}},{{"kind":"ip","value":"{dst}","role":"destination"}},{{"kind":"host","value":"srv{server}"}}"#
        );
        if r % 10 == 3 {
            let _ = write!(entities, r#",{{"kind":"domain","value":"www.bad{}.example"}}"#, listed + 2);
        }
        if r % 20 == 7 {
            let _ = write!(
                entities,
                r#",{{"kind":"hash","value":"{:064x}"}}"#,
                (listed + 3) as u128 * 0x9e37_79b9_7f4a_7c15
            );
        }
        alerts.push(format!(
            r#"{{"title":"ET POLICY probe {}","severity":"medium","source_ref":"{run}-{n}","entities":[{entities}]}}"#,
            r % 100_000
        ));
        if alerts.len() == batch {
            bodies.push(format!("[{}]", alerts.join(",")));
            alerts.clear();
        }
    }
    if !alerts.is_empty() {
        bodies.push(format!("[{}]", alerts.join(",")));
    }
    bodies
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_files_parse_as_the_server_reads_them() {
        let assets = riposte_import::assets::from_csv(inventory_csv(300).as_bytes()).expect("csv");
        assert_eq!((assets.records.len(), assets.errors.len()), (300, 0));
        let intel = riposte_import::indicators::from_csv(watchlist_csv(4000).as_bytes(), "bench").expect("csv");
        assert_eq!((intel.records.len(), intel.errors.len()), (4000, 0), "{:?}", intel.errors.first());
        let bodies = alert_bodies(250, 100, 300, 4000, "t");
        assert_eq!(bodies.len(), 3);
        let alerts: Vec<serde_json::Value> = serde_json::from_str(&bodies[0]).expect("json");
        assert_eq!(alerts.len(), 100);
    }
}
