//! The job side of containment actions: taking the next one due under a lease, and putting
//! it back with the time it is next due.

use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, PgExecutor};

use super::containment::{ACTION_COLUMNS, ActionRow};
use crate::BackendError;

/// The NOTIFY channel that wakes the action workers (a request approved, an undo clicked).
pub const CHANNEL: &str = "riposte_containment";

/// First key of the advisory locks that say a worker process is alive ("Rips").
const HOLDER_CLASS: i32 = 0x5269_7073;

/// Proof that this process's action workers are alive: a connection of their own holding a
/// session advisory lock on (`HOLDER_CLASS`, `key`). The lock goes with the connection, so
/// when the process dies the database lets go of it and another worker takes its leases at
/// once, instead of waiting out `lease_until`.
pub struct LeaseHolder {
    conn: PgConnection,
    key: i32,
}

impl LeaseHolder {
    pub async fn take(options: &PgConnectOptions) -> Result<LeaseHolder, BackendError> {
        let conn = PgConnection::connect_with(options).await?;
        let key = (uuid::Uuid::new_v4().as_u128() as u32 >> 1) as i32;
        Self::lock(conn, key).await
    }

    /// The key leases are taken under.
    pub fn key(&self) -> i32 {
        self.key
    }

    /// Whether the lock still holds; if its connection was lost, takes the lock again on a new
    /// one, under the same key when nobody has taken that meanwhile, so leases already held
    /// stay this worker's.
    pub async fn keep(self, options: &PgConnectOptions) -> Result<LeaseHolder, BackendError> {
        let LeaseHolder { mut conn, key } = self;
        if conn.ping().await.is_ok() {
            return Ok(LeaseHolder { conn, key });
        }
        Self::lock(PgConnection::connect_with(options).await?, key).await
    }

    /// Takes (`HOLDER_CLASS`, `key`), or the next free key after it.
    async fn lock(mut conn: PgConnection, mut key: i32) -> Result<LeaseHolder, BackendError> {
        loop {
            let taken: bool = sqlx::query_scalar("select pg_try_advisory_lock($1, $2)")
                .bind(HOLDER_CLASS)
                .bind(key)
                .fetch_one(&mut conn)
                .await?;
            if taken {
                return Ok(LeaseHolder { conn, key });
            }
            key = key.checked_add(1).unwrap_or(0);
        }
    }
}

/// Takes the action most overdue, for `lease_secs`, as `holder`: not finished, due, and not
/// leased by a live worker (the lease has not run out and its holder's lock is still held);
/// an approval that waited past the time to live is due too (to expire). Counts the attempt.
pub async fn claim(db: impl PgExecutor<'_>, lease_secs: i32, holder: i32) -> Result<Option<ActionRow>, BackendError> {
    Ok(sqlx::query_as(&format!(
        "update containment_action set lease_until = now() + make_interval(secs => $1), lease_holder = $2, \
             attempts = attempts + 1 \
         where action_id = ( \
             select action_id from containment_action a \
             where state not in ('undone', 'expired', 'rejected', 'failed') and next_try_at <= now() \
               and (lease_until is null or lease_until < now() or (lease_holder is not null and not exists ( \
                   select 1 from pg_locks l where l.locktype = 'advisory' and l.granted and l.objsubid = 2 \
                     and l.classid = {HOLDER_CLASS} and l.objid = a.lease_holder::oid \
                     and l.database = (select oid from pg_database where datname = current_database())))) \
             order by next_try_at limit 1 for update skip locked) \
         returning {ACTION_COLUMNS}"
    ))
    .bind(lease_secs)
    .bind(holder)
    .fetch_optional(db)
    .await?)
}

/// Lets go of the lease; the action is next due in `after_secs` (0: at once). With `error`,
/// the attempt failed and says why; without, the attempt count starts again (a step went
/// through).
///
/// Like every write that ends a lease, it is fenced by `holder`: a worker whose lease was
/// taken over (its process looked dead) changes nothing.
pub async fn release(
    conn: &mut PgConnection,
    action_id: i64,
    holder: Option<i32>,
    after_secs: f64,
    error: Option<&str>,
) -> Result<(), BackendError> {
    sqlx::query(
        "update containment_action set lease_until = null, next_try_at = now() + make_interval(secs => $3), \
             last_error = $4, attempts = case when $4::text is null then 0 else attempts end \
         where action_id = $1 and lease_holder is not distinct from $2",
    )
    .bind(action_id)
    .bind(holder)
    .bind(after_secs)
    .bind(error)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether `holder` still holds the action's lease; locks the row until the transaction ends,
/// so a step is recorded only by the worker that holds it.
pub async fn still_holds(conn: &mut PgConnection, action_id: i64, holder: Option<i32>) -> Result<bool, BackendError> {
    let now: Option<Option<i32>> =
        sqlx::query_scalar("select lease_holder from containment_action where action_id = $1 for update")
            .bind(action_id)
            .fetch_optional(conn)
            .await?;
    Ok(now == Some(holder))
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
pub async fn due_at_expiry(conn: &mut PgConnection, action_id: i64, holder: Option<i32>) -> Result<(), BackendError> {
    sqlx::query(
        "update containment_action set lease_until = null, attempts = 0, last_error = null, \
             next_try_at = case when state = 'verified' then coalesce(expires_at, now()) else now() end \
         where action_id = $1 and lease_holder is not distinct from $2",
    )
    .bind(action_id)
    .bind(holder)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn mark_finished(conn: &mut PgConnection, action_id: i64, holder: Option<i32>) -> Result<(), BackendError> {
    sqlx::query(
        "update containment_action set finished_at = now(), lease_until = null \
         where action_id = $1 and lease_holder is not distinct from $2",
    )
    .bind(action_id)
    .bind(holder)
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
