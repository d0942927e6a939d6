//! What the ingest administration page shows: tokens (never their secrets) and storm policies.

use serde::{Deserialize, Serialize};

use crate::alert::StormPolicy;

/// An ingest or API token as listed; the secret is not stored, only its first characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSummary {
    pub id: i64,
    pub name: String,
    pub source: String,
    pub scopes: Vec<String>,
    pub prefix: String,
    pub created_by: String,
    /// RFC 3339 times, formatted on the server.
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// A token just created: the only time its secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub id: i64,
    pub secret: String,
}

/// A storm policy with who changed it last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StormPolicyView {
    pub policy: StormPolicy,
    pub updated_by: String,
    pub updated_at: String,
}
