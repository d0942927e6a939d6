//! A CrowdStrike Falcon tenant as far as containment goes: client-credential tokens
//! (`lab-token`, then `lab-token-2`, ...), hosts whose containment passes through a pending
//! status for one read before it settles, and custom IOCs (one per type and value, as Falcon
//! keeps them). Answers come in Falcon's envelope (`meta`, `resources`, `errors`).

use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::common::url_pairs;

pub const CLIENT_ID: &str = "lab-id";
pub const SECRET: &str = "lab-secret";
pub const AID: &str = "0123456789abcdef0123456789abcdef";

#[derive(Clone, Default)]
pub struct FalconSim {
    state: Arc<Mutex<Sim>>,
}

#[derive(Default)]
pub struct Sim {
    pub tokens: Vec<String>,
    pub devices: Vec<Device>,
    pub iocs: Vec<Value>,
    ioc_count: u32,
}

pub struct Device {
    pub id: String,
    pub hostname: String,
    pub status: String,
    /// Reads left that still show a pending status.
    pending_reads: u32,
}

impl FalconSim {
    /// A tenant with the recording's host.
    pub fn new() -> FalconSim {
        let sim = FalconSim::default();
        sim.add_device(AID, "WKS-042");
        sim
    }

    pub fn add_device(&self, id: &str, hostname: &str) {
        let device = Device { id: id.into(), hostname: hostname.into(), status: "normal".into(), pending_reads: 0 };
        self.state().devices.push(device);
    }

    pub fn state(&self) -> MutexGuard<'_, Sim> {
        self.state.lock().expect("simulator state")
    }

    pub fn status(&self, id: &str) -> String {
        self.state().devices.iter().find(|d| d.id == id).map(|d| d.status.clone()).unwrap_or_default()
    }

    pub fn router(&self) -> Router {
        Router::new().fallback(handle).with_state(self.clone())
    }
}

async fn handle(State(sim): State<FalconSim>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, 1 << 20).await.unwrap_or_default();
    let query = url_pairs(parts.uri.query().unwrap_or_default());
    let param = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let mut state = sim.state();
    let path = parts.uri.path();
    if (&parts.method, path) == (&Method::POST, "/oauth2/token") {
        return state.token(&url_pairs(&String::from_utf8_lossy(&bytes)));
    }
    let bearer = parts.headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !state.tokens.iter().any(|t| bearer == format!("Bearer {t}")) {
        return answer(StatusCode::UNAUTHORIZED, vec![], vec!["access denied, authorization failed"]);
    }
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    match (parts.method, path) {
        (Method::GET, "/devices/queries/devices/v1") => state.find_devices(&param("filter")),
        (Method::GET, "/devices/entities/devices/v2") => state.read_device(&param("ids")),
        (Method::POST, "/devices/entities/devices-actions/v2") => state.device_action(&param("action_name"), &body),
        (Method::GET, "/iocs/combined/indicator/v1") => state.find_iocs(&param("filter")),
        (Method::POST, "/iocs/entities/indicators/v1") => state.create_iocs(&body),
        (Method::DELETE, "/iocs/entities/indicators/v1") => {
            let ids: Vec<String> = query.iter().filter(|(k, _)| k == "ids").map(|(_, v)| v.clone()).collect();
            state.delete_iocs(&ids)
        }
        _ => answer(StatusCode::NOT_FOUND, vec![], vec!["no such route"]),
    }
}

impl Sim {
    fn token(&mut self, form: &[(String, String)]) -> Response {
        let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        if field("client_id") != Some(CLIENT_ID) || field("client_secret") != Some(SECRET) {
            return answer(StatusCode::UNAUTHORIZED, vec![], vec!["access denied, invalid client"]);
        }
        let token = if self.tokens.is_empty() {
            "lab-token".to_owned()
        } else {
            format!("lab-token-{}", self.tokens.len() + 1)
        };
        self.tokens.push(token.clone());
        (StatusCode::CREATED, axum::Json(json!({ "access_token": token, "token_type": "bearer", "expires_in": 1799 })))
            .into_response()
    }

    /// `hostname:'X'` or `device_id:'X'`, as FQL writes a single condition.
    fn find_devices(&self, filter: &str) -> Response {
        if filter.is_empty() {
            return answer(StatusCode::OK, self.devices.iter().map(|d| json!(d.id)).collect(), vec![]);
        }
        let Some((field, value)) = fql_condition(filter) else {
            return answer(StatusCode::BAD_REQUEST, vec![], vec!["invalid filter"]);
        };
        let ids: Vec<Value> = self
            .devices
            .iter()
            .filter(|d| match field {
                "hostname" => d.hostname.eq_ignore_ascii_case(&value),
                "device_id" => d.id == value,
                _ => false,
            })
            .map(|d| json!(d.id))
            .collect();
        answer(StatusCode::OK, ids, vec![])
    }

