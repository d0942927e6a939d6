//! Tunables for authentication, with production defaults; tests shorten the clocks.

use std::time::Duration;

/// Sign-in throttling: after `max_failures` failed attempts inside `window`, the account
/// (or client address) is refused for `lockout`.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    pub account_max_failures: i32,
    pub address_max_failures: i32,
    pub window: Duration,
    pub lockout: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            account_max_failures: 5,
            address_max_failures: 20,
            window: Duration::from_secs(15 * 60),
            lockout: Duration::from_secs(5 * 60),
        }
    }
}

/// argon2id cost. The default follows OWASP's minimum (19 MiB, 2 passes, 1 lane).
#[derive(Debug, Clone, Copy)]
pub struct PasswordCost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for PasswordCost {
    fn default() -> Self {
        Self { memory_kib: 19 * 1024, iterations: 2, parallelism: 1 }
    }
}

impl PasswordCost {
    /// Cheap parameters for tests only.
    pub fn for_tests() -> Self {
        Self { memory_kib: 64, iterations: 1, parallelism: 1 }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct AuthSettings {
    pub throttle: ThrottlePolicy,
    pub password_cost: PasswordCost,
}

/// Group commit and back-pressure for ingest.
#[derive(Debug, Clone, Copy)]
pub struct IngestSettings {
    /// Alerts and context events accepted but not yet committed; beyond this, senders are
    /// told to retry later (HTTP 429) rather than queued without bound.
    pub max_pending: u32,
    /// The most records one transaction takes from the queue.
    pub max_group: usize,
    /// Transactions in flight at once: while one commits, the next group gathers.
    pub writers: usize,
}

impl Default for IngestSettings {
    fn default() -> Self {
        Self { max_pending: 100_000, max_group: 20_000, writers: 2 }
    }
}
