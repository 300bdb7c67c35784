//! A small, portable PRNG (splitmix64 seeding + xoshiro256**), so that the same seed gives the
//! same corpus on every platform and with every version of every dependency.

/// One step of splitmix64; also used to derive independent seeds from (seed, index) pairs.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Derives a seed for a sub-stream named by `tag` and `index`.
pub fn derive(seed: u64, tag: u64, index: u64) -> u64 {
    let mut s = seed ^ tag.wrapping_mul(0xD6E8_FEB8_6659_FD93);
    let a = splitmix64(&mut s);
    let mut t = a ^ index.wrapping_mul(0xA076_1D64_78BD_642F);
    splitmix64(&mut t)
}

/// xoshiro256** generator.
#[derive(Clone, Debug)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    pub fn new(seed: u64) -> Rng {
        let mut st = seed;
        let s = [
            splitmix64(&mut st),
            splitmix64(&mut st),
            splitmix64(&mut st),
            splitmix64(&mut st),
        ];
        Rng { s }
    }

    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in `0..n` (n > 0), by multiply-shift (bias negligible for our n).
    pub fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0);
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// Uniform in [0, 1).
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// Zipf-like pick: item i has weight 1/(i+1).
    pub fn zipf<T: Copy>(&mut self, items: &[T]) -> T {
        // Inverse of the continuous approximation: index = n^u - 1.
        let n = items.len() as f64;
        let i = ((n + 1.0).powf(self.f64()) - 1.0) as usize;
        items[i.min(items.len() - 1)]
    }
}

/// A bijection on 0..2^28 (odd multipliers and xor-shifts), used to turn unique paragraph keys
/// into unique but random-looking numbers.
pub fn perm28(key: u64) -> u64 {
    const MASK: u64 = (1 << 28) - 1;
    let mut x = key & MASK;
    x = x.wrapping_mul(0x2F3_A6B5) & MASK;
    x ^= x >> 13;
    x = x.wrapping_mul(0x1B8_7359) & MASK;
    x ^= x >> 11;
    x = (x + 0x5A5_A5A5) & MASK;
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perm28_is_injective_on_a_sample() {
        let mut seen = std::collections::HashSet::new();
        for k in 0..200_000u64 {
            assert!(seen.insert(perm28(k * 7919)));
        }
    }

    #[test]
    fn rng_is_stable() {
        let mut r = Rng::new(42);
        let a: Vec<u64> = (0..3).map(|_| r.next_u64()).collect();
        let mut r2 = Rng::new(42);
        let b: Vec<u64> = (0..3).map(|_| r2.next_u64()).collect();
        assert_eq!(a, b);
    }
}
