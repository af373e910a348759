//! [`QParams`]: an int8 tensor's scale and zero point — what TensorFlow
//! Lite's converter derives from a calibrated range, and the quantise and
//! dequantise of TFLite's `QUANTIZE` and `DEQUANTIZE` operators.

use crate::quant::{QuantizeError, QuantizeErrorKind, Range};

/// The affine quantisation of an int8 tensor: the real value of `q` is
/// `scale · (q − zero_point)`. The scale is finite and positive.
///
/// ```
/// use constnet::quant::{QParams, Range};
///
/// // A calibrated range [0, 1] (the digits' pixels): scale 1/255, zero point −128.
/// let p = QParams::from_range(Range::new(0.0, 1.0)).unwrap();
/// assert_eq!((p.scale(), p.zero_point()), (1.0 / 255.0, -128));
/// assert_eq!((p.quantize(0.0), p.quantize(1.0)), (-128, 127));
/// assert_eq!((p.quantize(7.0), p.quantize(-1.0)), (127, -128)); // saturated
/// assert_eq!(p.dequantize(127), 1.0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QParams {
    scale: f32,
    zero_point: i8,
}

impl QParams {
    /// The parameters `scale` and `zero_point`, or `None` unless `scale` is
    /// finite and positive.
    pub const fn new(scale: f32, zero_point: i8) -> Option<QParams> {
        if scale.is_finite() && scale > 0.0 { Some(QParams { scale, zero_point }) } else { None }
    }

    /// The int8 parameters of an activation whose calibrated range is
    /// `range`, exactly as TensorFlow Lite's converter computes them (its
    /// MLIR quantiser's `fakeQuantAttrsToType` with 8 bits, signed, not
    /// narrow; in `f64`, then the scale stored as `f32` as a `.tflite`
    /// file holds it):
    ///
    /// 1. the range is widened to include 0: `min = min(min, 0)`,
    ///    `max = max(max, 0)`, so the real 0 (zero padding, ReLU's floor) is
    ///    exactly representable;
    /// 2. a range of width 0 (every value 0) gets scale 1 and zero point
    ///    −128, as TFLite's special case;
    /// 3. otherwise `scale = (max − min)/255`, and the zero point is
    ///    `−128 − min/scale` or `127 − max/scale` — equal in exact
    ///    arithmetic; TFLite takes whichever has the smaller rounding error
    ///    (`128 + |min/scale|` against `127 + |max/scale|`), and so does
    ///    this —
    /// 4. nudged to an integer: below −128 → −128, above 127 → 127,
    ///    otherwise rounded half away from zero (C's `round`).
    ///
    /// This is `zero_point = round(−128 − min/scale)` in all but the
    /// floating-point rounding of a tie.
    ///
    /// # Errors
    ///
    /// [`QuantizeErrorKind::Uncalibrated`] for a range that saw no value;
    /// [`QuantizeErrorKind::NonFiniteRange`] if it saw a NaN or an infinity
    /// (or its width overflows `f32`); [`QuantizeErrorKind::TinyRange`] for
    /// a range so narrow that its scale is not a normal `f32`.
    /// The error's layer is 0 (the callers in this module set it).
    pub fn from_range(range: Range) -> Result<QParams, QuantizeError> {
        let fail = |kind| Err(QuantizeError::new(0, kind));
        if range.is_empty() {
            return fail(QuantizeErrorKind::Uncalibrated);
        }
        let (min, max) = (range.min(), range.max());
        if !min.is_finite() || !max.is_finite() {
            return fail(QuantizeErrorKind::NonFiniteRange);
        }
        let rmin = f64::from(min).min(0.0);
        let rmax = f64::from(max).max(0.0);
        if (rmax - rmin).abs() < f64::EPSILON {
            return Ok(QParams { scale: 1.0, zero_point: i8::MIN });
        }
        let (qmin, qmax) = (f64::from(i8::MIN), f64::from(i8::MAX));
        let scale = (rmax - rmin) / (qmax - qmin);
        let from_min = qmin - rmin / scale;
        let from_max = qmax - rmax / scale;
        let zero_point =
            if qmin.abs() + (rmin / scale).abs() < qmax.abs() + (rmax / scale).abs() { from_min } else { from_max };
        let zero_point = if zero_point < qmin {
            i8::MIN
        } else if zero_point > qmax {
            i8::MAX
        } else {
            libm::round(zero_point) as i8 // in −128..=127 here
        };
        let scale = scale as f32;
        if !scale.is_normal() {
            return fail(QuantizeErrorKind::TinyRange);
        }
        Ok(QParams { scale, zero_point })
    }

