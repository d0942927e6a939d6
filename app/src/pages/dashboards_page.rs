//! The Dashboards section (empty until the features that feed it arrive).

use leptos::prelude::*;
use riposte_domain::Permission;

use crate::components::section_placeholder::SectionPlaceholder;

#[component]
pub fn DashboardsPage() -> impl IntoView {
    view! {
        <SectionPlaceholder
            title="Dashboards"
            permission=Permission::ViewDashboards
            empty_text="Time to detect, enrich, investigate, contain and remediate, measured from each incident's event log. There is no data to measure yet."
        />
    }
}
