//! Elementary functions of the crate's own, where `libm`'s are too slow for a
//! layer's inner loop. Like everything here they are plain arithmetic with
//! one evaluation order, so they give the same bits on every target.

/// The `f32` hyperbolic tangent (`<f32 as Float>::tanh`, used by the
/// [`Tanh`](crate::layers::Tanh) layer and the recurrent cells): pure
/// arithmetic (no table, no branch, no target-specific instruction), so it
/// gives the same bits on every target and vectorises over a layer's width.
/// About five times faster than `libm::tanhf` on x86-64; its relative
/// error is below 2.1·10⁻⁷ for every `f32` input (`libm::tanhf`:
/// 1.7·10⁻⁷), checked against `f64` `libm::tanh`.
///
/// * |x| < 0.55: x + x³·P(x²), with P a degree-4 Chebyshev fit of
///   (tanh(x)/x − 1)/x² (error 1.3·10⁻⁸ in P); tiny and subnormal x give x.
/// * otherwise: 1 − 2/(e^(2|x|) + 1), with |x| clamped at 9.1, beyond
///   which tanh rounds to ±1 in `f32`; ±∞ give ±1.
/// * NaN gives NaN; the sign is copied from x, so −0 gives −0.
///
/// `f64` keeps `libm::tanh` (its results are checked against PyTorch to
/// 10⁻¹²).
#[inline]
pub(crate) fn tanh_f32(x: f32) -> f32 {
    const SIGN: u32 = 0x8000_0000;
    const P: [f32; 5] = [-0.333_333_3, 0.133_331_13, -0.053_909_43, 0.021_309_389, -0.006_610_227_7];
    let a = f32::from_bits(x.to_bits() & !SIGN);
    let s = a * a;
    let p = P[0] + s * (P[1] + s * (P[2] + s * (P[3] + s * P[4])));
    let small = a + a * (s * p);
    // `a > 9.1` is false for NaN, which therefore reaches the exponential.
    let clamped = if a > 9.1 { 9.1 } else { a };
    let big = 1.0 - 2.0 / (exp_for_tanh(clamped + clamped) + 1.0);
    let t = if a < 0.55 { small } else { big };
    f32::from_bits(t.to_bits() | (x.to_bits() & SIGN))
}

/// The `f32` logistic sigmoid σ(x) = 1/(1 + e^−x) (`<f32 as
/// Float>::sigmoid`, used by the [`Sigmoid`](crate::layers::Sigmoid) layer,
/// the recurrent cells' gates and
/// [`bce_with_logits`](crate::loss::bce_with_logits)): pure arithmetic like
/// [`tanh_f32`], so the same bits on every target, and about twice as fast
/// as 1/(1 + `libm::expf`(−x)) on x86-64 before it vectorises. Its relative
/// error is below 2·10⁻⁷ wherever σ(x) is a normal `f32` (1/(1 + expf(−x)):
/// 1.5·10⁻⁷), and its subnormal results (x below −87.3) are within one unit
/// of the last place, checked against `f64` arithmetic.
///
/// With e = e^−|x| ∈ (0, 1], σ(|x|) = 1/(1 + e) and σ(−|x|) = e/(1 + e),
/// one division either way: neither side subtracts, so small results keep
/// their relative accuracy (1 − σ(|x|) would lose it). |x| is clamped at
/// 104, beyond which σ(−|x|) rounds to 0 in `f32`; ±∞ give 1 and 0, NaN
/// gives NaN.
///
/// `f64` computes 1/(1 + e^−x) with `libm::exp` (checked against PyTorch to
/// 10⁻¹²).
#[inline]
pub(crate) fn sigmoid_f32(x: f32) -> f32 {
    const MAGNITUDE: u32 = 0x7fff_ffff;
    const INFINITY: u32 = 0x7f80_0000;
    // Non-negative floats order as their bits do, so an integer `min`
    // clamps |x| at 104 without a float comparison (a library call on a
    // Cortex-M0). It takes NaN to 104 too, so NaN is put back at the end.
    let magnitude = x.to_bits() & MAGNITUDE;
    let clamped = f32::from_bits(magnitude.min(104.0_f32.to_bits()));
    let e = exp_for_sigmoid(-clamped);
    let numerator = if x.is_sign_negative() { e } else { 1.0 };
    let sigmoid = numerator / (1.0 + e);
    if magnitude > INFINITY { x } else { sigmoid }
}

/// The `f64` logistic sigmoid, 1/(1 + e^−x) with `libm::exp`: e^−x
/// overflows to ∞ for x below −709, giving 0.
#[inline]
pub(crate) fn sigmoid_f64(x: f64) -> f64 {
    1.0 / (1.0 + libm::exp(-x))
}

