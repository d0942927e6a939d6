//! Merge, split and unlink, and undoing each. Nothing is deleted: alerts move between
//! incidents, a merged incident stays (closed as a duplicate, pointing at the one it joined),
//! and every move is an event-log row that names exactly what moved, which is what undo
//! reverses.

use riposte_domain::Permission;
use riposte_domain::incident::MAX_TITLE;
use serde_json::{Value, json};

use super::actor;
use crate::live;
use crate::store::incident_moves as moves;
use crate::store::incidents::{self, Actor};
use crate::{Backend, BackendError, CurrentUser};

/// Locks the incidents in id order (two people merging opposite ways cannot deadlock) and
/// returns them; NotFound names a missing one.
async fn lock_all(conn: &mut sqlx::PgConnection, ids: &[i64]) -> Result<Vec<incidents::IncidentRow>, BackendError> {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    for id in &sorted {
        if !incidents::lock(conn, *id).await? {
            return Err(BackendError::NotFound("incident"));
        }
    }
    let rows = incidents::find_many(&mut *conn, ids).await?;
    if rows.len() != ids.len() {
        return Err(BackendError::NotFound("incident"));
    }
    Ok(rows)
}

/// Merges `source` into `target`: all its alerts move, it is closed as a duplicate.
/// Returns the `merged_in` event (the handle for undo).
pub async fn merge(
    backend: &Backend,
    user: &CurrentUser,
    source: i64,
    target: i64,
    reason: Option<&str>,
) -> Result<i64, BackendError> {
    user.require(Permission::EditIncidents)?;
    if source == target {
        return Err(BackendError::invalid("merge", "an incident cannot be merged into itself"));
    }
    let mut tx = backend.pool.begin().await?;
    let rows = lock_all(&mut tx, &[source, target]).await?;
    if let Some(merged) = rows.iter().find(|r| r.merged_into.is_some()) {
        return Err(BackendError::Conflict(format!("incident #{} was already merged away", merged.incident_id)));
    }
    let me = actor(user);
    let moved = moves::move_links(&mut tx, source, target, None, &me.name).await?;
    moves::move_keys(&mut tx, source, target).await?;
    moves::set_merged(&mut tx, source, Some(target), "closed", Some("duplicate")).await?;
    moves::recount(&mut tx, &[source, target]).await?;
    incidents::bump_version(&mut tx, target).await?;
    let detail = json!({
        "from": source, "count": moved.len(), "alert_ids": moved,
        "source_status": rows[0].status, "source_classification": rows[0].classification,
    });
    let event = incidents::append_event(&mut tx, target, &me, "merged_in", reason, detail).await?;
    incidents::append_event(&mut tx, source, &me, "merged_away", reason, json!({ "into": target, "event_id": event }))
        .await?;
    live::incidents_changed(&mut tx, &[source, target].into()).await?;
    tx.commit().await?;
    Ok(event)
}

/// Moves `alert_ids` out of an incident into a new one; returns the new incident's id.
pub async fn split(
    backend: &Backend,
    user: &CurrentUser,
    incident_id: i64,
    alert_ids: &[i64],
    title: Option<&str>,
    reason: Option<&str>,
) -> Result<i64, BackendError> {
    user.require(Permission::EditIncidents)?;
    if alert_ids.is_empty() {
        return Err(BackendError::invalid("split", "choose the alerts to split off"));
    }
    let mut tx = backend.pool.begin().await?;
    let rows = lock_all(&mut tx, &[incident_id]).await?;
    let title = match title.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) if t.chars().count() > MAX_TITLE => {
            return Err(BackendError::invalid("title", format!("at most {MAX_TITLE} characters")));
        }
        Some(t) => t.to_owned(),
        None => format!("Split from #{incident_id}: {}", rows[0].title).chars().take(MAX_TITLE).collect(),
    };
    let me = actor(user);
    let new_id = moves::open_split(&mut tx, incident_id, &title).await?;
    let moved = moves::move_links(&mut tx, incident_id, new_id, Some(alert_ids), &me.name).await?;
    if moved.len() != alert_ids.len() {
        let missing: Vec<String> =
            alert_ids.iter().filter(|id| !moved.contains(id)).map(|id| format!("#{id}")).collect();
        return Err(BackendError::invalid("split", format!("not in incident #{incident_id}: {}", missing.join(", "))));
    }
    moves::recount(&mut tx, &[incident_id, new_id]).await?;
    incidents::bump_version(&mut tx, incident_id).await?;
    let detail = json!({ "into": new_id, "count": moved.len(), "alert_ids": moved });
    let event = incidents::append_event(&mut tx, incident_id, &me, "split_out", reason, detail).await?;
    let detail = json!({ "from": incident_id, "count": moved.len(), "alert_ids": moved, "event_id": event });
    incidents::append_event(&mut tx, new_id, &me, "split_from", reason, detail).await?;
    live::incidents_changed(&mut tx, &[incident_id, new_id].into()).await?;
    tx.commit().await?;
    Ok(new_id)
}

