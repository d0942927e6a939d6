//! The outcome line under a form: the error of the last submission, or a confirmation.

use leptos::prelude::*;

use crate::AppError;

/// Renders the last result of a server action: its error (as text) or `success_text`.
#[component]
pub fn ActionOutcome<T>(
    result: Signal<Option<Result<T, AppError>>>,
    #[prop(into)] success_text: String,
) -> impl IntoView
where
    T: Send + Sync + Clone + 'static,
{
    move || match result.get() {
        Some(Err(err)) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
        Some(Ok(_)) => view! { <p class="ok" role="status">{success_text.clone()}</p> }.into_any(),
        None => ().into_any(),
    }
}
