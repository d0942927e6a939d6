//! The connectors administrators configure: saved only when their settings build a working
//! connector, checked for credential health on demand, and summed up on the readiness page
//! (what each covers, and how much of the critical inventory some connector can act on).

use riposte_connectors::Device;
use riposte_connectors::http::Patience;
use riposte_domain::Permission;
use riposte_domain::containment::{ActionKind, ActionSpec, Direction};
use riposte_domain::enrichment::prefixes::Network;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::PgConnection;

use crate::admin::Actor;
use crate::store::audit;
use crate::store::containment_connectors::{self as store, ConnectorRow, PutConnector};
use crate::{Backend, BackendError};

/// A connector as an administrator submits it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectorInput {
    pub name: String,
    pub kind: String,
    pub config: Value,
    pub secret_ref: Option<String>,
    pub ranges: Vec<String>,
    pub management: Vec<String>,
    pub enabled: bool,
}

/// Builds the connector a stored row describes, reading its secret.
pub fn build(row: &ConnectorRow) -> Result<Device, String> {
    let secret = row.secret_ref.as_deref().map(crate::secrets::resolve).transpose()?;
    Device::from_config(&row.name, &row.kind, &row.config, secret.as_deref(), Patience::default())
        .map_err(|e| e.to_string())
}

/// What a connector can do, from its kind and settings alone (no secret needed).
pub(super) fn abilities(
    name: &str,
    kind: &str,
    config: &Value,
) -> Result<Vec<ActionKind>, riposte_connectors::ConfigError> {
    unlocked(name, kind, config).map(|d| d.kinds().to_vec())
}

/// The connector as its settings describe it, with a stand-in secret: for asking what it can
/// do, never for calling it.
pub(super) fn unlocked(name: &str, kind: &str, config: &Value) -> Result<Device, riposte_connectors::ConfigError> {
    Device::from_config(name, kind, config, Some("unused"), Patience::default())
}

fn networks(field: &str, texts: &[String]) -> Result<Vec<String>, BackendError> {
    texts
        .iter()
        .filter(|t| !t.trim().is_empty())
        .map(|t| {
            Network::parse(t.trim()).map(|n| n.to_string()).map_err(|e| BackendError::invalid(field, e.to_string()))
        })
        .collect()
}

pub async fn put_connector(backend: &Backend, actor: Actor<'_>, input: &ConnectorInput) -> Result<(), BackendError> {
    actor.require(Permission::ManageSettings)?;
    let name = input.name.trim();
    if name.is_empty() || name.len() > 64 || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
    {
        return Err(BackendError::invalid("name", "a connector is named by 1 to 64 letters, digits, '-' and '_'"));
    }
    abilities(name, &input.kind, &input.config)
        .map_err(|e| BackendError::invalid(&format!("config.{}", e.field), e.message))?;
    let secret_ref = input.secret_ref.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if let Some(reference) = secret_ref {
        crate::secrets::check_reference(reference).map_err(|e| BackendError::invalid("secret_ref", e))?;
    }
    let ranges = networks("ranges", &input.ranges)?;
    let management = networks("management", &input.management)?;
    let mut tx = backend.pool.begin().await?;
    let put = PutConnector {
        name,
        kind: &input.kind,
        config: &input.config,
        secret_ref,
        ranges: &ranges,
        management: &management,
        enabled: input.enabled,
        by: actor.label(),
    };
    store::put(&mut tx, &put).await?;
    let detail = json!({ "kind": input.kind, "ranges": ranges, "management": management, "enabled": input.enabled });
    audit::append(&mut tx, actor.entry("put_containment_connector", name, detail)).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete_connector(backend: &Backend, actor: Actor<'_>, name: &str) -> Result<(), BackendError> {
    actor.require(Permission::ManageSettings)?;
    let mut tx = backend.pool.begin().await?;
    if !store::delete(&mut *tx, name).await? {
        return Err(BackendError::NotFound("connector"));
    }
    audit::append(&mut tx, actor.entry("delete_containment_connector", name, Value::Null)).await?;
    tx.commit().await?;
    Ok(())
}

/// Logs in (or makes a harmless read) and records the result as the credential health.
pub async fn check_connector(backend: &Backend, actor: Actor<'_>, name: &str) -> Result<(bool, String), BackendError> {
    actor.require(Permission::ManageSettings)?;
    let row = store::find(&backend.pool, name).await?.ok_or(BackendError::NotFound("connector"))?;
    let (ok, message) = match build(&row) {
        Err(error) => (false, error),
        Ok(device) => match device.check().await {
            Ok(message) => (true, message),
            Err(error) => (false, error.to_string()),
        },
    };
    store::record_check(&backend.pool, name, ok, &message).await?;
    Ok((ok, message))
}

/// Refuses a request naming a connector that is missing, switched off, cannot take this kind
/// of action or block in this direction, or does not cover the target.
pub(super) async fn require(conn: &mut PgConnection, name: &str, spec: &ActionSpec) -> Result<(), BackendError> {
    let row = store::find(&mut *conn, name).await?.ok_or_else(|| {
        BackendError::invalid("connector", format!("no connector is called {name:?}; an administrator adds it first"))
    })?;
    if !row.enabled {
        return Err(BackendError::invalid("connector", format!("connector {name} is switched off")));
    }
    can_take(&row, spec.kind, spec.direction)?;
    if let riposte_domain::containment::Target::Network(network) = &spec.target
        && !covers(&row.ranges, network)
    {
        return Err(BackendError::invalid(
            "connector",
            format!("connector {name} acts on {} only, not {network}", row.ranges.join(", ")),
        ));
    }
    Ok(())
}

/// Refuses a kind of action the connector cannot take, or a block direction it cannot
/// enforce as asked.
pub(super) fn can_take(row: &ConnectorRow, kind: ActionKind, direction: Option<Direction>) -> Result<(), BackendError> {
    let name = &row.name;
    let device = unlocked(name, &row.kind, &row.config).ok();
    if !device.as_ref().is_some_and(|d| d.kinds().contains(&kind)) {
        return Err(BackendError::invalid("connector", format!("connector {name} cannot {}", kind.as_str())));
    }
    if let (Some(device), Some(direction)) = (&device, direction)
        && !device.directions().contains(&direction)
    {
        return Err(BackendError::invalid(
            "direction",
            format!(
                "connector {name} ({}) blocks in both directions only: the device's own rules decide which \
                 traffic its block list drops; ask for both, or use a connector that can block {}",
                row.kind,
                direction.as_str()
            ),
        ));
    }
    Ok(())
}

/// No ranges: the connector acts on any address (a perimeter firewall blocking the outside).
pub(super) fn covers(ranges: &[String], network: &Network) -> bool {
    ranges.is_empty() || ranges.iter().filter_map(|r| Network::parse(r).ok()).any(|r| r.contains(network))
}
