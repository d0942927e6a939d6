//! The signed-in user, loaded once per page by the layout and shared with everything below.

use leptos::prelude::*;
use riposte_domain::SignedInUser;

use crate::AppError;
use crate::api::session_api::current_session;

/// Who is signed in; `Ok(None)` for a visitor.
#[derive(Clone, Copy)]
pub struct SessionResource(pub Resource<Result<Option<SignedInUser>, AppError>>);

impl SessionResource {
    /// Creates the resource and provides it to the component tree below.
    pub fn provide() -> Self {
        // Blocking: the redirect for a signed-out visitor is decided before any HTML is sent.
        let session = SessionResource(Resource::new_blocking(|| (), |_| current_session()));
        provide_context(session);
        session
    }

    pub fn expect() -> Self {
        expect_context::<SessionResource>()
    }

    /// The signed-in user once known (`None` while loading or when signed out).
    pub fn user(self) -> Option<SignedInUser> {
        self.0.get().and_then(Result::ok).flatten()
    }
}
