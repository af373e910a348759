//! The quantisation of weights and biases: symmetric int8 weights with one
//! scale per output channel, and int32 biases at the scale
//! `input_scale · weight_scale` — TensorFlow Lite's int8 spec, as its
//! converter computes them.

use crate::quant::{QuantizeError, QuantizeErrorKind};

/// The symmetric scale of one output channel's weights: `max|w|/127`, so
/// the largest weight becomes ±127 and zero stays 0 (TFLite's
/// per-channel `max(|min|, |max|)/127`). A channel of zeros gets scale 1
/// (every weight is 0 at any scale).
///
/// ```
/// use constnet::quant::symmetric_scale;
///
/// assert_eq!(symmetric_scale([0.5, -63.5, 1.0]), Ok(0.5));
/// assert_eq!(symmetric_scale([0.0; 3]), Ok(1.0));
/// assert!(symmetric_scale([1.0, f32::NAN]).is_err());
/// ```
///
/// # Errors
///
/// [`QuantizeErrorKind::NonFiniteWeight`] for a NaN or infinite weight (at
/// layer 0).
pub fn symmetric_scale(weights: impl IntoIterator<Item = f32>) -> Result<f32, QuantizeError> {
    let mut largest = 0.0_f32;
    for w in weights {
        if !w.is_finite() {
            return Err(QuantizeError::new(0, QuantizeErrorKind::NonFiniteWeight));
        }
        largest = largest.max(w.abs());
    }
    let scale = largest / 127.0;
    // A subnormal largest weight (below 1.2·10⁻³⁸) has a scale that is not normal either: treat it as zero.
    Ok(if scale.is_normal() { scale } else { 1.0 })
}

/// A weight quantised symmetrically at `scale`: `round(w / scale)`, half
/// away from zero, clamped to `−127..=127` (TFLite's symmetric range; a
/// weight is never −128). NaN gives 0.
///
/// ```
/// use constnet::quant::quantize_weight;
///
/// assert_eq!(quantize_weight(-63.5, 0.5), -127);
/// assert_eq!(quantize_weight(0.75, 0.5), 2); // 1.5 rounds away from zero
/// assert_eq!(quantize_weight(-0.75, 0.5), -2);
/// assert_eq!(quantize_weight(-900.0, 0.5), -127);
/// ```
pub fn quantize_weight(w: f32, scale: f32) -> i8 {
    (libm::roundf(w / scale) as i32).clamp(-127, 127) as i8
}

/// A bias quantised to int32 at `input_scale · weight_scale` (the scale of
/// the accumulator it is added to): `round(b / (input_scale · weight_scale))`,
/// the product in `f32` as TFLite's converter computes it, the quotient in
/// `f64`, rounded half away from zero and saturated to
/// `−(2³¹ − 1)..=2³¹ − 1` as TFLite clamps.
///
/// ```
/// use constnet::quant::quantize_bias;
///
/// assert_eq!(quantize_bias(0.3, 0.5, 0.04), Ok(15)); // 0.3 / 0.02
/// assert_eq!(quantize_bias(-0.25, 0.5, 0.1), Ok(-5));
/// assert_eq!(quantize_bias(1e30, 0.5, 0.1), Ok(i32::MAX));
/// assert!(quantize_bias(f32::NAN, 0.5, 0.1).is_err());
/// ```
///
/// # Errors
///
/// [`QuantizeErrorKind::NonFiniteBias`] for a NaN or infinite bias (at
/// layer 0).
pub fn quantize_bias(b: f32, input_scale: f32, weight_scale: f32) -> Result<i32, QuantizeError> {
    if !b.is_finite() {
        return Err(QuantizeError::new(0, QuantizeErrorKind::NonFiniteBias));
    }
    let scale = f64::from(input_scale * weight_scale);
    let q = libm::round(f64::from(b) / scale);
    // Saturating (a zero scale gives ±∞, saturated too; 0/0 cannot happen, b/0 with b = 0 is NaN → 0).
    let q = if q.is_nan() { 0.0 } else { q.clamp(-f64::from(i32::MAX), f64::from(i32::MAX)) };
    Ok(q as i32)
}
