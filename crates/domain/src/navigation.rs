//! The analyst shell's sections and which permission opens each one.

use crate::{Permission, Role};

/// One entry of the main navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NavItem {
    pub label: &'static str,
    pub href: &'static str,
    pub requires: Permission,
}

const SECTIONS: [NavItem; 6] = [
    NavItem { label: "Queue", href: "/queue", requires: Permission::ViewQueue },
    NavItem { label: "Incidents", href: "/incidents", requires: Permission::ViewIncidents },
    NavItem { label: "Containment", href: "/containment", requires: Permission::ViewContainment },
    NavItem { label: "Dashboards", href: "/dashboards", requires: Permission::ViewDashboards },
    NavItem { label: "Context", href: "/context", requires: Permission::ManageContext },
    NavItem { label: "Admin", href: "/admin", requires: Permission::ManageUsers },
];

/// The sections a role may open, in display order.
pub fn navigation_for(role: Role) -> Vec<NavItem> {
    SECTIONS.into_iter().filter(|item| role.can(item.requires)).collect()
}

/// The page a role lands on after signing in: its first section.
pub fn home_for(role: Role) -> &'static str {
    navigation_for(role).first().map_or("/", |item| item.href)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(role: Role) -> Vec<&'static str> {
        navigation_for(role).iter().map(|item| item.label).collect()
    }

    #[test]
    fn each_role_sees_its_sections() {
        assert_eq!(labels(Role::Tier1), ["Queue", "Incidents"]);
        assert_eq!(labels(Role::Tier2), ["Queue", "Incidents", "Containment", "Dashboards", "Context"]);
        assert_eq!(labels(Role::Ir), ["Queue", "Incidents", "Containment", "Dashboards", "Context"]);
        assert_eq!(labels(Role::Noc), ["Incidents", "Containment", "Dashboards"]);
        assert_eq!(labels(Role::Manager), ["Queue", "Incidents", "Containment", "Dashboards"]);
        assert_eq!(labels(Role::Admin), ["Queue", "Incidents", "Containment", "Dashboards", "Context", "Admin"]);
    }

    #[test]
    fn home_is_first_section() {
        assert_eq!(home_for(Role::Noc), "/incidents");
        assert_eq!(home_for(Role::Tier1), "/queue");
    }
}
