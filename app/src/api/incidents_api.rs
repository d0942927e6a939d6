//! Incident server functions: queues, the incident page and every change made from it. Each
//! authenticates, then calls one backend use-case, which checks the permission itself.
//! Arguments are plain strings where a form sends them, parsed here with errors that name the
//! field.

use leptos::prelude::*;
use riposte_domain::incident::{IncidentDetail, IncidentSummary, Notice};

use crate::AppError;

#[cfg(feature = "ssr")]
fn bad(field: &str, message: impl Into<String>) -> AppError {
    super::request::fail(riposte_backend::BackendError::Validation(riposte_domain::ValidationError::new(
        field, message,
    )))
}

#[server(prefix = "/api", endpoint = "list_incidents")]
pub async fn list_incidents(
    queue: Option<String>,
    status: Option<String>,
    severity: Option<String>,
    sort: Option<String>,
) -> Result<Vec<IncidentSummary>, AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_domain::alert::Severity;
    use riposte_domain::incident::{IncidentFilter, IncidentSort, IncidentStatus, Queue};
    let user = require_user().await?;
    let text = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    let queue = match text(&queue) {
        Some(q) => Queue::parse(&q).ok_or_else(|| bad("queue", format!("unknown queue \"{q}\"")))?,
        None => riposte_backend::incidents::home_queue(&user),
    };
    let filter = IncidentFilter {
        queue,
        status: text(&status).and_then(|s| IncidentStatus::parse(&s)),
        severity: text(&severity).and_then(|s| Severity::parse(&s)),
        sort: text(&sort).and_then(|s| IncidentSort::parse(&s)).unwrap_or_default(),
    };
    riposte_backend::incidents::list_incidents(&backend()?, &user, &filter).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "get_incident")]
pub async fn get_incident(id: i64) -> Result<IncidentDetail, AppError> {
    use super::request::{backend, fail, require_user};
    let user = require_user().await?;
    riposte_backend::incidents::incident_detail(&backend()?, &user, id).await.map_err(fail)
}

/// One field of the record: `field` names it, `value` is its new value as a form sends it.
#[server(prefix = "/api", endpoint = "update_incident")]
pub async fn update_incident(
    id: i64,
    version: i32,
    field: String,
    value: String,
    classification: Option<String>,
    reason: Option<String>,
) -> Result<i32, AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_domain::alert::Severity;
    use riposte_domain::incident::{Classification, IncidentEdit, IncidentStatus, Priority, Tier, Tlp};
    let user = require_user().await?;
    let value = value.trim();
    let edit = match field.as_str() {
        "status" => IncidentEdit::Status {
            to: IncidentStatus::parse(value).ok_or_else(|| bad("status", format!("unknown status \"{value}\"")))?,
            classification: match classification.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
                None => None,
                Some(c) => Some(
                    Classification::parse(c)
                        .ok_or_else(|| bad("classification", format!("unknown classification \"{c}\"")))?,
                ),
            },
        },
        "owner" => IncidentEdit::Owner(Some(value.to_owned()).filter(|v| !v.is_empty())),
        "tier" => {
            IncidentEdit::Tier(Tier::parse(value).ok_or_else(|| bad("tier", format!("unknown tier \"{value}\"")))?)
        }
        "priority" => IncidentEdit::Priority(
            value
                .trim_start_matches(['P', 'p'])
                .parse()
                .ok()
                .and_then(Priority::new)
                .ok_or_else(|| bad("priority", "P1 to P4"))?,
        ),
        "severity" => IncidentEdit::Severity(
            Severity::parse(value).ok_or_else(|| bad("severity", format!("unknown severity \"{value}\"")))?,
        ),
        "title" => IncidentEdit::Title(value.to_owned()),
        "tags" => IncidentEdit::Tags(value.split(',').map(str::to_owned).collect()),
        "waiting_on" => IncidentEdit::WaitingOn(Some(value.to_owned()).filter(|v| !v.is_empty())),
        "tlp" => IncidentEdit::Tlp(Tlp::parse(value).ok_or_else(|| bad("tlp", format!("unknown TLP \"{value}\"")))?),
        other => return Err(bad("field", format!("\"{other}\" cannot be edited"))),
    };
    riposte_backend::incidents::edit_incident(&backend()?, &user, id, version, edit, reason.as_deref())
        .await
        .map_err(fail)
}

