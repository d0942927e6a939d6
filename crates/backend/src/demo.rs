//! Demo mode: one account per role with a known password, created only if missing.

use riposte_domain::Role;

use crate::admin::{self, Actor, NewUser};
use crate::{Backend, BackendError};

/// The password every demo account gets. Demo mode is for evaluation only.
pub const DEMO_PASSWORD: &str = "riposte-demo";

/// Creates the missing demo accounts (username = role name); returns those created.
pub async fn seed_demo_users(backend: &Backend) -> Result<Vec<String>, BackendError> {
    let mut created = Vec::new();
    for role in Role::ALL {
        match admin::find_user_id(backend, role.as_str()).await {
            Ok(_) => continue,
            Err(BackendError::NotFound(_)) => {}
            Err(other) => return Err(other),
        }
        let new = NewUser {
            username: role.as_str().to_owned(),
            display_name: format!("Demo {}", role.label()),
            role,
            password: DEMO_PASSWORD.to_owned(),
        };
        admin::create_user(backend, Actor::CommandLine, new).await?;
        created.push(role.as_str().to_owned());
    }
    Ok(created)
}
