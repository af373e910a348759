//! The scalar type every layer is generic over.
//!
//! [`Float`] is implemented for `f32` and `f64`. Its transcendental functions
//! are pure-Rust software — the [`libm`] crate, and for `f32` tanh and the
//! sigmoid the crate's own faster functions (see [`Float::tanh`] and
//! [`Float::sigmoid`]) — never the platform's
//! C library, and its square root is correctly rounded on every target (see
//! [`Float::sqrt`]), so the same input gives the same bits on the host and
//! on a Cortex-M (DESIGN.md, property 7). `num_traits::Float` would silently switch to
//! `std`'s functions whenever any crate in the build enables its `std`
//! feature, which is why this crate defines its own trait on top of
//! [`num_traits::float::FloatCore`].

use core::fmt::{Debug, Display, LowerExp};
use num_traits::float::FloatCore;

use crate::Values;

/// A floating-point scalar: `f32` (the default everywhere) or `f64`. A
/// scalar is also a tensor of one value ([`Values`]), so element-wise
/// layers take arrays of any rank of it.
///
/// The trait is sealed: the library's numerics (bit-exact exports, the
/// parity with PyTorch, the firmware's identical results) are written for
/// IEEE 754 binary32 and binary64, so no other type can implement it.
///
/// ```
/// use constnet::Float;
/// assert_eq!(Float::exp(0.0_f32), 1.0);
/// assert_eq!(Float::tanh(f32::INFINITY), 1.0);
/// assert_eq!(<f64 as Float>::RUST_NAME, "f64");
/// ```
pub trait Float:
    sealed::Constants
    + crate::kernel::Simd
    + FloatCore
    + crate::Zeroed
    + Values<Scalar = Self>
    + Debug
    + Display
    + LowerExp
    + Default
    + Send
    + Sync
    + 'static
{
    /// The name of the type in Rust source, used when exporting a model.
    const RUST_NAME: &'static str;
    /// Zero, as a constant: unlike `zero()` it can build a `const` or a
    /// `static` (see [`Model::ZERO`](crate::Model::ZERO)).
    const ZERO: Self;
    /// One, as a constant.
    const ONE: Self;

    /// e^self, from `libm`.
    fn exp(self) -> Self;
    /// The natural logarithm, from `libm`.
    fn ln(self) -> Self;
    /// ln(1 + self), accurate near zero, from `libm`.
    fn ln_1p(self) -> Self;
    /// The hyperbolic tangent: for `f64` from `libm`; for `f32` the crate's
    /// own branch-free function (relative error below 2.1·10⁻⁷ for every
    /// input, against 1.7·10⁻⁷ for `libm::tanhf`; about five times faster,
    /// and it vectorises over a layer). NaN gives NaN, ±∞ give ±1.
    fn tanh(self) -> Self;
    /// The logistic sigmoid 1/(1 + e^−self): for `f64` with `libm::exp`;
    /// for `f32` the crate's own branch-free function (relative error below
    /// 2·10⁻⁷ where the result is a normal number, against 1.5·10⁻⁷ for
    /// 1/(1 + `libm::expf`(−x)); faster, and it vectorises over a layer).
    /// NaN gives NaN, +∞ gives 1, −∞ gives 0.
    fn sigmoid(self) -> Self;
    /// The complementary error function erfc(self) = 1 − erf(self), from
    /// `libm` (pure Rust, so the same bits on every target); accurate where
    /// 1 − erf would cancel. The normal distribution Φ(x) = ½·erfc(−x/√2),
    /// for the exact GELU.
    fn erfc(self) -> Self;
    /// The square root, from `libm`, correctly rounded on every target: on
    /// x86-64 libm uses the SSE2 `sqrtss`/`sqrtsd` instruction (its `arch`
    /// feature, which `num-traits`' `libm` feature turns on), elsewhere its
    /// software square root. IEEE 754 requires sqrt to be correctly
    /// rounded, so both give the same bits for every input (NaN payloads
    /// aside). Building with `--features libm/force-soft-floats` makes it
    /// software on x86-64 too (which Miri needs).
    fn sqrt(self) -> Self;
    /// Converts from `f64`, rounding to nearest.
    fn from_f64(value: f64) -> Self;
    /// Converts to `f64` (exact for `f32` and `f64`).
    fn as_f64(self) -> f64;
    /// Converts a count (a batch size, a fan-in) to this type.
    fn from_usize(value: usize) -> Self;

    /// The size of one value in bytes: 4 for `f32`, 8 for `f64`.
    const SIZE: usize;
    /// The IEEE 754 bit pattern, zero-extended to 64 bits (`f32::to_bits`
    /// for `f32`). Exact for every value, NaN payloads included — unlike
    /// going through [`as_f64`](Float::as_f64). Its low [`SIZE`](Float::SIZE)
    /// bytes, little-endian, are the value's little-endian bytes.
    ///
    /// ```
    /// use constnet::Float;
    /// assert_eq!(1.0_f32.to_bits_u64(), 0x3f80_0000);
    /// assert_eq!(<f32 as Float>::from_bits_u64(0x3f80_0000), 1.0);
    /// ```
    fn to_bits_u64(self) -> u64;
    /// The value with the bit pattern in the low [`SIZE`](Float::SIZE) bytes
    /// of `bits` (higher bits are ignored); the inverse of
    /// [`to_bits_u64`](Float::to_bits_u64).
    fn from_bits_u64(bits: u64) -> Self;
}

