//! Pre-authorised policies: an administrator's standing order ("an alert saying ET SCAN from
//! a watchlisted address: block its source for an hour at the edge"). A pipeline stage checks
//! each new alert against the enabled policies; a match asks for the action as the policy,
//! which the guard rails judge more strictly than a person (never internal ranges, protected
//! entries or critical assets), within the policy's hourly cap. The action runs at once and
//! waits for a person's review after the fact.

use std::collections::HashMap;

use riposte_domain::Permission;
use riposte_domain::alert::{EntityKind, EntityRole};
use riposte_domain::containment::view::PolicyView;
use riposte_domain::containment::{ActionKind, ActionSpec, ActionState, AlertFacts, Condition, Direction, Requester};
use serde_json::json;
use sqlx::PgConnection;

use super::log::{RIPOSTE, Step, Subject, record};
use super::request::judge_spec;
use crate::admin::Actor;
use crate::enrichment::Enrichment;
use crate::store::audit::{self, AuditEntry};
use crate::store::containment::{self as actions, NewAction};
use crate::store::containment_policies::{self as store, PolicyRow};
use crate::store::pipeline::Pending;
use crate::{Backend, BackendError, CurrentUser};

/// The pipeline stage: acts on every alert of the batch that a policy matches. Returns the
/// actions requested.
pub async fn run(conn: &mut PgConnection, alerts: &[Pending], enriched: &Enrichment) -> Result<usize, BackendError> {
    let policies = store::enabled(&mut *conn).await?;
    if policies.is_empty() {
        return Ok(0);
    }
    // The pipeline does not carry descriptions: read them only when a policy asks.
    let descriptions = if policies.iter().any(|p| p.condition.0.category_contains.is_some()) {
        let ids: Vec<i64> = alerts.iter().map(|a| a.alert_id).collect();
        store::descriptions(&mut *conn, &ids).await?
    } else {
        HashMap::new()
    };
    let mut requested = 0;
    for alert in alerts {
        for policy in &policies {
            let Some(target) = aimed(alert, &policy.aim) else { continue };
            let watchlisted =
                enriched.packets.get(&alert.alert_id).is_some_and(|p| p.intel.iter().any(|m| m.entity.value == target));
            let facts = AlertFacts {
                title: &alert.title,
                description: descriptions.get(&alert.alert_id).map_or("", String::as_str),
                source: &alert.source,
                severity: u8::try_from(alert.severity).unwrap_or(0),
                score: enriched.scores.get(&alert.alert_id).copied(),
                techniques: &alert.attack_techniques,
                watchlisted,
            };
            if policy.condition.0.matches(&facts) && act(conn, policy, alert, &target).await? {
                requested += 1;
            }
        }
    }
    Ok(requested)
}

/// The address or host a policy aims at on this alert.
fn aimed(alert: &Pending, aim: &str) -> Option<String> {
    let (kind, role) = match aim {
        "source" => (EntityKind::Ip, Some(EntityRole::Source)),
        "destination" => (EntityKind::Ip, Some(EntityRole::Destination)),
        _ => (EntityKind::Host, None),
    };
    alert.entities.0.iter().find(|e| e.kind == kind && (role.is_none() || e.role == role)).map(|e| e.value.clone())
}

/// Asks for the policy's action on `target`, unless one is already open for it, the cap is
/// reached, or the guard rails refuse (each recorded in the audit trail).
async fn act(conn: &mut PgConnection, policy: &PolicyRow, alert: &Pending, target: &str) -> Result<bool, BackendError> {
    let kind = ActionKind::parse(&policy.kind)
        .ok_or_else(|| BackendError::Internal(format!("policy kind {}", policy.kind)))?;
    let direction = policy.direction.as_deref().and_then(Direction::parse);
    let Ok(spec) = ActionSpec::new(kind, target, direction, u64::try_from(policy.ttl_secs).unwrap_or(0)) else {
        return Ok(false);
    };
    let target = spec.target_text();
    if store::open_action_for(&mut *conn, &policy.connector, kind.as_str(), &target).await? {
        return Ok(false);
    }
    let refusal = if store::last_hour(&mut *conn, policy.policy_id).await? >= i64::from(policy.rate_cap_per_hour) {
        Some(format!("its cap of {} actions an hour is reached", policy.rate_cap_per_hour))
    } else {
        let (verdict, _) = judge_spec(conn, &spec, Requester::Policy, None).await?;
        if !verdict.allowed() {
            let why: Vec<String> = verdict.refusals.iter().map(|c| c.describe()).collect();
            Some(format!("the guard rails refuse it: {}", why.join("; ")))
        } else if let Err(error) = super::connectors::require(conn, &policy.connector, &spec).await {
            Some(error.to_string())
        } else {
            None
        }
    };
    if let Some(why) = refusal {
        let detail = json!({ "policy": policy.name, "alert_id": alert.alert_id, "target": target, "why": why });
        let subject = format!("containment policy {}", policy.name);
        let entry = AuditEntry {
            actor_user_id: None,
            actor: RIPOSTE.name,
            action: "containment_policy_held_back",
            subject: Some(&subject),
            detail,
            client_addr: None,
        };
        audit::append(conn, entry).await?;
        return Ok(false);
    }
    let incident_id = store::incident_of(&mut *conn, alert.alert_id).await?;
    let reason =
        format!("pre-authorised policy {}: {} (alert {})", policy.name, policy.condition.0.describe(), alert.alert_id);
    let requested_by = format!("policy:{}", policy.name);
    let key = format!("policy:{}:alert:{}:{target}", policy.policy_id, alert.alert_id);
    let new = NewAction {
        kind: kind.as_str(),
        target: &target,
        direction: spec.direction.map(Direction::as_str),
        connector: &policy.connector,
        incident_id,
        state: ActionState::Approved,
        reason: &reason,
        ttl_secs: policy.ttl_secs,
        requested_by: &requested_by,
        requested_by_user_id: None,
        override_reason: None,
        concerns: json!([]),
        blast_radius: json!({}),
        idempotency_key: &key,
        policy_id: Some(policy.policy_id),
        needs_review: true,
    };
    let (action_id, created) = actions::insert_action(conn, &new).await?;
    if created {
        let subject = Subject {
            action_id,
            incident_id,
            kind: kind.as_str(),
            target: &target,
            direction: new.direction,
            connector: &policy.connector,
        };
        let detail =
            json!({ "action_id": action_id, "policy": policy.name, "alert_id": alert.alert_id, "target": target });
        let step = Step { event: "requested", state: ActionState::Approved.as_str(), reason: Some(&reason), detail };
        record(conn, RIPOSTE, subject, step).await?;
    }
    Ok(created)
}

