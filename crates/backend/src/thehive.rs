//! TheHive-compatible alert use-cases: create (through the same group-committed ingest as
//! every adapter), read, query, change, delete and add observables. Changes are audited;
//! "delete" hides the alert from TheHive's API and dismisses it, but keeps it.

use riposte_domain::Permission;
use riposte_domain::alert::NewAlert;
use riposte_ingest::thehive::query::Query;
use riposte_ingest::thehive::{
    AlertPatch, Observable, TheHiveAttributes, observable_entities, status_from_thehive, unmapped_of,
};
use serde_json::{Value, json};
use sqlx::PgConnection;

use crate::caller::Caller;
use crate::ingest::ingest_alerts;
use crate::store::alerts::{self, AlertRow};
use crate::store::audit::{self, AuditEntry};
use crate::store::thehive;
use crate::tokens::{TokenIdentity, TokenScope};
use crate::{Backend, BackendError};

/// A stored alert with its TheHive attributes.
#[derive(Debug, Clone)]
pub struct TheHiveAlert {
    pub row: AlertRow,
    pub attributes: TheHiveAttributes,
}

impl TheHiveAlert {
    fn from_row(row: AlertRow) -> Option<TheHiveAlert> {
        let attributes = unmapped_of(row.unmapped.as_ref())?;
        (!attributes.deleted).then_some(TheHiveAlert { row, attributes })
    }
}

pub enum Created {
    New(Box<TheHiveAlert>),
    /// An alert with the same `(type, source, sourceRef)` exists (TheHive: 400 CreateError).
    Duplicate,
}

pub async fn create(backend: &Backend, token: &TokenIdentity, alert: NewAlert) -> Result<Created, BackendError> {
    let stored = ingest_alerts(backend, token, vec![alert]).await?;
    let first = stored.first().ok_or_else(|| BackendError::Internal("no ingest outcome".into()))?;
    if !first.created {
        return Ok(Created::Duplicate);
    }
    let row = alerts::find_alert(&backend.pool, first.alert_id).await?.ok_or(BackendError::NotFound("alert"))?;
    TheHiveAlert::from_row(row)
        .map(|a| Created::New(Box::new(a)))
        .ok_or_else(|| BackendError::Internal("stored without attributes".into()))
}

pub async fn get(backend: &Backend, caller: Caller<'_>, alert_id: i64) -> Result<TheHiveAlert, BackendError> {
    caller.require(Permission::ViewQueue, TokenScope::Read)?;
    let row = alerts::find_alert(&backend.pool, alert_id).await?;
    row.and_then(TheHiveAlert::from_row).ok_or(BackendError::NotFound("alert"))
}

pub enum QueryAnswer {
    Alerts(Vec<TheHiveAlert>),
    Count(i64),
}

pub async fn query(backend: &Backend, caller: Caller<'_>, query: &Query) -> Result<QueryAnswer, BackendError> {
    caller.require(Permission::ViewQueue, TokenScope::Read)?;
    if query.count {
        return Ok(QueryAnswer::Count(thehive::count(&backend.pool, query).await?));
    }
    let rows = thehive::list(&backend.pool, query).await?;
    Ok(QueryAnswer::Alerts(rows.into_iter().filter_map(TheHiveAlert::from_row).collect()))
}

/// Applies a PATCH. Status changes move Riposte's own status too.
pub async fn update(
    backend: &Backend,
    caller: Caller<'_>,
    alert_id: i64,
    patch: AlertPatch,
) -> Result<(), BackendError> {
    caller.require(Permission::TriageAlerts, TokenScope::Triage)?;
    let mut tx = backend.pool.begin().await?;
    let current = locked(&mut tx, alert_id).await?;
    let mut document = serde_json::to_value(&current.attributes).map_err(internal)?;
    for (name, value) in &patch.attributes {
        document[name] = value.clone();
    }
    let status = patch.status.as_deref().and_then(status_from_thehive);
    sqlx::query(
        "update alert set title = coalesce($2, title), description = coalesce($3, description), \
                          severity = coalesce($4, severity), tags = coalesce($5, tags), \
                          status = coalesce($6, status), unmapped = jsonb_set(unmapped, '{thehive}', $7) \
         where alert_id = $1",
    )
    .bind(alert_id)
    .bind(&patch.title)
    .bind(&patch.description)
    .bind(patch.severity.map(|s| s.ocsf_id()))
    .bind(&patch.tags)
    .bind(status)
    .bind(&document)
    .execute(&mut *tx)
    .await?;
    let changed: Vec<&str> = [
        patch.title.as_ref().map(|_| "title"),
        patch.description.as_ref().map(|_| "description"),
        patch.severity.map(|_| "severity"),
        patch.tags.as_ref().map(|_| "tags"),
        patch.status.as_ref().map(|_| "status"),
    ]
    .into_iter()
    .flatten()
    .chain(patch.attributes.keys().map(String::as_str))
    .collect();
    record(&mut tx, caller, "thehive_update_alert", alert_id, json!({ "changed": changed, "status": status })).await?;
    tx.commit().await?;
    Ok(())
}