macro_rules! impl_float {
    ($t:ty, $name:literal, $exp:path, $ln:path, $ln1p:path, $tanh:path, $sigmoid:path, $erfc:path, $sqrt:path) => {
        impl Float for $t {
            const RUST_NAME: &'static str = $name;
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;

            #[inline]
            fn exp(self) -> Self {
                $exp(self)
            }
            #[inline]
            fn ln(self) -> Self {
                $ln(self)
            }
            #[inline]
            fn ln_1p(self) -> Self {
                $ln1p(self)
            }
            #[inline]
            fn tanh(self) -> Self {
                $tanh(self)
            }
            #[inline]
            fn sigmoid(self) -> Self {
                $sigmoid(self)
            }
            #[inline]
            fn erfc(self) -> Self {
                $erfc(self)
            }
            #[inline]
            fn sqrt(self) -> Self {
                $sqrt(self)
            }
            #[inline]
            fn from_f64(value: f64) -> Self {
                value as $t
            }
            #[inline]
            fn as_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn from_usize(value: usize) -> Self {
                value as $t
            }

            const SIZE: usize = core::mem::size_of::<$t>();

            #[inline]
            fn to_bits_u64(self) -> u64 {
                u64::from(self.to_bits())
            }
            #[inline]
            fn from_bits_u64(bits: u64) -> Self {
                <$t>::from_bits(bits as _)
            }
        }
    };
}

impl_float!(
    f32,
    "f32",
    libm::expf,
    libm::logf,
    libm::log1pf,
    crate::math::tanh_f32,
    crate::math::sigmoid_f32,
    libm::erfcf,
    libm::sqrtf
);
impl_float!(
    f64,
    "f64",
    libm::exp,
    libm::log,
    libm::log1p,
    libm::tanh,
    crate::math::sigmoid_f64,
    libm::erfc,
    libm::sqrt
);

