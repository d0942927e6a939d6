//! Permissions: the unit the server checks on every server function and endpoint.

use serde::{Deserialize, Serialize};

/// One thing a user may do. Roles grant sets of these (see [`crate::Role::permissions`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// See the alert queue and alerts.
    ViewQueue,
    /// Change an alert's status, link it, dismiss it.
    TriageAlerts,
    /// See incidents.
    ViewIncidents,
    /// Comment on incidents and hand-offs.
    CommentIncidents,
    /// Change incident status, owner, tier; merge and split.
    EditIncidents,
    /// See containment actions.
    ViewContainment,
    /// Ask for a containment action.
    RequestContainment,
    /// Approve or reject a containment request. Who may is an administrator's setting (the
    /// guard rails' approver roles: IR and administrators unless changed); a refusal names
    /// this permission.
    ApproveContainment,
    /// Acknowledge a network change as the NOC, or object to it.
    AcknowledgeContainment,
    /// See dashboards and measures.
    ViewDashboards,
    /// Read the audit trail.
    ViewAudit,
    /// Create users, change roles, disable, reset passwords.
    ManageUsers,
    /// Change settings, rules, tokens and connectors.
    ManageSettings,
    /// Import and edit the asset inventory and watchlists.
    ManageContext,
}

impl Permission {
    pub const ALL: &'static [Permission] = &[
        Permission::ViewQueue,
        Permission::TriageAlerts,
        Permission::ViewIncidents,
        Permission::CommentIncidents,
        Permission::EditIncidents,
        Permission::ViewContainment,
        Permission::RequestContainment,
        Permission::ApproveContainment,
        Permission::AcknowledgeContainment,
        Permission::ViewDashboards,
        Permission::ViewAudit,
        Permission::ManageUsers,
        Permission::ManageSettings,
        Permission::ManageContext,
    ];
}
