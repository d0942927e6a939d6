//! The `app_user` table.

use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

use crate::BackendError;

/// A user row, including the password hash; never sent to a browser.
#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub password_hash: String,
    pub disabled: bool,
    pub auth_epoch: i32,
    pub created_at: OffsetDateTime,
    pub last_sign_in_at: Option<OffsetDateTime>,
}

const COLUMNS: &str =
    "user_id, username, display_name, role, password_hash, disabled, auth_epoch, created_at, last_sign_in_at";

pub async fn insert_user(
    conn: &mut PgConnection,
    username: &str,
    display_name: &str,
    role: &str,
    password_hash: &str,
) -> Result<UserRow, BackendError> {
    sqlx::query_as(&format!(
        "insert into app_user (username, display_name, role, password_hash) values ($1, $2, $3, $4) returning {COLUMNS}"
    ))
    .bind(username)
    .bind(display_name)
    .bind(role)
    .bind(password_hash)
    .fetch_one(conn)
    .await
    .map_err(|e| BackendError::from_constraint(e, "app_user_username_key", "username", "is already taken"))
}

pub async fn find_by_username(db: impl PgExecutor<'_>, username: &str) -> Result<Option<UserRow>, BackendError> {
    Ok(sqlx::query_as(&format!("select {COLUMNS} from app_user where username = $1"))
        .bind(username)
        .fetch_optional(db)
        .await?)
}

pub async fn find_by_id(db: impl PgExecutor<'_>, user_id: i64) -> Result<Option<UserRow>, BackendError> {
    Ok(sqlx::query_as(&format!("select {COLUMNS} from app_user where user_id = $1"))
        .bind(user_id)
        .fetch_optional(db)
        .await?)
}

pub async fn list_users(db: impl PgExecutor<'_>) -> Result<Vec<UserRow>, BackendError> {
    Ok(sqlx::query_as(&format!("select {COLUMNS} from app_user order by username")).fetch_all(db).await?)
}

/// Active administrators other than `except`, locked so two admins demoting each other at
/// once cannot leave the system with none.
pub async fn other_active_admins(conn: &mut PgConnection, except: i64) -> Result<i64, BackendError> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "select user_id from app_user where role = 'admin' and not disabled and user_id <> $1 for update",
    )
    .bind(except)
    .fetch_all(conn)
    .await?;
    Ok(ids.len() as i64)
}

pub async fn update_role(conn: &mut PgConnection, user_id: i64, role: &str) -> Result<Option<String>, BackendError> {
    Ok(sqlx::query_scalar(
        "update app_user set role = $2, updated_at = now() where user_id = $1 \
         returning (select role from app_user where user_id = $1)",
    )
    .bind(user_id)
    .bind(role)
    .fetch_optional(conn)
    .await?)
}

/// Disabling bumps the epoch, which ends every open session of the user at its next request.
pub async fn set_disabled(conn: &mut PgConnection, user_id: i64, disabled: bool) -> Result<bool, BackendError> {
    let result = sqlx::query(
        "update app_user set disabled = $2, updated_at = now(), \
         auth_epoch = auth_epoch + case when $2 then 1 else 0 end where user_id = $1",
    )
    .bind(user_id)
    .bind(disabled)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// A new password ends every open session of the user.
pub async fn set_password_hash(conn: &mut PgConnection, user_id: i64, hash: &str) -> Result<bool, BackendError> {
    let result = sqlx::query(
        "update app_user set password_hash = $2, auth_epoch = auth_epoch + 1, updated_at = now() where user_id = $1",
    )
    .bind(user_id)
    .bind(hash)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn record_sign_in(db: impl PgExecutor<'_>, user_id: i64) -> Result<(), BackendError> {
    sqlx::query("update app_user set last_sign_in_at = now() where user_id = $1").bind(user_id).execute(db).await?;
    Ok(())
}