#[server(prefix = "/api", endpoint = "comment_incident")]
pub async fn comment_incident(id: i64, body: String) -> Result<i64, AppError> {
    use super::request::{backend, fail, require_user};
    let user = require_user().await?;
    riposte_backend::incidents::add_comment(&backend()?, &user, id, &body).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "add_incident_task")]
pub async fn add_incident_task(id: i64, title: String, owner: Option<String>) -> Result<i64, AppError> {
    use super::request::{backend, fail, require_user};
    let user = require_user().await?;
    riposte_backend::incidents::add_task(&backend()?, &user, id, &title, owner.as_deref()).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "set_incident_task")]
pub async fn set_incident_task(task_id: i64, done: bool) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    let user = require_user().await?;
    riposte_backend::incidents::set_task_done(&backend()?, &user, task_id, done).await.map_err(fail)
}

/// The packet's parts arrive as `packet[summary]`, `packet[next_actions]`, ...
#[server(prefix = "/api", endpoint = "hand_off_incident")]
pub async fn hand_off_incident(
    id: i64,
    version: i32,
    to: String,
    packet: riposte_domain::incident::HandoffPacket,
) -> Result<i64, AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_domain::incident::Tier;
    let user = require_user().await?;
    let to = Tier::parse(&to).ok_or_else(|| bad("to", format!("unknown tier \"{to}\"")))?;
    riposte_backend::incidents::hand_off(&backend()?, &user, id, version, to, &packet).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "acknowledge_handoff")]
pub async fn acknowledge_handoff(handoff_id: i64) -> Result<i64, AppError> {
    use super::request::{backend, fail, require_user};
    let user = require_user().await?;
    riposte_backend::incidents::acknowledge_handoff(&backend()?, &user, handoff_id).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "merge_incident")]
pub async fn merge_incident(id: i64, into: i64, reason: Option<String>) -> Result<i64, AppError> {
    use super::request::{backend, fail, require_user};
    let user = require_user().await?;
    riposte_backend::incidents::merge(&backend()?, &user, id, into, reason.as_deref()).await.map_err(fail)
}

/// `alert_ids`: the alerts to move, separated by commas or spaces (`#` optional).
#[server(prefix = "/api", endpoint = "split_incident")]
pub async fn split_incident(
    id: i64,
    alert_ids: String,
    title: Option<String>,
    reason: Option<String>,
) -> Result<i64, AppError> {
    use super::request::{backend, fail, require_user};
    let user = require_user().await?;
    let ids = alert_ids
        .split([',', ' '])
        .map(|s| s.trim().trim_start_matches('#'))
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<i64>().map_err(|_| bad("alert_ids", format!("\"{s}\" is not an alert number"))))
        .collect::<Result<Vec<_>, _>>()?;
    riposte_backend::incidents::split(&backend()?, &user, id, &ids, title.as_deref(), reason.as_deref())
        .await
        .map_err(fail)
}

#[server(prefix = "/api", endpoint = "unlink_incident_alert")]
pub async fn unlink_incident_alert(id: i64, alert_id: i64, reason: Option<String>) -> Result<i64, AppError> {
    use super::request::{backend, fail, require_user};
    let user = require_user().await?;
    riposte_backend::incidents::unlink(&backend()?, &user, id, alert_id, reason.as_deref()).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "undo_incident_event")]
pub async fn undo_incident_event(event_id: i64, reason: Option<String>) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    let user = require_user().await?;
    riposte_backend::incidents::undo(&backend()?, &user, event_id, reason.as_deref()).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "list_notices")]
pub async fn list_notices() -> Result<Vec<Notice>, AppError> {
    use super::request::{backend, fail, require_user};
    let user = require_user().await?;
    riposte_backend::incidents::unread_notices(&backend()?, &user).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "mark_notice_read")]
pub async fn mark_notice_read(notice_id: i64) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    let user = require_user().await?;
    riposte_backend::incidents::mark_notice_read(&backend()?, &user, notice_id).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "search")]
pub async fn search(q: String) -> Result<riposte_domain::incident::SearchResults, AppError> {
    use super::request::{backend, fail, require_user};
    let user = require_user().await?;
    riposte_backend::incidents::search(&backend()?, &user, &q).await.map_err(fail)
}
