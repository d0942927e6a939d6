//! A Check Point management server as far as blocking goes: log-in sessions that can expire,
//! host and network objects, groups, and publish and install-policy tasks that are "in
//! progress" at their first poll and end at the next (succeeded, or failed when told to).
//! It answers errors as the API does (`code` and `message`, 404 for an unknown object), and
//! refuses what a careless client would do: a second object with a taken name, adding a
//! member twice, deleting an object a group still holds.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub const USER: &str = "soc-api";
pub const PASSWORD: &str = "lab-pass";
pub const API_KEY: &str = "lab-api-key";
pub const GROUP: &str = "SOC_Blocklist";

#[derive(Clone, Default)]
pub struct CheckPointSim {
    state: Arc<Mutex<Sim>>,
}

#[derive(Default)]
pub struct Sim {
    pub logins: u32,
    sessions: Vec<String>,
    pub objects: BTreeMap<String, Value>,
    pub groups: BTreeMap<String, Vec<String>>,
    tasks: BTreeMap<String, Task>,
    task_count: u32,
    /// The next publish (or install) task ends failed with this message.
    pub fail_next_publish: Option<String>,
    pub fail_next_install: Option<String>,
    pub published: u32,
    pub installed: Vec<Value>,
}

struct Task {
    polls: u32,
    failure: Option<String>,
}

impl CheckPointSim {
    /// A server holding the blocking group with one member an analyst put there.
    pub fn new() -> CheckPointSim {
        let sim = CheckPointSim::default();
        {
            let mut state = sim.state();
            state.objects.insert(
                "partner-scanner".into(),
                json!({ "name": "partner-scanner", "type": "host", "ipv4-address": "198.51.100.9" }),
            );
            state.groups.insert(GROUP.into(), vec!["partner-scanner".into()]);
        }
        sim
    }

    pub fn state(&self) -> MutexGuard<'_, Sim> {
        self.state.lock().expect("simulator state")
    }

    /// Every session ends, as after the server's idle timeout.
    pub fn expire_sessions(&self) {
        self.state().sessions.clear();
    }

    pub fn router(&self) -> Router {
        Router::new().fallback(handle).with_state(self.clone())
    }
}

impl Sim {
    pub fn members(&self) -> Vec<String> {
        self.groups.get(GROUP).cloned().unwrap_or_default()
    }

    fn login(&mut self, body: &Value) -> Response {
        let by_password = body["user"] == USER && body["password"] == PASSWORD;
        if !(by_password || body["api-key"] == API_KEY) {
            return error(StatusCode::BAD_REQUEST, "err_login_failed", "Authentication to server failed.");
        }
        self.logins += 1;
        let sid = if self.logins == 1 { "lab-sid".to_owned() } else { format!("lab-sid-{}", self.logins) };
        self.sessions.push(sid.clone());
        ok(json!({ "sid": sid, "session-timeout": 600, "api-server-version": "1.9" }))
    }

    fn command(&mut self, command: &str, body: &Value) -> Response {
        let name = body["name"].as_str().unwrap_or_default().to_owned();
        match command {
            "show-session" => ok(json!({ "user-name": USER, "state": "open" })),
            "show-host" | "show-network" => match self.objects.get(&name) {
                Some(object) if object["type"] == command.trim_start_matches("show-") => ok(object.clone()),
                _ => not_found(&name),
            },
            "add-host" | "add-network" => self.add_object(command.trim_start_matches("add-"), &name, body),
            "delete-host" | "delete-network" => {
                if !self.objects.contains_key(&name) {
                    return not_found(&name);
                }
                if let Some(group) = self.groups.iter().find(|(_, m)| m.contains(&name)).map(|(g, _)| g.clone()) {
                    let message = format!("Object {name} is used by group {group}");
                    return error(StatusCode::BAD_REQUEST, "err_validation_failed", &message);
                }
                self.objects.remove(&name);
                ok(json!({ "message": "OK" }))
            }
            "show-group" => match self.groups.get(&name) {
                Some(members) => {
                    let members: Vec<Value> =
                        members.iter().map(|m| json!({ "name": m, "type": self.objects[m]["type"] })).collect();
                    ok(json!({ "name": name, "members": members }))
                }
                None => not_found(&name),
            },
            "set-group" => self.set_group(&name, &body["members"]),
            "publish" => {
                self.published += 1;
                let failure = self.fail_next_publish.take();
                self.start_task(failure)
            }
            "install-policy" => {
                self.installed.push(body.clone());
                let failure = self.fail_next_install.take();
                self.start_task(failure)
            }
            "show-task" => self.poll_task(body["task-id"].as_str().unwrap_or_default()),
            "logout" => ok(json!({ "message": "OK" })),
            other => error(StatusCode::NOT_FOUND, "generic_err_command_not_found", &format!("Unknown command {other}")),
        }
    }

