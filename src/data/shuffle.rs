//! Seeded shuffling of a slice the caller owns.

use rand::Rng;

/// Fills `permutation` with `0, 1, 2, …`: the identity order, the starting
/// point for [`shuffle`].
///
/// ```
/// use constnet::data::identity_permutation;
/// let mut order = [9; 4];
/// identity_permutation(&mut order);
/// assert_eq!(order, [0, 1, 2, 3]);
/// ```
pub fn identity_permutation(permutation: &mut [usize]) {
    for (index, slot) in permutation.iter_mut().enumerate() {
        *slot = index;
    }
}

/// Shuffles `items` in place with the Fisher–Yates algorithm: every
/// permutation is equally likely.
///
/// Only [`Rng::next_u64`] is used, and each position is drawn with an
/// unbiased bounded draw over `u64` (Lemire's multiply-and-reject), so a
/// given RNG state gives the same permutation on every target, 32- or
/// 64-bit. The number of RNG draws is `items.len() − 1` plus rare
/// rejections. (This is not the same sequence as `rand`'s `SliceRandom`.)
///
/// ```
/// use constnet::data::{identity_permutation, shuffle};
/// use constnet::prelude::*;
///
/// let mut a = [0; 8];
/// identity_permutation(&mut a);
/// let mut b = a;
/// shuffle(&mut a, &mut Xoshiro256PlusPlus::seed_from_u64(1));
/// shuffle(&mut b, &mut Xoshiro256PlusPlus::seed_from_u64(1));
/// assert_eq!(a, b); // reproducible for a seed
/// let mut sorted = a;
/// sorted.sort();
/// assert_eq!(sorted, [0, 1, 2, 3, 4, 5, 6, 7]); // still a permutation
/// ```
pub fn shuffle<T, R: Rng + ?Sized>(items: &mut [T], rng: &mut R) {
    for last in (1..items.len()).rev() {
        // `last + 1` cannot overflow: `last < items.len()`.
        let chosen = bounded(rng, last as u64 + 1);
        // `chosen <= last`, so it fits in usize and is in bounds.
        items.swap(last, chosen as usize);
    }
}

/// A uniform draw from `0..n` (`n >= 1`) using only `next_u64`: the high
/// half of the 128-bit product `x·n`, rejecting the `2⁶⁴ mod n` low values
/// that would bias it (Lemire, "Fast random integer generation in an
/// interval", 2019).
fn bounded<R: Rng + ?Sized>(rng: &mut R, n: u64) -> u64 {
    // 2⁶⁴ mod n, computed in u64 as (2⁶⁴ − n) mod n; `n >= 1` so no division
    // by zero.
    let threshold = n.wrapping_neg() % n.max(1);
    loop {
        let product = u128::from(rng.next_u64()) * u128::from(n);
        if (product as u64) >= threshold {
            return (product >> 64) as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An RNG that replays fixed values, to pin the bounded draw's maths.
    struct Replay<'a>(&'a [u64], usize);

    impl rand::TryRng for Replay<'_> {
        type Error = core::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            Ok(self.try_next_u64()? as u32)
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            let value = self.0[self.1 % self.0.len()];
            self.1 += 1;
            Ok(value)
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
            dst.fill(0);
            Ok(())
        }
    }

    #[test]
    fn bounded_takes_the_high_half_and_rejects_the_biased_low_values() {
        // n = 3: threshold = 2⁶⁴ mod 3 = 1; x = 0 gives low half 0 < 1: rejected.
        let mut rng = Replay(&[0, u64::MAX], 0);
        assert_eq!(bounded(&mut rng, 3), 2);
        assert_eq!(rng.1, 2);
        // x = 2⁶³: x·3 = 1.5·2⁶⁴ → high half 1.
        assert_eq!(bounded(&mut Replay(&[1 << 63], 0), 3), 1);
        // n = 1 always gives 0, and n = 2⁶³ has threshold 0.
        assert_eq!(bounded(&mut Replay(&[12345], 0), 1), 0);
        assert_eq!(bounded(&mut Replay(&[u64::MAX], 0), 1 << 63), (1 << 63) - 1);
    }
}
