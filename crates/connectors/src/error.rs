//! How a connector call fails, and whether trying again could help.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectorError {
    /// The device could not be reached or did not answer in time: worth retrying.
    #[error("{device} did not answer: {detail}")]
    Unreachable { device: String, detail: String },
    /// The device answered that it is busy or rate-limited: retry after the pause it asked for.
    #[error("{device} asked to slow down (retry after {retry_after:?})")]
    Throttled { device: String, retry_after: Duration },
    /// The device refused the credentials (an expired token, a revoked key).
    #[error("{device} refused the credentials: {detail}")]
    Unauthorized { device: String, detail: String },
    /// The device refused the change; trying again would fail the same way.
    #[error("{device} refused: {detail}")]
    Refused { device: String, detail: String },
    /// The change collides with one already in place that a person must look at.
    #[error("{device} already holds a conflicting entry: {detail}")]
    Conflict { device: String, detail: String },
    /// The device answered something the connector cannot read.
    #[error("{device} answered unexpectedly: {detail}")]
    Unexpected { device: String, detail: String },
}

impl ConnectorError {
    /// Whether the same call may succeed later.
    pub fn retryable(&self) -> bool {
        matches!(self, ConnectorError::Unreachable { .. } | ConnectorError::Throttled { .. })
    }
}
