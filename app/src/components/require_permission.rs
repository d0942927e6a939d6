//! Shows its children only to roles holding a permission. This is presentation only: the
//! server functions behind each page check the permission again.

use leptos::prelude::*;
use riposte_domain::Permission;

use crate::components::session::SessionResource;
use crate::pages::forbidden_page::ForbiddenPage;

/// Pages create their resources *before* this wrapper, never inside `children`, which may be
/// rebuilt while the session loads.
#[component]
pub fn RequirePermission(permission: Permission, children: ChildrenFn) -> impl IntoView {
    let session = SessionResource::expect();
    view! {
        <Suspense>
            {move || session.user().map(|user| {
                if user.role.can(permission) { children().into_any() } else { view! { <ForbiddenPage/> }.into_any() }
            })}
        </Suspense>
    }
}
