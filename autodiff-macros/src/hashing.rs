//! A fast hasher for the macro's own sets and maps of names and ids. The macro runs unoptimized (cargo
//! builds proc macros without optimization), where the standard SipHash costs about 1,600 instructions
//! per short name; this one (the multiply-rotate hash of rustc's `FxHasher`) costs a tenth of that.
//! Its keys are the macro's own, not an adversary's, and no output depends on iteration order.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashSet` with [`FastHasher`].
pub type FastSet<T> = HashSet<T, BuildHasherDefault<FastHasher>>;
/// A `HashMap` with [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// The multiply-rotate hash of rustc's `FxHasher`, over 8-byte words.
#[derive(Default, Clone, Copy)]
pub struct FastHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        // Byte by byte into words: without optimization, plain indexing is cheaper than slicing into
        // chunks and converting them.
        let mut word = 0u64;
        let mut shift = 0;
        let mut k = 0;
        while k < bytes.len() {
            word |= (bytes[k] as u64) << shift;
            shift += 8;
            if shift == 64 {
                self.add(word);
                word = 0;
                shift = 0;
            }
            k += 1;
        }
        if shift > 0 {
            self.add(word);
        }
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.add(n as u64);
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.add(n as u64);
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_differ_hash_apart() {
        let mut set: FastSet<String> = FastSet::default();
        for k in 0..1000 {
            set.insert(format!("t{k}_bar"));
            set.insert(format!("x_elem_bar_{k}"));
        }
        assert_eq!(set.len(), 2000);
        assert!(set.contains("t999_bar") && !set.contains("t1000_bar"));
        // Names that differ past the first word, and a name and its prefix.
        assert!(set.contains("x_elem_bar_17") && !set.contains("x_elem_bar_"));
    }
}
