//! Edits to the incident record (conditional on the version the editor saw), comments and
//! tasks. Each is one transaction with its event-log row and live notice.

use riposte_domain::Permission;
use riposte_domain::incident::{IncidentEdit, MAX_TITLE, check_status_change, clean_tags};
use serde_json::{Value, json};

use super::{actor, conflict};
use crate::live;
use crate::store::incidents::{self, Column};
use crate::store::workspace;
use crate::{Backend, BackendError, CurrentUser};

pub const MAX_COMMENT: usize = 20_000;

/// Applies one edit if the incident is still at `expected_version`; returns the new version.
/// A stale version is a conflict naming the current one: nothing is overwritten silently.
pub async fn edit_incident(
    backend: &Backend,
    user: &CurrentUser,
    incident_id: i64,
    expected_version: i32,
    edit: IncidentEdit,
    reason: Option<&str>,
) -> Result<i32, BackendError> {
    user.require(Permission::EditIncidents)?;
    let mut tx = backend.pool.begin().await?;
    let row = incidents::find(&mut *tx, incident_id).await?.ok_or(BackendError::NotFound("incident"))?;
    let tags;
    let waiting;
    let mut owner_id = None;
    let (column, from, to, extra): (Column, Value, Value, Value) = match &edit {
        IncidentEdit::Status { to, classification } => {
            let kept = check_status_change(*to, *classification)
                .map_err(|e| BackendError::invalid("status", e.to_string()))?;
            let classification = kept.map(|c| c.as_str());
            (
                Column::Status { status: to.as_str(), classification },
                json!(row.status),
                json!(to.as_str()),
                json!({ "classification": classification }),
            )
        }
        IncidentEdit::Owner(name) => {
            owner_id =
                match name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                    None => None,
                    Some(name) => Some(workspace::active_user_id(&mut *tx, name).await?.ok_or_else(|| {
                        BackendError::invalid("owner", format!("no active user is named \"{name}\""))
                    })?),
                };
            (Column::Owner(owner_id), json!(row.owner), json!(name), Value::Null)
        }
        IncidentEdit::Tier(tier) => (Column::Tier(tier.as_str()), json!(row.tier), json!(tier.as_str()), Value::Null),
        IncidentEdit::Priority(p) => {
            (Column::Priority(i16::from(p.level())), json!(format!("P{}", row.priority)), json!(p.label()), Value::Null)
        }
        IncidentEdit::Severity(s) => {
            (Column::Severity(s.ocsf_id()), json!(row.severity), json!(s.as_str()), Value::Null)
        }
        IncidentEdit::Title(title) => {
            let title = title.trim();
            if title.is_empty() || title.chars().count() > MAX_TITLE {
                return Err(BackendError::invalid("title", format!("a title has 1 to {MAX_TITLE} characters")));
            }
            (Column::Title(title), json!(row.title), json!(title), Value::Null)
        }
        IncidentEdit::Tags(list) => {
            tags = clean_tags(list).map_err(|message| BackendError::invalid("tags", message))?;
            (Column::Tags(&tags), json!(row.tags), json!(tags), Value::Null)
        }
        IncidentEdit::Tlp(tlp) => (Column::Tlp(tlp.as_str()), json!(row.tlp), json!(tlp.as_str()), Value::Null),
        IncidentEdit::WaitingOn(party) => {
            waiting = clean_party(party.as_deref(), row.waiting_on.as_deref())?;
            let paused_ms = row.sla_paused_at.map(|at| (time::OffsetDateTime::now_utc() - at).whole_milliseconds());
            let extra = if waiting.is_none() { json!({ "paused_ms": paused_ms }) } else { Value::Null };
            (Column::WaitingOn(waiting.as_deref()), json!(row.waiting_on), json!(waiting), extra)
        }
    };
    let Some(version) = incidents::update_if_version(&mut tx, incident_id, expected_version, column).await? else {
        return Err(conflict(incidents::current_version(&mut *tx, incident_id).await?));
    };
    let mut detail = json!({ "from": from, "to": to });
    if let (Some(detail), Some(extra)) = (detail.as_object_mut(), extra.as_object()) {
        detail.extend(extra.clone());
    }
    let me = actor(user);
    incidents::append_event(&mut tx, incident_id, &me, edit.event_kind(), reason, detail).await?;
    if let IncidentEdit::Owner(Some(_)) = &edit
        && let Some(owner) = owner_id.filter(|id| *id != user.id)
    {
        let text = format!("{} gave you incident #{incident_id}: {}", user.username, row.title);
        workspace::notify_user(&mut tx, owner, Some(incident_id), &text).await?;
        live::users_notified(&mut tx, &[owner]).await?;
    }
    live::incident_changed(&mut tx, incident_id).await?;
    tx.commit().await?;
    Ok(version)
}

