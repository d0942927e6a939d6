//! A FortiGate's REST API as far as the connector uses it, with state: address objects,
//! address groups whose PUT replaces the member list, and the banned-IP list with expiries.
//! Answers follow FortiOS: a bearer token or 401, `?vdom=` required, 404 for an unknown
//! group, a duplicate POST answered 500 (error -5), an object still in a group not deleted
//! (500, error -23), a group member that is no address refused (error -3).

pub mod contract;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

pub const TOKEN: &str = "lab-token";

#[derive(Debug, Default)]
pub struct FortiGate {
    /// name → subnet, comment
    pub addresses: BTreeMap<String, (String, String)>,
    /// name → members, in order
    pub groups: BTreeMap<String, Vec<String>>,
    /// ip → expiry (epoch seconds)
    pub banned: BTreeMap<String, u64>,
    /// The next group PUTs answer 500.
    pub failing_group_puts: u32,
    /// The next answer is an HTML page (a captive portal, a proxy).
    pub html_next: bool,
}

pub type Shared = Arc<Mutex<FortiGate>>;

impl FortiGate {
    /// The lab FortiGate: group SOC-Blocklist exists, holding `members` (addresses made for
    /// them).
    pub fn lab(members: &[&str]) -> Shared {
        let mut gate = FortiGate::default();
        for member in members {
            gate.addresses.insert((*member).to_owned(), ("192.0.2.1 255.255.255.255".into(), "placeholder".into()));
        }
        gate.groups.insert("SOC-Blocklist".into(), members.iter().map(|m| (*m).to_owned()).collect());
        Arc::new(Mutex::new(gate))
    }
}

pub fn router(gate: Shared) -> Router {
    Router::new()
        .route("/api/v2/monitor/system/status", get(status))
        .route("/api/v2/cmdb/firewall/address", get(list_addresses).post(create_address))
        .route("/api/v2/cmdb/firewall/address/{name}", axum::routing::delete(delete_address))
        .route("/api/v2/cmdb/firewall/addrgrp/{name}", get(read_group).put(update_group))
        .route("/api/v2/monitor/user/banned", get(banned))
        .route("/api/v2/monitor/user/banned/add_users", post(add_users))
        .route("/api/v2/monitor/user/banned/clear_users", post(clear_users))
        .with_state(gate)
}

type Params = Query<BTreeMap<String, String>>;

