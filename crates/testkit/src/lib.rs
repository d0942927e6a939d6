//! Test support. The harness starts its own PostgreSQL cluster under `target/` (shared by all
//! test processes of a run, left running for the next run) and gives each test a database of
//! its own, copied from a migrated template.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use riposte_backend::{AuthSettings, Backend, ThrottlePolicy, settings::PasswordCost};
use riposte_pgcluster::{Cluster, ConnectionTarget, DataDirLock};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, PgPool};

const TEMPLATE: &str = "riposte_template";

/// Where the test cluster lives: `RIPOSTE_TEST_PG_DIR`, else `target/riposte-test-pg`.
pub fn cluster_dir() -> PathBuf {
    std::env::var_os("RIPOSTE_TEST_PG_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/riposte-test-pg")))
}

/// Starts the shared test cluster once per process (if no other process already has).
pub fn test_cluster() -> &'static ConnectionTarget {
    static TARGET: OnceLock<ConnectionTarget> = OnceLock::new();
    TARGET.get_or_init(|| {
        let dir = cluster_dir();
        let _lock = DataDirLock::acquire_blocking(&dir).expect("lock the test cluster directory");
        let cluster = Cluster::new(&dir, None).expect("PostgreSQL binaries");
        match cluster.state() {
            riposte_pgcluster::ClusterState::Running { .. } => cluster.target(),
            _ => cluster.start().expect("start the test cluster"),
        }
    })
}

/// Connection options for one database of the test cluster.
pub fn connect_options(database: &str) -> PgConnectOptions {
    let target = test_cluster();
    PgConnectOptions::new().socket(&target.socket_dir).port(target.port).username(&target.user).database(database)
}

/// A fresh, migrated database for one test.
pub struct TestDb {
    pub name: String,
    pub pool: PgPool,
}

impl TestDb {
    pub async fn new() -> TestDb {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = format!("t_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        // Start the cluster first: its start-up takes the same directory lock as below.
        test_cluster();
        let dir = cluster_dir();
        let create = {
            let name = name.clone();
            move || -> Result<(), String> {
                // The template may not be in use while it is copied: hold the directory lock.
                let _lock = DataDirLock::acquire_blocking(&dir).map_err(|e| e.to_string())?;
                let runtime =
                    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
                runtime.block_on(prepare_database(&name)).map_err(|e| e.to_string())
            }
        };
        tokio::task::spawn_blocking(create).await.expect("join").expect("create test database");
        let pool = riposte_backend::db::connect(connect_options(&name), 5).await.expect("connect to test database");
        TestDb { name, pool }
    }

    /// A backend over this database with cheap hashing and the given throttle policy.
    pub async fn backend_with(&self, throttle: ThrottlePolicy) -> Backend {
        let settings = AuthSettings { throttle, password_cost: PasswordCost::for_tests() };
        Backend::new(self.pool.clone(), settings).await.expect("backend")
    }

    pub async fn backend(&self) -> Backend {
        self.backend_with(ThrottlePolicy::default()).await
    }

    /// A backend whose containment action workers never start: the test drives each step.
    pub async fn backend_without_containment_jobs(&self) -> Backend {
        let settings = AuthSettings { password_cost: PasswordCost::for_tests(), ..AuthSettings::default() };
        Backend::without_containment_jobs(self.pool.clone(), settings).await.expect("backend")
    }

    /// A backend as a command-line tool has it: no background work, cheap hashing.
    pub async fn tool_backend(&self) -> Backend {
        let settings = AuthSettings { password_cost: PasswordCost::for_tests(), ..AuthSettings::default() };
        Backend::without_workers(self.pool.clone(), settings).await.expect("tool backend")
    }
}

async fn prepare_database(name: &str) -> Result<(), sqlx::Error> {
    let mut admin = PgConnection::connect_with(&connect_options("postgres")).await?;
    drop_databases_of_dead_processes(&mut admin).await?;
    if !template_is_current(&mut admin).await? {
        sqlx::query(&format!("drop database if exists {TEMPLATE}")).execute(&mut admin).await?;
        sqlx::query(&format!("create database {TEMPLATE}")).execute(&mut admin).await?;
        let mut template = PgConnection::connect_with(&connect_options(TEMPLATE)).await?;
        riposte_backend::db::MIGRATOR.run(&mut template).await.map_err(|e| sqlx::Error::Migrate(Box::new(e)))?;
        template.close().await?;
    }
    sqlx::query(&format!("create database {name} template {TEMPLATE}")).execute(&mut admin).await?;
    admin.close().await
}

/// The template is current when it holds exactly the migrations this build embeds.
async fn template_is_current(admin: &mut PgConnection) -> Result<bool, sqlx::Error> {
    let exists: bool = sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
        .bind(TEMPLATE)
        .fetch_one(&mut *admin)
        .await?;
    if !exists {
        return Ok(false);
    }
    let mut template = PgConnection::connect_with(&connect_options(TEMPLATE)).await?;
    let applied: Vec<(i64, Vec<u8>)> =
        sqlx::query_as("select version, checksum from _sqlx_migrations where success order by version")
            .fetch_all(&mut template)
            .await
            .unwrap_or_default();
    template.close().await?;
    let embedded: Vec<(i64, Vec<u8>)> =
        riposte_backend::db::MIGRATOR.iter().map(|m| (m.version, m.checksum.to_vec())).collect();
    Ok(applied == embedded)
}

/// Test databases are named after their process; those of finished processes are dropped.
async fn drop_databases_of_dead_processes(admin: &mut PgConnection) -> Result<(), sqlx::Error> {
    let names: Vec<String> =
        sqlx::query_scalar("select datname from pg_database where datname like 't\\_%'").fetch_all(&mut *admin).await?;
    for name in names {
        let pid = name.split('_').nth(1).and_then(|p| p.parse::<i32>().ok());
        let alive = pid.is_some_and(|pid| nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok());
        if !alive {
            sqlx::query(&format!("drop database if exists \"{name}\" with (force)")).execute(&mut *admin).await?;
        }
    }
    Ok(())
}
