//! Who is calling the REST API: an ingest/read token (`Authorization: Bearer <token>`), or a
//! signed-in browser session.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use riposte_backend::caller::Caller;
use riposte_backend::tokens::{TokenIdentity, TokenScope, authenticate_token};
use riposte_backend::{Backend, CurrentUser, SessionAuth, auth::authenticate_session};
use riposte_domain::Permission;
use tower_sessions::Session;

use super::api_error::ApiError;

/// The caller of an API endpoint.
pub enum ApiCaller {
    Token(TokenIdentity),
    User(CurrentUser),
}

impl ApiCaller {
    /// The caller as the backend's use-cases take it.
    pub fn as_caller(&self) -> Caller<'_> {
        match self {
            ApiCaller::Token(token) => Caller::Token(token),
            ApiCaller::User(user) => Caller::User(user),
        }
    }

    /// Users need `permission`; tokens need `scope`.
    pub fn require(&self, permission: Permission, scope: TokenScope) -> Result<(), ApiError> {
        Ok(self.as_caller().require(permission, scope)?)
    }
}

/// A token with the `ingest` scope: the only way alerts and events are sent. Sessions are
/// refused, so a browser can never be made to send alerts.
pub struct IngestToken(pub TokenIdentity);

impl<S: Send + Sync> FromRequestParts<S> for IngestToken
where
    Backend: axum::extract::FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match ApiCaller::from_request_parts(parts, state).await? {
            ApiCaller::Token(token) => {
                token.require(TokenScope::Ingest)?;
                Ok(IngestToken(token))
            }
            ApiCaller::User(_) => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "alerts and events are sent with an ingest token",
            )),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ApiCaller
where
    Backend: axum::extract::FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let backend = <Backend as axum::extract::FromRef<S>>::from_ref(state);
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let text = value.to_str().unwrap_or_default();
            let secret = text.strip_prefix("Bearer ").ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                    "use the header `Authorization: Bearer <token>`",
                )
            })?;
            return authenticate_token(&backend, secret)
                .await
                .map(ApiCaller::Token)
                .map_err(|_| ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "unknown or revoked token"));
        }
        let no_credentials = || {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "send `Authorization: Bearer <token>` or sign in",
            )
        };
        let session = Session::from_request_parts(parts, state).await.map_err(|_| no_credentials())?;
        let auth: Option<SessionAuth> = session.get(SessionAuth::KEY).await.ok().flatten();
        let auth = auth.ok_or_else(no_credentials)?;
        authenticate_session(&backend, auth).await.map(ApiCaller::User).map_err(|_| no_credentials())
    }
}
