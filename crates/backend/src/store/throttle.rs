//! The `sign_in_throttle` table: failure counters per account name and per client address.

use std::time::Duration;

use sqlx::PgExecutor;
use time::OffsetDateTime;

use crate::BackendError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Account,
    Address,
}

impl Scope {
    fn as_str(self) -> &'static str {
        match self {
            Scope::Account => "account",
            Scope::Address => "address",
        }
    }
}

/// The latest lock still in force on any of the given subjects.
pub async fn locked_until(
    db: impl PgExecutor<'_>,
    account: &str,
    address: &str,
) -> Result<Option<OffsetDateTime>, BackendError> {
    Ok(sqlx::query_scalar(
        "select max(locked_until) from sign_in_throttle \
         where locked_until > now() and ((scope = 'account' and subject = $1) or (scope = 'address' and subject = $2))",
    )
    .bind(account)
    .bind(address)
    .fetch_one(db)
    .await?)
}

/// Counts one failure and returns the lock it caused, if any. A window or lock that has run
/// out starts the count again.
pub async fn record_failure(
    db: impl PgExecutor<'_>,
    scope: Scope,
    subject: &str,
    max_failures: i32,
    window: Duration,
    lockout: Duration,
) -> Result<Option<OffsetDateTime>, BackendError> {
    // One statement, so concurrent failures on several server processes count exactly.
    let locked: Option<Option<OffsetDateTime>> = sqlx::query_scalar(
        "insert into sign_in_throttle as t (scope, subject, failures, window_started_at, locked_until) \
         values ($1, $2, 1, now(), case when 1 >= $4 then now() + $5 end) \
         on conflict (scope, subject) do update set \
             failures = case when t.window_started_at < now() - $3 or t.locked_until <= now() \
                             then 1 else t.failures + 1 end, \
             window_started_at = case when t.window_started_at < now() - $3 or t.locked_until <= now() \
                             then now() else t.window_started_at end, \
             locked_until = case \
                 when (case when t.window_started_at < now() - $3 or t.locked_until <= now() \
                            then 1 else t.failures + 1 end) >= $4 then now() + $5 \
                 when t.locked_until <= now() then null \
                 else t.locked_until end \
         returning case when locked_until > now() then locked_until end",
    )
    .bind(scope.as_str())
    .bind(subject)
    .bind(window)
    .bind(max_failures)
    .bind(lockout)
    .fetch_optional(db)
    .await?;
    Ok(locked.flatten())
}

/// A successful sign-in clears the account's counter (the address keeps its own).
pub async fn clear_account(db: impl PgExecutor<'_>, account: &str) -> Result<(), BackendError> {
    sqlx::query("delete from sign_in_throttle where scope = 'account' and subject = $1")
        .bind(account)
        .execute(db)
        .await?;
    Ok(())
}
