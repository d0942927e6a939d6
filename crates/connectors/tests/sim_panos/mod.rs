//! A PAN-OS firewall's XML API as far as the connector uses it, with state: keys from keygen
//! (revocable), User-ID tag registrations, a candidate and a running configuration of
//! address objects and static groups, and commit jobs that go PEND → ACT → FIN and only then
//! change the running configuration. Answers follow the firewall's: HTTP 200 with
//! `status="error"` for errors, code 403 for a bad key, the "already exists, ignore" message
//! for a tag registered twice, a refusal to delete an object a group still references.

pub mod contract;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::routing::post;

use crate::common::url_pairs;

pub const VSYS_XPATH: &str = "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']";
/// The job id the recording's commit got.
pub const FIRST_JOB: u64 = 7;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// name → (ip-netmask, description)
    pub addresses: BTreeMap<String, (String, String)>,
    /// name → static members
    pub groups: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct Job {
    pub polls: u32,
    pub fail: Option<String>,
    /// The candidate configuration at commit time, made running when the job succeeds.
    pub snapshot: Config,
}

#[derive(Debug)]
pub struct Firewall {
    pub keys: BTreeSet<String>,
    pub keygens: u32,
    /// ip → tags
    pub registered: BTreeMap<String, BTreeSet<String>>,
    pub candidate: Config,
    pub running: Config,
    pub jobs: BTreeMap<u64, Job>,
    pub next_job: u64,
    /// The next commit job ends FIN/FAIL with this message.
    pub fail_next_commit: Option<String>,
    /// Commit jobs never get past ACT.
    pub stuck_jobs: bool,
    /// The next commit is refused: another one is running.
    pub commit_busy: bool,
    /// The next answer is not XML (a proxy's error page).
    pub garbage_next: bool,
}

pub type Shared = Arc<Mutex<Firewall>>;

impl Firewall {
    /// The lab firewall: the recording's key is valid, the group exists and is empty.
    pub fn lab() -> Shared {
        let mut config = Config::default();
        config.groups.insert("SOC-Blocklist".into(), Vec::new());
        Arc::new(Mutex::new(Firewall {
            keys: BTreeSet::from(["LAB-API-KEY".to_owned()]),
            keygens: 0,
            registered: BTreeMap::new(),
            candidate: config.clone(),
            running: config,
            jobs: BTreeMap::new(),
            next_job: FIRST_JOB,
            fail_next_commit: None,
            stuck_jobs: false,
            commit_busy: false,
            garbage_next: false,
        }))
    }
}

pub fn router(firewall: Shared) -> Router {
    Router::new().route("/api/", post(api)).with_state(firewall)
}

fn success(result: &str) -> String {
    format!("<response status=\"success\"><result>{result}</result></response>")
}

fn error(code: &str, message: &str) -> String {
    format!("<response status=\"error\" code=\"{code}\"><msg><line>{message}</line></msg></response>")
}

async fn api(State(firewall): State<Shared>, body: String) -> String {
    let form: BTreeMap<String, String> = url_pairs(&body).into_iter().collect();
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let mut fw = firewall.lock().expect("firewall");
    if std::mem::take(&mut fw.garbage_next) {
        return "<html><body>502 Bad Gateway".into();
    }
    if field("type") == "keygen" {
        return keygen(&mut fw, field("user"), field("password"));
    }
    if !fw.keys.contains(field("key")) {
        return "<response status = 'error' code = '403'><result><msg>Invalid Credential</msg></result></response>"
            .into();
    }
    match field("type") {
        "user-id" => user_id(&mut fw, field("cmd")),
        "op" => op(&mut fw, field("cmd")),
        "commit" if field("cmd") == "<commit />" => commit(&mut fw),
        "config" => config(&mut fw, field("action"), field("xpath"), field("element")),
        other => error("400", &format!("unknown type {other}")),
    }
}

fn keygen(fw: &mut Firewall, user: &str, password: &str) -> String {
    if (user, password) != ("admin", "lab-pass") {
        return "<response status = 'error' code = '403'><result><msg>Invalid credentials.</msg></result></response>"
            .into();
    }
    fw.keygens += 1;
    let key = if fw.keygens == 1 { "LAB-API-KEY".to_owned() } else { format!("LAB-API-KEY-{}", fw.keygens) };
    fw.keys.insert(key.clone());
    success(&format!("<key>{key}</key>"))
}

