//! Runs one enricher's statement in a savepoint with its own time budget, so that a slow or
//! failing enricher is recorded and skipped while the batch, and every other enricher, goes
//! on. PostgreSQL enforces the budget (`statement_timeout`), cancelling the statement itself.
//! Outside a transaction (the enricher's own connection) each statement stands alone already:
//! no savepoint is needed, and the connection's own `statement_timeout` is the budget.

use std::time::{Duration, Instant};

use riposte_domain::enrichment::{EnricherOutcome, EnricherRun};
use sqlx::{Acquire, PgConnection, Postgres, Transaction};

use crate::BackendError;

/// SQLSTATE of a statement cancelled by `statement_timeout`.
const QUERY_CANCELED: &str = "57014";

/// Where enrichers run: inside the caller's transaction, or on a connection of their own
/// with no transaction open, whose `statement_timeout` was set when it connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    Savepoints,
    OwnStatements,
}

enum Scope<'c> {
    Savepoint { savepoint: Transaction<'c, Postgres>, previous_timeout: String },
    Plain(&'c mut PgConnection),
}

pub struct Isolated<'c> {
    scope: Scope<'c>,
    started: Instant,
}

impl<'c> Isolated<'c> {
    pub async fn begin(
        conn: &'c mut PgConnection,
        budget: Duration,
        isolation: Isolation,
    ) -> Result<Isolated<'c>, BackendError> {
        let started = Instant::now();
        if isolation == Isolation::OwnStatements {
            return Ok(Isolated { scope: Scope::Plain(conn), started });
        }
        let mut savepoint = conn.begin().await?;
        let previous_timeout: String =
            sqlx::query_scalar("select current_setting('statement_timeout')").fetch_one(&mut *savepoint).await?;
        set_timeout(&mut savepoint, &format!("{}ms", budget.as_millis().max(1))).await?;
        Ok(Isolated { scope: Scope::Savepoint { savepoint, previous_timeout }, started })
    }

    pub fn conn(&mut self) -> &mut PgConnection {
        match &mut self.scope {
            Scope::Savepoint { savepoint, .. } => savepoint,
            Scope::Plain(conn) => conn,
        }
    }

    /// Keeps the enricher's work when it succeeded, undoes it when not; either way says how
    /// it fared. Only a failure to talk to the database at all is an error here.
    pub async fn finish<T>(
        self,
        name: &str,
        result: Result<T, BackendError>,
        matches: impl FnOnce(&T) -> usize,
    ) -> Result<(Option<T>, EnricherRun), BackendError> {
        let outcome = match &result {
            Ok(value) => EnricherOutcome::Ok { matches: u32::try_from(matches(value)).unwrap_or(u32::MAX) },
            Err(BackendError::Database(sqlx::Error::Database(db))) if db.code().as_deref() == Some(QUERY_CANCELED) => {
                EnricherOutcome::TimedOut
            }
            Err(err) => EnricherOutcome::Failed { error: err.to_string() },
        };
        let elapsed_ms = u32::try_from(self.started.elapsed().as_millis()).unwrap_or(u32::MAX);
        let run = EnricherRun { name: name.to_owned(), outcome, elapsed_ms };
        if let Err(err) = &result {
            tracing::warn!(enricher = name, error = %err, "enricher skipped for this batch");
        }
        if let Scope::Savepoint { mut savepoint, previous_timeout } = self.scope {
            if result.is_ok() {
                set_timeout(&mut savepoint, &previous_timeout).await?;
                savepoint.commit().await?;
            } else {
                // Rolling back to the savepoint also restores the timeout.
                savepoint.rollback().await?;
            }
        }
        Ok((result.ok(), run))
    }
}

async fn set_timeout(conn: &mut PgConnection, value: &str) -> Result<(), BackendError> {
    sqlx::query("select set_config('statement_timeout', $1, true)").bind(value).execute(conn).await?;
    Ok(())
}