/// The party an incident waits on, trimmed; pausing twice or resuming a running clock is
/// refused, so the log never holds a pause without its resume.
fn clean_party(party: Option<&str>, current: Option<&str>) -> Result<Option<String>, BackendError> {
    match (party.map(str::trim), current) {
        (Some(""), _) => Err(BackendError::invalid("waiting_on", "name who the incident is waiting on")),
        (Some(p), _) if p.chars().count() > 200 => Err(BackendError::invalid("waiting_on", "at most 200 characters")),
        (Some(_), Some(now)) => Err(BackendError::invalid(
            "waiting_on",
            format!("the clocks are already paused, waiting on {now}; resume them first"),
        )),
        (Some(p), None) => Ok(Some(p.to_owned())),
        (None, None) => Err(BackendError::invalid("waiting_on", "the clocks are not paused")),
        (None, Some(_)) => Ok(None),
    }
}

pub async fn add_comment(
    backend: &Backend,
    user: &CurrentUser,
    incident_id: i64,
    body: &str,
) -> Result<i64, BackendError> {
    user.require(Permission::CommentIncidents)?;
    let body = body.trim();
    if body.is_empty() {
        return Err(BackendError::invalid("comment", "a comment cannot be empty"));
    }
    if body.chars().count() > MAX_COMMENT {
        return Err(BackendError::invalid("comment", format!("a comment has at most {MAX_COMMENT} characters")));
    }
    let mut tx = backend.pool.begin().await?;
    if !incidents::lock(&mut tx, incident_id).await? {
        return Err(BackendError::NotFound("incident"));
    }
    let me = actor(user);
    let comment_id = workspace::add_comment(&mut tx, incident_id, &me, body).await?;
    incidents::append_event(&mut tx, incident_id, &me, "comment_added", None, json!({ "comment_id": comment_id }))
        .await?;
    live::incident_changed(&mut tx, incident_id).await?;
    tx.commit().await?;
    Ok(comment_id)
}

pub async fn add_task(
    backend: &Backend,
    user: &CurrentUser,
    incident_id: i64,
    title: &str,
    owner: Option<&str>,
) -> Result<i64, BackendError> {
    user.require(Permission::CommentIncidents)?;
    let title = title.trim();
    if title.is_empty() || title.chars().count() > MAX_TITLE {
        return Err(BackendError::invalid("task", format!("a task has 1 to {MAX_TITLE} characters")));
    }
    let mut tx = backend.pool.begin().await?;
    if !incidents::lock(&mut tx, incident_id).await? {
        return Err(BackendError::NotFound("incident"));
    }
    let owner_id = match owner.map(str::trim).filter(|o| !o.is_empty()) {
        None => None,
        Some(name) => Some(
            workspace::active_user_id(&mut *tx, name)
                .await?
                .ok_or_else(|| BackendError::invalid("owner", format!("no active user is named \"{name}\"")))?,
        ),
    };
    let me = actor(user);
    let task_id = workspace::add_task(&mut tx, incident_id, title, owner_id, &me).await?;
    let detail = json!({ "task_id": task_id, "title": title, "owner": owner });
    incidents::append_event(&mut tx, incident_id, &me, "task_added", None, detail).await?;
    if let Some(owner) = owner_id.filter(|id| *id != user.id) {
        let text = format!("{} gave you a task on incident #{incident_id}: {title}", user.username);
        workspace::notify_user(&mut tx, owner, Some(incident_id), &text).await?;
        live::users_notified(&mut tx, &[owner]).await?;
    }
    live::incident_changed(&mut tx, incident_id).await?;
    tx.commit().await?;
    Ok(task_id)
}

pub async fn set_task_done(
    backend: &Backend,
    user: &CurrentUser,
    task_id: i64,
    done: bool,
) -> Result<(), BackendError> {
    user.require(Permission::CommentIncidents)?;
    let mut tx = backend.pool.begin().await?;
    let task = workspace::find_task(&mut *tx, task_id).await?.ok_or(BackendError::NotFound("task"))?;
    if !workspace::set_task_done(&mut tx, task_id, done).await? {
        return Ok(());
    }
    let kind = if done { "task_done" } else { "task_reopened" };
    let detail = json!({ "task_id": task_id, "title": task.title });
    incidents::append_event(&mut tx, task.incident_id, &actor(user), kind, None, detail).await?;
    live::incident_changed(&mut tx, task.incident_id).await?;
    tx.commit().await?;
    Ok(())
}
