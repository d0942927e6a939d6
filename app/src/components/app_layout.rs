//! The signed-in frame: header with navigation and identity, then the page. Anyone not
//! signed in is sent to the sign-in page (decided on the server before any HTML is sent).

use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect};

use crate::components::nav_bar::NavBar;
use crate::components::session::SessionResource;

#[component]
pub fn AppLayout() -> impl IntoView {
    let session = SessionResource::provide();
    // The page (<Outlet/>) stays outside the closure that reads the session: that closure
    // re-runs as the session loads, and anything inside it, with its resources, would be
    // built more than once.
    view! {
        <div class="app">
            <Suspense fallback=|| view! { <header class="topbar"></header> }>
                {move || session.0.get().map(|result| match result {
                    Ok(Some(user)) => view! { <NavBar user/> }.into_any(),
                    Ok(None) => view! { <Redirect path="/sign-in"/> }.into_any(),
                    Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
                })}
            </Suspense>
            <main class="page">
                <Outlet/>
            </main>
        </div>
    }
}
