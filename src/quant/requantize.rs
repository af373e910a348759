//! Requantisation: the int32 multiplier and shift that stand for a real
//! scale, how they are derived from one (TensorFlow Lite's
//! `QuantizeMultiplier`), and the two ways of applying them — rounded once
//! (TFLite ≥ 2.16's reference kernels) or twice (gemmlowp's
//! `SaturatingRoundingDoublingHighMul` then `RoundingDivideByPOT`, TFLite
//! Micro's and CMSIS-NN's default).

use core::fmt;

/// How a [`Multiplier`] is applied to an accumulator: one of
/// [`SingleRounding`] and [`DoubleRounding`], as a type parameter of every
/// quantised layer, so a model's rounding is part of its type.
pub trait Rounding: Copy + Default + fmt::Debug + 'static {
    /// Which rounding this is.
    const MODE: RoundingMode;
}

/// The rounding of a requantisation, as a value (see [`Rounding`] for the
/// type-level choice).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RoundingMode {
    /// Rounded once: `(x·m + 2^(30 − e)) >> (31 − e)` in 64 bits
    /// ([`multiply_single`]).
    Single,
    /// Rounded twice: [`saturating_rounding_doubling_high_mul`] of
    /// `x·2^max(e, 0)`, then [`rounding_divide_by_pot`] by `max(−e, 0)`
    /// ([`multiply_double`]). TFLite Micro's and CMSIS-NN's default.
    Double,
}

impl RoundingMode {
    /// `x` times the multiplier, rounded this way.
    #[inline]
    pub const fn multiply(self, x: i32, multiplier: Multiplier) -> i32 {
        match self {
            RoundingMode::Single => multiply_single(x, multiplier),
            RoundingMode::Double => multiply_double(x, multiplier),
        }
    }
}

/// Requantisation rounded once, as TensorFlow Lite 2.21's reference
/// `FULLY_CONNECTED` and `SOFTMAX` kernels do (the default of
/// [`QDense`](crate::quant::QDense) and [`QSoftmax`](crate::quant::QSoftmax)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SingleRounding;

impl Rounding for SingleRounding {
    const MODE: RoundingMode = RoundingMode::Single;
}

/// Requantisation rounded twice, gemmlowp's arithmetic: TFLite Micro's and
/// CMSIS-NN's default, and what TensorFlow Lite 2.21's reference `CONV_2D`
/// and `DEPTHWISE_CONV_2D` kernels do (the default of
/// [`QConv2d`](crate::quant::QConv2d) and
/// [`QDepthwiseConv2d`](crate::quant::QDepthwiseConv2d)). It differs from
/// [`SingleRounding`] by one unit on products just below a tie.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DoubleRounding;

impl Rounding for DoubleRounding {
    const MODE: RoundingMode = RoundingMode::Double;
}

/// A real, non-negative scale as an int32 fixed-point multiplier `m` (Q0.31,
/// in `[2^30, 2^31)` or zero) and a power-of-two exponent `e`:
/// `scale ≈ m · 2^(e − 31)`. The exponent is in `−31..=30`, the range
/// both roundings accept, so applying one never overflows a shift.
///
/// ```
/// use constnet::quant::{Multiplier, RoundingMode};
///
/// // TFLite's QuantizeMultiplier: 0.75 = 0.75 · 2^0.
/// let m = Multiplier::from_scale(0.75).unwrap();
/// assert_eq!((m.multiplier(), m.shift()), (1_610_612_736, 0));
/// assert_eq!(RoundingMode::Single.multiply(100, m), 75);
/// assert_eq!(RoundingMode::Single.multiply(-3, m), -2); // −2.25 rounds to −2
/// assert!(Multiplier::from_scale(-1.0).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Multiplier {
    multiplier: i32,
    shift: i8,
}

/// A scale that no [`Multiplier`] represents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScaleError {
    /// The scale is negative, NaN or infinite.
    NotFinitePositive,
    /// The scale is `2^30` or more: its exponent would exceed 30 (TFLite
    /// saturates such a multiplier; this library refuses it).
    TooLarge,
    /// A raw multiplier outside `0..=i32::MAX` or `[2^30, 2^31)`, or a shift
    /// outside `−31..=30`, given to [`Multiplier::new`].
    OutOfRange,
}

impl fmt::Display for ScaleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ScaleError::NotFinitePositive => "a requantisation scale must be finite and not negative",
            ScaleError::TooLarge => "a requantisation scale must be below 2^30",
            ScaleError::OutOfRange => "a multiplier must be 0 or in [2^30, 2^31) and its shift in -31..=30",
        })
    }
}

