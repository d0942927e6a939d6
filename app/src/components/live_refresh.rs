//! Bumps a counter whenever the server reports new alerts (server-sent events), so
//! resources keyed on it refetch. Only in the browser; the server renders the current state.

use leptos::prelude::*;

#[allow(unused_variables)]
pub fn refresh_on_new_alerts(bump: WriteSignal<u32>) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use send_wrapper::SendWrapper;
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;

        let Ok(source) = web_sys::EventSource::new("/api/v1/stream/alerts") else { return };
        let on_alerts = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_| bump.update(|n| *n += 1));
        let _ = source.add_event_listener_with_callback("alerts", on_alerts.as_ref().unchecked_ref());
        let source = SendWrapper::new((source, on_alerts));
        on_cleanup(move || source.0.close());
    });
}
