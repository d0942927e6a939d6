//! Correlation settings as administrators edit them: rules (order, window, join), the
//! exclusion list and the frequency cap. Every change is audited; the pipeline reads the
//! settings afresh for each batch.

use riposte_domain::Permission;
use riposte_domain::ValidationError;
use riposte_domain::alert::{Entity, EntityKind};
use riposte_domain::correlation::{CorrelationRule, CorrelationSettings, is_network};
use serde_json::json;

use crate::admin::Actor;
use crate::store::{audit, correlation as store};
use crate::{Backend, BackendError};

pub async fn settings(backend: &Backend, actor: Actor<'_>) -> Result<CorrelationSettings, BackendError> {
    actor.require(Permission::ManageSettings)?;
    let mut conn = backend.pool.acquire().await?;
    let rules = store::load_rules(&mut *conn).await?;
    let exclusions = store::list_exclusions(&mut conn).await?;
    let max_frequency = store::max_frequency(&mut conn).await?;
    Ok(CorrelationSettings { rules, exclusions, max_frequency })
}

/// Adds or replaces a rule; `position` (1 = tried first) moves it among the others.
pub async fn set_rule(
    backend: &Backend,
    actor: Actor<'_>,
    rule: CorrelationRule,
    position: Option<usize>,
) -> Result<(), BackendError> {
    actor.require(Permission::ManageSettings)?;
    rule.validate().map_err(|e| ValidationError::new("rule", e.to_string()))?;
    let mut tx = backend.pool.begin().await?;
    let mut rules = store::load_rules(&mut *tx).await?;
    let current = rules.iter().position(|r| r.id == rule.id);
    if let Some(at) = current {
        rules.remove(at);
    }
    let at = position.map_or(current.unwrap_or(rules.len()), |p| p.saturating_sub(1)).min(rules.len());
    let detail = json!({ "name": rule.name, "enabled": rule.enabled, "window_secs": rule.window_secs,
                         "join_on": rule.join_on, "position": at + 1 });
    let id = rule.id.clone();
    rules.insert(at, rule);
    store::save_rules(&mut tx, &rules, actor.label()).await?;
    audit::append(&mut tx, actor.entry("set_correlation_rule", &id, detail)).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove_rule(backend: &Backend, actor: Actor<'_>, rule_id: &str) -> Result<(), BackendError> {
    actor.require(Permission::ManageSettings)?;
    let mut tx = backend.pool.begin().await?;
    let mut rules = store::load_rules(&mut *tx).await?;
    let before = rules.len();
    rules.retain(|r| r.id != rule_id);
    if rules.len() == before {
        return Err(BackendError::NotFound("correlation rule"));
    }
    store::save_rules(&mut tx, &rules, actor.label()).await?;
    audit::append(&mut tx, actor.entry("remove_correlation_rule", rule_id, json!({}))).await?;
    tx.commit().await?;
    Ok(())
}

/// Excludes an entity (`kind` an entity kind, `value` normalised like alerts' entities) or a
/// range (`kind` = `network`, `value` a CIDR).
pub async fn add_exclusion(
    backend: &Backend,
    actor: Actor<'_>,
    kind: &str,
    value: &str,
    note: &str,
) -> Result<(), BackendError> {
    actor.require(Permission::ManageSettings)?;
    let kind = kind.trim().to_ascii_lowercase();
    let value = if kind == "network" {
        if !is_network(value) {
            return Err(ValidationError::new("value", "not an address range (address/bits, e.g. 10.0.53.0/24)").into());
        }
        value.trim().to_owned()
    } else {
        let entity_kind = EntityKind::parse(&kind).ok_or_else(|| {
            ValidationError::new("kind", format!("unknown kind \"{kind}\" (network, ip, host, user, …)"))
        })?;
        Entity::new(entity_kind, value, None)
            .ok_or_else(|| ValidationError::new("value", format!("not a valid {kind}")))?
            .value
    };
    let mut tx = backend.pool.begin().await?;
    store::add_exclusion(&mut tx, &kind, &value, note.trim(), actor.label()).await.map_err(|e| match e {
        BackendError::Database(err) => {
            BackendError::from_constraint(err, "correlation_exclusion_key", "value", "already excluded")
        }
        other => other,
    })?;
    audit::append(
        &mut tx,
        actor.entry("add_correlation_exclusion", &format!("{kind}:{value}"), json!({ "note": note })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove_exclusion(backend: &Backend, actor: Actor<'_>, id: i64) -> Result<(), BackendError> {
    actor.require(Permission::ManageSettings)?;
    let mut tx = backend.pool.begin().await?;
    if !store::remove_exclusion(&mut tx, id).await? {
        return Err(BackendError::NotFound("exclusion"));
    }
    audit::append(&mut tx, actor.entry("remove_correlation_exclusion", &id.to_string(), json!({}))).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_max_frequency(backend: &Backend, actor: Actor<'_>, max: u32) -> Result<(), BackendError> {
    actor.require(Permission::ManageSettings)?;
    if max == 0 || max > 100_000_000 {
        return Err(ValidationError::new("max_frequency", "between 1 and 100,000,000 alerts an hour").into());
    }
    let mut tx = backend.pool.begin().await?;
    store::set_max_frequency(&mut tx, max, actor.label()).await?;
    audit::append(&mut tx, actor.entry("set_correlation_frequency_cap", "max_frequency", json!({ "max": max })))
        .await?;
    tx.commit().await?;
    Ok(())
}