impl core::error::Error for ScaleError {}

impl Multiplier {
    /// The multiplier of the scale zero: every product is zero.
    pub const ZERO: Multiplier = Multiplier { multiplier: 0, shift: 0 };

    /// A multiplier from its raw parts, as a `.tflite` file or TFLM's
    /// `QuantizeMultiplier` gives them: `multiplier` is zero or in
    /// `[2^30, 2^31)`, `shift` in `−31..=30`.
    ///
    /// # Errors
    ///
    /// [`ScaleError::OutOfRange`] otherwise.
    pub const fn new(multiplier: i32, shift: i32) -> Result<Multiplier, ScaleError> {
        if (multiplier != 0 && multiplier < (1 << 30)) || shift < -31 || shift > 30 {
            return Err(ScaleError::OutOfRange);
        }
        Ok(Multiplier { multiplier, shift: shift as i8 })
    }

    /// The multiplier of a real scale, exactly as TensorFlow Lite's
    /// `QuantizeMultiplier` derives it: `frexp` splits the scale into
    /// `q·2^e` with `q` in `[0.5, 1)`, `m = round(q·2^31)` (half away from
    /// zero; `2^31` becomes `2^30` with `e + 1`), and a scale below about
    /// `2^−32` (`e < −31`) is flushed to [`Multiplier::ZERO`], as TFLite
    /// does. Integer arithmetic on the bits of the `f64`, so a `const fn`
    /// that gives the same result on every target.
    ///
    /// # Errors
    ///
    /// [`ScaleError::NotFinitePositive`] for a negative, NaN or infinite
    /// scale; [`ScaleError::TooLarge`] for `2^30` or more.
    pub const fn from_scale(scale: f64) -> Result<Multiplier, ScaleError> {
        if scale.is_nan() || scale.is_infinite() || scale < 0.0 {
            return Err(ScaleError::NotFinitePositive);
        }
        let bits = scale.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as i32;
        if biased == 0 {
            // Zero, or a subnormal: far below 2^−31, flushed as TFLite does.
            return Ok(Multiplier::ZERO);
        }
        // scale = mantissa · 2^(biased − 1075) = q · 2^e, q = mantissa · 2^−53.
        let mantissa = (bits & ((1 << 52) - 1)) | (1 << 52);
        let mut exponent = biased - 1022;
        // round(q · 2^31) = round(mantissa / 2^22), half away from zero.
        let mut fixed = (mantissa + (1 << 21)) >> 22;
        if fixed == 1 << 31 {
            fixed /= 2;
            exponent += 1;
        }
        if exponent < -31 {
            return Ok(Multiplier::ZERO);
        }
        if exponent > 30 {
            return Err(ScaleError::TooLarge);
        }
        Ok(Multiplier { multiplier: fixed as i32, shift: exponent as i8 })
    }

    /// The multiplier of a convolution's or fully connected layer's output
    /// stage, `input_scale · weight_scale / output_scale`, computed in `f64`
    /// from the `f32` scales in that order, as TFLite's kernels do.
    ///
    /// # Errors
    ///
    /// As [`from_scale`](Multiplier::from_scale); a zero `output_scale`
    /// gives an infinite scale, [`ScaleError::NotFinitePositive`].
    pub const fn from_scales(input_scale: f32, weight_scale: f32, output_scale: f32) -> Result<Multiplier, ScaleError> {
        Multiplier::from_scale(input_scale as f64 * weight_scale as f64 / output_scale as f64)
    }

    /// One multiplier per output channel, from per-channel weight scales
    /// (see [`from_scales`](Multiplier::from_scales)).
    ///
    /// # Errors
    ///
    /// The first channel's error, as [`from_scales`](Multiplier::from_scales).
    pub const fn per_channel<const O: usize>(
        input_scale: f32,
        weight_scales: &[f32; O],
        output_scale: f32,
    ) -> Result<[Multiplier; O], ScaleError> {
        let mut out = [Multiplier::ZERO; O];
        let mut o = 0;
        while o < O {
            match Multiplier::from_scales(input_scale, weight_scales[o], output_scale) {
                Ok(m) => out[o] = m,
                Err(e) => return Err(e),
            }
            o += 1;
        }
        Ok(out)
    }

