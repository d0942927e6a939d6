//! Dedup keys: the identity of "the same alert again" within one source. Adapters choose the
//! parts (for EVE: flow_id + signature_id + tx_id); without natural parts, a content hash.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A key unique per source; stored with a unique constraint on `(source, dedup_key)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DedupKey(pub String);

impl DedupKey {
    /// A key built from named parts, e.g. `[("flow", "123"), ("sid", "2001")]`.
    pub fn from_parts(parts: &[(&str, &str)]) -> DedupKey {
        let joined =
            parts.iter().map(|(name, value)| format!("{name}={}", value.replace('|', "%7C"))).collect::<Vec<_>>();
        DedupKey(joined.join("|"))
    }
}

/// A key from the alert's content (length-prefixed fields hashed with SHA-256), for sources
/// that give nothing better.
pub fn content_dedup_key(fields: &[&str]) -> DedupKey {
    let mut hasher = Sha256::new();
    for field in fields {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    let digest = hasher.finalize();
    DedupKey(format!("sha256:{}", digest.iter().map(|b| format!("{b:02x}")).collect::<String>()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_ordered_and_escaped() {
        let key = DedupKey::from_parts(&[("flow", "1"), ("sid", "2|3")]);
        assert_eq!(key.0, "flow=1|sid=2%7C3");
    }

    #[test]
    fn content_keys_do_not_collide_on_concatenation() {
        assert_ne!(content_dedup_key(&["ab", "c"]), content_dedup_key(&["a", "bc"]));
        assert_eq!(content_dedup_key(&["x"]), content_dedup_key(&["x"]));
        assert!(content_dedup_key(&["x"]).0.starts_with("sha256:"));
    }
}
