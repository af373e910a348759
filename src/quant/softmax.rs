//! [`QSoftmax`]: TFLite's int8 `SOFTMAX`, in gemmlowp's fixed-point
//! arithmetic as its reference kernel computes it.

use core::fmt;
use core::marker::PhantomData;

use crate::layer::SameShape;
use crate::quant::checks;
use crate::quant::requantize::saturate_i32;
use crate::quant::{LoadError, LoadErrorKind, Operator, OperatorKind, QuantizedModel, Role, WriteRust};
use crate::quant::{Multiplier, Rounding, RoundingMode, ScaleError, SingleRounding};
use crate::quant::{rounding_divide_by_pot as rdbp, saturating_rounding_doubling_high_mul as mul};
use crate::{Layer, Module, PerSample};

/// The integer bits of the scaled input differences (Q5.26).
const DIFF_INTEGER_BITS: i32 = 5;
/// The integer bits of the sum of exponentials (Q12.19).
const ACCUMULATION_INTEGER_BITS: i32 = 12;

/// Int8 softmax over `N` values, TFLite's `SOFTMAX` with int8 input and
/// output: the output's scale is 1/256 and its zero point −128 (TFLite
/// requires them), so output `q` is the probability `(q + 128)/256`.
///
/// It reproduces TFLite's reference kernel bit for bit: the differences
/// from the row's maximum are rescaled by `β·input_scale` to Q5.26
/// (rounded as `R`), exponentiated in gemmlowp's fixed point
/// (`exp_on_negative_values`), summed in Q12.19, and divided by the sum
/// through gemmlowp's Newton–Raphson reciprocal; differences below the
/// kernel's `diff_min` give exactly −128.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::quant::QSoftmax;
///
/// static SOFTMAX: QSoftmax<3> = match QSoftmax::new(0.5) { Ok(s) => s, Err(_) => panic!() };
/// let p = SOFTMAX.forward(&[0, 0, -128]); // ≈ [0.5, 0.5, 0]
/// assert_eq!(p, [0, 0, -128]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct QSoftmax<const N: usize, R = SingleRounding> {
    input_multiplier: Multiplier,
    diff_min: i32,
    rounding: PhantomData<R>,
}

impl<const N: usize, R: Rounding> QSoftmax<N, R> {
    /// The softmax of an input of scale `input_scale`, with β = 1.
    ///
    /// # Errors
    ///
    /// As [`with_beta`](QSoftmax::with_beta).
    pub const fn new(input_scale: f32) -> Result<Self, ScaleError> {
        Self::with_beta(input_scale, 1.0)
    }

    /// The softmax of `β·x` for an input of scale `input_scale`. The input
    /// multiplier is TFLite's `PreprocessSoftmaxScaling`: `β·input_scale·2^26`
    /// capped at `2^30 − 1` (single rounding) or `2^31 − 1` (double), and
    /// `diff_min` is `−⌊31·2^26 / 2^shift⌋`.
    ///
    /// # Errors
    ///
    /// [`ScaleError::NotFinitePositive`] unless `β·input_scale·2^26` is a
    /// finite number above 1 (TFLite's check).
    pub const fn with_beta(input_scale: f32, beta: f32) -> Result<Self, ScaleError> {
        const { assert!(N > 0, "a softmax needs at least one value") };
        let cap = match R::MODE {
            RoundingMode::Single => ((1_i64 << 30) - 1) as f64,
            RoundingMode::Double => ((1_i64 << 31) - 1) as f64,
        };
        let real = beta as f64 * input_scale as f64 * (1_i64 << (31 - DIFF_INTEGER_BITS)) as f64;
        if real.is_nan() || real <= 1.0 || real.is_infinite() {
            return Err(ScaleError::NotFinitePositive);
        }
        let real = if real < cap { real } else { cap };
        let input_multiplier = match Multiplier::from_scale(real) {
            Ok(m) => m,
            Err(e) => return Err(e),
        };
        // real > 1, so the shift is in 1..=30.
        let radius = ((1_i64 << DIFF_INTEGER_BITS) - 1) << (31 - DIFF_INTEGER_BITS) >> input_multiplier.shift();
        Ok(QSoftmax { input_multiplier, diff_min: -(radius as i32), rounding: PhantomData })
    }

    /// The softmax from the parts [`with_beta`](QSoftmax::with_beta)
    /// derives, [`input_multiplier`](QSoftmax::input_multiplier) and
    /// [`diff_min`](QSoftmax::diff_min): what Rust source written by
    /// [`WriteRust`] builds it from. Any parts give a layer that computes
    /// without panicking; only those `with_beta` derives give TFLite's.
    pub const fn from_parts(input_multiplier: Multiplier, diff_min: i32) -> Self {
        const { assert!(N > 0, "a softmax needs at least one value") };
        QSoftmax { input_multiplier, diff_min, rounding: PhantomData }
    }

