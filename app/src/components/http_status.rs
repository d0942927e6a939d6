//! Sets the HTTP status of the page being rendered on the server (no effect in the browser).

#[allow(unused_variables)]
pub fn set_page_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
        && let Ok(status) = http::StatusCode::from_u16(code)
    {
        response.set_status(status);
    }
}
