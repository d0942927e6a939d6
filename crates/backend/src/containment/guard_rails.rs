//! The guard rails administrators keep: the protected list, the inventory tags that mark
//! infrastructure, our own ranges, the breadth limits, when a second person must approve and
//! whose approval counts. Every change is checked whole, then audited.

use std::collections::HashMap;

use riposte_domain::containment::view::{GuardRailsView, ProtectedEntry};
use riposte_domain::enrichment::prefixes::Network;
use riposte_domain::{Permission, Role};
use serde_json::json;

use crate::admin::Actor;
use crate::store::{audit, containment};
use crate::{Backend, BackendError};

/// The settings an administrator submits (everything but the protected list).
#[derive(Debug, Clone)]
pub struct GuardRailsInput {
    pub internal: Vec<String>,
    pub broadest_v4: i64,
    pub broadest_v6: i64,
    pub critical_from: i64,
    pub approver_roles: Vec<String>,
    pub protected_tags: Vec<String>,
}

const MAX_WHY: usize = 200;

pub async fn guard_rails(backend: &Backend, actor: Actor<'_>) -> Result<GuardRailsView, BackendError> {
    actor.require(Permission::ManageSettings)?;
    let mut conn = backend.pool.acquire().await?;
    // The rails as requests are judged by; who listed each entry is shown besides (a
    // connector's management address was listed by no one).
    let policy = containment::guard_policy(&mut conn).await?;
    let added_by: HashMap<String, String> = sqlx::query_as("select text(net), created_by from containment_protected")
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
    let tagged_assets =
        sqlx::query_scalar("select name from asset where tags && $1 order by criticality desc, name limit 200")
            .bind(&policy.protected_tags)
            .fetch_all(&mut *conn)
            .await?;
    let texts = |networks: &[Network]| networks.iter().map(Network::to_string).collect();
    Ok(GuardRailsView {
        protected: policy
            .protected
            .iter()
            .map(|p| {
                let net = p.network.to_string();
                ProtectedEntry { added_by: added_by.get(&net).cloned(), net, why: p.why.clone() }
            })
            .collect(),
        internal: texts(&policy.internal),
        broadest_v4: policy.broadest_v4,
        broadest_v6: policy.broadest_v6,
        critical_from: policy.critical_from,
        approver_roles: policy.approver_roles.iter().map(|r| r.as_str().to_owned()).collect(),
        protected_tags: policy.protected_tags,
        tagged_assets,
    })
}

pub async fn set_guard_rails(backend: &Backend, actor: Actor<'_>, input: &GuardRailsInput) -> Result<(), BackendError> {
    actor.require(Permission::ManageSettings)?;
    let internal = input
        .internal
        .iter()
        .filter(|t| !t.trim().is_empty())
        .map(|t| {
            Network::parse(t.trim())
                .map(|n| n.to_string())
                .map_err(|e| BackendError::invalid("internal", e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let within = |field: &str, value: i64, low: i64, high: i64| {
        if (low..=high).contains(&value) {
            Ok(value as i16)
        } else {
            Err(BackendError::invalid(field, format!("must be from {low} to {high}, not {value}")))
        }
    };
    let broadest_v4 = within("broadest_v4", input.broadest_v4, 0, 32)?;
    let broadest_v6 = within("broadest_v6", input.broadest_v6, 0, 128)?;
    // 6: no asset is critical enough to need a second person.
    let critical_from = within("critical_from", input.critical_from, 1, 6)?;
    let mut roles = Vec::new();
    for text in input.approver_roles.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
        let role = Role::parse(text).map_err(|_| {
            BackendError::invalid(
                "approver_roles",
                format!("{text:?} is not a role (tier1, tier2, ir, noc, manager, admin)"),
            )
        })?;
        if !role.can(Permission::ViewContainment) {
            return Err(BackendError::invalid(
                "approver_roles",
                format!("{} cannot see containment actions, so cannot approve them", role.as_str()),
            ));
        }
        if !roles.contains(&role.as_str().to_owned()) {
            roles.push(role.as_str().to_owned());
        }
    }
    if roles.is_empty() {
        return Err(BackendError::invalid("approver_roles", "name at least one role whose approval counts"));
    }
    let mut tags: Vec<String> = Vec::new();
    for tag in input.protected_tags.iter().map(|t| t.trim().to_lowercase()).filter(|t| !t.is_empty()) {
        if tag.len() > 64 || !tag.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
            return Err(BackendError::invalid(
                "protected_tags",
                format!("{tag:?} is not a tag (letters, digits, '-', '_', '.')"),
            ));
        }
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    let mut tx = backend.pool.begin().await?;
    sqlx::query(
        "update containment_setting set internal = $1::cidr[], broadest_v4 = $2, broadest_v6 = $3, critical_from = $4, \
             approver_roles = $5, protected_tags = $6, updated_by = $7, updated_at = now()",
    )
    .bind(&internal)
    .bind(broadest_v4)
    .bind(broadest_v6)
    .bind(critical_from)
    .bind(&roles)
    .bind(&tags)
    .bind(actor.label())
    .execute(&mut *tx)
    .await?;
    let detail = json!({
        "internal": internal, "broadest_v4": broadest_v4, "broadest_v6": broadest_v6,
        "critical_from": critical_from, "approver_roles": roles, "protected_tags": tags,
    });
    audit::append(&mut tx, actor.entry("set_containment_guard_rails", "containment", detail)).await?;
    tx.commit().await?;
    Ok(())
}

/// Lists `net` as protected, saying why (shown to whoever is asked to override it).
pub async fn protect(backend: &Backend, actor: Actor<'_>, net: &str, why: &str) -> Result<(), BackendError> {
    actor.require(Permission::ManageSettings)?;
    let network = Network::parse(net.trim()).map_err(|e| BackendError::invalid("net", e.to_string()))?;
    let why = why.trim();
    if why.is_empty() || why.len() > MAX_WHY {
        return Err(BackendError::invalid("why", format!("say what it is, in 1 to {MAX_WHY} characters")));
    }
    let mut tx = backend.pool.begin().await?;
    sqlx::query(
        "insert into containment_protected (net, why, created_by) values ($1::cidr, $2, $3) \
         on conflict (net) do update set why = excluded.why",
    )
    .bind(network.to_string())
    .bind(why)
    .bind(actor.label())
    .execute(&mut *tx)
    .await?;
    let detail = json!({ "net": network.to_string(), "why": why });
    audit::append(&mut tx, actor.entry("protect_from_containment", "containment", detail)).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn unprotect(backend: &Backend, actor: Actor<'_>, net: &str) -> Result<(), BackendError> {
    actor.require(Permission::ManageSettings)?;
    let network = Network::parse(net.trim()).map_err(|e| BackendError::invalid("net", e.to_string()))?;
    let mut tx = backend.pool.begin().await?;
    let removed = sqlx::query("delete from containment_protected where net = $1::cidr")
        .bind(network.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if removed == 0 {
        return Err(BackendError::NotFound("protected entry"));
    }
    audit::append(
        &mut tx,
        actor.entry("unprotect_from_containment", "containment", json!({ "net": network.to_string() })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
