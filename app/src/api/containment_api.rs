//! Containment: actions (list, one with its story), what the Contain button proposes (each
//! judged before the click), the request, approval, rejection, undo and review, and the NOC's notices.
//! Every function checks its permission in the backend use-case.
// A server function's arguments are its form's fields, one each.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use riposte_domain::containment::view::{ActionView, NoticeView, Offer, RequestedView};

use crate::AppError;

/// A proposal is offered, and judged, for one hour unless the person picks otherwise.
pub const DEFAULT_TTL_SECS: u64 = 3600;

#[server(prefix = "/api", endpoint = "containment_actions")]
pub async fn containment_actions(incident_id: Option<i64>) -> Result<Vec<ActionView>, AppError> {
    use super::request::{backend, fail, require_user};
    let user = require_user().await?;
    riposte_backend::containment::views::actions(&backend()?, &user, incident_id, 200).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "containment_action")]
pub async fn containment_action(action_id: i64) -> Result<ActionView, AppError> {
    use super::request::{backend, fail, require_user};
    let user = require_user().await?;
    riposte_backend::containment::views::action(&backend()?, &user, action_id).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "contain_proposals")]
pub async fn contain_proposals(incident_id: i64) -> Result<Vec<Offer>, AppError> {
    use super::request::{backend, fail, require_user};
    let (backend, user) = (backend()?, require_user().await?);
    let proposals =
        riposte_backend::containment::propose::proposals(&backend, &user, incident_id).await.map_err(fail)?;
    Ok(super::containment_forms::offers(&backend, &user, proposals).await)
}

/// From an alert's page: its entities' proposals, and the incident the action is recorded on.
#[server(prefix = "/api", endpoint = "alert_contain_proposals")]
pub async fn alert_contain_proposals(alert_id: i64) -> Result<(Option<i64>, Vec<Offer>), AppError> {
    use super::request::{backend, fail, require_user};
    let (backend, user) = (backend()?, require_user().await?);
    let (incident_id, proposals) =
        riposte_backend::containment::propose::alert_proposals(&backend, &user, alert_id).await.map_err(fail)?;
    Ok((incident_id, super::containment_forms::offers(&backend, &user, proposals).await))
}

#[server(prefix = "/api", endpoint = "request_containment")]
pub async fn request_containment(
    kind: String,
    target: String,
    direction: Option<String>,
    ttl_secs: u64,
    connector: String,
    incident_id: Option<i64>,
    reason: String,
    override_reason: Option<String>,
    idempotency_key: String,
) -> Result<RequestedView, AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_domain::containment::{ActionKind, Direction};
    let user = require_user().await?;
    let form = super::containment_forms::contain_request(
        &kind,
        &target,
        direction.as_deref(),
        ttl_secs,
        &connector,
        override_reason.as_deref(),
    )?;
    // The panel lets the person choose the action and direction under one key: the same
    // choice twice (a double click) is one action, another choice is another.
    // A block with no direction is a block both ways, under the same key.
    let direction = form.direction.or((form.kind == ActionKind::Block).then_some(Direction::Both));
    let idempotency_key = match idempotency_key.trim() {
        "" => String::new(),
        key if key.len() > 180 => {
            return Err(AppError::Invalid {
                field: "idempotency_key".into(),
                message: "an idempotency key is 1 to 180 characters here (the chosen action is added to it)".into(),
            });
        }
        key => format!("{key}/{}/{}", form.kind.as_str(), direction.map_or("-", |d| d.as_str())),
    };
    let request = riposte_backend::containment::ContainRequest {
        incident_id,
        reason: &reason,
        idempotency_key: &idempotency_key,
        ..form
    };
    let done = riposte_backend::containment::request(&backend()?, &user, &request).await.map_err(fail)?;
    Ok(RequestedView { action_id: done.action_id, state: done.state.as_str().into(), created: done.created })
}

#[server(prefix = "/api", endpoint = "approve_containment")]
pub async fn approve_containment(action_id: i64) -> Result<String, AppError> {
    use super::request::{backend, fail, require_user};
    let user = require_user().await?;
    let state = riposte_backend::containment::approve(&backend()?, &user, action_id).await.map_err(fail)?;
    Ok(state.as_str().into())
}

#[server(prefix = "/api", endpoint = "reject_containment")]
pub async fn reject_containment(action_id: i64, reason: String) -> Result<String, AppError> {
    use super::request::{backend, fail, require_user};
    let user = require_user().await?;
    let state = riposte_backend::containment::reject(&backend()?, &user, action_id, &reason).await.map_err(fail)?;
    Ok(state.as_str().into())
}

#[server(prefix = "/api", endpoint = "undo_containment")]
pub async fn undo_containment(action_id: i64) -> Result<String, AppError> {
    use super::request::{backend, fail, require_user};
    let user = require_user().await?;
    let state = riposte_backend::containment::cancel(&backend()?, &user, action_id).await.map_err(fail)?;
    Ok(state.as_str().into())
}

#[server(prefix = "/api", endpoint = "review_containment")]
pub async fn review_containment(action_id: i64) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    let user = require_user().await?;
    riposte_backend::containment::policies::review(&backend()?, &user, action_id).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "noc_notices")]
pub async fn noc_notices() -> Result<Vec<NoticeView>, AppError> {
    use super::request::{backend, fail, require_user};
    let user = require_user().await?;
    riposte_backend::containment::notices::noc_queue(&backend()?, &user, 100).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "acknowledge_containment_notice")]
pub async fn acknowledge_containment_notice(notice_id: i64) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    let user = require_user().await?;
    riposte_backend::containment::notices::acknowledge(&backend()?, &user, notice_id).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "object_containment_notice")]
pub async fn object_containment_notice(notice_id: i64, objection: String) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    let user = require_user().await?;
    riposte_backend::containment::notices::object(&backend()?, &user, notice_id, &objection).await.map_err(fail)
}
