//! The SIEM outputs administrators configure, with how their messages are faring.

use riposte_domain::Permission;
use serde_json::json;

use crate::admin::Actor;
use crate::alerts::rfc3339;
use crate::store::{audit, siem as store};
use crate::{Backend, BackendError};

pub use riposte_domain::containment::view::SiemOutputView as OutputView;

pub const KINDS: &[&str] = &["syslog_tcp", "syslog_udp", "hec"];

pub async fn outputs(backend: &Backend, actor: Actor<'_>) -> Result<Vec<OutputView>, BackendError> {
    actor.require(Permission::ManageSettings)?;
    Ok(store::outputs(&backend.pool)
        .await?
        .into_iter()
        .map(|row| OutputView {
            name: row.name,
            kind: row.kind,
            address: row.address,
            has_token: row.token_ref.is_some(),
            enabled: row.enabled,
            pending: row.pending,
            failed: row.failed,
            last_sent_at: row.last_sent_at.map(rfc3339),
            last_error: row.last_error,
        })
        .collect())
}

pub async fn put_output(
    backend: &Backend,
    actor: Actor<'_>,
    name: &str,
    kind: &str,
    address: &str,
    token_ref: Option<&str>,
) -> Result<(), BackendError> {
    actor.require(Permission::ManageSettings)?;
    let name = name.trim();
    if name.is_empty() || name.len() > 64 || !name.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)) {
        return Err(BackendError::invalid("name", "an output name is 1 to 64 letters, digits, '_', '.' or '-'"));
    }
    if !KINDS.contains(&kind) {
        return Err(BackendError::invalid("kind", format!("choose one of {}", KINDS.join(", "))));
    }
    let address = address.trim();
    if kind == "hec" {
        match reqwest::Url::parse(address) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => {}
            _ => {
                return Err(BackendError::invalid(
                    "address",
                    "give the collector's base URL, e.g. https://splunk:8088",
                ));
            }
        }
        if token_ref.is_none() {
            return Err(BackendError::invalid("token_ref", "HEC needs a token: env:NAME or file:/path"));
        }
    } else if address
        .rsplit_once(':')
        .and_then(|(host, port)| (!host.is_empty()).then(|| port.parse::<u16>().ok()))
        .flatten()
        .is_none()
    {
        return Err(BackendError::invalid("address", "give host:port, e.g. siem.example.net:514"));
    }
    let token_ref = token_ref.map(str::trim).filter(|t| !t.is_empty());
    if let Some(reference) = token_ref {
        crate::secrets::check_reference(reference).map_err(|e| BackendError::invalid("token_ref", e))?;
    }
    let mut tx = backend.pool.begin().await?;
    store::put_output(&mut *tx, name, kind, address, token_ref, actor.label()).await?;
    audit::append(&mut tx, actor.entry("put_siem_output", name, json!({ "kind": kind, "address": address }))).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete_output(backend: &Backend, actor: Actor<'_>, name: &str) -> Result<(), BackendError> {
    actor.require(Permission::ManageSettings)?;
    let mut tx = backend.pool.begin().await?;
    if !store::delete_output(&mut *tx, name).await? {
        return Err(BackendError::NotFound("SIEM output"));
    }
    audit::append(&mut tx, actor.entry("delete_siem_output", name, serde_json::Value::Null)).await?;
    tx.commit().await?;
    Ok(())
}
