//! The top bar: product name, the sections the role may open, who is signed in, theme and
//! sign-out.

use leptos::prelude::*;
use leptos_router::components::A;
use riposte_domain::{SignedInUser, navigation_for};

use crate::api::session_api::SignOut;

#[component]
pub fn NavBar(user: SignedInUser) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    let items = navigation_for(user.role);
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Riposte"</a>
            <nav class="sections" aria-label="Main">
                {items
                    .into_iter()
                    .map(|item| view! { <A href=item.href attr:data-nav=item.label>{item.label}</A> })
                    .collect_view()}
            </nav>
            <div class="identity">
                <span class="who" data-testid="signed-in-user">
                    <strong>{user.display_name.clone()}</strong>
                    " · "
                    <span class="role" data-testid="signed-in-role">{user.role.label()}</span>
                </span>
                <button type="button" class="ghost" data-theme-toggle title="Switch light/dark theme">
                    "Theme"
                </button>
                <ActionForm action=sign_out attr:class="inline">
                    <button type="submit" class="ghost">"Sign out"</button>
                </ActionForm>
            </div>
        </header>
    }
}