fn user_id(fw: &mut Firewall, cmd: &str) -> String {
    let doc = roxmltree::Document::parse(cmd).expect("uid-message XML");
    let mut complaints = Vec::new();
    for op in ["register", "unregister"] {
        let Some(node) = doc.descendants().find(|n| n.has_tag_name(op)) else { continue };
        for entry in node.children().filter(|n| n.has_tag_name("entry")) {
            let ip = entry.attribute("ip").expect("entry ip").to_owned();
            for tag in entry.descendants().filter(|n| n.has_tag_name("member")).filter_map(|n| n.text()) {
                let tags = fw.registered.entry(ip.clone()).or_default();
                let changed = if op == "register" { tags.insert(tag.to_owned()) } else { tags.remove(tag) };
                if !changed && op == "register" {
                    complaints.push(format!("<entry ip=\"{ip}\" message=\"tag {tag} already exists, ignore\"/>"));
                } else if !changed {
                    complaints.push(format!("<entry ip=\"{ip}\" message=\"tag {tag} does not exist, ignore unreg\"/>"));
                }
            }
        }
        fw.registered.retain(|_, tags| !tags.is_empty());
        let uid = |payload: &str| {
            format!("<uid-response><version>2.0</version><payload><{op}>{payload}</{op}></payload></uid-response>")
        };
        return match complaints.is_empty() {
            true => success(&uid("")),
            false => {
                format!("<response status=\"error\"><msg><line>{}</line></msg></response>", uid(&complaints.concat()))
            }
        };
    }
    error("400", "uid-message without register or unregister")
}

fn op(fw: &mut Firewall, cmd: &str) -> String {
    if cmd == "<show><system><info></info></system></show>" {
        return success(
            "<system><hostname>lab-fw</hostname><model>PA-VM</model><sw-version>11.1.2</sw-version></system>",
        );
    }
    let doc = roxmltree::Document::parse(cmd).expect("op command XML");
    let text = |name: &str| doc.descendants().find(|n| n.has_tag_name(name)).and_then(|n| n.text()).map(str::to_owned);
    if doc.descendants().any(|n| n.has_tag_name("registered-ip")) {
        let ip = text("ip").expect("registered-ip ip");
        let entries: String = fw
            .registered
            .get(&ip)
            .map(|tags| {
                let members: String = tags.iter().map(|t| format!("<member>{t}</member>")).collect();
                format!("<entry ip=\"{ip}\" from_agent=\"0\" persistent=\"1\"><tag>{members}</tag></entry>")
            })
            .unwrap_or_default();
        let count = usize::from(!entries.is_empty());
        return success(&format!("{entries}<count>{count}</count>"));
    }
    if doc.descendants().any(|n| n.has_tag_name("jobs")) {
        let id: u64 = text("id").expect("job id").parse().expect("numeric job id");
        let stuck = fw.stuck_jobs;
        let Some(job) = fw.jobs.get_mut(&id) else { return error("400", &format!("job {id} not found")) };
        job.polls += 1;
        let (status, result) = match job.polls {
            1 => ("PEND", "PEND"),
            _ if stuck => ("ACT", "PEND"),
            2 => ("ACT", "PEND"),
            _ if job.fail.is_some() => ("FIN", "FAIL"),
            _ => ("FIN", "OK"),
        };
        let details = match (result, &job.fail) {
            ("FAIL", Some(why)) => format!("<line>{why}</line><line>Commit failed</line>"),
            ("OK", _) => "<line>Configuration committed successfully</line>".into(),
            _ => String::new(),
        };
        if result == "OK" && job.polls == 3 {
            fw.running = job.snapshot.clone();
        }
        return success(&format!(
            "<job><id>{id}</id><type>Commit</type><status>{status}</status><result>{result}</result>\
             <details>{details}</details></job>"
        ));
    }
    error("17", "Invalid syntax")
}

