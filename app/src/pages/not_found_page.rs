//! Any path that matches no route (status 404 on the server).

use leptos::prelude::*;

use crate::components::http_status::set_page_status;
use leptos_meta::Title;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    set_page_status(404);
    view! {
        <Title text="Not found · Riposte"/>
        <main class="sign-in">
            <section class="card notice">
                <h1>"Page not found"</h1>
                <p>"Nothing lives at this address."</p>
                <a href="/">"Back to Riposte"</a>
            </section>
        </main>
    }
}