/// TheHive's delete: gone from its API, dismissed (and kept) in Riposte.
pub async fn delete(backend: &Backend, caller: Caller<'_>, alert_id: i64) -> Result<(), BackendError> {
    caller.require(Permission::TriageAlerts, TokenScope::Triage)?;
    let mut tx = backend.pool.begin().await?;
    locked(&mut tx, alert_id).await?;
    sqlx::query(
        "update alert set status = 'dismissed', unmapped = jsonb_set(unmapped, '{thehive,deleted}', 'true') \
         where alert_id = $1",
    )
    .bind(alert_id)
    .execute(&mut *tx)
    .await?;
    record(&mut tx, caller, "thehive_delete_alert", alert_id, json!({})).await?;
    tx.commit().await?;
    Ok(())
}

/// Adds observables; their entities join the alert's. Returns the alert's observables
/// after the change and the position of the first new one.
pub async fn add_observables(
    backend: &Backend,
    caller: Caller<'_>,
    alert_id: i64,
    new: Vec<Observable>,
) -> Result<(Vec<Observable>, usize), BackendError> {
    caller.require(Permission::TriageAlerts, TokenScope::Ingest)?;
    let mut tx = backend.pool.begin().await?;
    let mut current = locked(&mut tx, alert_id).await?;
    let first_new = current.attributes.observables.len();
    current.attributes.observables.extend(new);
    let mut entities: Vec<riposte_domain::alert::Entity> =
        serde_json::from_value(current.row.entities.clone()).map_err(internal)?;
    entities.extend(observable_entities(&current.attributes.observables[first_new..]));
    entities.sort();
    entities.dedup();
    let document = serde_json::to_value(&current.attributes).map_err(internal)?;
    sqlx::query("update alert set entities = $2, unmapped = jsonb_set(unmapped, '{thehive}', $3) where alert_id = $1")
        .bind(alert_id)
        .bind(serde_json::to_value(&entities).map_err(internal)?)
        .bind(&document)
        .execute(&mut *tx)
        .await?;
    let added = current.attributes.observables.len() - first_new;
    record(&mut tx, caller, "thehive_add_observables", alert_id, json!({ "added": added })).await?;
    tx.commit().await?;
    Ok((current.attributes.observables, first_new))
}

/// The alert, locked for the rest of the transaction so concurrent changes queue, not clobber.
async fn locked(conn: &mut PgConnection, alert_id: i64) -> Result<TheHiveAlert, BackendError> {
    sqlx::query("select 1 from alert where alert_id = $1 for update").bind(alert_id).execute(&mut *conn).await?;
    let row = alerts::find_alert(&mut *conn, alert_id).await?;
    row.and_then(TheHiveAlert::from_row).ok_or(BackendError::NotFound("alert"))
}

async fn record(
    conn: &mut PgConnection,
    caller: Caller<'_>,
    action: &str,
    alert_id: i64,
    detail: Value,
) -> Result<(), BackendError> {
    let (actor_user_id, actor) = caller.audit_identity();
    let subject = alert_id.to_string();
    let entry = AuditEntry { actor_user_id, actor: &actor, action, subject: Some(&subject), detail, client_addr: None };
    audit::append(conn, entry).await
}

fn internal(err: serde_json::Error) -> BackendError {
    BackendError::Internal(err.to_string())
}
