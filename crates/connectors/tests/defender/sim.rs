//! Microsoft Defender for Endpoint as far as containment goes, after its documentation:
//! Entra ID client-credential tokens, machines found by `$filter`, isolate and unisolate
//! machine actions that go Pending → InProgress → Succeeded one step per read (or end Failed
//! when told to, or stay Pending while the machine is offline), `ActiveRequestAlreadyExists`
//! for a second request while one runs, cancellation, and IP indicators (one per value: a
//! POST for a held value updates it).

use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use riposte_connectors::defender::clock;
use serde_json::{Value, json};

use crate::common::url_pairs;

pub const TENANT: &str = "lab-tenant";
pub const CLIENT_ID: &str = "0b8f4d2e-1c3a-4e5f-9a7b-6c5d4e3f2a1b";
pub const SECRET: &str = "lab-secret";
pub const SCOPE: &str = "https://api.securitycenter.microsoft.com/.default";
pub const MACHINE: &str = "1e5bc9d7e413ddd7902c2932e418702b84d0cc07";

#[derive(Clone, Default)]
pub struct DefenderSim {
    state: Arc<Mutex<Sim>>,
}

#[derive(Default)]
pub struct Sim {
    pub tokens: Vec<String>,
    pub machines: Vec<Value>,
    pub actions: Vec<MachineAction>,
    pub indicators: Vec<Value>,
    /// The next machine action requested fails.
    pub fail_next_action: bool,
    /// Machines whose actions stay Pending (they are off).
    pub offline: Vec<String>,
    counter: u64,
}

pub struct MachineAction {
    pub id: String,
    pub kind: String,
    pub machine_id: String,
    pub status: String,
    pub body: Value,
    created: String,
    fails: bool,
    /// Its machine is off: the action stays Pending.
    stalled: bool,
    /// Listings that do not show it yet (Defender's lists lag behind a moment).
    pub unlisted_reads: u32,
}

impl DefenderSim {
    /// A tenant with `wks-042` (the machine used throughout) and `wks-077`, known by its FQDN.
    pub fn new() -> DefenderSim {
        let sim = DefenderSim::default();
        sim.add_machine(MACHINE, "wks-042", "Active");
        sim.add_machine("7d0f2c3b4a5968778695a4b3c2d1e0f9a8b7c6d5", "wks-077.contoso.local", "Active");
        sim
    }

    pub fn add_machine(&self, id: &str, name: &str, health: &str) {
        self.state().machines.push(json!({ "id": id, "computerDnsName": name, "healthStatus": health }));
    }

    pub fn state(&self) -> MutexGuard<'_, Sim> {
        self.state.lock().expect("simulator state")
    }

    pub fn router(&self) -> Router {
        Router::new().fallback(handle).with_state(self.clone())
    }
}

