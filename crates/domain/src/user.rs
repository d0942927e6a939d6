//! User accounts as the browser and the server both see them, and the rules for their fields.

use serde::{Deserialize, Serialize};

use crate::Role;

/// A field that failed validation, named so a form can show the message beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    pub field: String,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self { field: field.to_owned(), message: message.into() }
    }
}

/// A sign-in name: 2–64 characters of `a-z 0-9 . _ - @`, stored lowercase.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let value = raw.trim().to_ascii_lowercase();
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
        if value.len() < 2 || value.len() > 64 {
            return Err(ValidationError::new("username", "must be 2 to 64 characters"));
        }
        if let Some(bad) = value.chars().find(|c| !allowed(*c)) {
            return Err(ValidationError::new(
                "username",
                format!("may not contain {bad:?}; use letters, digits, '.', '_', '-' or '@'"),
            ));
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Username {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password that meets the policy. Never serialised, never logged.
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 256;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let chars = raw.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(ValidationError::new("password", format!("must be at least {} characters", Self::MIN_CHARS)));
        }
        if chars > Self::MAX_CHARS {
            return Err(ValidationError::new("password", format!("must be at most {} characters", Self::MAX_CHARS)));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// What the UI shows about a user account. Carries no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    /// RFC 3339, UTC; formatted on the server so hydration sees the same text.
    pub created_at: String,
    pub last_sign_in_at: Option<String>,
}

/// Who is signed in, as the shell shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedInUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

/// Display names are free text but bounded; empty falls back to the username.
pub fn parse_display_name(raw: &str, username: &Username) -> Result<String, ValidationError> {
    let value = raw.trim();
    if value.chars().count() > 120 {
        return Err(ValidationError::new("display_name", "must be at most 120 characters"));
    }
    if value.chars().any(char::is_control) {
        return Err(ValidationError::new("display_name", "may not contain control characters"));
    }
    Ok(if value.is_empty() { username.to_string() } else { value.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_normalised_and_checked() {
        assert_eq!(Username::parse("  Alice.Ops ").expect("valid").as_str(), "alice.ops");
        assert_eq!(Username::parse("a").expect_err("short").field, "username");
        let err = Username::parse("bob smith").expect_err("space");
        assert!(err.message.contains("' '"), "{err}");
        assert!(Username::parse("<script>").is_err());
    }

    #[test]
    fn password_policy_counts_characters_not_bytes() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("ééééééééééé").is_err(), "11 chars, 22 bytes");
        assert!(Password::parse("éééééééééééé").is_ok());
        assert!(Password::parse(&"x".repeat(257)).is_err());
        assert_eq!(format!("{:?}", Password::parse("correct horse battery").expect("ok")), "Password(<redacted>)");
    }

    #[test]
    fn display_name_defaults_to_username() {
        let user = Username::parse("carol").expect("valid");
        assert_eq!(parse_display_name("  ", &user).expect("ok"), "carol");
        assert_eq!(parse_display_name("Carol D.", &user).expect("ok"), "Carol D.");
        assert!(parse_display_name("a\u{7}b", &user).is_err());
    }
}