    /// The scale.
    pub const fn scale(self) -> f32 {
        self.scale
    }

    /// The zero point.
    pub const fn zero_point(self) -> i8 {
        self.zero_point
    }

    /// `x` quantised as TFLite's `QUANTIZE` does:
    /// `clamp(round(x / scale) + zero_point, −128, 127)`, rounded half away
    /// from zero. Infinities saturate; NaN gives the zero point (TFLite
    /// leaves NaN undefined).
    pub fn quantize(self, x: f32) -> i8 {
        let steps = libm::roundf(x / self.scale) as i32; // saturating; NaN → 0
        steps.saturating_add(i32::from(self.zero_point)).clamp(i32::from(i8::MIN), i32::from(i8::MAX)) as i8
    }

    /// The real value of `q`: `scale · (q − zero_point)`, as TFLite's
    /// `DEQUANTIZE`.
    pub fn dequantize(self, q: i8) -> f32 {
        self.scale * (i32::from(q) - i32::from(self.zero_point)) as f32
    }

    /// A vector quantised value by value ([`quantize`](QParams::quantize)).
    pub fn quantize_array<const N: usize>(self, x: &[f32; N]) -> [i8; N] {
        x.map(|v| self.quantize(v))
    }

    /// A vector dequantised value by value ([`dequantize`](QParams::dequantize)).
    pub fn dequantize_array<const N: usize>(self, q: &[i8; N]) -> [f32; N] {
        q.map(|v| self.dequantize(v))
    }

    /// A float image, CHW `[[[f32; W]; H]; C]` as the float layers take it,
    /// quantised to the int8 layers' NHWC layout `[[[i8; C]; W]; H]`: the
    /// input of a quantised model whose float model starts on an image.
    ///
    /// ```
    /// use constnet::quant::QParams;
    ///
    /// let p = QParams::new(0.5, 0).unwrap();
    /// let chw = [[[1.0, 2.0]], [[-1.0, -2.0]]]; // 2 channels of 1×2
    /// assert_eq!(p.quantize_image(&chw), [[[2, -2], [4, -4]]]);
    /// ```
    pub fn quantize_image<const C: usize, const H: usize, const W: usize>(
        self,
        x: &[[[f32; W]; H]; C],
    ) -> [[[i8; C]; W]; H] {
        let mut q = [[[0; C]; W]; H];
        for (c, plane) in x.iter().enumerate() {
            for (row, q_row) in plane.iter().zip(q.iter_mut()) {
                for (&v, pixel) in row.iter().zip(q_row.iter_mut()) {
                    if let Some(slot) = pixel.get_mut(c) {
                        *slot = self.quantize(v);
                    }
                }
            }
        }
        q
    }

    /// An int8 NHWC image `[[[i8; C]; W]; H]` dequantised to the float
    /// layers' CHW layout `[[[f32; W]; H]; C]` (the inverse of
    /// [`quantize_image`](QParams::quantize_image)'s layout change).
    pub fn dequantize_image<const C: usize, const H: usize, const W: usize>(
        self,
        q: &[[[i8; C]; W]; H],
    ) -> [[[f32; W]; H]; C] {
        core::array::from_fn(|c| core::array::from_fn(|h| core::array::from_fn(|w| self.dequantize(q[h][w][c]))))
    }
}
