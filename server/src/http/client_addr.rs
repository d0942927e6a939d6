//! Decides the client's address once per request (for throttling and the audit trail).

use std::net::SocketAddr;

use app::ClientAddr;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;

/// Whether X-Forwarded-For may be believed (only behind a proxy the operator controls).
#[derive(Debug, Clone, Copy)]
pub struct TrustForwardedFor(pub bool);

pub async fn attach_client_addr(State(trust): State<TrustForwardedFor>, mut request: Request, next: Next) -> Response {
    let addr = client_addr(&request, trust.0);
    request.extensions_mut().insert(ClientAddr(addr));
    next.run(request).await
}

fn client_addr(request: &Request, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for
        && let Some(forwarded) = request.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok())
        // The last hop was added by our own proxy; earlier ones are client-supplied.
        && let Some(last) = forwarded.rsplit(',').map(str::trim).find(|hop| !hop.is_empty())
    {
        return last.to_owned();
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |ConnectInfo(addr)| addr.ip().to_string())
}
