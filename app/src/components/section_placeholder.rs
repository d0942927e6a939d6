//! A section whose content arrives with the features that feed it: its title, guarded by its
//! permission, and a plain statement that it is empty.

use leptos::prelude::*;
use leptos_meta::Title;
use riposte_domain::Permission;

use crate::components::require_permission::RequirePermission;

#[component]
pub fn SectionPlaceholder(title: &'static str, permission: Permission, empty_text: &'static str) -> impl IntoView {
    view! {
        <Title text=format!("{title} · Riposte")/>
        <RequirePermission permission>
            <h1>{title}</h1>
            <p class="empty">{empty_text}</p>
        </RequirePermission>
    }
}