/// A person has looked at a policy's action and lets it stand (undo is the other answer).
pub async fn review(backend: &Backend, user: &CurrentUser, action_id: i64) -> Result<(), BackendError> {
    user.require(Permission::RequestContainment)?;
    let mut tx = backend.pool.begin().await?;
    let row = actions::find(&mut *tx, action_id).await?.ok_or(BackendError::NotFound("containment action"))?;
    if !store::mark_reviewed(&mut *tx, action_id, &user.username).await? {
        return Err(BackendError::Conflict(format!("action {action_id} awaits no review")));
    }
    let detail = json!({ "action_id": action_id, "target": row.target });
    record(
        &mut tx,
        user.into(),
        Subject::from(&row),
        Step { event: "reviewed", state: &row.state, reason: None, detail },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A policy as an administrator submits it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PolicyInput {
    pub name: String,
    pub enabled: bool,
    pub condition: Condition,
    pub kind: String,
    pub direction: Option<String>,
    pub aim: String,
    pub connector: String,
    pub ttl_secs: i32,
    pub rate_cap_per_hour: i32,
}

pub async fn policies(backend: &Backend, actor: Actor<'_>) -> Result<Vec<PolicyView>, BackendError> {
    actor.require(Permission::ViewContainment)?;
    Ok(store::all(&backend.pool)
        .await?
        .into_iter()
        .map(|(row, last_hour)| PolicyView {
            policy_id: row.policy_id,
            name: row.name,
            enabled: row.enabled,
            describe: row.condition.0.describe(),
            condition: row.condition.0,
            kind: row.kind,
            direction: row.direction,
            aim: row.aim,
            connector: row.connector,
            ttl_secs: row.ttl_secs,
            rate_cap_per_hour: row.rate_cap_per_hour,
            last_hour,
        })
        .collect())
}

pub async fn put_policy(backend: &Backend, actor: Actor<'_>, input: &PolicyInput) -> Result<(), BackendError> {
    actor.require(Permission::ManageSettings)?;
    let name = input.name.trim();
    if name.is_empty() || name.len() > 100 {
        return Err(BackendError::invalid("name", "a policy name is 1 to 100 characters"));
    }
    input.condition.validate().map_err(|e| BackendError::invalid("condition", e.to_string()))?;
    let kind = ActionKind::parse(&input.kind)
        .ok_or_else(|| BackendError::invalid("kind", "choose block, quarantine, isolate or capture"))?;
    let direction = match input.direction.as_deref().filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => {
            Some(Direction::parse(d).ok_or_else(|| BackendError::invalid("direction", "inbound, outbound or both"))?)
        }
    };
    if direction.is_some() && kind != ActionKind::Block {
        return Err(BackendError::invalid("direction", "only a block takes a direction"));
    }
    let aim_fits = match input.aim.as_str() {
        "source" | "destination" => kind != ActionKind::Isolate,
        "host" => kind == ActionKind::Isolate,
        _ => false,
    };
    if !aim_fits {
        return Err(BackendError::invalid(
            "aim",
            "an isolation aims at the host; the others at the source or destination address",
        ));
    }
    if !(60..=2_592_000).contains(&input.ttl_secs) {
        return Err(BackendError::invalid("ttl_secs", "between 60 s and 30 days"));
    }
    if !(1..=10_000).contains(&input.rate_cap_per_hour) {
        return Err(BackendError::invalid("rate_cap_per_hour", "between 1 and 10000"));
    }
    let mut tx = backend.pool.begin().await?;
    let Some(connector) = crate::store::containment_connectors::find(&mut *tx, &input.connector).await? else {
        return Err(BackendError::invalid("connector", format!("no connector is called {:?}", input.connector)));
    };
    super::connectors::can_take(&connector, kind, direction)?;
    store::put(&mut tx, name, input, direction.map(Direction::as_str), actor.label()).await?;
    let detail = json!({ "condition": input.condition.describe(), "kind": input.kind, "connector": input.connector,
        "ttl_secs": input.ttl_secs, "rate_cap_per_hour": input.rate_cap_per_hour, "enabled": input.enabled });
    audit::append(&mut tx, actor.entry("put_containment_policy", name, detail)).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete_policy(backend: &Backend, actor: Actor<'_>, name: &str) -> Result<(), BackendError> {
    actor.require(Permission::ManageSettings)?;
    let mut tx = backend.pool.begin().await?;
    // A policy that already acted is switched off rather than deleted: its actions name it.
    if !store::retire(&mut tx, name).await? {
        return Err(BackendError::NotFound("containment policy"));
    }
    audit::append(&mut tx, actor.entry("delete_containment_policy", name, serde_json::Value::Null)).await?;
    tx.commit().await?;
    Ok(())
}
