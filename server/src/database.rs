//! Opens the database: the one named by DATABASE_URL, or Riposte's own embedded cluster,
//! which is started here and stopped again by [`Database::shutdown`].

use std::str::FromStr;

use anyhow::Context;
use riposte_pgcluster::{Cluster, ClusterError, ClusterState, DataDirLock};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, PgPool};

use crate::config::GlobalOptions;

const DATABASE: &str = "riposte";

/// Who is opening the database: the long-running server, which must own the data directory
/// alone, or a command-line tool, which may borrow the cluster of a server already running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opener {
    Server,
    Tool,
}

pub struct Database {
    pub pool: PgPool,
    embedded: Option<Embedded>,
}

struct Embedded {
    cluster: Cluster,
    /// Held while we run; `None` when a tool borrows a running server's cluster.
    lock: Option<DataDirLock>,
}

impl Database {
    pub async fn open(options: &GlobalOptions, opener: Opener) -> anyhow::Result<Database> {
        let (connect, embedded) = match &options.database_url {
            Some(url) => {
                let connect = PgConnectOptions::from_str(url).context("DATABASE_URL is not a valid PostgreSQL URL")?;
                (connect, None)
            }
            None => {
                let embedded = start_embedded(options, opener).await?;
                let target = embedded.cluster.target();
                let base = PgConnectOptions::new().socket(&target.socket_dir).port(target.port).username(&target.user);
                ensure_database(&base).await?;
                (base.database(DATABASE), Some(embedded))
            }
        };
        let pool = riposte_backend::db::connect(connect, options.db_max_connections)
            .await
            .context("connecting to PostgreSQL")?;
        riposte_backend::db::migrate(&pool).await.context("applying database migrations")?;
        Ok(Database { pool, embedded })
    }

    /// Closes connections, then stops the embedded cluster if this process started it.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        self.pool.close().await;
        if let Some(Embedded { cluster, lock: Some(lock) }) = self.embedded {
            tokio::task::spawn_blocking(move || cluster.stop()).await??;
            drop(lock);
        }
        Ok(())
    }
}

async fn start_embedded(options: &GlobalOptions, opener: Opener) -> anyhow::Result<Embedded> {
    let data_dir = options.data_dir.clone();
    let bin_dir = options.pg_bin_dir.clone();
    tokio::task::spawn_blocking(move || -> anyhow::Result<Embedded> {
        let cluster = Cluster::new(&data_dir, bin_dir.as_deref())?;
        match DataDirLock::try_acquire(cluster.data_dir()) {
            Ok(lock) => {
                cluster.start()?;
                Ok(Embedded { cluster, lock: Some(lock) })
            }
            // A tool may use the cluster of the server that holds the directory.
            Err(ClusterError::DataDirInUse { .. })
                if opener == Opener::Tool && matches!(cluster.state(), ClusterState::Running { .. }) =>
            {
                tracing::info!("using the database of the Riposte server running on this data directory");
                Ok(Embedded { cluster, lock: None })
            }
            Err(err) => Err(err.into()),
        }
    })
    .await?
}

async fn ensure_database(base: &PgConnectOptions) -> anyhow::Result<()> {
    let mut conn = PgConnection::connect_with(&base.clone().database("postgres"))
        .await
        .context("connecting to the embedded cluster")?;
    let exists: bool = sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
        .bind(DATABASE)
        .fetch_one(&mut conn)
        .await?;
    if !exists {
        sqlx::query(&format!("create database {DATABASE}")).execute(&mut conn).await?;
        tracing::info!(database = DATABASE, "created the database");
    }
    conn.close().await?;
    Ok(())
}
