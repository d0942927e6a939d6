//! Per-source ingest tokens: created with a scope and a source, shown once, stored as a
//! SHA-256 hash (they are long random secrets, so a fast hash is enough), revocable.

use riposte_domain::Permission;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::admin::Actor;
use crate::store::audit;
use crate::store::tokens::{self, NewTokenRow, TokenRow};
use crate::{Backend, BackendError};

/// Every token secret starts with this, so one is told apart from a password.
pub const TOKEN_PREFIX: &str = "rip_";

/// What a token allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenScope {
    /// Send alerts and events.
    Ingest,
    /// Read alerts through the API.
    Read,
    /// Change alert status through the API (a SOAR or ticketing integration).
    Triage,
    /// Push asset inventories and watchlists (a CMDB export job, a threat-intelligence feed).
    Context,
}

impl TokenScope {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Ingest => "ingest",
            TokenScope::Read => "read",
            TokenScope::Triage => "triage",
            TokenScope::Context => "context",
        }
    }

    pub fn parse(value: &str) -> Result<TokenScope, BackendError> {
        match value {
            "ingest" => Ok(TokenScope::Ingest),
            "read" => Ok(TokenScope::Read),
            "triage" => Ok(TokenScope::Triage),
            "context" => Ok(TokenScope::Context),
            other => Err(riposte_domain::ValidationError::new(
                "scope",
                format!("unknown scope {other:?}: use ingest, read, triage or context"),
            )
            .into()),
        }
    }
}

/// An authenticated token, as handlers see it.
#[derive(Debug, Clone)]
pub struct TokenIdentity {
    pub token_id: i64,
    pub name: String,
    pub source: String,
    pub scopes: Vec<String>,
}

impl TokenIdentity {
    pub fn require(&self, scope: TokenScope) -> Result<(), BackendError> {
        if self.scopes.iter().any(|s| s == scope.as_str()) {
            Ok(())
        } else {
            Err(BackendError::TokenScope(scope.as_str()))
        }
    }
}

/// Creates a token; returns its row and the secret, which is never shown again.
pub async fn create_token(
    backend: &Backend,
    actor: Actor<'_>,
    name: &str,
    source: &str,
    scopes: &[TokenScope],
) -> Result<(TokenRow, String), BackendError> {
    actor.require(Permission::ManageSettings)?;
    let name = name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(riposte_domain::ValidationError::new("name", "must be 1 to 100 characters").into());
    }
    let source = parse_source(source)?;
    if scopes.is_empty() {
        return Err(riposte_domain::ValidationError::new("scope", "give at least one scope").into());
    }
    let secret =
        format!("{TOKEN_PREFIX}{}{}", crate::passwords::generate_password(), crate::passwords::generate_password());
    let scopes: Vec<String> = scopes.iter().map(|s| s.as_str().to_owned()).collect();
    let hash = hash_secret(&secret);
    let mut tx = backend.pool.begin().await?;
    let row = tokens::insert_token(
        &mut tx,
        NewTokenRow {
            name,
            source: &source,
            scopes: &scopes,
            token_hash: &hash,
            prefix: &secret[..8],
            created_by: actor.label(),
        },
    )
    .await?;
    audit::append(&mut tx, actor.entry("create_token", name, json!({ "source": source, "scopes": scopes }))).await?;
    tx.commit().await?;
    Ok((row, secret))
}

pub async fn list_tokens(backend: &Backend, actor: Actor<'_>) -> Result<Vec<TokenRow>, BackendError> {
    actor.require(Permission::ManageSettings)?;
    tokens::list_tokens(&backend.pool).await
}

pub async fn revoke_token(backend: &Backend, actor: Actor<'_>, token_id: i64) -> Result<(), BackendError> {
    actor.require(Permission::ManageSettings)?;
    let mut tx = backend.pool.begin().await?;
    let name = tokens::revoke_token(&mut tx, token_id).await?.ok_or(BackendError::NotFound("live token"))?;
    audit::append(&mut tx, actor.entry("revoke_token", &name, json!({ "token_id": token_id }))).await?;
    tx.commit().await?;
    backend.token_cache.forget(token_id);
    Ok(())
}

/// The token behind a presented secret, or `Unauthenticated` for an unknown or revoked one.
pub async fn authenticate_token(backend: &Backend, secret: &str) -> Result<TokenIdentity, BackendError> {
    let hash = hash_secret(secret.trim());
    if let Some(token) = backend.token_cache.get(&hash) {
        return Ok(token);
    }
    let row = tokens::use_token(&backend.pool, &hash).await?.ok_or(BackendError::Unauthenticated)?;
    let token = TokenIdentity { token_id: row.token_id, name: row.name, source: row.source, scopes: row.scopes };
    backend.token_cache.put(hash, token.clone());
    Ok(token)
}

fn hash_secret(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Source names: lowercase `a-z 0-9 _ -`, 1–40 characters.
fn parse_source(raw: &str) -> Result<String, BackendError> {
    let value = raw.trim().to_ascii_lowercase();
    let ok = !value.is_empty()
        && value.len() <= 40
        && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if ok {
        Ok(value)
    } else {
        Err(riposte_domain::ValidationError::new("source", "use 1 to 40 of a-z, 0-9, '_' and '-'").into())
    }
}
