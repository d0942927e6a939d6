//! Escalation rules (text form, checks, versions) and notification channels; the backend
//! checks `ManageSettings` on each.

use leptos::prelude::*;
use riposte_domain::escalation::{RuleSetVersion, RuleSummary};
use riposte_domain::notification::{ChannelView, NotificationView};

use crate::AppError;

/// The rule set in force first, then earlier versions.
#[server(prefix = "/api", endpoint = "escalation_rules")]
pub async fn escalation_rules() -> Result<Vec<RuleSetVersion>, AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    riposte_backend::escalation::rules::history(&backend()?, Actor::User(&user)).await.map_err(fail)
}

/// Checks a draft without saving it.
#[server(prefix = "/api", endpoint = "check_escalation_rules")]
pub async fn check_escalation_rules(text: String) -> Result<Vec<RuleSummary>, AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    riposte_backend::escalation::rules::preview(&backend()?, Actor::User(&user), &text).await.map_err(fail)
}

/// Saves a new version, if `base` is still the newest; returns the new version.
#[server(prefix = "/api", endpoint = "save_escalation_rules")]
pub async fn save_escalation_rules(base: Option<i32>, text: String, comment: String) -> Result<i32, AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    riposte_backend::escalation::rules::save(&backend()?, Actor::User(&user), base, &text, &comment).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "notification_channels")]
pub async fn notification_channels() -> Result<(Vec<ChannelView>, Vec<NotificationView>), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    let backend = backend()?;
    let channels = riposte_backend::notify::channels(&backend, Actor::User(&user)).await.map_err(fail)?;
    let recent = riposte_backend::notify::recent(&backend, Actor::User(&user), 20).await.map_err(fail)?;
    Ok((channels, recent))
}

/// Adds a channel, or replaces one of the same name.
#[server(prefix = "/api", endpoint = "put_notification_channel")]
pub async fn put_notification_channel(name: String, kind: String, url: String) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    riposte_backend::notify::put_channel(&backend()?, Actor::User(&user), &name, &kind, &url).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "delete_notification_channel")]
pub async fn delete_notification_channel(name: String) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    riposte_backend::notify::delete_channel(&backend()?, Actor::User(&user), &name).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "test_notification_channel")]
pub async fn test_notification_channel(name: String) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    riposte_backend::notify::send_test(&backend()?, Actor::User(&user), &name).await.map_err(fail)
}
