//! Hash maps keyed by values that are hashes already (xxh3 keys, shingle
//! ids): one multiply spreads them, no hashing again.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Keys are hash values already; one multiply spreads them over the hash
/// table (the raw top bits are constant within a partition, which hashbrown
/// would suffer from). The low bits of a product depend only on the low bits
/// of the key, and they pick the slot: the high half is folded into them, so
/// that keys whose hash bits are all high (a 32-bit id shifted up) spread too.
#[derive(Default)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        let h = self.0.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        h ^ (h >> 32)
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

/// Bytes a map takes: a slot and a control byte per bucket, with buckets
/// for its capacity at the 7/8 load the table grows at.
pub fn map_bytes<V>(map: &KeyMap<V>) -> usize {
    let entry = std::mem::size_of::<(u64, V)>() + 1;
    map.capacity().saturating_mul(entry) / 7 * 8
}

/// A map for the distinct keys of `records` records: room for half of them
/// (keys of a reduced partition repeat), so that it grows once at most
/// rather than a dozen times from empty.
pub fn presized<V>(records: usize) -> KeyMap<V> {
    KeyMap::with_capacity_and_hasher(records / 2, BuildHasherDefault::default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn a_map_takes_a_slot_and_a_control_byte_per_bucket() {
        let map: KeyMap<u64> = presized(2000);
        assert!(
            (1000..2000).contains(&map.capacity()),
            "room for half the records"
        );
        // Buckets are a power of two, filled to 7/8 at most.
        let buckets = map.capacity() / 7 * 8;
        assert!(buckets.is_power_of_two(), "{buckets} buckets");
        assert_eq!(map_bytes(&map), buckets * 17);
    }

    #[test]
    fn keys_with_only_high_bits_spread_over_the_slots() {
        let build = BuildHasherDefault::<KeyHasher>::default();
        let slots: std::collections::HashSet<u64> = (0..1000u64)
            .map(|id| build.hash_one((id * 0x9e37_79b9) << 32) & 1023)
            .collect();
        assert!(slots.len() > 500, "{} slots of 1024", slots.len());
    }
}
