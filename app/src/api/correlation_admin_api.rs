//! Correlation settings server functions; the backend checks `ManageSettings`.

use leptos::prelude::*;
use riposte_domain::correlation::CorrelationSettings;

use crate::AppError;

#[server(prefix = "/api", endpoint = "get_correlation_settings")]
pub async fn get_correlation_settings() -> Result<CorrelationSettings, AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    riposte_backend::correlation::admin::settings(&backend()?, Actor::User(&user)).await.map_err(fail)
}

/// `join_on` as typed: `ip:source + ip:destination`; `enabled` is a checkbox.
#[server(prefix = "/api", endpoint = "set_correlation_rule")]
pub async fn set_correlation_rule(
    id: String,
    name: String,
    window_secs: u32,
    join_on: String,
    enabled: Option<String>,
    position: Option<usize>,
) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    use riposte_domain::correlation::{CorrelationRule, parse_join};
    let user = require_user().await?;
    let join_on = parse_join(&join_on).map_err(|message| {
        fail(riposte_backend::BackendError::Validation(riposte_domain::ValidationError::new("join_on", message)))
    })?;
    let rule = CorrelationRule {
        id: id.trim().to_owned(),
        name: name.trim().to_owned(),
        enabled: enabled.is_some(),
        window_secs,
        join_on,
    };
    riposte_backend::correlation::admin::set_rule(&backend()?, Actor::User(&user), rule, position).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "remove_correlation_rule")]
pub async fn remove_correlation_rule(id: String) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    riposte_backend::correlation::admin::remove_rule(&backend()?, Actor::User(&user), &id).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "add_correlation_exclusion")]
pub async fn add_correlation_exclusion(kind: String, value: String, note: String) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    riposte_backend::correlation::admin::add_exclusion(&backend()?, Actor::User(&user), &kind, &value, &note)
        .await
        .map_err(fail)
}

#[server(prefix = "/api", endpoint = "remove_correlation_exclusion")]
pub async fn remove_correlation_exclusion(id: i64) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    riposte_backend::correlation::admin::remove_exclusion(&backend()?, Actor::User(&user), id).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "set_correlation_frequency_cap")]
pub async fn set_correlation_frequency_cap(max_frequency: u32) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    riposte_backend::correlation::admin::set_max_frequency(&backend()?, Actor::User(&user), max_frequency)
        .await
        .map_err(fail)
}
