//! Keyboard use of a list page: `j`/`k` (or the arrow keys) move between rows, Enter opens
//! the focused row's link (the browser's own behaviour), `/` jumps to the filter form.
//! Rows are plain links, so the page stays usable without JavaScript; this only adds keys.

/// Listens while the calling component is mounted. `rows` selects the focusable link of
/// each row; `filter` the field `/` focuses.
#[allow(unused_variables)]
pub fn navigate_rows_with_keys(rows: &'static str, filter: &'static str) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::prelude::*;
        use wasm_bindgen::JsCast;

        let handle = window_event_listener(leptos::ev::keydown, move |event| {
            if event.ctrl_key() || event.meta_key() || event.alt_key() || typing(&event) {
                return;
            }
            let step = match event.key().as_str() {
                "j" | "ArrowDown" => 1,
                "k" | "ArrowUp" => -1,
                "/" => {
                    if let Some(field) = document().query_selector(filter).ok().flatten() {
                        event.prevent_default();
                        let _ = field.unchecked_into::<web_sys::HtmlElement>().focus();
                    }
                    return;
                }
                _ => return,
            };
            let Ok(links) = document().query_selector_all(rows) else { return };
            if links.length() == 0 {
                return;
            }
            let active = document().active_element();
            let current = (0..links.length())
                .find(|&i| links.item(i).zip(active.clone()).is_some_and(|(link, active)| link == *active));
            let next = match current {
                Some(i) => (i64::from(i) + step).clamp(0, i64::from(links.length()) - 1),
                None if step > 0 => 0,
                None => i64::from(links.length()) - 1,
            };
            if let Some(link) = u32::try_from(next).ok().and_then(|i| links.item(i)) {
                event.prevent_default();
                let _ = link.unchecked_into::<web_sys::HtmlElement>().focus();
            }
        });
        on_cleanup(move || handle.remove());
    }
}

/// True while the user types into a field: keys then belong to the field.
#[cfg(feature = "hydrate")]
fn typing(event: &web_sys::KeyboardEvent) -> bool {
    use wasm_bindgen::JsCast;
    event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"))
}
