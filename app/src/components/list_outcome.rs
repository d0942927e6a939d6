//! A fetched list as a page shows it: the rows, a sentence when there are none, or the error.

use leptos::prelude::*;

use crate::AppError;

pub fn list_or_empty<T, V: IntoView + 'static>(
    result: Result<Vec<T>, AppError>,
    empty_text: &'static str,
    rows: impl FnOnce(Vec<T>) -> V,
) -> AnyView {
    match result {
        Ok(list) if list.is_empty() => view! { <p class="empty">{empty_text}</p> }.into_any(),
        Ok(list) => rows(list).into_any(),
        Err(err) => view! { <p class="error" role="alert">{err.to_string()}</p> }.into_any(),
    }
}
