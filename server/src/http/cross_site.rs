//! Refuses state-changing requests sent by another site's page (CSRF). Browsers say where a
//! request comes from in Sec-Fetch-Site and Origin; clients that send neither (curl, SDKs)
//! carry no victim's cookies and pass.

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The origin users open (from --public-url); when unset, the request's own Host is used.
#[derive(Debug, Clone, Default)]
pub struct AllowedOrigin(pub Option<String>);

pub async fn reject_cross_site(State(allowed): State<AllowedOrigin>, request: Request, next: Next) -> Response {
    if is_safe_method(request.method()) {
        return next.run(request).await;
    }
    if let Some(reason) = cross_site_reason(&request, allowed.0.as_deref()) {
        tracing::warn!(reason, "refused a cross-site request");
        let body = serde_json::json!({ "code": "cross_site_request", "message": reason });
        return (StatusCode::FORBIDDEN, axum::Json(body)).into_response();
    }
    next.run(request).await
}

fn is_safe_method(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn cross_site_reason(request: &Request, allowed: Option<&str>) -> Option<&'static str> {
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return Some("state-changing requests must come from Riposte's own pages (Sec-Fetch-Site)");
    }
    let origin = headers.get(header::ORIGIN)?.to_str().ok()?;
    let expected_ok = match allowed {
        Some(allowed) => origin.eq_ignore_ascii_case(allowed.trim_end_matches('/')),
        None => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
            origin.split_once("://").is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host))
        }
    };
    (!expected_ok).then_some("state-changing requests must come from Riposte's own origin (Origin)")
}
