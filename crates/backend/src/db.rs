//! Connecting to PostgreSQL and applying the schema.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, PgPool};

/// Statements slower than this are logged as warnings. The pipeline's batch statements take a
/// second or two by design while it works through a backlog.
const SLOW_STATEMENT: Duration = Duration::from_secs(10);

/// The migrations in the repository's `migrations/` folder, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// Opens a pool; `max_connections` is per server process. JIT compilation is off for its
/// sessions: the pipeline's statements over arrays of thousands of values have large cost
/// estimates, so PostgreSQL compiled them on every run, spending more time compiling (a
/// quarter of a second, measured) than executing.
pub async fn connect(options: PgConnectOptions, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options.options([("jit", "off")]).log_slow_statements(log::LevelFilter::Warn, SLOW_STATEMENT))
        .await
}

/// Applies pending migrations. Safe to run from several processes at once (sqlx takes an
/// advisory lock).
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}

/// True when the database answers a trivial query.
pub async fn ping(pool: &PgPool) -> bool {
    sqlx::query("select 1").execute(pool).await.is_ok()
}
