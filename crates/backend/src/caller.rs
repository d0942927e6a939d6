//! Who is calling a use-case that both people and integrations may use: a signed-in user
//! (checked by role permission) or an API token (checked by scope).

use riposte_domain::Permission;

use crate::tokens::{TokenIdentity, TokenScope};
use crate::{BackendError, CurrentUser};

#[derive(Debug, Clone, Copy)]
pub enum Caller<'a> {
    User(&'a CurrentUser),
    Token(&'a TokenIdentity),
}

impl Caller<'_> {
    /// Users need `permission`; tokens need `scope`.
    pub fn require(&self, permission: Permission, scope: TokenScope) -> Result<(), BackendError> {
        match self {
            Caller::User(user) => user.require(permission),
            Caller::Token(token) => token.require(scope),
        }
    }

    /// The user id (for users) and the name written in the audit trail.
    pub fn audit_identity(&self) -> (Option<i64>, String) {
        match self {
            Caller::User(user) => (Some(user.id), user.username.clone()),
            Caller::Token(token) => (None, format!("token:{}", token.name)),
        }
    }
}
