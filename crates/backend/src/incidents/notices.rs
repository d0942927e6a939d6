//! In-app notices: hand-offs to your tier, tasks given to you.

use riposte_domain::incident::Notice;

use crate::alerts::rfc3339;
use crate::store::workspace;
use crate::{Backend, BackendError, CurrentUser};

pub async fn unread_notices(backend: &Backend, user: &CurrentUser) -> Result<Vec<Notice>, BackendError> {
    Ok(workspace::unread_notices(&backend.pool, user.id)
        .await?
        .into_iter()
        .map(|row| Notice {
            id: row.notice_id,
            incident_id: row.incident_id,
            text: row.text,
            at: rfc3339(row.created_at),
        })
        .collect())
}

/// Only the user's own notices can be marked.
pub async fn mark_notice_read(backend: &Backend, user: &CurrentUser, notice_id: i64) -> Result<(), BackendError> {
    workspace::mark_read(&backend.pool, user.id, notice_id).await
}
