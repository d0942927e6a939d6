//! SLA targets per priority: everyone working incidents reads them; administrators
//! (`ManageSettings`, checked by the backend) change them.

use leptos::prelude::*;
use riposte_domain::incident::sla::SlaTarget;

use crate::AppError;

#[server(prefix = "/api", endpoint = "sla_targets")]
pub async fn sla_targets() -> Result<Vec<SlaTarget>, AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    let user = require_user().await?;
    riposte_backend::incidents::sla::targets(&backend()?, Actor::User(&user)).await.map_err(fail)
}

#[server(prefix = "/api", endpoint = "save_sla_target")]
pub async fn save_sla_target(priority: u8, ack_minutes: u32, contain_minutes: u32) -> Result<(), AppError> {
    use super::request::{backend, fail, require_user};
    use riposte_backend::admin::Actor;
    use riposte_domain::incident::Priority;
    let user = require_user().await?;
    let priority = Priority::new(i64::from(priority))
        .ok_or_else(|| AppError::Invalid { field: "priority".into(), message: "P1 to P4".into() })?;
    let target = SlaTarget { priority, ack_minutes, contain_minutes };
    riposte_backend::incidents::sla::save_targets(&backend()?, Actor::User(&user), &[target]).await.map_err(fail)
}
