//! The workspace benchmark's data and measurements: a million alerts of realistic variety,
//! a slice of which are one long conversation (one Community ID) that correlation gathers
//! into a single incident of ten thousand alerts; and timed page, search and API requests
//! made as a signed-in analyst's browser makes them.

use crate::rng::Xorshift;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, header};

use crate::load::connect;

const TECHNIQUES: [&str; 6] = ["T1071.001", "T1046", "T1021.002", "T1003.001", "T1059.001", "T1041"];

/// Deterministic alerts (xorshift): `total` in all, of which `big` share one flow.
pub struct WorkspaceGenerator {
    rng: Xorshift,
    serial: u64,
    total: u64,
    big_every: u64,
}

impl WorkspaceGenerator {
    pub fn new(total: usize, big: usize) -> Self {
        let big_every = (total / big.max(1)).max(1) as u64;
        Self { rng: Xorshift::new(0x9e37_79b9_7f4a_7c15), serial: 0, total: total as u64, big_every }
    }

    fn next(&mut self) -> u64 {
        self.rng.next_u64()
    }

    fn alert(&mut self) -> String {
        self.serial += 1;
        let n = self.serial;
        let r = self.next();
        let technique = TECHNIQUES[(r % TECHNIQUES.len() as u64) as usize];
        if n.is_multiple_of(self.big_every) {
            // The long conversation: distinct detections on one flow (no storm: titles differ).
            return format!(
                r#"{{"title":"Beacon check-in {n} from implant on dc01","severity":"high","source_ref":"w-{n}","entities":[{{"kind":"community_id","value":"1:benchBigFlowDc01="}},{{"kind":"ip","value":"10.0.0.10","role":"source"}},{{"kind":"ip","value":"198.51.100.66","role":"destination"}},{{"kind":"host","value":"dc01"}}],"attack_techniques":["{technique}"]}}"#
            );
        }
        let signature = (r >> 8) % 20_000;
        let src = format!("203.0.{}.{}", (r >> 24) % 120, (r >> 32) % 250 + 1);
        let dst = format!("10.{}.{}.{}", (r >> 40) % 4, (r >> 44) % 3 * 10, (r >> 48) % 250 + 1);
        let host = format!("ws{:04}", (r >> 52) % 2000);
        let user = format!("user{:03}", (r >> 20) % 1000);
        let flow = self.next();
        format!(
            r#"{{"title":"ET SIG {signature} suspicious activity","severity":"medium","source_ref":"w-{n}","entities":[{{"kind":"community_id","value":"1:{flow:x}="}},{{"kind":"ip","value":"{src}","role":"source"}},{{"kind":"ip","value":"{dst}","role":"destination"}},{{"kind":"host","value":"{host}"}},{{"kind":"user","value":"{user}"}}],"attack_techniques":["{technique}"]}}"#
        )
    }

    /// Request bodies of `batch` alerts each.
    pub fn bodies(&mut self, batch: usize) -> Vec<String> {
        let mut bodies = Vec::new();
        while self.serial < self.total {
            let n = (batch as u64).min(self.total - self.serial) as usize;
            let alerts: Vec<String> = (0..n).map(|_| self.alert()).collect();
            bodies.push(format!("[{}]", alerts.join(",")));
        }
        bodies
    }
}

/// One request as the browser makes it (a page: GET, HTML; a server function: POST form).
#[derive(Debug, Clone)]
pub struct Probe {
    pub name: String,
    pub path: String,
    /// A form body makes it a POST.
    pub form: Option<String>,
}

impl Probe {
    pub fn page(name: &str, path: &str) -> Probe {
        Probe { name: name.to_owned(), path: path.to_owned(), form: None }
    }

    pub fn call(name: &str, path: &str, form: &str) -> Probe {
        Probe { name: name.to_owned(), path: path.to_owned(), form: Some(form.to_owned()) }
    }
}

/// Times `samples` requests one after another on one keep-alive connection, each read to
/// its last byte; fails on any status but 200. Returns the sorted latencies and the size of
/// the last reply.
pub async fn time_requests(
    addr: SocketAddr,
    cookie: &str,
    probe: &Probe,
    samples: usize,
) -> anyhow::Result<(Vec<Duration>, usize)> {
    let mut sender = connect(addr).await?;
    let mut latencies = Vec::with_capacity(samples);
    let mut size = 0;
    for _ in 0..samples {
        let builder = match &probe.form {
            None => Request::get(&probe.path).header(header::ACCEPT, "text/html"),
            Some(_) => Request::post(&probe.path)
                .header(header::ACCEPT, "application/json")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
        };
        let request = builder
            .header(header::HOST, "localhost")
            .header(header::COOKIE, cookie)
            .body(Full::new(Bytes::from(probe.form.clone().unwrap_or_default())))?;
        sender.ready().await?;
        let started = Instant::now();
        let response = sender.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        latencies.push(started.elapsed());
        anyhow::ensure!(status.is_success(), "{} answered {status}: {}", probe.path, String::from_utf8_lossy(&body));
        size = body.len();
    }
    latencies.sort();
    Ok((latencies, size))
}

/// Signs in through the server function; returns the `Cookie` header value.
pub async fn sign_in(addr: SocketAddr, username: &str, password: &str) -> anyhow::Result<String> {
    let mut sender = connect(addr).await?;
    let request = Request::post("/api/sign_in")
        .header(header::HOST, "localhost")
        .header(header::ACCEPT, "application/json")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::from(format!("username={username}&password={password}"))))?;
    let response = sender.send_request(request).await?;
    anyhow::ensure!(response.status().is_success(), "sign-in answered {}", response.status());
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.split(';').next().filter(|c| c.starts_with("riposte_session=")).map(str::to_owned))
        .ok_or_else(|| anyhow::anyhow!("no session cookie"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_big_flow_gets_its_share_and_every_body_is_json() {
        let mut generator = WorkspaceGenerator::new(10_000, 100);
        let bodies = generator.bodies(1000);
        assert_eq!(bodies.len(), 10);
        let mut big = 0;
        for body in &bodies {
            let alerts: Vec<serde_json::Value> = serde_json::from_str(body).expect("json");
            big += alerts.iter().filter(|a| a["title"].as_str().is_some_and(|t| t.starts_with("Beacon"))).count();
        }
        assert_eq!(big, 100);
    }
}