    /// The input multiplier (its shift is a left shift, ≥ 0).
    pub const fn input_multiplier(&self) -> Multiplier {
        self.input_multiplier
    }

    /// The smallest difference from the maximum that is not output as −128.
    pub const fn diff_min(&self) -> i32 {
        self.diff_min
    }

    /// `diff` (≤ 0) rescaled to Q5.26: TFLite's
    /// `MultiplyByQuantizedMultiplierGreaterThanOne`.
    #[inline]
    fn rescale(&self, diff: i32) -> i32 {
        match R::MODE {
            RoundingMode::Single => crate::quant::multiply_single(diff, self.input_multiplier),
            RoundingMode::Double => {
                let shifted = diff.wrapping_mul(1 << self.input_multiplier.shift().clamp(0, 30));
                mul(shifted, self.input_multiplier.multiplier())
            }
        }
    }
}

impl<const N: usize, R> Module for QSoftmax<N, R> {}

/// A batch runs sample by sample.
impl<const N: usize, R> PerSample for QSoftmax<N, R> {}

/// Accepts any input [`SameShape`] as `[i8; N]`.
impl<const N: usize, R: Rounding, X: SameShape<[i8; N]>> Layer<X> for QSoftmax<N, R> {
    type Output = [i8; N];

    fn eval(&self, x: &X) -> [i8; N] {
        let x = x.as_shape();
        let max = x.iter().copied().max().unwrap_or(i8::MIN) as i32;
        // exp(diff) in Q0.31 for the values within diff_min of the maximum.
        let exps: [Option<i32>; N] = core::array::from_fn(|c| {
            let diff = x.get(c).map_or(i32::MIN, |&v| v as i32 - max);
            (diff >= self.diff_min).then(|| exp_on_negative_values(self.rescale(diff)))
        });
        let sum =
            exps.iter().flatten().fold(0_i32, |sum, &e| sum.wrapping_add(rdbp(e, ACCUMULATION_INTEGER_BITS as u32)));
        let (reciprocal, bits_over_unit) = reciprocal(sum, ACCUMULATION_INTEGER_BITS);
        let exponent = (bits_over_unit + 31 - 8).clamp(0, 31) as u32;
        exps.map(|e| match e {
            Some(e) => {
                let p = rdbp(mul(reciprocal, e), exponent);
                saturate_i32(p as i64 + i8::MIN as i64).clamp(i8::MIN as i32, i8::MAX as i32) as i8
            }
            None => i8::MIN,
        })
    }
}

/// One `SOFTMAX` operator: input `[1, N]` int8 quantised per tensor,
/// output `[1, N]` int8 of scale 1/256 and zero point −128 (TFLite's int8
/// softmax output), built with the options' β by
/// [`with_beta`](QSoftmax::with_beta).
impl<const N: usize, R: Rounding> QuantizedModel for QSoftmax<N, R> {
    const OPERATORS: usize = 1;

    fn operator_kind(position: usize) -> Option<OperatorKind> {
        (position == 0).then_some(OperatorKind::Softmax)
    }

    fn from_operators(operators: &[Operator<'_>]) -> Result<Self, LoadError> {
        let op = checks::single(operators, OperatorKind::Softmax)?;
        let (input_scale, _) = checks::activation(op, Role::Input, &op.input, &[1, N])?;
        let output = checks::activation(op, Role::Output, &op.output, &[1, N])?;
        if output != (1.0 / 256.0, -128) {
            return Err(checks::error(op, LoadErrorKind::Requantization { tensor: Role::Output }));
        }
        QSoftmax::with_beta(input_scale, op.options.beta)
            .map_err(|error| checks::error(op, LoadErrorKind::Scale { tensor: Role::Input, error }))
    }
}

/// `constnet::quant::QSoftmax::from_parts(…)` with the exact multiplier and
/// `diff_min`.
impl<const N: usize, R> WriteRust for QSoftmax<N, R> {
    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        write!(
            out,
            "constnet::quant::QSoftmax::from_parts(match constnet::quant::Multiplier::new({}, {}) {{ Ok(m) => m, Err(_) => panic!(\"a multiplier out of range\") }}, {})",
            self.input_multiplier.multiplier(),
            self.input_multiplier.shift(),
            self.diff_min
        )
    }
}