/// e^y for 0 ≤ y ≤ 18.2 (NaN gives NaN)
#[inline]
fn exp_for_tanh(y: f32) -> f32 {
    const SHIFT: f32 = 12_582_912.0;
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    let shifted = y * core::f32::consts::LOG2_E + SHIFT;
    let k = shifted - SHIFT;
    let r = (y - k * LN2_HI) - k * LN2_LO;
    let e_r = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    let two_k = f32::from_bits(shifted.to_bits().wrapping_sub(SHIFT.to_bits()).wrapping_add(127) << 23);
    e_r * two_k
}

/// e^y for −104 ≤ y ≤ 0 (NaN gives NaN), for [`sigmoid_f32`], whose small
/// results e^y/(1 + e^y) carry e^y's error undiluted: y = k·ln 2 + r with
/// |r| ≤ ln 2 / 2, e^r ≈ 1 + r + r²·Q(r) with Q a degree-4 Chebyshev fit of
/// (e^r − 1 − r)/r² (relative error 1.0·10⁻⁸ in e^r, against 1.3·10⁻⁷ for
/// the degree-6 Taylor polynomial of the same cost that tanh uses), times
/// 2^k as two normal factors 2^⌊k/2⌋ and 2^(k−⌊k/2⌋) (−150 ≤ k ≤ 0), so that
/// results in the subnormal range (k < −126) are rounded once, by the last
/// multiplication.
#[inline]
fn exp_for_sigmoid(y: f32) -> f32 {
    // As in `exp_for_tanh`: 1.5·2²³ rounds y·log₂e to k in the low bits, and
    // k·LN2_HI is exact for |k| < 2⁸.
    const SHIFT: f32 = 12_582_912.0;
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    const Q: [f32; 5] = [0.5, 0.166_665_76, 0.041_666_556, 0.008_363_179, 0.001_392_618_4];
    let shifted = y * core::f32::consts::LOG2_E + SHIFT;
    let k_float = shifted - SHIFT;
    let r = (y - k_float * LN2_HI) - k_float * LN2_LO;
    let q = Q[0] + r * (Q[1] + r * (Q[2] + r * (Q[3] + r * Q[4])));
    let e_r = 1.0 + r * (1.0 + r * q);
    let k = (shifted.to_bits() as i32).wrapping_sub(SHIFT.to_bits() as i32);
    let k_low = k >> 1;
    (e_r * power_of_two(k_low)) * power_of_two(k - k_low)
}

