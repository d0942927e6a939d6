//! The administration sub-navigation: users, ingest (tokens and storm control), correlation,
//! the triage score, escalation rules.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

#[component]
pub fn AdminTabs() -> impl IntoView {
    let path = use_location().pathname;
    let tab = move |href: &'static str, label: &'static str| {
        view! {
            <a href=href aria-current=move || (path.get() == href).then_some("page")>{label}</a>
        }
    };
    view! {
        <nav class="tabs" aria-label="Administration">
            {tab("/admin", "Users")}
            {tab("/admin/ingest", "Ingest")}
            {tab("/admin/correlation", "Correlation")}
            {tab("/admin/scoring", "Scoring")}
            {tab("/admin/escalation", "Escalation")}
            {tab("/admin/containment", "Containment")}
        </nav>
    }
}
