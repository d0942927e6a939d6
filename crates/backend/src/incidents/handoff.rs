//! Hand-offs between tiers: a structured packet moves the incident to the receiving tier's
//! queue and notifies its people; one of them acknowledges it, which records the time taken,
//! makes them the owner and tells the sender.

use riposte_domain::Permission;
use riposte_domain::incident::{HandoffPacket, Tier};
use serde_json::json;

use super::{actor, conflict, stored};
use crate::live;
use crate::store::incidents::{self, Column};
use crate::store::workspace;
use crate::{Backend, BackendError, CurrentUser};

/// Sends the incident to `to` with the packet; returns the hand-off id.
pub async fn hand_off(
    backend: &Backend,
    user: &CurrentUser,
    incident_id: i64,
    expected_version: i32,
    to: Tier,
    packet: &HandoffPacket,
) -> Result<i64, BackendError> {
    user.require(Permission::CommentIncidents)?;
    let mut tx = backend.pool.begin().await?;
    let row = incidents::find(&mut *tx, incident_id).await?.ok_or(BackendError::NotFound("incident"))?;
    let from = stored(Tier::parse(&row.tier), "tier")?;
    packet.validate(from, to).map_err(|e| BackendError::invalid("hand-off", e.to_string()))?;
    if incidents::update_if_version(&mut tx, incident_id, expected_version, Column::Tier(to.as_str())).await?.is_none()
    {
        return Err(conflict(incidents::current_version(&mut *tx, incident_id).await?));
    }
    let me = actor(user);
    let handoff_id = workspace::add_handoff(&mut tx, incident_id, from.as_str(), to.as_str(), packet, &me).await?;
    let detail = json!({ "handoff_id": handoff_id, "from": from.label(), "to": to.label() });
    incidents::append_event(&mut tx, incident_id, &me, "handoff_sent", None, detail).await?;
    let text = format!("{} handed incident #{incident_id} to {}: {}", user.username, to.label(), row.title);
    let told = workspace::notify_role(&mut tx, to.as_str(), incident_id, &text).await?;
    live::users_notified(&mut tx, &told).await?;
    live::incident_changed(&mut tx, incident_id).await?;
    tx.commit().await?;
    Ok(handoff_id)
}

/// Acknowledges a hand-off as one of the receiving tier; returns the seconds it waited.
pub async fn acknowledge_handoff(backend: &Backend, user: &CurrentUser, handoff_id: i64) -> Result<i64, BackendError> {
    user.require(Permission::ViewIncidents)?;
    let mut tx = backend.pool.begin().await?;
    let handoff = workspace::find_handoff(&mut *tx, handoff_id).await?.ok_or(BackendError::NotFound("hand-off"))?;
    let to = stored(Tier::parse(&handoff.to_tier), "hand-off tier")?;
    if !to.accepts(user.role) {
        return Err(BackendError::invalid(
            "hand-off",
            format!("only {} can acknowledge a hand-off to {}", to.label(), to.label()),
        ));
    }
    let Some(seconds) = workspace::acknowledge_handoff(&mut tx, handoff_id, &actor(user)).await? else {
        return Err(BackendError::Conflict("this hand-off was already acknowledged".into()));
    };
    let seconds = seconds.round() as i64;
    let incident_id = handoff.incident_id;
    // The receiver owns the incident from now on.
    incidents::set_owner(&mut tx, incident_id, Some(user.id)).await?;
    let me = actor(user);
    let detail = json!({ "handoff_id": handoff_id, "to": to.label(), "seconds": seconds });
    incidents::append_event(&mut tx, incident_id, &me, "handoff_acknowledged", None, detail).await?;
    if let Some(sender) = handoff.sent_by_user_id.filter(|id| *id != user.id) {
        let text = format!("{} acknowledged your hand-off of incident #{incident_id} after {seconds} s", user.username);
        workspace::notify_user(&mut tx, sender, Some(incident_id), &text).await?;
        live::users_notified(&mut tx, &[sender]).await?;
    }
    live::incident_changed(&mut tx, incident_id).await?;
    tx.commit().await?;
    Ok(seconds)
}
