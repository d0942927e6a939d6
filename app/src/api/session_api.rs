//! Signing in and out, and who is signed in.

use leptos::prelude::*;
use riposte_domain::SignedInUser;

use crate::AppError;

/// Who is signed in, or `None`. Open to everyone: the sign-in page needs it.
#[server(prefix = "/api", endpoint = "current_session")]
pub async fn current_session() -> Result<Option<SignedInUser>, AppError> {
    use super::request::optional_user;
    Ok(optional_user().await?.map(|user| SignedInUser {
        username: user.username,
        display_name: user.display_name,
        role: user.role,
    }))
}

/// Checks the credentials, starts a fresh session (new id) and sends the user to the first
/// section their role opens.
#[server(prefix = "/api", endpoint = "sign_in")]
pub async fn sign_in(username: String, password: String) -> Result<(), AppError> {
    use super::request::{backend, client_addr, fail, internal, session};
    use riposte_backend::SessionAuth;

    let backend = backend()?;
    let (user, auth) =
        riposte_backend::auth::sign_in(&backend, &username, password, &client_addr()).await.map_err(fail)?;
    let session = session().await?;
    // A new id at every sign-in defeats session fixation.
    session.cycle_id().await.map_err(internal)?;
    session.insert(SessionAuth::KEY, auth).await.map_err(internal)?;
    leptos_axum::redirect(riposte_domain::home_for(user.role));
    Ok(())
}

/// Ends the session everywhere it is stored.
#[server(prefix = "/api", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use super::request::{backend, client_addr, fail, internal, optional_user, session};

    if let Some(user) = optional_user().await? {
        riposte_backend::auth::record_sign_out(&backend()?, &user, &client_addr()).await.map_err(fail)?;
    }
    session().await?.flush().await.map_err(internal)?;
    leptos_axum::redirect("/sign-in");
    Ok(())
}