async fn handle(State(sim): State<DefenderSim>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, 1 << 20).await.unwrap_or_default();
    let query = url_pairs(parts.uri.query().unwrap_or_default());
    let filter = query.iter().find(|(k, _)| k == "$filter").map(|(_, v)| v.clone()).unwrap_or_default();
    let mut state = sim.state();
    let path = parts.uri.path().to_owned();
    if path == format!("/{TENANT}/oauth2/v2.0/token") {
        return state.token(&url_pairs(&String::from_utf8_lossy(&bytes)));
    }
    let bearer = parts.headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !state.tokens.iter().any(|t| bearer == format!("Bearer {t}")) {
        return odata_error(StatusCode::UNAUTHORIZED, "Unauthorized", "The token is not valid");
    }
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (parts.method, segments.as_slice()) {
        (Method::GET, ["api", "machines"]) => state.find_machines(&filter),
        (Method::GET, ["api", "machines", id]) => match state.machines.iter().find(|m| m["id"] == *id) {
            Some(machine) => ok(machine.clone()),
            None => odata_error(StatusCode::NOT_FOUND, "ResourceNotFound", "Machine not found"),
        },
        (Method::POST, ["api", "machines", id, verb @ ("isolate" | "unisolate")]) => state.request(id, verb, &body),
        (Method::GET, ["api", "machineactions"]) => state.list_actions(&filter),
        (Method::GET, ["api", "machineactions", id]) => match state.actions.iter_mut().find(|a| a.id == *id) {
            Some(action) => ok(action.read()),
            None => odata_error(StatusCode::NOT_FOUND, "ResourceNotFound", "Machine action not found"),
        },
        (Method::POST, ["api", "machineactions", id, "cancel"]) => state.cancel(id, &body),
        (Method::GET, ["api", "indicators"]) => {
            let value = odata_literal(&filter, "indicatorValue eq ").unwrap_or_default();
            ok(
                json!({ "value": state.indicators.iter().filter(|i| i["indicatorValue"] == value).cloned().collect::<Vec<_>>() }),
            )
        }
        (Method::POST, ["api", "indicators"]) => state.submit_indicator(&body),
        (Method::DELETE, ["api", "indicators", id]) => {
            let before = state.indicators.len();
            state.indicators.retain(|i| !id_is(&i["id"], id));
            if state.indicators.len() == before {
                return odata_error(StatusCode::NOT_FOUND, "ResourceNotFound", "Indicator not found");
            }
            StatusCode::NO_CONTENT.into_response()
        }
        _ => odata_error(StatusCode::NOT_FOUND, "ResourceNotFound", "No such route"),
    }
}