/// gemmlowp's `SaturatingRoundingMultiplyByPOT` by `2^exponent`,
/// `exponent` > 0: a saturating left shift.
#[inline]
fn saturating_shl(x: i32, exponent: u32) -> i32 {
    let threshold = (1_i32 << (31 - exponent)) - 1;
    if x > threshold {
        i32::MAX
    } else if x < -threshold {
        i32::MIN
    } else {
        x.wrapping_shl(exponent)
    }
}

/// gemmlowp's `exp_on_interval_between_negative_one_quarter_and_0_excl`:
/// exp(a) for a in [−1/4, 0), Q0.31, by a Taylor expansion around −1/8.
fn exp_on_small_interval(a: i32) -> i32 {
    const EXP_MINUS_ONE_EIGHTH: i32 = 1_895_147_668;
    const ONE_THIRD: i32 = 715_827_883;
    let x = a.wrapping_add(1 << 28);
    let x2 = mul(x, x);
    let x3 = mul(x2, x);
    let x4 = mul(x2, x2);
    let x4_over_4 = rdbp(x4, 2);
    let poly = rdbp(mul(x4_over_4.wrapping_add(x3), ONE_THIRD).wrapping_add(x2), 1);
    EXP_MINUS_ONE_EIGHTH.wrapping_add(mul(EXP_MINUS_ONE_EIGHTH, x.wrapping_add(poly)))
}

/// gemmlowp's `exp_on_negative_values` for a Q5.26 input `a` ≤ 0: exp(a)
/// in Q0.31, the fraction by [`exp_on_small_interval`] and the integer
/// part by multiplying in exp(−2^k) for each bit.
fn exp_on_negative_values(a: i32) -> i32 {
    const FRACTIONAL_BITS: i32 = 31 - DIFF_INTEGER_BITS;
    const ONE_QUARTER: i32 = 1 << (FRACTIONAL_BITS - 2);
    /// exp(−2^k) in Q0.31 for k = −2..=4.
    const BARREL: [(i32, i32); 7] = [
        (-2, 1_672_461_947),
        (-1, 1_302_514_674),
        (0, 790_015_084),
        (1, 290_630_308),
        (2, 39_332_535),
        (3, 720_401),
        (4, 242),
    ];
    let a_mod_quarter_minus_quarter = (a & (ONE_QUARTER - 1)).wrapping_sub(ONE_QUARTER);
    let mut result = exp_on_small_interval(saturating_shl(a_mod_quarter_minus_quarter, DIFF_INTEGER_BITS as u32));
    let remainder = a_mod_quarter_minus_quarter.wrapping_sub(a);
    for (k, multiplier) in BARREL {
        if remainder & (1 << (FRACTIONAL_BITS + k)) != 0 {
            result = mul(result, multiplier);
        }
    }
    if a == 0 { i32::MAX } else { result }
}

/// gemmlowp's `one_over_one_plus_x_for_x_in_0_1`: 1/(1 + a) for a Q0.31
/// `a` in [0, 1), Q0.31, by three Newton–Raphson steps in Q2.29.
fn one_over_one_plus_x(a: i32) -> i32 {
    const FORTY_EIGHT_OVER_SEVENTEEN: i32 = 1_515_870_810;
    const MINUS_THIRTY_TWO_OVER_SEVENTEEN: i32 = -1_010_580_540;
    const ONE_Q2_29: i32 = 1 << 29;
    let sum = a as i64 + i32::MAX as i64;
    let half_denominator = ((sum + if sum >= 0 { 1 } else { -1 }) / 2) as i32;
    let mut x = FORTY_EIGHT_OVER_SEVENTEEN.wrapping_add(mul(half_denominator, MINUS_THIRTY_TWO_OVER_SEVENTEEN));
    for _ in 0..3 {
        let one_minus = ONE_Q2_29.wrapping_sub(mul(half_denominator, x));
        x = x.wrapping_add(saturating_shl(mul(x, one_minus), 2));
    }
    saturating_shl(x, 1)
}

/// TFLite's `GetReciprocal`: for a positive `x` with `integer_bits` integer
/// bits, a Q0.31 reciprocal of `x` scaled into [0.5, 1) and how many bits
/// that scaling took.
fn reciprocal(x: i32, integer_bits: i32) -> (i32, i32) {
    let headroom_plus_one = (x as u32).leading_zeros();
    let bits_over_unit = integer_bits - headroom_plus_one as i32;
    let shifted = (x as u32).checked_shl(headroom_plus_one).unwrap_or(0);
    let shifted_minus_one = shifted.wrapping_sub(1 << 31) as i32;
    (one_over_one_plus_x(shifted_minus_one), bits_over_unit)
}
