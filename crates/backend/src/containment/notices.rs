//! The NOC's side: every apply, undo, expiry and failure becomes a notice with the exact
//! change, on the NOC queue and sent to the configured channels. The NOC acknowledges it, or
//! objects (a service is hurt), which tells the requester at once.

use riposte_domain::Permission;
use riposte_domain::containment::view::NoticeView;
use serde_json::{Value, json};
use sqlx::PgConnection;

use super::log::{Step, Subject, record};
use crate::alerts::rfc3339;
use crate::store::containment::{self as actions, ActionRow};
use crate::store::containment_notices as store;
use crate::store::{notify, workspace};
use crate::{Backend, BackendError, CurrentUser};

/// The exact change, in one line a network engineer can act on.
pub fn change_line(row: &ActionRow, event: &str, evidence: &Value) -> String {
    let what = match (row.kind.as_str(), row.direction.as_deref()) {
        ("block", Some(direction)) => format!("block {} ({direction})", row.target),
        (kind, _) => format!("{kind} {}", row.target),
    };
    let until = row.expires_at.map(|at| format!(" until {}", rfc3339(at))).unwrap_or_default();
    // What the device showed, or why it went wrong.
    let device = ["summary", "error", "why"]
        .iter()
        .find_map(|key| evidence.get(key).and_then(Value::as_str))
        .map(|s| format!(": {s}"))
        .unwrap_or_default();
    match event {
        "verified" => format!("{what} applied on {}{until}{device}", row.connector),
        "undone" => format!("{what} taken back on {}{device}", row.connector),
        "expired" => format!("{what} expired and taken back on {}{device}", row.connector),
        _ => format!("{what} on {} {event}{device}", row.connector),
    }
}

/// Posts the notice for `row`'s step, in the caller's transaction, and queues it for every
/// channel the containment settings name.
pub(super) async fn post(
    conn: &mut PgConnection,
    row: &ActionRow,
    event: &str,
    evidence: &Value,
    reason: Option<&str>,
) -> Result<(), BackendError> {
    let change = change_line(row, event, evidence);
    let notice_id = store::insert(&mut *conn, row.action_id, event, &change).await?;
    let body = json!({
        "notice_id": notice_id, "action_id": row.action_id, "incident_id": row.incident_id, "event": event,
        "change": change, "reason": reason,
        "events": [{ "event": change }],
    });
    for channel in store::channels(&mut *conn).await? {
        notify::queue(&mut *conn, &channel, row.incident_id, &format!("Containment {event}: {}", row.target), &body)
            .await?;
    }
    crate::live::containment_changed(conn).await
}

fn view(row: store::NoticeRow) -> NoticeView {
    NoticeView {
        notice_id: row.notice_id,
        action_id: row.action_id,
        incident_id: row.incident_id,
        event: row.event,
        change: row.change,
        created_at: rfc3339(row.created_at),
        acknowledged_by: row.acknowledged_by,
        acknowledged_at: row.acknowledged_at.map(rfc3339),
        objection: row.objection,
        objected_by: row.objected_by,
    }
}

/// The NOC queue: notices not yet acknowledged first, then the latest ones.
pub async fn noc_queue(backend: &Backend, user: &CurrentUser, limit: i64) -> Result<Vec<NoticeView>, BackendError> {
    user.require(Permission::ViewContainment)?;
    Ok(store::queue(&backend.pool, limit.clamp(1, 500)).await?.into_iter().map(view).collect())
}

pub async fn acknowledge(backend: &Backend, user: &CurrentUser, notice_id: i64) -> Result<(), BackendError> {
    user.require(Permission::AcknowledgeContainment)?;
    let mut tx = backend.pool.begin().await?;
    let notice = store::find(&mut *tx, notice_id).await?.ok_or(BackendError::NotFound("notice"))?;
    if !store::acknowledge(&mut *tx, notice_id, &user.username).await? {
        return Err(BackendError::Conflict(format!(
            "notice {notice_id} was acknowledged by {} already",
            notice.acknowledged_by.unwrap_or_default()
        )));
    }
    let action =
        actions::find(&mut *tx, notice.action_id).await?.ok_or(BackendError::NotFound("containment action"))?;
    let detail = json!({ "notice_id": notice_id, "change": notice.change });
    let step = Step { event: "acknowledged", state: &action.state, reason: None, detail };
    record(&mut tx, user.into(), Subject::from(&action), step).await?;
    crate::live::containment_changed(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// A service-impact objection: recorded on the notice (which counts as seen), on the
/// incident, and sent to the requester and the channels.
pub async fn object(
    backend: &Backend,
    user: &CurrentUser,
    notice_id: i64,
    objection: &str,
) -> Result<(), BackendError> {
    user.require(Permission::AcknowledgeContainment)?;
    let objection = objection.trim();
    if objection.is_empty() || objection.len() > 2000 {
        return Err(BackendError::invalid("objection", "say what the change breaks, in 1 to 2000 characters"));
    }
    let mut tx = backend.pool.begin().await?;
    let notice = store::find(&mut *tx, notice_id).await?.ok_or(BackendError::NotFound("notice"))?;
    store::object(&mut *tx, notice_id, &user.username, objection).await?;
    let action =
        actions::find(&mut *tx, notice.action_id).await?.ok_or(BackendError::NotFound("containment action"))?;
    let detail = json!({ "notice_id": notice_id, "change": notice.change, "objection": objection });
    let step = Step { event: "objection", state: &action.state, reason: Some(objection), detail: detail.clone() };
    record(&mut tx, user.into(), Subject::from(&action), step).await?;
    let text = format!(
        "{} objects to containment action {} ({}): {objection}",
        user.username, action.action_id, notice.change
    );
    if let Some(requester) = action.requested_by_user_id {
        workspace::notify_user(&mut tx, requester, action.incident_id, &text).await?;
        crate::live::users_notified(&mut tx, &[requester]).await?;
    }
    for channel in store::channels(&mut *tx).await? {
        let subject = format!("Objection to containment of {}", action.target);
        notify::queue(&mut tx, &channel, action.incident_id, &subject, &json!({ "events": [{ "event": text }] }))
            .await?;
    }
    crate::live::containment_changed(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}