    /// A pending status is shown once, then settles.
    fn read_device(&mut self, id: &str) -> Response {
        let Some(device) = self.devices.iter_mut().find(|d| d.id == id) else {
            return answer(StatusCode::NOT_FOUND, vec![], vec!["device not found"]);
        };
        if device.pending_reads > 0 {
            device.pending_reads -= 1;
        } else {
            match device.status.as_str() {
                "containment_pending" => device.status = "contained".into(),
                "lift_containment_pending" => device.status = "normal".into(),
                _ => {}
            }
        }
        let shown = json!({ "device_id": device.id, "hostname": device.hostname, "status": device.status });
        answer(StatusCode::OK, vec![shown], vec![])
    }

    fn device_action(&mut self, action: &str, body: &Value) -> Response {
        let ids: Vec<&str> = body["ids"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        let mut done = Vec::new();
        for id in ids {
            let Some(device) = self.devices.iter_mut().find(|d| d.id == id) else {
                return answer(StatusCode::NOT_FOUND, vec![], vec!["device not found"]);
            };
            device.status = match (action, device.status.as_str()) {
                ("contain", "normal") => "containment_pending".into(),
                ("lift_containment", "contained") => "lift_containment_pending".into(),
                _ => return answer(StatusCode::CONFLICT, vec![], vec!["the device is not in a state for that action"]),
            };
            device.pending_reads = 1;
            done.push(json!({ "id": id, "path": "" }));
        }
        answer(StatusCode::ACCEPTED, done, vec![])
    }

    /// `type:'ipv4'+value:'203.0.113.7'`.
    fn find_iocs(&self, filter: &str) -> Response {
        let conditions: Vec<(&str, String)> = filter.split('+').filter_map(fql_condition).collect();
        let wanted = |field: &str| conditions.iter().find(|(f, _)| *f == field).map(|(_, v)| v.clone());
        let (Some(kind), Some(value)) = (wanted("type"), wanted("value")) else {
            return answer(StatusCode::BAD_REQUEST, vec![], vec!["invalid filter"]);
        };
        let found: Vec<Value> =
            self.iocs.iter().filter(|i| i["type"] == kind && i["value"] == value).cloned().collect();
        answer(StatusCode::OK, found, vec![])
    }

    fn create_iocs(&mut self, body: &Value) -> Response {
        let mut created = Vec::new();
        for indicator in body["indicators"].as_array().into_iter().flatten() {
            if self.iocs.iter().any(|i| i["type"] == indicator["type"] && i["value"] == indicator["value"]) {
                let message =
                    format!("Duplicate type: {} and value: {} combination.", indicator["type"], indicator["value"]);
                return answer(StatusCode::BAD_REQUEST, vec![], vec![&message]);
            }
            self.ioc_count += 1;
            let mut stored = indicator.clone();
            stored["id"] = json!(format!("ioc-{}", self.ioc_count));
            stored["expired"] = json!(false);
            stored["deleted"] = json!(false);
            self.iocs.push(stored.clone());
            created.push(stored);
        }
        answer(StatusCode::CREATED, created, vec![])
    }

    fn delete_iocs(&mut self, ids: &[String]) -> Response {
        let before = self.iocs.len();
        self.iocs.retain(|i| !ids.iter().any(|id| i["id"] == id.as_str()));
        if self.iocs.len() + ids.len() != before {
            return answer(StatusCode::NOT_FOUND, vec![], vec!["indicator not found"]);
        }
        answer(StatusCode::OK, ids.iter().map(|id| json!(id)).collect(), vec![])
    }
}

/// `field:'value'` with `\'` and `\\` unescaped.
fn fql_condition(text: &str) -> Option<(&str, String)> {
    let (field, quoted) = text.split_once(':')?;
    let inner = quoted.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut value = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        value.push(if c == '\\' { chars.next()? } else { c });
    }
    Some((field, value))
}

fn answer(status: StatusCode, resources: Vec<Value>, errors: Vec<&str>) -> Response {
    let errors: Vec<Value> = errors.iter().map(|m| json!({ "code": status.as_u16(), "message": m })).collect();
    let body = json!({ "meta": { "query_time": 0.01, "pagination": { "total": resources.len() } }, "resources": resources, "errors": errors });
    (status, axum::Json(body)).into_response()
}