/// Takes one alert out of an incident (it stays stored, in no incident).
pub async fn unlink(
    backend: &Backend,
    user: &CurrentUser,
    incident_id: i64,
    alert_id: i64,
    reason: Option<&str>,
) -> Result<i64, BackendError> {
    user.require(Permission::EditIncidents)?;
    let mut tx = backend.pool.begin().await?;
    lock_all(&mut tx, &[incident_id]).await?;
    let Some((linked_to, rule_id, entities)) = moves::link_of(&mut tx, alert_id).await? else {
        return Err(BackendError::invalid("unlink", format!("alert #{alert_id} is not in any incident")));
    };
    if linked_to != incident_id || !moves::remove_link(&mut tx, incident_id, alert_id).await? {
        return Err(BackendError::invalid("unlink", format!("alert #{alert_id} is not in incident #{incident_id}")));
    }
    moves::recount(&mut tx, &[incident_id]).await?;
    incidents::bump_version(&mut tx, incident_id).await?;
    let detail = json!({ "alert_id": alert_id, "rule_id": rule_id, "join_entities": entities });
    let me = actor(user);
    let event = incidents::append_event(&mut tx, incident_id, &me, "unlinked", reason, detail).await?;
    live::incident_changed(&mut tx, incident_id).await?;
    tx.commit().await?;
    Ok(event)
}

/// Reverses a merge, split or unlink once. Alerts moved since by someone else stay where
/// they are now (undo never takes an alert from a third incident).
pub async fn undo(
    backend: &Backend,
    user: &CurrentUser,
    event_id: i64,
    reason: Option<&str>,
) -> Result<(), BackendError> {
    user.require(Permission::EditIncidents)?;
    let mut tx = backend.pool.begin().await?;
    let event = incidents::find_event(&mut *tx, event_id).await?.ok_or(BackendError::NotFound("incident event"))?;
    if event.undone {
        return Err(BackendError::Conflict("this change was already undone".into()));
    }
    let me = actor(user);
    let here = event.incident_id;
    let ids = |detail: &Value| -> Vec<i64> {
        detail["alert_ids"].as_array().map(|a| a.iter().filter_map(Value::as_i64).collect()).unwrap_or_default()
    };
    let other =
        |key: &str| event.detail[key].as_i64().ok_or_else(|| BackendError::Internal(format!("event detail {key}")));
    match event.kind.as_str() {
        "merged_in" => {
            let source = other("from")?;
            lock_all(&mut tx, &[here, source]).await?;
            moves::move_links(&mut tx, here, source, Some(&ids(&event.detail)), &me.name).await?;
            let status = event.detail["source_status"].as_str().unwrap_or("triage");
            let classification = event.detail["source_classification"].as_str();
            moves::set_merged(&mut tx, source, None, status, classification).await?;
            finish_undo(&mut tx, &me, &event, &[here, source], reason).await?;
        }
        "split_out" => {
            let split_off = other("into")?;
            lock_all(&mut tx, &[here, split_off]).await?;
            moves::move_links(&mut tx, split_off, here, Some(&ids(&event.detail)), &me.name).await?;
            moves::set_merged(&mut tx, split_off, Some(here), "closed", Some("duplicate")).await?;
            finish_undo(&mut tx, &me, &event, &[here, split_off], reason).await?;
        }
        "unlinked" => {
            lock_all(&mut tx, &[here]).await?;
            let alert_id = other("alert_id")?;
            let rule = event.detail["rule_id"].as_str();
            let entities = Some(&event.detail["join_entities"]).filter(|v| !v.is_null());
            if !moves::add_link(&mut tx, here, alert_id, rule, entities, &me.name).await? {
                let now = moves::link_of(&mut tx, alert_id).await?.map(|(i, _, _)| i);
                return Err(BackendError::Conflict(match now {
                    Some(id) => format!("alert #{alert_id} is in incident #{id} now; unlink it there first"),
                    None => format!("alert #{alert_id} no longer exists"),
                }));
            }
            finish_undo(&mut tx, &me, &event, &[here], reason).await?;
        }
        other => return Err(BackendError::invalid("undo", format!("a {} cannot be undone", other.replace('_', " ")))),
    }
    tx.commit().await?;
    Ok(())
}

async fn finish_undo(
    conn: &mut sqlx::PgConnection,
    me: &Actor,
    event: &incidents::EventRow,
    touched: &[i64],
    reason: Option<&str>,
) -> Result<(), BackendError> {
    moves::recount(conn, touched).await?;
    let detail = json!({ "undone": crate::incidents::timeline::event_text(&event.kind, &event.detail), "event_id": event.event_id });
    incidents::append_undo(conn, event.incident_id, me, "undo", reason, detail.clone(), Some(event.event_id)).await?;
    for id in touched.iter().filter(|id| **id != event.incident_id) {
        incidents::append_event(conn, *id, me, "undo", reason, detail.clone()).await?;
    }
    for id in touched {
        incidents::bump_version(conn, *id).await?;
        live::incident_changed(conn, *id).await?;
    }
    Ok(())
}