fn answer(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

fn fail(status: StatusCode, code: i64) -> Response {
    answer(status, json!({ "status": "error", "http_status": status.as_u16(), "error": code }))
}

fn ok(results: Value) -> Response {
    answer(StatusCode::OK, json!({ "status": "success", "http_status": 200, "vdom": "root", "results": results }))
}

/// The checks every call passes first (the token, the vdom unless system-wide, the
/// misbehaviour asked for): the answer when one fails.
fn refusal(gate: &Shared, headers: &HeaderMap, params: Option<&Params>) -> Option<Response> {
    if std::mem::take(&mut gate.lock().expect("gate").html_next) {
        return Some((StatusCode::OK, "<html><body>Please log in</body></html>").into_response());
    }
    let bearer = headers.get("authorization").and_then(|v| v.to_str().ok());
    if bearer != Some(&format!("Bearer {TOKEN}")) {
        return Some(fail(StatusCode::UNAUTHORIZED, -1));
    }
    match params.map(|p| p.get("vdom").map(String::as_str)) {
        Some(Some("root")) | None => None,
        Some(_) => Some(fail(StatusCode::NOT_FOUND, -3)),
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs()
}

async fn status(State(gate): State<Shared>, headers: HeaderMap) -> Response {
    if let Some(refused) = refusal(&gate, &headers, None) {
        return refused;
    }
    let mut body = json!({ "status": "success", "version": "v7.2.5", "serial": "FGVMLAB" });
    body["results"] = json!({ "hostname": "lab-fgt", "model_name": "FortiGate", "model": "FGVM64" });
    answer(StatusCode::OK, body)
}

async fn list_addresses(State(gate): State<Shared>, headers: HeaderMap, params: Params) -> Response {
    if let Some(refused) = refusal(&gate, &headers, Some(&params)) {
        return refused;
    }
    let wanted = params.get("filter").map(|f| f.strip_prefix("name==").expect("a name== filter").to_owned());
    let gate = gate.lock().expect("gate");
    let found: Vec<Value> = gate
        .addresses
        .iter()
        .filter(|(name, _)| wanted.as_ref().is_none_or(|w| w == *name))
        .map(|(name, (subnet, comment))| json!({ "name": name, "q_origin_key": name, "subnet": subnet, "comment": comment, "type": "ipmask" }))
        .collect();
    ok(json!(found))
}

async fn create_address(
    State(gate): State<Shared>,
    headers: HeaderMap,
    params: Params,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = refusal(&gate, &headers, Some(&params)) {
        return refused;
    }
    let name = body["name"].as_str().expect("name").to_owned();
    let mut gate = gate.lock().expect("gate");
    if gate.addresses.contains_key(&name) {
        return fail(StatusCode::INTERNAL_SERVER_ERROR, -5);
    }
    let subnet = body["subnet"].as_str().expect("subnet").to_owned();
    gate.addresses.insert(name.clone(), (subnet, body["comment"].as_str().unwrap_or_default().to_owned()));
    answer(StatusCode::OK, json!({ "status": "success", "http_status": 200, "mkey": name }))
}

async fn delete_address(
    State(gate): State<Shared>,
    headers: HeaderMap,
    params: Params,
    Path(name): Path<String>,
) -> Response {
    if let Some(refused) = refusal(&gate, &headers, Some(&params)) {
        return refused;
    }
    let mut gate = gate.lock().expect("gate");
    if gate.groups.values().any(|members| members.contains(&name)) {
        return fail(StatusCode::INTERNAL_SERVER_ERROR, -23);
    }
    match gate.addresses.remove(&name) {
        Some(_) => ok(json!([])),
        None => fail(StatusCode::NOT_FOUND, -3),
    }
}

async fn read_group(
    State(gate): State<Shared>,
    headers: HeaderMap,
    params: Params,
    Path(name): Path<String>,
) -> Response {
    if let Some(refused) = refusal(&gate, &headers, Some(&params)) {
        return refused;
    }
    match gate.lock().expect("gate").groups.get(&name) {
        Some(members) => {
            let member: Vec<Value> = members.iter().map(|m| json!({ "name": m, "q_origin_key": m })).collect();
            ok(json!([{ "name": name, "q_origin_key": name, "member": member, "comment": "" }]))
        }
        None => fail(StatusCode::NOT_FOUND, -3),
    }
}

async fn update_group(
    State(gate): State<Shared>,
    headers: HeaderMap,
    params: Params,
    Path(name): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = refusal(&gate, &headers, Some(&params)) {
        return refused;
    }
    let mut gate = gate.lock().expect("gate");
    if gate.failing_group_puts > 0 {
        gate.failing_group_puts -= 1;
        return fail(StatusCode::INTERNAL_SERVER_ERROR, -1);
    }
    let members: Vec<String> = body["member"]
        .as_array()
        .expect("member list")
        .iter()
        .map(|m| m["name"].as_str().expect("member name").to_owned())
        .collect();
    if members.iter().any(|m| !gate.addresses.contains_key(m)) {
        return fail(StatusCode::BAD_REQUEST, -3);
    }
    match gate.groups.get_mut(&name) {
        Some(held) => {
            *held = members;
            answer(StatusCode::OK, json!({ "status": "success", "http_status": 200, "mkey": name }))
        }
        None => fail(StatusCode::NOT_FOUND, -3),
    }
}

async fn banned(State(gate): State<Shared>, headers: HeaderMap, params: Params) -> Response {
    if let Some(refused) = refusal(&gate, &headers, Some(&params)) {
        return refused;
    }
    let gate = gate.lock().expect("gate");
    let entries: Vec<Value> = gate
        .banned
        .iter()
        .map(|(ip, expires)| {
            json!({ "ip_address": ip, "ipv6": ip.contains(':'), "created": now(), "expires": expires, "source": "rest_api" })
        })
        .collect();
    ok(json!(entries))
}

fn addresses_of(body: &Value) -> Vec<String> {
    body["ip_addresses"].as_array().expect("ip_addresses").iter().map(|a| a.as_str().expect("ip").to_owned()).collect()
}

async fn add_users(
    State(gate): State<Shared>,
    headers: HeaderMap,
    params: Params,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = refusal(&gate, &headers, Some(&params)) {
        return refused;
    }
    let expiry = body["expiry"].as_u64().expect("expiry");
    let mut gate = gate.lock().expect("gate");
    for ip in addresses_of(&body) {
        gate.banned.insert(ip, now() + expiry);
    }
    ok(json!({}))
}

async fn clear_users(
    State(gate): State<Shared>,
    headers: HeaderMap,
    params: Params,
    Json(body): Json<Value>,
) -> Response {
    if let Some(refused) = refusal(&gate, &headers, Some(&params)) {
        return refused;
    }
    let mut gate = gate.lock().expect("gate");
    for ip in addresses_of(&body) {
        gate.banned.remove(&ip);
    }
    ok(json!({}))
}
