//! The six roles of a SOC/NOC team and the permissions each one holds.

use serde::{Deserialize, Serialize};

use crate::Permission;

/// A user's role. Every permission check on the server goes through [`Role::can`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Tier 1 analyst: triages the alert queue and new incidents.
    Tier1,
    /// Tier 2 analyst: investigates incidents, requests containment.
    Tier2,
    /// Incident responder: runs incidents end to end, approves containment.
    Ir,
    /// Network operations: carries out and acknowledges network changes.
    Noc,
    /// SOC manager: reads everything, measures the team.
    Manager,
    /// Administrator: manages users and settings.
    Admin,
}

impl Role {
    pub const ALL: [Role; 6] = [Role::Tier1, Role::Tier2, Role::Ir, Role::Noc, Role::Manager, Role::Admin];

    /// The stable name stored in the database and used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Tier1 => "tier1",
            Role::Tier2 => "tier2",
            Role::Ir => "ir",
            Role::Noc => "noc",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    /// A human label for the UI.
    pub fn label(self) -> &'static str {
        match self {
            Role::Tier1 => "Tier 1 analyst",
            Role::Tier2 => "Tier 2 analyst",
            Role::Ir => "Incident responder",
            Role::Noc => "Network operations",
            Role::Manager => "SOC manager",
            Role::Admin => "Administrator",
        }
    }

    /// Parses the stable name; the error names the accepted values.
    pub fn parse(value: &str) -> Result<Role, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == value.trim().to_ascii_lowercase())
            .ok_or_else(|| UnknownRole(value.to_owned()))
    }

    /// The permissions this role holds.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            // Tier 1 triages incidents too: takes them, sets their status, closes false positives.
            Role::Tier1 => &[ViewQueue, TriageAlerts, ViewIncidents, CommentIncidents, EditIncidents],
            Role::Tier2 => &[
                ViewQueue,
                TriageAlerts,
                ViewIncidents,
                CommentIncidents,
                EditIncidents,
                ViewContainment,
                RequestContainment,
                ViewDashboards,
                ManageContext,
            ],
            Role::Ir => &[
                ViewQueue,
                TriageAlerts,
                ViewIncidents,
                CommentIncidents,
                EditIncidents,
                ViewContainment,
                RequestContainment,
                ApproveContainment,
                ViewDashboards,
                ManageContext,
            ],
            Role::Noc => &[ViewIncidents, CommentIncidents, ViewContainment, AcknowledgeContainment, ViewDashboards],
            Role::Manager => &[ViewQueue, ViewIncidents, CommentIncidents, ViewContainment, ViewDashboards, ViewAudit],
            Role::Admin => Permission::ALL,
        }
    }

    pub fn can(self, permission: Permission) -> bool {
        self.permissions().contains(&permission)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::parse(s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}: expected one of tier1, tier2, ir, noc, manager, admin")]
pub struct UnknownRole(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
            let json = serde_json::to_string(&role).expect("serialises");
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
        assert_eq!(Role::parse(" IR "), Ok(Role::Ir));
    }

    #[test]
    fn unknown_role_names_the_choices() {
        let err = Role::parse("root").expect_err("root is not a role");
        assert!(err.to_string().contains("tier1, tier2, ir, noc, manager, admin"));
    }

    #[test]
    fn only_admin_manages_users() {
        for role in Role::ALL {
            assert_eq!(role.can(Permission::ManageUsers), role == Role::Admin, "{role}");
        }
    }

    #[test]
    fn approval_is_separate_from_request() {
        assert!(Role::Tier2.can(Permission::RequestContainment));
        assert!(!Role::Tier2.can(Permission::ApproveContainment));
        assert!(Role::Ir.can(Permission::ApproveContainment));
        assert!(!Role::Tier1.can(Permission::RequestContainment));
        assert!(Role::Noc.can(Permission::AcknowledgeContainment));
        assert!(!Role::Noc.can(Permission::TriageAlerts));
    }

    #[test]
    fn every_role_has_a_distinct_permission_set() {
        for a in Role::ALL {
            for b in Role::ALL {
                if a != b {
                    assert_ne!(a.permissions(), b.permissions(), "{a} and {b}");
                }
            }
        }
    }
}