impl Sim {
    fn token(&mut self, form: &[(String, String)]) -> Response {
        let mut form = form.to_vec();
        form.sort();
        let mut wanted: Vec<(String, String)> = [
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
            ("grant_type", "client_credentials"),
            ("scope", SCOPE),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .to_vec();
        wanted.sort();
        if form != wanted {
            let body = json!({ "error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided." });
            return (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
        }
        let token = if self.tokens.is_empty() {
            "lab-token".to_owned()
        } else {
            format!("lab-token-{}", self.tokens.len() + 1)
        };
        self.tokens.push(token.clone());
        ok(json!({ "token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token }))
    }

    /// `computerDnsName eq 'x'` or `startswith(computerDnsName,'x')`, and `$top` alone.
    fn find_machines(&self, filter: &str) -> Response {
        let matching: Vec<Value> = if filter.is_empty() {
            self.machines.clone()
        } else if let Some(name) = odata_literal(filter, "computerDnsName eq ") {
            self.machines.iter().filter(|m| m["computerDnsName"] == name).cloned().collect()
        } else if let Some(prefix) = odata_literal(filter.trim_end_matches(')'), "startswith(computerDnsName,") {
            let starts = |m: &&Value| m["computerDnsName"].as_str().is_some_and(|n| n.starts_with(&prefix));
            self.machines.iter().filter(starts).cloned().collect()
        } else {
            return odata_error(StatusCode::BAD_REQUEST, "InvalidRequestBody", "Unsupported filter");
        };
        ok(json!({ "value": matching }))
    }

    fn request(&mut self, machine_id: &str, verb: &str, body: &Value) -> Response {
        let Some(machine) = self.machines.iter().find(|m| m["id"] == machine_id).cloned() else {
            return odata_error(StatusCode::NOT_FOUND, "ResourceNotFound", "Machine not found");
        };
        if self.actions.iter().any(|a| a.machine_id == machine_id && a.running()) {
            return odata_error(StatusCode::BAD_REQUEST, "ActiveRequestAlreadyExists", "Action is already in progress");
        }
        let kind = if verb == "isolate" { "Isolate" } else { "Unisolate" };
        let fails = std::mem::take(&mut self.fail_next_action);
        let mut action = self.new_action(kind, machine_id, body.clone());
        action.fails = fails;
        let shown = action.view(&machine);
        self.actions.push(action);
        (StatusCode::CREATED, axum::Json(shown)).into_response()
    }

    /// A machine action as someone else (the portal) asked for it.
    pub fn new_action(&mut self, kind: &str, machine_id: &str, body: Value) -> MachineAction {
        self.counter += 1;
        let created = clock::rfc3339(1_740_000_000 + i64::try_from(self.counter).expect("small"))
            .replace('Z', &format!(".{:07}Z", self.counter * 1_234));
        let offline = self.offline.iter().any(|m| m == machine_id);
        MachineAction {
            id: format!("action-{}", self.counter),
            kind: kind.into(),
            machine_id: machine_id.into(),
            status: "Pending".into(),
            body,
            created,
            fails: false,
            stalled: offline,
            unlisted_reads: 0,
        }
    }

    fn list_actions(&mut self, filter: &str) -> Response {
        let Some(machine_id) = odata_literal(filter, "machineId eq ") else {
            return odata_error(StatusCode::BAD_REQUEST, "InvalidRequestBody", "Unsupported filter");
        };
        let mut listed = Vec::new();
        for action in self.actions.iter_mut().filter(|a| a.machine_id == machine_id) {
            if action.unlisted_reads > 0 {
                action.unlisted_reads -= 1;
            } else {
                listed.push(action.read());
            }
        }
        // Defender lists in no particular order: the oldest first here.
        ok(json!({ "value": listed }))
    }

    fn cancel(&mut self, id: &str, body: &Value) -> Response {
        match self.actions.iter_mut().find(|a| a.id == id) {
            Some(action) if action.running() => {
                action.status = "Cancelled".into();
                action.body["cancellationComment"] = body["Comment"].clone();
                ok(action.read())
            }
            Some(_) => odata_error(StatusCode::BAD_REQUEST, "InvalidRequest", "The action is not pending"),
            None => odata_error(StatusCode::NOT_FOUND, "ResourceNotFound", "Machine action not found"),
        }
    }

    fn submit_indicator(&mut self, body: &Value) -> Response {
        let mut stored = body.clone();
        match self.indicators.iter_mut().find(|i| i["indicatorValue"] == body["indicatorValue"]) {
            Some(held) => {
                stored["id"] = held["id"].clone();
                *held = stored.clone();
            }
            None => {
                self.counter += 1;
                stored["id"] = json!(self.counter);
                self.indicators.push(stored.clone());
            }
        }
        ok(stored)
    }
}

impl MachineAction {
    fn running(&self) -> bool {
        matches!(self.status.as_str(), "Pending" | "InProgress")
    }

    /// What a read shows now; each read moves the action one step on (an offline machine's
    /// stay pending).
    fn read(&mut self) -> Value {
        let shown = self.view(&Value::Null);
        if self.stalled {
            return shown;
        }
        self.status = match self.status.as_str() {
            "Pending" => "InProgress".into(),
            "InProgress" if self.fails => "Failed".into(),
            "InProgress" => "Succeeded".into(),
            other => other.into(),
        };
        shown
    }

    fn view(&self, machine: &Value) -> Value {
        let failed = self.status == "Failed";
        json!({
            "id": self.id, "type": self.kind, "status": self.status,
            "machineId": self.machine_id, "computerDnsName": machine["computerDnsName"],
            "creationDateTimeUtc": self.created, "lastUpdateDateTimeUtc": self.created,
            "requestorComment": self.body["Comment"], "cancellationComment": self.body["cancellationComment"],
            "errorHResult": if failed { -2_147_024_891_i64 } else { 0 },
            "title": if failed { json!("Isolation failed: the device refused the request") } else { Value::Null },
        })
    }
}

/// Whether an indicator's id (a number or a string) is `id`.
fn id_is(value: &Value, id: &str) -> bool {
    match value {
        Value::String(text) => text == id,
        Value::Number(number) => number.as_u64().is_some_and(|n| id.parse() == Ok(n)),
        _ => false,
    }
}

/// The quoted literal after `prefix` (`prefix'x'`), quotes undoubled.
fn odata_literal(filter: &str, prefix: &str) -> Option<String> {
    let quoted = filter.strip_prefix(prefix)?.strip_prefix('\'')?.strip_suffix('\'')?;
    Some(quoted.replace("''", "'"))
}

fn ok(body: Value) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}

fn odata_error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, axum::Json(json!({ "error": { "code": code, "message": message, "target": "lab" } }))).into_response()
}
