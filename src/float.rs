//! The scalar type every layer is generic over.
//!
//! [`Float`] is implemented for `f32` and `f64`. Its transcendental functions
//! are pure Rust — the [`libm`] crate, and for `f32` tanh the crate's own
//! faster function (see [`Float::tanh`]) — never the platform's C library,
//! so the same input gives the same bits on the host and on a Cortex-M
//! (DESIGN.md, property 7). `num_traits::Float` would silently switch to
//! `std`'s functions whenever any crate in the build enables its `std`
//! feature, which is why this crate defines its own trait on top of
//! [`num_traits::float::FloatCore`].

use core::fmt::{Debug, Display, LowerExp};
use num_traits::float::FloatCore;

/// A floating-point scalar: `f32` (the default everywhere) or `f64`.
///
/// ```
/// use constnet::Float;
/// assert_eq!(Float::exp(0.0_f32), 1.0);
/// assert_eq!(Float::tanh(f32::INFINITY), 1.0);
/// assert_eq!(<f64 as Float>::RUST_NAME, "f64");
/// ```
pub trait Float: FloatCore + Debug + Display + LowerExp + Default + Send + Sync + 'static {
    /// The name of the type in Rust source, used when exporting a model.
    const RUST_NAME: &'static str;

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
    /// The square root (correctly rounded on every target).
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
    ($t:ty, $name:literal, $exp:path, $ln:path, $ln1p:path, $tanh:path, $sqrt:path) => {
        impl Float for $t {
            const RUST_NAME: &'static str = $name;

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

impl_float!(f32, "f32", libm::expf, libm::logf, libm::log1pf, crate::math::tanh_f32, libm::sqrtf);
impl_float!(f64, "f64", libm::exp, libm::log, libm::log1p, libm::tanh, libm::sqrt);
