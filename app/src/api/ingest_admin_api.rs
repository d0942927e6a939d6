//! Ingest administration: tokens and storm-control policies. The backend use-cases check
//! `ManageSettings` for the signed-in user.

use leptos::prelude::*;
use riposte_domain::ingest_admin::{CreatedToken, StormPolicyView, TokenSummary};

use crate::AppError;

#[server(prefix = "/api", endpoint = "list_tokens")]
pub async fn list_tokens() -> Result<Vec<TokenSummary>, AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    use riposte_backend::alerts::rfc3339;
    let user = require_user().await?;
    let rows = riposte_backend::tokens::list_tokens(&backend()?, Actor::User(&user)).await.map_err(fail)?;
    Ok(rows
        .into_iter()
        .map(|row| TokenSummary {
            id: row.token_id,
            name: row.name,
            source: row.source,
            scopes: row.scopes,
            prefix: row.prefix,
            created_by: row.created_by,
            created_at: rfc3339(row.created_at),
            last_used_at: row.last_used_at.map(rfc3339),
            revoked_at: row.revoked_at.map(rfc3339),
        })
        .collect())
}

/// Scopes are separate checkboxes (a checked box sends a value, an unchecked one nothing).
#[server(prefix = "/api", endpoint = "create_token")]
pub async fn create_token(
    name: String,
    source: String,
    ingest: Option<String>,
    read: Option<String>,
    triage: Option<String>,
    context: Option<String>,
) -> Result<CreatedToken, AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    use riposte_backend::tokens::TokenScope;
    let user = require_user().await?;
    let scopes: Vec<TokenScope> = [
        (ingest, TokenScope::Ingest),
        (read, TokenScope::Read),
        (triage, TokenScope::Triage),
        (context, TokenScope::Context),
    ]
    .into_iter()
    .filter_map(|(checked, scope)| checked.map(|_| scope))
    .collect();
    let (row, secret) = riposte_backend::tokens::create_token(&backend()?, Actor::User(&user), &name, &source, &scopes)
        .await
        .map_err(fail)?;
    Ok(CreatedToken { id: row.token_id, secret })
}

#[server(prefix = "/api", endpoint = "revoke_token")]
pub async fn revoke_token(token_id: i64) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    riposte_backend::tokens::revoke_token(&backend()?, Actor::User(&user), token_id).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "list_storm_policies")]
pub async fn list_storm_policies() -> Result<Vec<StormPolicyView>, AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    use riposte_backend::alerts::rfc3339;
    let user = require_user().await?;
    let stored = riposte_backend::storms::list_policies(&backend()?, Actor::User(&user)).await.map_err(fail)?;
    Ok(stored
        .into_iter()
        .map(|s| StormPolicyView { policy: s.policy, updated_by: s.updated_by, updated_at: rfc3339(s.updated_at) })
        .collect())
}

/// `group_by` is a comma-separated list of fields (src_ip, dst_ip, dst_port, host, user).
#[server(prefix = "/api", endpoint = "set_storm_policy")]
pub async fn set_storm_policy(
    source: String,
    threshold: u32,
    window_secs: u32,
    group_by: String,
    disabled: Option<String>,
) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    use riposte_domain::ValidationError;
    use riposte_domain::alert::{StormField, StormPolicy};
    let user = require_user().await?;
    let group_by = group_by
        .split(',')
        .filter(|f| !f.trim().is_empty())
        .map(StormField::parse)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|message| fail(riposte_backend::BackendError::from(ValidationError::new("group by", message))))?;
    let policy = StormPolicy { source, enabled: disabled.is_none(), threshold, window_secs, group_by };
    riposte_backend::storms::set_policy(&backend()?, Actor::User(&user), policy).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "remove_storm_policy")]
pub async fn remove_storm_policy(source: String) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    riposte_backend::storms::remove_policy(&backend()?, Actor::User(&user), &source).await.map_err(fail)
}
