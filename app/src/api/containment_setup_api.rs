//! Setting containment up (administrators): connectors with their coverage and credential
//! health, pre-authorised policies, and the SIEM outputs every step is sent to.
// A server function's arguments are its form's fields, one each.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use riposte_domain::containment::view::{PolicyView, Readiness};

use crate::AppError;

/// A SIEM output as listed (mirrors the backend's view for the browser build).
pub type SiemOutput = riposte_domain::containment::view::SiemOutputView;

#[server(prefix = "/api", endpoint = "containment_readiness")]
pub async fn containment_readiness() -> Result<Readiness, AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    riposte_backend::containment::readiness::readiness(&backend()?, Actor::User(&user)).await.map_err(fail)
}

/// `config` is the connector's settings as a JSON object; `ranges` and `management` are
/// comma- or space-separated addresses and ranges.
#[server(prefix = "/api", endpoint = "save_containment_connector")]
pub async fn save_containment_connector(
    name: String,
    kind: String,
    config: String,
    secret_ref: Option<String>,
    ranges: String,
    management: String,
    enabled: Option<String>,
) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    use riposte_backend::containment::connectors::{ConnectorInput, put_connector};
    let user = require_user().await?;
    let config: serde_json::Value = serde_json::from_str(if config.trim().is_empty() { "{}" } else { &config })
        .map_err(|e| AppError::Invalid { field: "config".into(), message: format!("not a JSON object: {e}") })?;
    let list = |text: &str| text.split([',', ' ', '\n']).filter(|s| !s.trim().is_empty()).map(str::to_owned).collect();
    let input = ConnectorInput {
        name,
        kind,
        config,
        secret_ref,
        ranges: list(&ranges),
        management: list(&management),
        enabled: enabled.is_some_and(|e| e == "on" || e == "true"),
    };
    put_connector(&backend()?, Actor::User(&user), &input).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "delete_containment_connector")]
pub async fn delete_containment_connector(name: String) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    riposte_backend::containment::connectors::delete_connector(&backend()?, Actor::User(&user), &name)
        .await
        .map_err(fail)
}

/// Logs in to the device (or makes a harmless read); says what happened.
#[server(prefix = "/api", endpoint = "check_containment_connector")]
pub async fn check_containment_connector(name: String) -> Result<String, AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    let (ok, message) =
        riposte_backend::containment::connectors::check_connector(&backend()?, Actor::User(&user), &name)
            .await
            .map_err(fail)?;
    Ok(if ok { format!("healthy: {message}") } else { format!("failing: {message}") })
}

#[server(prefix = "/api", endpoint = "containment_policies")]
pub async fn containment_policies() -> Result<Vec<PolicyView>, AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    riposte_backend::containment::policies::policies(&backend()?, Actor::User(&user)).await.map_err(fail)
}

/// `condition` is the policy's condition as JSON (`{"signature_contains": "ET SCAN"}`).
#[server(prefix = "/api", endpoint = "save_containment_policy")]
pub async fn save_containment_policy(
    name: String,
    condition: String,
    kind: String,
    direction: Option<String>,
    aim: String,
    connector: String,
    ttl_secs: i32,
    rate_cap_per_hour: i32,
    enabled: Option<String>,
) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    use riposte_backend::containment::policies::{PolicyInput, put_policy};
    let user = require_user().await?;
    let condition = serde_json::from_str(&condition)
        .map_err(|e| AppError::Invalid { field: "condition".into(), message: e.to_string() })?;
    let input = PolicyInput {
        name,
        enabled: enabled.is_some_and(|e| e == "on" || e == "true"),
        condition,
        kind,
        direction: direction.filter(|d| !d.is_empty()),
        aim,
        connector,
        ttl_secs,
        rate_cap_per_hour,
    };
    put_policy(&backend()?, Actor::User(&user), &input).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "delete_containment_policy")]
pub async fn delete_containment_policy(name: String) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    riposte_backend::containment::policies::delete_policy(&backend()?, Actor::User(&user), &name).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "siem_outputs")]
pub async fn siem_outputs() -> Result<Vec<SiemOutput>, AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    riposte_backend::siem::outputs(&backend()?, Actor::User(&user)).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "save_siem_output")]
pub async fn save_siem_output(
    name: String,
    kind: String,
    address: String,
    token_ref: Option<String>,
) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    let token_ref = token_ref.filter(|t| !t.trim().is_empty());
    riposte_backend::siem::put_output(&backend()?, Actor::User(&user), &name, &kind, &address, token_ref.as_deref())
        .await
        .map_err(fail)
}

#[server(prefix = "/api", endpoint = "delete_siem_output")]
pub async fn delete_siem_output(name: String) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    riposte_backend::siem::delete_output(&backend()?, Actor::User(&user), &name).await.map_err(fail)
}

/// The channels containment notices go to, and every channel there is.
#[server(prefix = "/api", endpoint = "containment_notice_channels")]
pub async fn containment_notice_channels() -> Result<(Vec<String>, Vec<String>), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    riposte_backend::containment::settings::notice_channels(&backend()?, Actor::User(&user)).await.map_err(fail)
}

/// `channels`: names separated by commas or spaces.
#[server(prefix = "/api", endpoint = "save_containment_notice_channels")]
pub async fn save_containment_notice_channels(channels: String) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    // Blank pieces are dropped by the backend.
    let names: Vec<String> = channels.split([',', ' ']).map(str::to_owned).collect();
    riposte_backend::containment::settings::set_notice_channels(&backend()?, Actor::User(&user), &names)
        .await
        .map_err(fail)
}
