//! Turning form fields into the backend's types for the containment server functions.

use riposte_backend::containment::Preview;
use riposte_domain::containment::view::PreviewView;
use riposte_domain::containment::{ActionKind, Direction};

use crate::AppError;

fn invalid(field: &str, message: &str) -> AppError {
    AppError::Invalid { field: field.into(), message: message.into() }
}

pub(super) fn kind_and_direction(
    kind: &str,
    direction: Option<&str>,
) -> Result<(ActionKind, Option<Direction>), AppError> {
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