    /// Multipliers from their raw parts `(multiplier, shift)`, as
    /// [`new`](Multiplier::new) takes them: what Rust source written by
    /// [`WriteRust::write_rust`](crate::quant::WriteRust::write_rust)
    /// builds an output stage from.
    ///
    /// # Errors
    ///
    /// [`ScaleError::OutOfRange`] for the first pair out of range.
    pub const fn from_parts<const O: usize>(parts: [(i32, i32); O]) -> Result<[Multiplier; O], ScaleError> {
        let mut out = [Multiplier::ZERO; O];
        let mut o = 0;
        while o < O {
            match Multiplier::new(parts[o].0, parts[o].1) {
                Ok(m) => out[o] = m,
                Err(e) => return Err(e),
            }
            o += 1;
        }
        Ok(out)
    }

    /// The fixed-point multiplier `m`, Q0.31.
    pub const fn multiplier(self) -> i32 {
        self.multiplier
    }

    /// The exponent `e`: positive shifts left, negative right.
    pub const fn shift(self) -> i32 {
        self.shift as i32
    }

    /// The real scale this multiplier stands for, `m · 2^(e − 31)`.
    pub fn scale(self) -> f64 {
        self.multiplier as f64 * libm::exp2(self.shift as f64 - 31.0)
    }
}

/// `x · m · 2^(e − 31)` rounded once, half up (towards +∞) as TFLite's
/// single-rounding `MultiplyByQuantizedMultiplier`: `(x·m + 2^(30 − e)) >>
/// (31 − e)` in 64 bits. A result outside `i32` (which TFLite leaves
/// undefined) saturates.
#[inline]
pub const fn multiply_single(x: i32, multiplier: Multiplier) -> i32 {
    let product = x as i64 * multiplier.multiplier as i64;
    let shift = multiplier.shift as i32;
    if shift < 0 {
        // The usual case (a scale below 1/2), in 32-bit operations: the
        // total shift 31 − e is 32 + r, and adding 2^(31 + r) then shifting
        // is adding 2^(r − 1) to the high word then shifting it by r (the
        // low word only carries for r = 0). |x·m| < 2^62, so the high word
        // is below 2^30 in size: nothing overflows or saturates. A generic
        // 64-bit shift by a variable amount costs a Cortex-M4 about three
        // times as many instructions.
        let high = (product >> 32) as i32;
        let r = (-1 - shift) as u32; // 0..=30
        if r == 0 { high + ((product as u32) >> 31) as i32 } else { (high + (1 << (r - 1))) >> r }
    } else {
        let total_shift = 31 - shift; // 1..=31
        saturate_i32((product + (1_i64 << (total_shift - 1))) >> total_shift)
    }
}

/// `x · m · 2^(e − 31)` rounded twice, as gemmlowp's (and TFLite Micro's
/// default) `MultiplyByQuantizedMultiplier`: `x` shifted left by
/// `max(e, 0)` (wrapping, where C++ would overflow), then
/// [`saturating_rounding_doubling_high_mul`] by `m`, then
/// [`rounding_divide_by_pot`] by `max(−e, 0)`.
#[inline]
pub const fn multiply_double(x: i32, multiplier: Multiplier) -> i32 {
    let shift = multiplier.shift as i32;
    let left = if shift > 0 { shift } else { 0 };
    let right = if shift > 0 { 0 } else { -shift };
    let high = saturating_rounding_doubling_high_mul(x.wrapping_mul(1 << left), multiplier.multiplier);
    rounding_divide_by_pot(high, right as u32)
}

/// gemmlowp's `SaturatingRoundingDoublingHighMul` (ARM's `VQRDMULH`):
/// `a·b / 2^31` rounded to nearest, ties upwards (towards +∞), and
/// `i32::MIN · i32::MIN` saturated to `i32::MAX`.
///
/// ```
/// use constnet::quant::saturating_rounding_doubling_high_mul as srdhm;
///
/// assert_eq!(srdhm(i32::MIN, i32::MIN), i32::MAX);
/// assert_eq!(srdhm(1 << 30, 1 << 30), 1 << 29); // 0.5 · 0.5 = 0.25
/// assert_eq!(srdhm(-1, 1 << 30), 0); // −0.5 rounds up
/// assert_eq!(srdhm(-3, 1 << 30), -1); // −1.5 rounds up
/// ```
#[inline]
pub const fn saturating_rounding_doubling_high_mul(a: i32, b: i32) -> i32 {
    if a == i32::MIN && b == i32::MIN {
        return i32::MAX;
    }
    let ab = a as i64 * b as i64;
    let nudge: i64 = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
    // Truncating division, as C++'s: not an arithmetic shift.
    ((ab + nudge) / (1_i64 << 31)) as i32
}

