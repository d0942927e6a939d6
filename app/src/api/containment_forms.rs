//! Turning form fields into the backend's types for the containment server functions, and
//! judging the Contain panel's proposals before the click.

use riposte_backend::containment::{ContainRequest, Preview};
use riposte_backend::{Backend, CurrentUser};
use riposte_domain::containment::view::{Offer, PreviewView, Proposal};
use riposte_domain::containment::{ActionKind, Direction};

use super::containment_api::DEFAULT_TTL_SECS;
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
    // The panel's form sends its direction whichever action is chosen; only a block has one.
    Ok((kind, direction.filter(|_| kind == ActionKind::Block)))
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

/// Each proposal with its preview at the panel's default time to live: served with the
/// proposals so the panel needs no request of its own per proposal.
pub(super) async fn offers(backend: &Backend, user: &CurrentUser, proposals: Vec<Proposal>) -> Vec<Offer> {
    let mut offers = Vec::with_capacity(proposals.len());
    for proposal in proposals {
        let preview = match contain_request(
            &proposal.kind,
            &proposal.target,
            proposal.direction.as_deref(),
            DEFAULT_TTL_SECS,
            &proposal.connector,
            None,
        ) {
            Ok(request) => riposte_backend::containment::preview(backend, user, &request)
                .await
                .map(|p| preview_view(&p))
                .map_err(|err| AppError::from(err).to_string()),
            Err(err) => Err(err.to_string()),
        };
        offers.push(Offer { proposal, preview });
    }
    offers
}