    fn add_object(&mut self, kind: &str, name: &str, body: &Value) -> Response {
        if name.is_empty() || self.objects.contains_key(name) {
            let message = format!("More than one object named '{name}' exists.");
            return error(StatusCode::BAD_REQUEST, "err_validation_failed", &message);
        }
        let object = match kind {
            "host" => {
                json!({ "name": name, "type": "host", "ipv4-address": body["ip-address"], "comments": body["comments"] })
            }
            _ => json!({
                "name": name, "type": "network", "subnet4": body["subnet"], "mask-length4": body["mask-length"],
                "comments": body["comments"],
            }),
        };
        self.objects.insert(name.to_owned(), object.clone());
        ok(object)
    }

    fn set_group(&mut self, name: &str, change: &Value) -> Response {
        let Some(members) = self.groups.get_mut(name) else { return not_found(name) };
        if let Some(added) = change["add"].as_str() {
            if !self.objects.contains_key(added) {
                return not_found(added);
            }
            if members.iter().any(|m| m == added) {
                let message = format!("{added} is already a member of {name}");
                return error(StatusCode::BAD_REQUEST, "err_validation_failed", &message);
            }
            members.push(added.to_owned());
        }
        if let Some(removed) = change["remove"].as_str() {
            let before = members.len();
            members.retain(|m| m != removed);
            if members.len() == before {
                let message = format!("{removed} is not a member of {name}");
                return error(StatusCode::BAD_REQUEST, "err_validation_failed", &message);
            }
        }
        ok(json!({ "name": name, "members": members }))
    }

    fn start_task(&mut self, failure: Option<String>) -> Response {
        self.task_count += 1;
        let id = format!("task-{}", self.task_count);
        self.tasks.insert(id.clone(), Task { polls: 0, failure });
        ok(json!({ "task-id": id }))
    }

    fn poll_task(&mut self, id: &str) -> Response {
        let Some(task) = self.tasks.get_mut(id) else { return not_found(id) };
        task.polls += 1;
        let (status, details) = match (&task.failure, task.polls) {
            (_, 1) => ("in progress", json!([])),
            (Some(message), _) => ("failed", json!([{ "statusDescription": message }])),
            (None, _) => ("succeeded", json!([])),
        };
        ok(
            json!({ "tasks": [{ "task-id": id, "status": status, "progress-percentage": 50, "task-details": details }] }),
        )
    }
}

async fn handle(State(sim): State<CheckPointSim>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, 1 << 20).await.unwrap_or_default();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let path = parts.uri.path();
    let mut state = sim.state();
    if path == "/web_api/login" {
        return state.login(&body);
    }
    let Some(command) = path.strip_prefix("/web_api/v1.9/") else {
        return error(StatusCode::NOT_FOUND, "generic_err_command_not_found", path);
    };
    let sid = parts.headers.get("x-chkp-sid").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !state.sessions.iter().any(|s| s == sid) {
        let message = "Wrong session id [...]. Session may be expired. Please check session id and resend the request";
        return error(StatusCode::BAD_REQUEST, "generic_err_wrong_session_id", message);
    }
    state.command(command, &body)
}

fn ok(body: Value) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, axum::Json(json!({ "code": code, "message": message }))).into_response()
}

fn not_found(name: &str) -> Response {
    error(StatusCode::NOT_FOUND, "generic_err_object_not_found", &format!("Requested object [{name}] not found"))
}
