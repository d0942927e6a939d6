//! Bumps a counter when the server reports a change (server-sent events), so resources keyed
//! on it refetch. Only in the browser; the server renders the current state.

use leptos::prelude::*;

/// New alerts were stored.
pub fn refresh_on_new_alerts(bump: WriteSignal<u32>) {
    refresh_on("/api/v1/stream/alerts", &["alerts"], bump, |_| true);
}

/// An incident changed: `only` one of them (its id is in the notice, or too many to list),
/// or any. Notices for the user count too, so "for you" lists stay current.
pub fn refresh_on_incident_changes(bump: WriteSignal<u32>, only: Option<i64>) {
    refresh_on("/api/v1/stream/incidents", &["incidents", "notices"], bump, move |payload: &str| {
        let Some(id) = only else { return true };
        let Ok(value) = serde_json::from_str::<serde_json::Value>(payload) else { return true };
        match &value["incidents"] {
            serde_json::Value::Array(ids) => ids.iter().any(|v| v.as_i64() == Some(id)),
            serde_json::Value::Null => false,
            _ => true,
        }
    });
}

/// A containment action moved or the NOC's notices changed.
pub fn refresh_on_containment(bump: WriteSignal<u32>) {
    refresh_on("/api/v1/stream/containment", &["containment"], bump, |_| true);
}

#[allow(unused_variables)]
fn refresh_on(
    url: &'static str,
    events: &'static [&'static str],
    bump: WriteSignal<u32>,
    wanted: impl Fn(&str) -> bool + Clone + 'static,
) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use send_wrapper::SendWrapper;
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;

        let Ok(source) = web_sys::EventSource::new(url) else { return };
        let wanted = wanted.clone();
        let on_event = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let payload = event.data().as_string().unwrap_or_default();
            if wanted(&payload) {
                bump.update(|n| *n += 1);
            }
        });
        for name in events {
            let _ = source.add_event_listener_with_callback(name, on_event.as_ref().unchecked_ref());
        }
        let source = SendWrapper::new((source, on_event));
        on_cleanup(move || source.0.close());
    });
}
