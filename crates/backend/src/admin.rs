//! User administration: create, list, change role, disable, reset password. Every use-case
//! checks the actor's permission itself and writes its audit row in the same transaction.

use riposte_domain::{Password, Permission, Role, UserSummary, Username, user::parse_display_name};
use serde_json::json;
use time::format_description::well_known::Rfc3339;

use crate::auth::parse_role;
use crate::passwords::hash_password;
use crate::store::audit::{self, AuditEntry};
use crate::store::users::{self, UserRow};
use crate::{Backend, BackendError, CurrentUser};

/// Who is acting: a signed-in user, or the operator at the command line.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    User(&'a CurrentUser),
    CommandLine,
}

impl Actor<'_> {
    /// How the actor is named in records.
    pub fn label(&self) -> &str {
        match self {
            Actor::User(user) => &user.username,
            Actor::CommandLine => "command-line",
        }
    }

    pub(crate) fn require(&self, permission: Permission) -> Result<(), BackendError> {
        match self {
            Actor::User(user) => user.require(permission),
            Actor::CommandLine => Ok(()),
        }
    }

    /// The acting user's id; none at the command line.
    pub(crate) fn user_id(&self) -> Option<i64> {
        match self {
            Actor::User(user) => Some(user.id),
            Actor::CommandLine => None,
        }
    }

    pub(crate) fn entry<'b>(&'b self, action: &'b str, subject: &'b str, detail: serde_json::Value) -> AuditEntry<'b> {
        AuditEntry {
            actor_user_id: self.user_id(),
            actor: self.label(),
            action,
            subject: Some(subject),
            detail,
            client_addr: None,
        }
    }
}

/// A request to create a user, as typed into a form or on the command line.
#[derive(Debug)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password: String,
}

pub async fn list_users(backend: &Backend, actor: Actor<'_>) -> Result<Vec<UserSummary>, BackendError> {
    actor.require(Permission::ManageUsers)?;
    users::list_users(&backend.pool).await?.into_iter().map(summary).collect()
}

pub async fn create_user(backend: &Backend, actor: Actor<'_>, new: NewUser) -> Result<UserSummary, BackendError> {
    actor.require(Permission::ManageUsers)?;
    let username = Username::parse(&new.username)?;
    let display_name = parse_display_name(&new.display_name, &username)?;
    let password = Password::parse(&new.password)?;
    let hash = hash_password(password.expose().to_owned(), backend.auth.settings.password_cost).await?;
    let mut tx = backend.pool.begin().await?;
    let row = users::insert_user(&mut tx, username.as_str(), &display_name, new.role.as_str(), &hash).await?;
    audit::append(&mut tx, actor.entry("create_user", username.as_str(), json!({ "role": new.role }))).await?;
    tx.commit().await?;
    tracing::info!(user.name = %username, user.role = %new.role, "user created");
    summary(row)
}

pub async fn change_role(backend: &Backend, actor: Actor<'_>, user_id: i64, role: Role) -> Result<(), BackendError> {
    actor.require(Permission::ManageUsers)?;
    let mut tx = backend.pool.begin().await?;
    let target = locked_target(&mut tx, user_id).await?;
    if target.role == Role::Admin.as_str() && role != Role::Admin {
        ensure_another_admin(&mut tx, user_id, "demote").await?;
    }
    let previous = users::update_role(&mut tx, user_id, role.as_str()).await?.ok_or(BackendError::NotFound("user"))?;
    audit::append(&mut tx, actor.entry("change_role", &target.username, json!({ "from": previous, "to": role })))
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_disabled(
    backend: &Backend,
    actor: Actor<'_>,
    user_id: i64,
    disabled: bool,
) -> Result<(), BackendError> {
    actor.require(Permission::ManageUsers)?;
    if let Actor::User(me) = &actor
        && me.id == user_id
        && disabled
    {
        return Err(BackendError::Conflict("you cannot disable your own account".into()));
    }
    let mut tx = backend.pool.begin().await?;
    let target = locked_target(&mut tx, user_id).await?;
    if disabled && target.role == Role::Admin.as_str() {
        ensure_another_admin(&mut tx, user_id, "disable").await?;
    }
    users::set_disabled(&mut tx, user_id, disabled).await?;
    let action = if disabled { "disable_user" } else { "enable_user" };
    audit::append(&mut tx, actor.entry(action, &target.username, json!({}))).await?;
    tx.commit().await?;
    tracing::info!(user.id = user_id, disabled, "user status changed");
    Ok(())
}

/// Sets a new password; the user's open sessions end.
pub async fn reset_password(
    backend: &Backend,
    actor: Actor<'_>,
    user_id: i64,
    password: &str,
) -> Result<(), BackendError> {
    actor.require(Permission::ManageUsers)?;
    let password = Password::parse(password)?;
    let hash = hash_password(password.expose().to_owned(), backend.auth.settings.password_cost).await?;
    let mut tx = backend.pool.begin().await?;
    let target = locked_target(&mut tx, user_id).await?;
    users::set_password_hash(&mut tx, user_id, &hash).await?;
    audit::append(&mut tx, actor.entry("reset_password", &target.username, json!({}))).await?;
    tx.commit().await?;
    Ok(())
}

/// Finds a user by name, for the command line.
pub async fn find_user_id(backend: &Backend, username: &str) -> Result<i64, BackendError> {
    let name = Username::parse(username)?;
    users::find_by_username(&backend.pool, name.as_str())
        .await?
        .map(|u| u.user_id)
        .ok_or(BackendError::NotFound("user"))
}

async fn locked_target(tx: &mut sqlx::PgConnection, user_id: i64) -> Result<UserRow, BackendError> {
    let row: Option<UserRow> = sqlx::query_as(
        "select user_id, username, display_name, role, password_hash, disabled, auth_epoch, created_at, last_sign_in_at \
         from app_user where user_id = $1 for update",
    )
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?;
    row.ok_or(BackendError::NotFound("user"))
}

async fn ensure_another_admin(tx: &mut sqlx::PgConnection, user_id: i64, verb: &str) -> Result<(), BackendError> {
    if users::other_active_admins(tx, user_id).await? == 0 {
        return Err(BackendError::Conflict(format!("cannot {verb} the last active administrator")));
    }
    Ok(())
}

pub(crate) fn summary(row: UserRow) -> Result<UserSummary, BackendError> {
    let format = |t: time::OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
    Ok(UserSummary {
        id: row.user_id,
        role: parse_role(&row.role)?,
        username: row.username,
        display_name: row.display_name,
        disabled: row.disabled,
        created_at: format(row.created_at),
        last_sign_in_at: row.last_sign_in_at.map(format),
    })
}
