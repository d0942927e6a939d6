//! Response headers every page and endpoint carries.

use axum::http::{HeaderName, HeaderValue};
use tower_http::set_header::SetResponseHeaderLayer;

pub fn layers() -> [SetResponseHeaderLayer<HeaderValue>; 3] {
    let header = |name: &'static str, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(HeaderName::from_static(name), HeaderValue::from_static(value))
    };
    [
        header("x-content-type-options", "nosniff"),
        header("x-frame-options", "DENY"),
        // Same-origin referers let plain form posts return to their page.
        header("referrer-policy", "same-origin"),
    ]
}
