//! The job side of containment actions: taking the next one due under a lease, and putting
//! it back with the time it is next due.

use sqlx::{PgConnection, PgExecutor};

use super::containment::{ACTION_COLUMNS, ActionRow};
use crate::BackendError;

/// The NOTIFY channel that wakes the action workers (a request approved, an undo clicked).
pub const CHANNEL: &str = "riposte_containment";

/// Takes the action most overdue, for `lease_secs`: not finished, due, not leased by a live
/// worker; an approval that waited past the time to live is due too (to expire). Counts the
/// attempt.
pub async fn claim(db: impl PgExecutor<'_>, lease_secs: i32) -> Result<Option<ActionRow>, BackendError> {
    Ok(sqlx::query_as(&format!(
        "update containment_action set lease_until = now() + make_interval(secs => $1), attempts = attempts + 1 \
         where action_id = ( \
             select action_id from containment_action \
             where state not in ('undone', 'expired', 'rejected', 'failed') and next_try_at <= now() \
               and (lease_until is null or lease_until < now()) \
             order by next_try_at limit 1 for update skip locked) \
         returning {ACTION_COLUMNS}"
    ))
    .bind(lease_secs)
    .fetch_optional(db)
    .await?)
}

/// Lets go of the lease; the action is next due in `after_secs` (0: at once). With `error`,
/// the attempt failed and says why; without, the attempt count starts again (a step went
/// through).
pub async fn release(
    conn: &mut PgConnection,
    action_id: i64,
    after_secs: f64,
    error: Option<&str>,
) -> Result<(), BackendError> {
    sqlx::query(
        "update containment_action set lease_until = null, next_try_at = now() + make_interval(secs => $2), \
             last_error = $3, attempts = case when $3::text is null then 0 else attempts end where action_id = $1",
    )
    .bind(action_id)
    .bind(after_secs)
    .bind(error)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks the change in force from now for its time to live; verification of a pending
/// change gives up after `verify_secs`.
pub async fn mark_applied(conn: &mut PgConnection, action_id: i64, verify_secs: f64) -> Result<(), BackendError> {
    sqlx::query(
        "update containment_action set expires_at = now() + make_interval(secs => ttl_secs), \
             verify_until = now() + make_interval(secs => $2) where action_id = $1",
    )
    .bind(action_id)
    .bind(verify_secs)
    .execute(conn)
    .await?;
    Ok(())
}

/// A verified change is next due when it expires. Unless it is no longer verified: an undo
/// that arrived while this worker held the lease made it due now, and must not wait for the
/// expiry.
pub async fn due_at_expiry(conn: &mut PgConnection, action_id: i64) -> Result<(), BackendError> {
    sqlx::query(
        "update containment_action set lease_until = null, attempts = 0, last_error = null, \
             next_try_at = case when state = 'verified' then coalesce(expires_at, now()) else now() end \
         where action_id = $1",
    )
    .bind(action_id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn mark_finished(conn: &mut PgConnection, action_id: i64) -> Result<(), BackendError> {
    sqlx::query("update containment_action set finished_at = now(), lease_until = null where action_id = $1")
        .bind(action_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Makes the action due at once and wakes the workers (at commit).
pub async fn due_now(conn: &mut PgConnection, action_id: i64) -> Result<(), BackendError> {
    sqlx::query("update containment_action set next_try_at = now() where action_id = $1")
        .bind(action_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("select pg_notify($1, $2)").bind(CHANNEL).bind(action_id.to_string()).execute(conn).await?;
    Ok(())
}
