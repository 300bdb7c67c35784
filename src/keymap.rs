//! Hash maps keyed by values that are hashes already (xxh3 keys, shingle
//! ids): one multiply spreads them, no hashing again.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Keys are xxh3 values already; one multiply spreads them over the hash table
/// (the raw top bits are constant within a shard, which hashbrown would suffer from).
#[derive(Default)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0.wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n);
    }
}

pub type KeyMap<V> = HashMap<u64, V, BuildHasherDefault<KeyHasher>>;
