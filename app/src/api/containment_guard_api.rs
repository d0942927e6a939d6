//! The guard rails (administrators): the protected list, the inventory tags that mark
//! infrastructure, our own ranges, the breadth limits, and whose approval counts.

use leptos::prelude::*;
use riposte_domain::containment::view::GuardRailsView;

use crate::AppError;

#[server(prefix = "/api", endpoint = "containment_guard_rails")]
pub async fn containment_guard_rails() -> Result<GuardRailsView, AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    riposte_backend::containment::guard_rails::guard_rails(&backend()?, Actor::User(&user)).await.map_err(fail)
}

/// Lists (`internal`, `approver_roles`, `protected_tags`) are separated by commas or spaces.
#[server(prefix = "/api", endpoint = "save_containment_guard_rails")]
pub async fn save_containment_guard_rails(
    internal: String,
    broadest_v4: i64,
    broadest_v6: i64,
    critical_from: i64,
    approver_roles: String,
    protected_tags: String,
) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    use riposte_backend::containment::guard_rails::{GuardRailsInput, set_guard_rails};
    let user = require_user().await?;
    let list = |text: &str| text.split([',', ' ', '\n']).filter(|s| !s.trim().is_empty()).map(str::to_owned).collect();
    let input = GuardRailsInput {
        internal: list(&internal),
        broadest_v4,
        broadest_v6,
        critical_from,
        approver_roles: list(&approver_roles),
        protected_tags: list(&protected_tags),
    };
    set_guard_rails(&backend()?, Actor::User(&user), &input).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "protect_from_containment")]
pub async fn protect_from_containment(net: String, why: String) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    riposte_backend::containment::guard_rails::protect(&backend()?, Actor::User(&user), &net, &why).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "unprotect_from_containment")]
pub async fn unprotect_from_containment(net: String) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    riposte_backend::containment::guard_rails::unprotect(&backend()?, Actor::User(&user), &net).await.map_err(fail)
}
