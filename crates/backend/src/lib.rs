//! Riposte's server-side core. It alone holds SQL (in [`store`]); the use-cases around it
//! authorize the caller, act, and record an audit row in the same transaction.

pub mod admin;
pub mod alerts;
pub mod assets;
pub mod auth;
pub mod background;
pub mod caller;
pub mod containment;
pub mod context_sources;
pub mod correlation;
pub mod db;
pub mod demo;
pub mod email;
pub mod enricher;
pub mod enrichment;
pub mod error;
pub mod escalation;
pub mod handoff;
pub mod incidents;
pub mod indicators;
pub mod ingest;
pub mod live;
pub mod notify;
pub mod passwords;
pub mod pipeline;
pub mod scoring;
pub mod secrets;
pub mod settings;
pub mod siem;
pub mod store;
pub mod storm_cache;
pub mod storms;
pub mod thehive;
pub mod token_cache;
pub mod tokens;

pub use auth::{CurrentUser, SessionAuth};
pub use error::BackendError;
pub use settings::{AuthSettings, IngestSettings, ThrottlePolicy};

use sqlx::PgPool;

/// Everything a use-case needs: the pool and the settings. Cheap to clone.
#[derive(Clone)]
pub struct Backend {
    pub pool: PgPool,
    pub auth: std::sync::Arc<auth::AuthContext>,
    pub ingest: std::sync::Arc<ingest::IngestQueue>,
    pub token_cache: std::sync::Arc<token_cache::TokenCache>,
    pub pipeline: std::sync::Arc<pipeline::Pipeline>,
    pub storm_policies: std::sync::Arc<storm_cache::StormPolicyCache>,
    pub notifier: std::sync::Arc<background::Periodic>,
    pub sla_watch: std::sync::Arc<background::Periodic>,
    pub precision_refresh: std::sync::Arc<background::Periodic>,
    /// Set to `None` (in tests) to stop the action workers and drive them by hand.
    pub containment_jobs: Option<std::sync::Arc<containment::jobs::ActionJobs>>,
    pub siem_sender: std::sync::Arc<background::Periodic>,
}

impl Backend {
    /// Prepares the backend and starts its background work (see [`Backend::with_ingest`]);
    /// computes the dummy password hash used for unknown users.
    pub async fn new(pool: PgPool, settings: AuthSettings) -> Result<Self, BackendError> {
        Self::with_ingest(pool, settings, IngestSettings::default()).await
    }

    /// For a command-line tool: nothing runs in the background, so a short-lived process
    /// never takes a pipeline batch or a containment action's lease and then exits with it
    /// (the action would wait out the lease). Alerts it stores wait for a server's pipeline.
    pub async fn without_workers(pool: PgPool, settings: AuthSettings) -> Result<Self, BackendError> {
        let workers = Workers {
            pipeline: pipeline::Pipeline::idle(),
            notifier: background::idle(),
            sla_watch: background::idle(),
            precision_refresh: background::idle(),
            containment_jobs: None,
            siem_sender: background::idle(),
        };
        Self::assemble(pool, settings, IngestSettings::default(), workers).await
    }

    /// As [`Backend::new`], and starts the ingest writers and the alert pipeline (they stop
    /// when the last clone drops).
    pub async fn with_ingest(
        pool: PgPool,
        settings: AuthSettings,
        ingest: IngestSettings,
    ) -> Result<Self, BackendError> {
        Self::started(pool, settings, ingest, true).await
    }

    /// As [`Backend::new`] without the containment action workers: for tests that drive the
    /// actions step by step. (Starting them and dropping them races: a worker that already
    /// took an action would be stopped halfway with the lease held.)
    pub async fn without_containment_jobs(pool: PgPool, settings: AuthSettings) -> Result<Self, BackendError> {
        Self::started(pool, settings, IngestSettings::default(), false).await
    }

    async fn started(
        pool: PgPool,
        settings: AuthSettings,
        ingest: IngestSettings,
        containment_jobs: bool,
    ) -> Result<Self, BackendError> {
        escalation::rules::ensure_defaults(&pool).await?;
        let workers = Workers {
            notifier: notify::start(pool.clone()),
            sla_watch: incidents::sla::watch(pool.clone()),
            precision_refresh: enrichment::precision::refresher(pool.clone()),
            pipeline: pipeline::Pipeline::start(pool.clone()),
            containment_jobs: containment_jobs.then(|| containment::jobs::start(pool.clone())),
            siem_sender: siem::start(pool.clone()),
        };
        Self::assemble(pool, settings, ingest, workers).await
    }

    async fn assemble(
        pool: PgPool,
        settings: AuthSettings,
        ingest: IngestSettings,
        workers: Workers,
    ) -> Result<Self, BackendError> {
        use std::sync::Arc;
        let auth = auth::AuthContext::new(settings).await?;
        let storm_policies = Arc::new(storm_cache::StormPolicyCache::default());
        let ingest = ingest::IngestQueue::start(pool.clone(), ingest, &workers.pipeline, storm_policies.clone());
        Ok(Self {
            pool,
            auth: Arc::new(auth),
            ingest: Arc::new(ingest),
            token_cache: Arc::default(),
            pipeline: Arc::new(workers.pipeline),
            storm_policies,
            notifier: Arc::new(workers.notifier),
            sla_watch: Arc::new(workers.sla_watch),
            precision_refresh: Arc::new(workers.precision_refresh),
            containment_jobs: workers.containment_jobs.map(Arc::new),
            siem_sender: Arc::new(workers.siem_sender),
        })
    }
}

/// The background work a backend runs; idle stand-ins for a command-line tool.
struct Workers {
    pipeline: pipeline::Pipeline,
    notifier: background::Periodic,
    sla_watch: background::Periodic,
    precision_refresh: background::Periodic,
    containment_jobs: Option<containment::jobs::ActionJobs>,
    siem_sender: background::Periodic,
}
