//! Shown when a role opens a section it may not use (status 403 on the server).

use leptos::prelude::*;

use crate::components::http_status::set_page_status;

#[component]
pub fn ForbiddenPage() -> impl IntoView {
    set_page_status(403);
    view! {
        <section class="notice">
            <h1>"Not available to your role"</h1>
            <p>"Ask an administrator if you need access to this section."</p>
        </section>
    }
}