/// The default hyper-parameters of layers and optimisers as constants of
/// each float type, so that a layer or an optimiser with its defaults is a
/// `const` (a trait method such as `from_f64` cannot run in one). Each is
/// the `f64` literal converted with `as`, the same rounding as
/// [`Float::from_f64`], so the bits are those `from_f64` gives.
///
/// Private to the crate (the module is not public), which also seals
/// [`Float`].
pub(crate) mod sealed {
    /// See the [module](self).
    pub trait Constants: Sized {
        /// 0.5: dropout's default probability.
        const HALF: Self;
        /// 0.1: batch normalisation's default momentum.
        const TENTH: Self;
        /// 0.01: the leaky ReLU's default slope, RMSprop's default learning
        /// rate, AdamW's default weight decay.
        const HUNDREDTH: Self;
        /// 10⁻³: Adam's and SGD's default learning rate.
        const THOUSANDTH: Self;
        /// 10⁻⁵: the normalisation layers' default ε.
        const NORM_EPS: Self;
        /// 0.9: the momentum of
        /// [`SgdMomentum::DEFAULT`](crate::optim::SgdMomentum::DEFAULT).
        const NINE_TENTHS: Self;
        /// 0.25: PyTorch's initial PReLU slope.
        const QUARTER: Self;
        /// 20: PyTorch's default Softplus threshold.
        const TWENTY: Self;
    }

    macro_rules! impl_constants {
        ($($t:ty),*) => {$(
            impl Constants for $t {
                const HALF: Self = 0.5_f64 as $t;
                const TENTH: Self = 0.1_f64 as $t;
                const HUNDREDTH: Self = 0.01_f64 as $t;
                const THOUSANDTH: Self = 1e-3_f64 as $t;
                const NORM_EPS: Self = 1e-5_f64 as $t;
                const NINE_TENTHS: Self = 0.9_f64 as $t;
                const QUARTER: Self = 0.25_f64 as $t;
                const TWENTY: Self = 20.0_f64 as $t;
            }
        )*};
    }
    impl_constants!(f32, f64);
}

#[cfg(test)]
mod tests {
    use super::Float;

    /// The constants are the bits `from_f64` gives, which is what the
    /// layers and optimisers used before they became constants.
    fn constants_match_from_f64<F: Float>() {
        let pairs = [
            (F::HALF, 0.5),
            (F::TENTH, 0.1),
            (F::HUNDREDTH, 0.01),
            (F::THOUSANDTH, 1e-3),
            (F::NORM_EPS, 1e-5),
            (F::NINE_TENTHS, 0.9),
            (F::QUARTER, 0.25),
            (F::TWENTY, 20.0),
            (F::ZERO, 0.0),
            (F::ONE, 1.0),
        ];
        for (constant, value) in pairs {
            assert_eq!(constant.to_bits_u64(), F::from_f64(value).to_bits_u64(), "{value}");
        }
    }

    /// `Float::sqrt` in `f32` is correctly rounded, whichever implementation
    /// libm chose on this target: the true root lies between the midpoints
    /// to the neighbouring `f32`s, checked exactly in `f64` (a midpoint has
    /// 25 significant bits, its square 50).
    #[test]
    fn f32_sqrt_is_correctly_rounded() {
        let next = |v: f32, step: i32| f64::from(f32::from_bits(v.to_bits().wrapping_add_signed(step)));
        // Every 997th positive finite bit pattern natively; fewer under Miri.
        let stride = if cfg!(miri) { 199_999 } else { 997 };
        for bits in (1..0x7f80_0000_u32).step_by(stride) {
            let x = f32::from_bits(bits);
            let r = Float::sqrt(x);
            let (low, high) = ((f64::from(r) + next(r, -1)) / 2.0, (f64::from(r) + next(r, 1)) / 2.0);
            assert!(low * low <= f64::from(x) && f64::from(x) <= high * high, "sqrt({x:e}) = {r:e}");
        }
        assert_eq!(Float::sqrt(0.0_f32).to_bits(), 0);
        assert_eq!(Float::sqrt(-0.0_f32).to_bits(), (-0.0_f32).to_bits());
        assert!(Float::sqrt(-1.0_f32).is_nan() && Float::sqrt(f32::NAN).is_nan());
        assert_eq!(Float::sqrt(f32::INFINITY), f32::INFINITY);
    }

    #[test]
    fn constants_are_the_from_f64_values() {
        constants_match_from_f64::<f32>();
        constants_match_from_f64::<f64>();
    }
}
