//! Recently authenticated ingest tokens, so a busy sender's requests do not each cost a
//! database round trip. An entry lives [`TokenCache::TTL`]: a token revoked through this
//! process stops at once (the entry is dropped); one revoked through another server process
//! stops within the TTL.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::tokens::TokenIdentity;

#[derive(Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<Vec<u8>, (TokenIdentity, Instant)>>,
}

impl TokenCache {
    pub const TTL: Duration = Duration::from_secs(10);
    /// Bounds memory if many distinct secrets are presented.
    const MAX_ENTRIES: usize = 10_000;

    pub fn get(&self, hash: &[u8]) -> Option<TokenIdentity> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(hash).filter(|(_, at)| at.elapsed() < Self::TTL).map(|(token, _)| token.clone())
    }

    pub fn put(&self, hash: Vec<u8>, token: TokenIdentity) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= Self::MAX_ENTRIES {
            entries.retain(|_, (_, at)| at.elapsed() < Self::TTL);
            if entries.len() >= Self::MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(hash, (token, Instant::now()));
    }

    pub fn forget(&self, token_id: i64) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).retain(|_, (token, _)| token.token_id != token_id);
    }
}
