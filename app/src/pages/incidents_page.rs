//! The Incidents section (empty until the features that feed it arrive).

use leptos::prelude::*;
use riposte_domain::Permission;

use crate::components::section_placeholder::SectionPlaceholder;

#[component]
pub fn IncidentsPage() -> impl IntoView {
    view! {
        <SectionPlaceholder
            title="Incidents"
            permission=Permission::ViewIncidents
            empty_text="Correlated alerts become incidents here, with their timeline, entities and hand-offs. There are no incidents yet."
        />
    }
}
