//! TheHive clients authenticate with `Authorization: Bearer <api key>` or HTTP Basic. An API
//! key is a Riposte token. Basic carries either a token as the password (any user name), or
//! a Riposte user's own name and password, checked and throttled exactly as at sign-in.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use riposte_backend::auth::sign_in;
use riposte_backend::caller::Caller;
use riposte_backend::tokens::{TokenIdentity, authenticate_token};
use riposte_backend::{Backend, CurrentUser};

use super::error::TheHiveError;
use crate::http::basic_auth::basic_credentials;
use app::ClientAddr;

pub enum TheHiveCaller {
    Token(TokenIdentity),
    User(CurrentUser),
}

impl TheHiveCaller {
    pub fn as_caller(&self) -> Caller<'_> {
        match self {
            TheHiveCaller::Token(token) => Caller::Token(token),
            TheHiveCaller::User(user) => Caller::User(user),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for TheHiveCaller
where
    Backend: axum::extract::FromRef<S>,
{
    type Rejection = TheHiveError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let backend = <Backend as axum::extract::FromRef<S>>::from_ref(state);
        let header = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
        if let Some(key) = header.strip_prefix("Bearer ") {
            return token(&backend, key.trim()).await;
        }
        let (username, password) = basic_credentials(header).ok_or_else(TheHiveError::authentication)?;
        if password.starts_with(riposte_backend::tokens::TOKEN_PREFIX) {
            return token(&backend, &password).await;
        }
        let client_addr = parts.extensions.get::<ClientAddr>().map(|a| a.0.clone()).unwrap_or_default();
        match sign_in(&backend, &username, password, &client_addr).await {
            Ok((user, _)) => Ok(TheHiveCaller::User(user)),
            Err(err @ riposte_backend::BackendError::RateLimited { .. }) => Err(err.into()),
            Err(_) => Err(TheHiveError::authentication()),
        }
    }
}

async fn token(backend: &Backend, secret: &str) -> Result<TheHiveCaller, TheHiveError> {
    authenticate_token(backend, secret).await.map(TheHiveCaller::Token).map_err(|_| TheHiveError::authentication())
}
