//! [`Vector`]: lane-wise arithmetic on a fixed number of values, and
//! [`Scalar`], its one-lane implementation for every target. On x86-64 the
//! vector registers implement it too ([`super::simd`]), each instruction
//! set mapping a [`Float`] to its registers
//! ([`Registers`](super::Registers)); elsewhere there is only [`Scalar`].
//!
//! A kernel written once over `V: Vector<F>` runs its bulk in registers and
//! its remainder through [`Scalar`], with the same operations in the same
//! order on every lane, so both parts give the bits of the scalar code.

use crate::Float;

/// `LANES` values of `F` and lane-wise arithmetic on them, every operation
/// rounded once per lane as IEEE 754 prescribes (no fused multiply-add).
pub trait Vector<F>: Copy {
    /// How many values one vector holds.
    const LANES: usize;
    /// Every lane `value`.
    fn splat(value: F) -> Self;
    /// The first `LANES` values of `values` (all zero if it is shorter,
    /// which the kernels never ask for).
    fn load(values: &[F]) -> Self;
    /// Writes the lanes to the first `LANES` values of `values` (nothing if
    /// it is shorter).
    fn store(self, values: &mut [F]);
    /// `self + other`.
    fn add(self, other: Self) -> Self;
    /// `self − other`.
    fn sub(self, other: Self) -> Self;
    /// `self · other`.
    fn mul(self, other: Self) -> Self;
    /// `self / other`.
    fn div(self, other: Self) -> Self;
    /// The correctly rounded square root ([`Float::sqrt`]).
    fn sqrt(self) -> Self;
}

/// One value as a one-lane [`Vector`].
#[derive(Clone, Copy, Debug)]
pub struct Scalar<F>(pub F);

impl<F: Float> Vector<F> for Scalar<F> {
    const LANES: usize = 1;

    #[inline(always)]
    fn splat(value: F) -> Self {
        Scalar(value)
    }

    #[inline(always)]
    fn load(values: &[F]) -> Self {
        Scalar(values.first().copied().unwrap_or(F::ZERO))
    }

    #[inline(always)]
    fn store(self, values: &mut [F]) {
        if let Some(value) = values.first_mut() {
            *value = self.0;
        }
    }

    #[inline(always)]
    fn add(self, other: Self) -> Self {
        Scalar(self.0 + other.0)
    }

    #[inline(always)]
    fn sub(self, other: Self) -> Self {
        Scalar(self.0 - other.0)
    }

    #[inline(always)]
    fn mul(self, other: Self) -> Self {
        Scalar(self.0 * other.0)
    }

    #[inline(always)]
    fn div(self, other: Self) -> Self {
        Scalar(self.0 / other.0)
    }

    #[inline(always)]
    fn sqrt(self) -> Self {
        Scalar(self.0.sqrt())
    }
}
