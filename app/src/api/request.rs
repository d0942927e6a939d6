//! Server-side helpers shared by the server functions: the backend, the session, the client
//! address and the signed-in user, all taken from the current request.

use leptos::prelude::*;
use riposte_backend::{Backend, CurrentUser, SessionAuth, auth::authenticate_session};
use tower_sessions::Session;

use crate::AppError;

/// The client's address as decided by the server's middleware (proxy headers included).
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

pub(crate) fn backend() -> Result<Backend, AppError> {
    use_context::<Backend>().ok_or_else(|| AppError::Internal { reference: "no-backend-context".into() })
}

pub(crate) async fn session() -> Result<Session, AppError> {
    Ok(leptos_axum::extract::<Session>().await?)
}

pub(crate) fn client_addr() -> String {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<ClientAddr>().map(|a| a.0.clone()))
        .unwrap_or_else(|| "unknown".into())
}

/// The signed-in user, or `None`. A session whose user was disabled (or whose sessions were
/// revoked) is flushed here, so it stops working at once.
pub(crate) async fn optional_user() -> Result<Option<CurrentUser>, AppError> {
    let session = session().await?;
    let auth: Option<SessionAuth> = session.get(SessionAuth::KEY).await.map_err(internal)?;
    let Some(auth) = auth else { return Ok(None) };
    match authenticate_session(&backend()?, auth).await {
        Ok(user) => Ok(Some(user)),
        Err(riposte_backend::BackendError::Unauthenticated) => {
            session.flush().await.map_err(internal)?;
            Ok(None)
        }
        Err(other) => Err(fail(other)),
    }
}

/// The signed-in user, or 401.
pub(crate) async fn require_user() -> Result<CurrentUser, AppError> {
    optional_user().await?.ok_or_else(|| fail(riposte_backend::BackendError::Unauthenticated))
}

/// Converts a backend error and, for API callers, sets the matching HTTP status. Plain form
/// posts keep the redirect that carries the error back to the form.
pub(crate) fn fail(err: impl Into<AppError>) -> AppError {
    let err = err.into();
    let is_form_post = use_context::<http::request::Parts>()
        .and_then(|parts| {
            parts.headers.get(http::header::ACCEPT).and_then(|v| v.to_str().ok()).map(|v| v.contains("text/html"))
        })
        .unwrap_or(false);
    if !is_form_post
        && let Some(response) = use_context::<leptos_axum::ResponseOptions>()
        && let Ok(status) = http::StatusCode::from_u16(err.status())
    {
        response.set_status(status);
    }
    err
}

pub(crate) fn internal(err: impl std::fmt::Display) -> AppError {
    fail(riposte_backend::BackendError::Internal(err.to_string()))
}
