//! HTTP Basic credentials, as the compatibility APIs (TheHive, Splunk HEC) accept them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// `(user, password)` from an `Authorization: Basic ...` value; `None` if it is not one.
pub fn basic_credentials(authorization: &str) -> Option<(String, String)> {
    let encoded = authorization.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}
