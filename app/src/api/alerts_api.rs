//! The alert queue and the alert page.

use leptos::prelude::*;
use riposte_domain::alert::{AlertDetail, AlertStatus, AlertSummary, Severity};

use crate::AppError;

/// The filter's fields are separate arguments: absent ones are simply left out of the form.
#[server(prefix = "/api", endpoint = "list_alerts")]
pub async fn list_alerts(
    source: Option<String>,
    severity: Option<Severity>,
    status: Option<AlertStatus>,
    entity: Option<String>,
    rollup_of: Option<i64>,
) -> Result<Vec<AlertSummary>, AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_domain::alert::AlertFilter;
    let user = require_user().await?;
    let filter = AlertFilter { source, severity, status, entity, rollup_of };
    use riposte_backend::alerts::{QUEUE_PAGE, list_alerts};
    use riposte_backend::caller::Caller;
    list_alerts(&backend()?, Caller::User(&user), &filter, QUEUE_PAGE).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "get_alert_detail")]
pub async fn get_alert_detail(id: i64) -> Result<AlertDetail, AppError> {
    use super::request::{backend, fail, require_user};
    let user = require_user().await?;
    use riposte_backend::caller::Caller;
    riposte_backend::alerts::alert_detail(&backend()?, Caller::User(&user), id).await.map_err(fail)
}
