//! Ban mode: the banned-IP quarantine (`/monitor/user/banned`), one address at a time, with
//! an expiry the FortiGate enforces by itself. Adding an address already banned renews its
//! expiry; clearing one that is not banned does nothing.

use std::net::IpAddr;

use reqwest::Method;
use serde_json::{Value, json};

use crate::ConnectorError;

use super::api::{Api, results};

const BANNED: &str = "/api/v2/monitor/user/banned";

pub async fn add(api: &Api, ip: IpAddr, expiry_secs: u32) -> Result<(), ConnectorError> {
    let body = json!({ "ip_addresses": [ip.to_string()], "expiry": expiry_secs });
    api.send(&format!("ban {ip}"), Method::POST, &format!("{BANNED}/add_users"), Some(&body)).await?;
    Ok(())
}

pub async fn clear(api: &Api, ip: IpAddr) -> Result<(), ConnectorError> {
    let body = json!({ "ip_addresses": [ip.to_string()] });
    api.send(&format!("clear ban of {ip}"), Method::POST, &format!("{BANNED}/clear_users"), Some(&body)).await?;
    Ok(())
}

/// The banned list's entry for `ip`, when there is one.
pub async fn entry(api: &Api, ip: IpAddr) -> Result<Option<Value>, ConnectorError> {
    let answer = api.get("read banned list", BANNED, &[]).await?;
    let same = |e: &&Value| e.get("ip_address").and_then(Value::as_str).and_then(|a| a.trim().parse().ok()) == Some(ip);
    Ok(results(&answer).into_iter().find(same).cloned())
}
