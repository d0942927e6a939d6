//! User administration for admins. Authorization happens in the backend use-cases, which
//! check `ManageUsers` for the signed-in user.

use leptos::prelude::*;
use riposte_domain::{Role, UserSummary};

use crate::AppError;

#[server(prefix = "/api", endpoint = "list_users")]
pub async fn list_users() -> Result<Vec<UserSummary>, AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::{self, Actor};
    let user = require_user().await?;
    admin::list_users(&backend()?, Actor::User(&user)).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "create_user")]
pub async fn create_user(
    username: String,
    display_name: String,
    role: Role,
    password: String,
) -> Result<UserSummary, AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::{self, Actor, NewUser};
    let user = require_user().await?;
    let new = NewUser { username, display_name, role, password };
    admin::create_user(&backend()?, Actor::User(&user), new).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "change_user_role")]
pub async fn change_user_role(user_id: i64, role: Role) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::{self, Actor};
    let user = require_user().await?;
    admin::change_role(&backend()?, Actor::User(&user), user_id, role).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "set_user_disabled")]
pub async fn set_user_disabled(user_id: i64, disabled: bool) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::{self, Actor};
    let user = require_user().await?;
    admin::set_disabled(&backend()?, Actor::User(&user), user_id, disabled).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "reset_user_password")]
pub async fn reset_user_password(user_id: i64, password: String) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::{self, Actor};
    let user = require_user().await?;
    admin::reset_password(&backend()?, Actor::User(&user), user_id, &password).await.map_err(fail)
}
