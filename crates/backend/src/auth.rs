//! Signing in and recognising a signed-in user on every request.

use std::time::Duration;

use riposte_domain::{Permission, Role, Username};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::passwords::{hash_password, verify_password};
use crate::store::audit::{self, AuditEntry};
use crate::store::{throttle, users};
use crate::{AuthSettings, Backend, BackendError};

/// Settings plus a hash to verify against when the account does not exist, so an unknown
/// name costs the same time as a wrong password.
pub struct AuthContext {
    pub settings: AuthSettings,
    dummy_hash: String,
}

impl AuthContext {
    pub async fn new(settings: AuthSettings) -> Result<Self, BackendError> {
        let dummy_hash = hash_password("riposte-dummy-password".into(), settings.password_cost).await?;
        Ok(Self { settings, dummy_hash })
    }
}

/// What the session stores: who, and the user's auth epoch at sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionAuth {
    pub user_id: i64,
    pub epoch: i32,
}

impl SessionAuth {
    /// The session key it is stored under.
    pub const KEY: &'static str = "auth";
}

/// The signed-in user, loaded fresh on every request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

impl CurrentUser {
    pub fn require(&self, permission: Permission) -> Result<(), BackendError> {
        if self.role.can(permission) { Ok(()) } else { Err(BackendError::Forbidden(permission)) }
    }
}

/// Checks a username and password, applying the per-account and per-address limits.
pub async fn sign_in(
    backend: &Backend,
    username: &str,
    password: String,
    client_addr: &str,
) -> Result<(CurrentUser, SessionAuth), BackendError> {
    // Throttle on the name as typed (normalised), whether or not such an account exists.
    let account_key =
        Username::parse(username).map(|u| u.to_string()).unwrap_or_else(|_| username.trim().to_lowercase());
    if let Some(until) = throttle::locked_until(&backend.pool, &account_key, client_addr).await? {
        return Err(BackendError::RateLimited { retry_after: remaining(until) });
    }

    let user = users::find_by_username(&backend.pool, &account_key).await?;
    let hash = user.as_ref().map_or_else(|| backend.auth.dummy_hash.clone(), |u| u.password_hash.clone());
    let password_ok = verify_password(password, hash).await?;
    let user = match user {
        Some(user) if password_ok && !user.disabled => user,
        found => {
            let reason = match &found {
                None => "unknown user",
                Some(u) if u.disabled => "disabled user",
                Some(_) => "wrong password",
            };
            return Err(
                record_failed_sign_in(backend, &account_key, client_addr, reason, found.map(|u| u.user_id)).await?
            );
        }
    };

    let role = parse_role(&user.role)?;
    let mut tx = backend.pool.begin().await?;
    throttle::clear_account(&mut *tx, &account_key).await?;
    users::record_sign_in(&mut *tx, user.user_id).await?;
    audit::append(&mut tx, AuditEntry::own_account(user.user_id, &user.username, "sign_in", client_addr)).await?;
    tx.commit().await?;
    tracing::info!(user.id = user.user_id, user.name = %user.username, "signed in");
    let auth = SessionAuth { user_id: user.user_id, epoch: user.auth_epoch };
    Ok((CurrentUser { id: user.user_id, username: user.username, display_name: user.display_name, role }, auth))
}

/// Counts the failure against the account and the address; returns the error to show.
async fn record_failed_sign_in(
    backend: &Backend,
    account: &str,
    client_addr: &str,
    reason: &str,
    user_id: Option<i64>,
) -> Result<BackendError, BackendError> {
    let policy = backend.auth.settings.throttle;
    let mut tx = backend.pool.begin().await?;
    let account_lock = throttle::record_failure(
        &mut *tx,
        throttle::Scope::Account,
        account,
        policy.account_max_failures,
        policy.window,
        policy.lockout,
    )
    .await?;
    let address_lock = throttle::record_failure(
        &mut *tx,
        throttle::Scope::Address,
        client_addr,
        policy.address_max_failures,
        policy.window,
        policy.lockout,
    )
    .await?;
    audit::append(
        &mut tx,
        AuditEntry {
            actor_user_id: user_id,
            actor: account,
            action: "sign_in_failed",
            subject: Some(account),
            detail: serde_json::json!({ "reason": reason }),
            client_addr: Some(client_addr),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::warn!(user.name = %account, client.addr = %client_addr, reason, "sign-in failed");
    Ok(match account_lock.max(address_lock) {
        Some(until) => BackendError::RateLimited { retry_after: remaining(until) },
        None => BackendError::InvalidCredentials,
    })
}

/// Turns a session's stored identity into the current user, or refuses it when the user was
/// disabled, deleted or had their sessions revoked since signing in.
pub async fn authenticate_session(backend: &Backend, auth: SessionAuth) -> Result<CurrentUser, BackendError> {
    let Some(user) = users::find_by_id(&backend.pool, auth.user_id).await? else {
        return Err(BackendError::Unauthenticated);
    };
    if user.disabled || user.auth_epoch != auth.epoch {
        return Err(BackendError::Unauthenticated);
    }
    Ok(CurrentUser {
        id: user.user_id,
        role: parse_role(&user.role)?,
        username: user.username,
        display_name: user.display_name,
    })
}

/// Records a sign-out in the audit trail.
pub async fn record_sign_out(backend: &Backend, user: &CurrentUser, client_addr: &str) -> Result<(), BackendError> {
    let mut tx = backend.pool.begin().await?;
    audit::append(&mut tx, AuditEntry::own_account(user.id, &user.username, "sign_out", client_addr)).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) fn parse_role(stored: &str) -> Result<Role, BackendError> {
    Role::parse(stored).map_err(|e| BackendError::Internal(format!("stored role: {e}")))
}

fn remaining(until: OffsetDateTime) -> Duration {
    let left = until - OffsetDateTime::now_utc();
    Duration::from_secs_f64(left.as_seconds_f64().max(1.0))
}
