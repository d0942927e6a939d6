//! Riposte's server-side core. It alone holds SQL (in [`store`]); the use-cases around it
//! authorize the caller, act, and record an audit row in the same transaction.

pub mod admin;
pub mod alerts;
pub mod auth;
pub mod caller;
pub mod db;
pub mod demo;
pub mod error;
pub mod ingest;
pub mod passwords;
pub mod settings;
pub mod store;
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
}

impl Backend {
    /// Prepares the backend; computes the dummy password hash used for unknown users.
    pub async fn new(pool: PgPool, settings: AuthSettings) -> Result<Self, BackendError> {
        Self::with_ingest(pool, settings, IngestSettings::default()).await
    }

    /// As [`Backend::new`], and starts the ingest writers (they stop when the last clone drops).
    pub async fn with_ingest(
        pool: PgPool,
        settings: AuthSettings,
        ingest: IngestSettings,
    ) -> Result<Self, BackendError> {
        let auth = auth::AuthContext::new(settings).await?;
        let ingest = ingest::IngestQueue::start(pool.clone(), ingest);
        Ok(Self {
            pool,
            auth: std::sync::Arc::new(auth),
            ingest: std::sync::Arc::new(ingest),
            token_cache: std::sync::Arc::default(),
        })
    }
}
