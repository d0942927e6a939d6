//! The Containment section (empty until the features that feed it arrive).

use leptos::prelude::*;
use riposte_domain::Permission;

use crate::components::section_placeholder::SectionPlaceholder;

#[component]
pub fn ContainmentPage() -> impl IntoView {
    view! {
        <SectionPlaceholder
            title="Containment"
            permission=Permission::ViewContainment
            empty_text="Requested, approved and executed containment actions appear here with their expiry and verification. Nothing has been contained yet."
        />
    }
}
