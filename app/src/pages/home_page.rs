//! `/`: sends the signed-in user to the first section their role opens.

use leptos::prelude::*;
use leptos_router::components::Redirect;
use riposte_domain::home_for;

use crate::components::session::SessionResource;

#[component]
pub fn HomePage() -> impl IntoView {
    let session = SessionResource::expect();
    view! {
        <Suspense>
            {move || session.user().map(|user| view! { <Redirect path=home_for(user.role)/> })}
        </Suspense>
    }
}
