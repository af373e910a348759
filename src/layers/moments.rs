//! The mean and variance that the normalisation layers divide by, computed
//! so that a variance too large for the float type does not silently turn
//! the output into β.

use crate::Float;

/// The statistics of a set of values, as normalisation uses them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Moments<F> {
    /// Σx / n.
    pub(crate) mean: F,
    /// The biased variance Σ(x − μ)² / n (∞ if it exceeds the float type).
    pub(crate) variance: F,
    /// 1/√(σ² + ε), computed without forming σ² when σ² would overflow.
    pub(crate) inv_std: F,
}

/// The moments of the `n` values that `values()` yields (the same values,
/// in the same order, each time it is called), with ε added to the
/// variance: two passes, x summed in order for the mean, then (x − μ)²
/// summed in order for the variance.
///
/// If Σ(x − μ)² overflows while μ is finite (in `f32` from |x − μ| ≈ 10¹⁹),
/// the deviations are scaled by a power of two 2⁻ᵏ (exactly) so that their
/// squares fit, and 1/√(σ² + ε) is computed as 2⁻ᵏ/√(σ²·2⁻²ᵏ + ε·2⁻²ᵏ):
/// the normalised values stay right instead of collapsing to 0 (which
/// would make the layer output β, finite and plausible). Only then is the
/// extra pass made, so ordinary inputs give exactly the bits of the plain
/// two-pass formula. If the sum of the values itself overflows (|x| near
/// the type's maximum), μ is infinite and the outputs are NaN: the result
/// flags itself.
pub(crate) fn moments<F: Float, I: Iterator<Item = F>>(n: usize, eps: F, values: impl Fn() -> I) -> Moments<F> {
    let count = F::from_usize(n);
    let mean = values().fold(F::zero(), |s, v| s + v) / count;
    let sum_sq = values().fold(F::zero(), |s, v| s + (v - mean) * (v - mean));
    if sum_sq.is_finite() || !mean.is_finite() {
        let variance = sum_sq / count;
        return Moments { mean, variance, inv_std: F::one() / (variance + eps).sqrt() };
    }
    // Scale the deviations so that the largest is below 1: its square and
    // the sum of `n` of them then fit.
    let largest = values().fold(F::zero(), |m, v| {
        let d = (v - mean).abs();
        if d > m { d } else { m }
    });
    let scale = power_of_two_below_inverse(largest);
    let scaled_sum_sq = values().fold(F::zero(), |s, v| {
        let d = (v - mean) * scale;
        s + d * d
    });
    let scaled_variance = scaled_sum_sq / count;
    Moments {
        mean,
        variance: scaled_variance / (scale * scale),
        inv_std: scale / (scaled_variance + eps * scale * scale).sqrt(),
    }
}

/// 2⁻ᵏ with k the smallest integer for which `value`·2⁻ᵏ < 1 (value finite
/// and ≥ 1). Exact: built from the exponent of `value`.
fn power_of_two_below_inverse<F: Float>(value: F) -> F {
    let (mantissa, exponent, _) = value.integer_decode();
    // value = mantissa·2^exponent with mantissa < 2^64: value < 2^(exponent + bits).
    let bits = 64 - i32::try_from(mantissa.leading_zeros()).unwrap_or(0);
    let k = i32::from(exponent) + bits;
    F::from_f64(libm::ldexp(1.0, -k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_values_give_the_plain_two_pass_bits() {
        let x = [1.5_f32, -2.25, 0.125, 7.0, 3.0];
        let m = moments(5, 1e-5, || x.iter().copied());
        let mean = x.iter().fold(0.0, |s, v| s + v) / 5.0;
        let var = x.iter().fold(0.0, |s, v| s + (v - mean) * (v - mean)) / 5.0;
        assert_eq!((m.mean, m.variance, m.inv_std), (mean, var, 1.0 / (var + 1e-5_f32).sqrt()));
    }

    #[test]
    fn a_variance_beyond_f32_still_normalises() {
        // (x − μ)² = 4e38 overflows f32; the normalised values are ±1.
        let x = [2e19_f32, -2e19];
        let m = moments(2, 1e-5, || x.iter().copied());
        assert_eq!(m.mean, 0.0);
        assert_eq!(m.variance, f32::INFINITY);
        let x_hat = x.map(|v| (v - m.mean) * m.inv_std);
        assert!((x_hat[0] - 1.0).abs() < 1e-6 && (x_hat[1] + 1.0).abs() < 1e-6, "{x_hat:?}");
    }

    #[test]
    fn an_overflowing_sum_flags_itself() {
        let x = [3e38_f32, 3e38];
        let m = moments(2, 1e-5, || x.iter().copied());
        assert!(((x[0] - m.mean) * m.inv_std).is_nan());
    }

    #[test]
    fn the_scale_is_the_power_of_two_just_above() {
        assert_eq!(power_of_two_below_inverse(1.0_f64), 0.5);
        assert_eq!(power_of_two_below_inverse(3.0_f32), 0.25);
        assert_eq!(power_of_two_below_inverse(f32::MAX), libm::ldexpf(1.0, -128));
        assert!(power_of_two_below_inverse(1e19_f32) * 1e19 < 1.0);
        assert!(power_of_two_below_inverse(1e19_f32) * 1e19 >= 0.5);
    }
}
