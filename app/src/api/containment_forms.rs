//! Turning form fields into the backend's types for the containment server functions.

use riposte_backend::containment::{ContainRequest, Preview};
use riposte_domain::containment::view::PreviewView;
use riposte_domain::containment::{ActionKind, Direction};

use crate::AppError;

fn invalid(field: &str, message: &str) -> AppError {
    AppError::Invalid { field: field.into(), message: message.into() }
}

/// The action the form describes (no incident, reason or key: a preview needs none; a
/// request adds them).
pub(super) fn contain_request<'a>(
    kind: &str,
    target: &'a str,
    direction: Option<&str>,
    ttl_secs: u64,
    connector: &'a str,
    override_reason: Option<&'a str>,
) -> Result<ContainRequest<'a>, AppError> {
    let (kind, direction) = kind_and_direction(kind, direction)?;
    Ok(ContainRequest {
        kind,
        target,
        direction,
        ttl_secs,
        connector,
        incident_id: None,
        reason: "",
        override_reason: override_reason.filter(|r| !r.trim().is_empty()),
        idempotency_key: "",
    })
}

fn kind_and_direction(kind: &str, direction: Option<&str>) -> Result<(ActionKind, Option<Direction>), AppError> {
    let kind =
        ActionKind::parse(kind).ok_or_else(|| invalid("kind", "choose block, quarantine, isolate or capture"))?;
    let direction = match direction.map(str::trim).filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => Some(Direction::parse(d).ok_or_else(|| invalid("direction", "inbound, outbound or both"))?),
    };
    Ok((kind, direction))
}

pub(super) fn preview_view(preview: &Preview) -> PreviewView {
    PreviewView {
        target: preview.spec.target_text(),
        allowed: preview.verdict.allowed(),
        refusals: preview.verdict.refusals.iter().map(|c| c.describe()).collect(),
        needs_approval: preview.verdict.needs_approval.iter().map(|c| c.describe()).collect(),
        addresses: preview.radius.addresses.to_string(),
        assets: preview
            .radius
            .assets
            .iter()
            .map(|a| {
                format!(
                    "{} (criticality {}, {})",
                    a.name,
                    a.criticality,
                    if a.service.is_empty() { "no service" } else { &a.service }
                )
            })
            .collect(),
        services: preview.radius.services.clone(),
    }
}