fn commit(fw: &mut Firewall) -> String {
    if std::mem::take(&mut fw.commit_busy) {
        return error("13", "Another commit or validate is in progress. Please try again later");
    }
    let pending = fw.jobs.values().rev().find(|j| j.fail.is_none() && j.polls < 3).map(|j| j.snapshot.clone());
    if fw.candidate == pending.unwrap_or_else(|| fw.running.clone()) {
        return "<response status=\"success\" code=\"19\"><msg>There are no changes to commit.</msg></response>".into();
    }
    let id = fw.next_job;
    fw.next_job += 1;
    let job = Job { polls: 0, fail: fw.fail_next_commit.take(), snapshot: fw.candidate.clone() };
    fw.jobs.insert(id, job);
    format!(
        "<response status=\"success\" code=\"19\"><result><msg><line>Commit job enqueued with jobid {id}</line>\
         </msg><job>{id}</job></result></response>"
    )
}

/// The text between `start` and the next `end`.
fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = &text[text.find(start)? + start.len()..];
    Some(&rest[..rest.find(end)?])
}

fn config(fw: &mut Firewall, action: &str, xpath: &str, element: &str) -> String {
    let Some(path) = xpath.strip_prefix(VSYS_XPATH) else {
        return error("12", &format!("{xpath}: invalid vsys or device"));
    };
    match (action, path) {
        ("set", "/address") => {
            let doc = roxmltree::Document::parse(element).expect("address element");
            let entry = doc.root_element();
            let name = entry.attribute("name").expect("name").to_owned();
            let text = |tag: &str| {
                entry.children().find(|n| n.has_tag_name(tag)).and_then(|n| n.text()).unwrap_or_default().to_owned()
            };
            fw.candidate.addresses.insert(name, (text("ip-netmask"), text("description")));
            success("")
        }
        ("set", "/address-group") => {
            let doc = roxmltree::Document::parse(element).expect("group element");
            let name = doc.root_element().attribute("name").expect("name").to_owned();
            let added: Vec<String> = doc
                .descendants()
                .filter(|n| n.has_tag_name("member"))
                .filter_map(|n| n.text().map(str::to_owned))
                .collect();
            if let Some(missing) = added.iter().find(|m| !fw.candidate.addresses.contains_key(*m)) {
                return error("12", &format!("{missing} is not a valid reference"));
            }
            let members = fw.candidate.groups.entry(name).or_default();
            for member in added {
                if !members.contains(&member) {
                    members.push(member);
                }
            }
            success("")
        }
        ("delete", path) if path.starts_with("/address/entry") => {
            let name = between(path, "[@name='", "']").expect("object name").to_owned();
            if let Some((group, _)) = fw.candidate.groups.iter().find(|(_, m)| m.contains(&name)) {
                return error(
                    "12",
                    &format!("{name} cannot be deleted because of references from: address-group {group}"),
                );
            }
            match fw.candidate.addresses.remove(&name) {
                Some(_) => success(""),
                None => error("7", "Object doesn't exist"),
            }
        }
        ("delete", path) if path.contains("/static/member") => {
            let group = between(path, "[@name='", "']").expect("group name").to_owned();
            let member = between(path, "[text()='", "']").expect("member").to_owned();
            match fw.candidate.groups.get_mut(&group) {
                Some(members) if members.contains(&member) => {
                    members.retain(|m| *m != member);
                    success("")
                }
                _ => error("7", "Object doesn't exist"),
            }
        }
        ("get" | "show", path) => {
            let config = if action == "get" { &fw.candidate } else { &fw.running };
            let name = between(path, "[@name='", "']").expect("entry name").to_owned();
            let entry = if path.starts_with("/address/") {
                config.addresses.get(&name).map(|(netmask, description)| {
                    format!("<ip-netmask>{netmask}</ip-netmask><description>{description}</description>")
                })
            } else {
                config.groups.get(&name).map(|members| {
                    format!(
                        "<static>{}</static>",
                        members.iter().map(|m| format!("<member>{m}</member>")).collect::<String>()
                    )
                })
            };
            match (entry, action) {
                (Some(inner), _) => success(&format!("<entry name=\"{name}\">{inner}</entry>")),
                (None, "get") => {
                    "<response status=\"success\"><result total-count=\"0\" count=\"0\"/></response>".into()
                }
                (None, _) => error("7", "No such node"),
            }
        }
        _ => error("12", &format!("{action} {xpath}: not supported by the simulator")),
    }
}