/// gemmlowp's `RoundingDivideByPOT`: `x / 2^exponent` rounded to nearest,
/// ties away from zero. An exponent above 31 is taken as 31.
///
/// ```
/// use constnet::quant::rounding_divide_by_pot;
///
/// assert_eq!(rounding_divide_by_pot(5, 1), 3); // 2.5 → 3
/// assert_eq!(rounding_divide_by_pot(-5, 1), -3); // −2.5 → −3
/// assert_eq!(rounding_divide_by_pot(-6, 2), -2); // −1.5 → −2
/// assert_eq!(rounding_divide_by_pot(7, 0), 7);
/// ```
#[inline]
pub const fn rounding_divide_by_pot(x: i32, exponent: u32) -> i32 {
    let exponent = if exponent > 31 { 31 } else { exponent };
    // 2^exponent − 1 in 32 bits (exponent ≤ 31), without a 64-bit shift.
    let mask = ((1_u32 << exponent) - 1) as i32;
    let remainder = x & mask;
    let threshold = (mask >> 1) + if x < 0 { 1 } else { 0 };
    (x >> exponent) + if remainder > threshold { 1 } else { 0 }
}

/// `x` saturated to `i32`.
#[inline]
pub(crate) const fn saturate_i32(x: i64) -> i32 {
    if x > i32::MAX as i64 {
        i32::MAX
    } else if x < i32::MIN as i64 {
        i32::MIN
    } else {
        x as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// TFLite's single rounding as it is written: one 64-bit rounding shift.
    fn single_reference(x: i32, m: Multiplier) -> i32 {
        let total_shift = 31 - m.shift();
        saturate_i32((x as i64 * m.multiplier() as i64 + (1_i64 << (total_shift - 1))) >> total_shift)
    }

    #[test]
    fn single_rounding_equals_the_64_bit_formula() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let edges = [i32::MIN, i32::MIN + 1, -65_536, -3, -2, -1, 0, 1, 2, 3, 65_535, i32::MAX - 1, i32::MAX];
        for shift in -31..=30 {
            for multiplier in [1 << 30, (1 << 30) + 1, 1_518_500_250, i32::MAX - 1, i32::MAX] {
                let m = Multiplier::new(multiplier, shift).unwrap();
                // Miri interprets every operation: a few random values per case there.
                let random = if cfg!(miri) { 8 } else { 2_000 };
                for x in edges.into_iter().chain((0..random).map(|_| next() as i32)) {
                    assert_eq!(multiply_single(x, m), single_reference(x, m), "x {x}, m {multiplier}, shift {shift}");
                }
                // Exact ties: x·m = (2k + 1)·2^(30 − e) for some k.
                for k in -3_i64..3 {
                    let tie = (2 * k + 1) << (30 - shift).min(62);
                    if tie % multiplier as i64 == 0 {
                        let x = (tie / multiplier as i64) as i32;
                        assert_eq!(multiply_single(x, m), single_reference(x, m));
                    }
                }
            }
        }
    }

    fn m(multiplier: i32, shift: i32) -> Multiplier {
        Multiplier::new(multiplier, shift).unwrap()
    }

    #[test]
    fn single_rounding_rounds_ties_up() {
        let half = m(1 << 30, 0); // 0.5
        assert_eq!(multiply_single(3, half), 2); // 1.5 → 2
        assert_eq!(multiply_single(-3, half), -1); // −1.5 → −1 (towards +∞)
        assert_eq!(multiply_single(-5, half), -2); // −2.5 → −2
        assert_eq!(multiply_single(1, half), 1); // 0.5 → 1
        assert_eq!(multiply_single(-1, half), 0); // −0.5 → 0
    }

    #[test]
    fn double_rounding_divides_ties_away_from_zero() {
        // Without a right shift only the high mul rounds, ties up, as once.
        let half = m(1 << 30, 0);
        assert_eq!(multiply_double(3, half), 2);
        assert_eq!(multiply_double(-3, half), -1);
        assert_eq!(multiply_double(-1, half), 0);
        let quarter = m(1 << 30, -1); // 0.25
        // 0.25·(−6) = −1.5: once, −1; twice, the high mul is exact (−3) then −3/2 → −2.
        assert_eq!(multiply_single(-6, quarter), -1);
        assert_eq!(multiply_double(-6, quarter), -2);
        // Double rounding's famous miss: x·m/2^31 = 2.4999…, rounded to 2.5 first.
        let just_below = m((1 << 30) + 1, -1); // 0.25 + 2^−33
        assert_eq!(multiply_single(10, just_below), 3); // 2.5000000023 → 3
        let x = (1 << 29) - 1;
        let single = multiply_single(x, m(i32::MAX, -30));
        let double = multiply_double(x, m(i32::MAX, -30));
        assert!((single - double).abs() <= 1);
    }

    #[test]
    fn positive_shifts() {
        let three = m(3 << 29, 2); // 0.75 · 4 = 3
        for x in [-1000, -7, -1, 0, 1, 7, 1000] {
            assert_eq!(multiply_single(x, three), 3 * x);
            assert_eq!(multiply_double(x, three), 3 * x);
        }
        // Large shifts saturate (single) or wrap before the multiply (double), never panic.
        let big = m(i32::MAX, 30);
        assert_eq!(multiply_single(i32::MAX, big), i32::MAX);
        assert_eq!(multiply_single(i32::MIN, big), i32::MIN);
        let _ = multiply_double(i32::MAX, big);
        let _ = multiply_double(i32::MIN, m(1 << 30, -31));
    }

    #[test]
    fn srdhm_saturates_only_min_times_min() {
        assert_eq!(saturating_rounding_doubling_high_mul(i32::MIN, i32::MIN), i32::MAX);
        assert_eq!(saturating_rounding_doubling_high_mul(i32::MIN, i32::MAX), -i32::MAX);
        assert_eq!(saturating_rounding_doubling_high_mul(i32::MAX, i32::MAX), i32::MAX - 1);
        assert_eq!(saturating_rounding_doubling_high_mul(0, i32::MIN), 0);
    }

    #[test]
    fn rounding_divide_by_pot_edges() {
        assert_eq!(rounding_divide_by_pot(i32::MIN, 31), -1);
        assert_eq!(rounding_divide_by_pot(i32::MAX, 31), 1);
        assert_eq!(rounding_divide_by_pot(i32::MIN, 40), -1);
        assert_eq!(rounding_divide_by_pot(-1, 1), -1); // −0.5 → −1
        assert_eq!(rounding_divide_by_pot(1, 1), 1); // 0.5 → 1
        assert_eq!(rounding_divide_by_pot(-3, 2), -1); // −0.75 → −1
    }

    #[test]
    fn quantize_multiplier_matches_tflite() {
        // 1.0 = 0.5 · 2^1.
        assert_eq!(Multiplier::from_scale(1.0), Ok(m(1 << 30, 1)));
        assert_eq!(Multiplier::from_scale(0.0), Ok(Multiplier::ZERO));
        // q rounds up to 2^31: halved, shift + 1.
        let almost_one = 1.0 - f64::EPSILON / 2.0;
        assert_eq!(Multiplier::from_scale(almost_one), Ok(m(1 << 30, 1)));
        // Too small: flushed to zero. Too large: refused.
        assert_eq!(Multiplier::from_scale(1e-12), Ok(Multiplier::ZERO));
        assert_eq!(Multiplier::from_scale(2f64.powi(-32)), Ok(m(1 << 30, -31)));
        assert_eq!(Multiplier::from_scale(2f64.powi(30)), Err(ScaleError::TooLarge));
        assert_eq!(Multiplier::from_scale(f64::NAN), Err(ScaleError::NotFinitePositive));
        assert_eq!(Multiplier::from_scale(-0.5), Err(ScaleError::NotFinitePositive));
        assert_eq!(Multiplier::new(5, 0), Err(ScaleError::OutOfRange));
        assert_eq!(Multiplier::new(1 << 30, 31), Err(ScaleError::OutOfRange));
        // Against frexp + round in floating point, over many scales.
        let mut s = 1.234e-9_f64;
        while s < 1e8 {
            let (q, e) = frexp(s);
            let mut fixed = (q * 2f64.powi(31)).round() as i64;
            let mut e = e;
            if fixed == 1 << 31 {
                fixed /= 2;
                e += 1;
            }
            assert_eq!(Multiplier::from_scale(s), Ok(m(fixed as i32, e)), "{s}");
            s *= 1.618_033_988_7;
        }
    }

    fn frexp(x: f64) -> (f64, i32) {
        let e = x.log2().floor() as i32 + 1;
        let mut q = x / 2f64.powi(e);
        let mut e = e;
        if q >= 1.0 {
            q /= 2.0;
            e += 1;
        } else if q < 0.5 {
            q *= 2.0;
            e -= 1;
        }
        (q, e)
    }
}
