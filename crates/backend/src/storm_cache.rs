//! Storm policies as ingest sees them: read from the database at most every
//! [`StormPolicyCache::TTL`], so that the ingest path can pre-place alerts into running
//! storms without a query per request. A change made through this process is seen at once;
//! one made through another process within the TTL (the pipeline, which reads the table
//! itself, corrects any alert placed under a stale policy).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use riposte_domain::alert::{DEFAULT_POLICY_SOURCE, StormPolicy};
use sqlx::PgPool;

use crate::BackendError;
use crate::store::storms;

/// Policies by source, `*` included.
pub type Policies = HashMap<String, StormPolicy>;

/// The policy that governs `source`: its own, else the default; none when roll-up is off.
pub fn policy_for<'a>(policies: &'a Policies, source: &str) -> Option<&'a StormPolicy> {
    policies.get(source).or_else(|| policies.get(DEFAULT_POLICY_SOURCE)).filter(|p| p.enabled)
}

#[derive(Default)]
pub struct StormPolicyCache {
    loaded: Mutex<Option<(Instant, Arc<Policies>)>>,
}

impl StormPolicyCache {
    pub const TTL: Duration = Duration::from_secs(5);

    pub async fn get(&self, pool: &PgPool) -> Result<Arc<Policies>, BackendError> {
        if let Some((at, policies)) = self.loaded.lock().unwrap_or_else(|e| e.into_inner()).as_ref()
            && at.elapsed() < Self::TTL
        {
            return Ok(policies.clone());
        }
        let policies = Arc::new(storms::load_policies(pool).await?);
        *self.loaded.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), policies.clone()));
        Ok(policies)
    }

    /// Called after a policy changes here.
    pub fn forget(&self) {
        *self.loaded.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}