/// 2^k for −126 ≤ k ≤ 127, built from its bits (k + 127 in the exponent
/// field).
#[inline(always)]
fn power_of_two(k: i32) -> f32 {
    f32::from_bits((k.wrapping_add(127) as u32) << 23)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The relative error of `tanh_f32(x)` against `f64` `libm::tanh`.
    fn tanh_error(x: f32) -> f64 {
        let want = libm::tanh(f64::from(x));
        let got = f64::from(tanh_f32(x));
        if want == 0.0 { got.abs() } else { ((got - want) / want).abs() }
    }

    #[test]
    #[cfg_attr(miri, ignore = "an exhaustive accuracy sweep of millions of values: run natively")]
    fn tanh_f32_is_within_2e_7_relative_everywhere() {
        let mut worst = (0.0_f64, 0.0_f32);
        let mut check = |x: f32| {
            let error = tanh_error(x);
            assert!(error.is_finite(), "tanh_f32({x:e}) is not finite");
            if error > worst.0 {
                worst = (error, x);
            }
            // Odd, bit for bit.
            assert_eq!(tanh_f32(-x).to_bits(), (-tanh_f32(x)).to_bits(), "x = {x:e}");
        };
        // Every 509th positive f32 bit pattern: all binades, from the
        // smallest subnormal to the largest finite value.
        for bits in (1..0x7f80_0000_u32).step_by(509) {
            check(f32::from_bits(bits));
        }
        // Dense uniform sweeps over [0, 10] and around the branch points 0.55
        // (polynomial / exponential) and 9.1 (clamp).
        for k in 0..=1_000_000 {
            check(k as f32 * 1e-5);
        }
        for centre in [0.55_f32, 9.1] {
            let bits = centre.to_bits();
            for delta in 0..20_000 {
                check(f32::from_bits(bits - delta));
                check(f32::from_bits(bits + delta));
            }
        }
        assert!(worst.0 < 2.1e-7, "max relative error {:e} at x = {:e}", worst.0, worst.1);
    }

    /// The error of `sigmoid_f32(x)` against `f64` arithmetic: relative
    /// where σ(x) is a normal `f32`, and in units of the smallest subnormal
    /// (2⁻¹⁴⁹) below that, where an `f32` cannot hold more.
    fn sigmoid_error(x: f32) -> (f64, f64) {
        let want = 1.0 / (1.0 + libm::exp(-f64::from(x)));
        let got = f64::from(sigmoid_f32(x));
        if want >= f64::from(f32::MIN_POSITIVE) {
            (((got - want) / want).abs(), 0.0)
        } else {
            (0.0, (got - want).abs() / f64::from(f32::from_bits(1)))
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "an exhaustive accuracy sweep of millions of values: run natively")]
    fn sigmoid_f32_is_within_2e_7_relative_everywhere() {
        let mut worst = (0.0_f64, 0.0_f32);
        let mut worst_subnormal = 0.0_f64;
        let mut check = |x: f32| {
            let (relative, subnormal_ulps) = sigmoid_error(x);
            if relative > worst.0 {
                worst = (relative, x);
            }
            worst_subnormal = worst_subnormal.max(subnormal_ulps);
        };
        // Every 509th bit pattern of either sign: all binades.
        for bits in (1..0x7f80_0000_u32).step_by(509) {
            check(f32::from_bits(bits));
            check(-f32::from_bits(bits));
        }
        // Dense uniform sweeps over [−110, 20], where σ is neither 0 nor 1.
        for k in 0..=13_000_000 {
            check(k as f32 * 1e-5 - 110.0);
        }
        assert!(worst.0 < 2e-7, "max relative error {:e} at x = {:e}", worst.0, worst.1);
        assert!(worst_subnormal <= 1.0, "subnormal results off by {worst_subnormal} units");
    }

    #[test]
    fn sigmoid_f32_special_values() {
        assert_eq!(sigmoid_f32(0.0), 0.5);
        assert_eq!(sigmoid_f32(-0.0), 0.5);
        for x in [17.0_f32, 50.0, 1e10, f32::MAX, f32::INFINITY] {
            assert_eq!(sigmoid_f32(x), 1.0, "x = {x:e}");
        }
        // Below −103.97, σ rounds to 0; above it, to a subnormal.
        for x in [-104.0_f32, -1e10, f32::MIN, f32::NEG_INFINITY] {
            assert_eq!(sigmoid_f32(x), 0.0, "x = {x:e}");
        }
        assert!(sigmoid_f32(-100.0) > 0.0 && sigmoid_f32(-100.0) < f32::MIN_POSITIVE);
        assert!(sigmoid_f32(f32::NAN).is_nan());
        assert!(sigmoid_f32(-f32::NAN).is_nan());
        // σ(x) + σ(−x) = 1 to rounding, and σ is monotonic across the two
        // formulas' seam at 0.
        for x in [0.1_f32, 1.0, 3.0, 10.0] {
            assert!((sigmoid_f32(x) + sigmoid_f32(-x) - 1.0).abs() <= f32::EPSILON, "x = {x}");
        }
        assert!(sigmoid_f32(-1e-7) <= 0.5 && sigmoid_f32(1e-7) >= 0.5);
    }

    #[test]
    fn tanh_f32_special_values() {
        // Tiny and subnormal inputs: tanh(x) = x to within half an ulp.
        for x in [1e-3_f32, 1e-4, 1e-10, 1e-30, f32::MIN_POSITIVE, 1e-40, f32::from_bits(1)] {
            assert!(tanh_error(x) < 1e-7, "x = {x:e}");
        }
        for x in [1e-10_f32, 1e-30, f32::MIN_POSITIVE, 1e-40, f32::from_bits(1)] {
            assert_eq!(tanh_f32(x), x);
            assert_eq!(tanh_f32(-x), -x);
        }
        assert_eq!(tanh_f32(0.0).to_bits(), 0.0_f32.to_bits());
        assert_eq!(tanh_f32(-0.0).to_bits(), (-0.0_f32).to_bits());
        // Large inputs saturate exactly.
        for x in [9.1_f32, 10.0, 50.0, 1e10, f32::MAX, f32::INFINITY] {
            assert_eq!(tanh_f32(x), 1.0, "x = {x:e}");
            assert_eq!(tanh_f32(-x), -1.0, "x = {x:e}");
        }
        assert!(tanh_f32(f32::NAN).is_nan());
        assert!(tanh_f32(-f32::NAN).is_nan());
        // A few values against libm's f32 tanh, to its accuracy.
        for x in [0.1_f32, 0.5, 0.549, 0.55, 0.551, 1.0, 2.0, 4.0, 8.5, 9.0] {
            assert!((tanh_f32(x) - libm::tanhf(x)).abs() <= 2.0 * f32::EPSILON * libm::tanhf(x), "x = {x}");
        }
    }
}
