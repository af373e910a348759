//! [`QLookup`]: any element-wise function on int8 values as a 256-entry
//! table — how the quantiser converts the float activations (ReLU, tanh,
//! the sigmoid, …), with the input's and the output's own quantisation.

use core::fmt;

use crate::quant::rust_source::Literal;
use crate::quant::{QParams, QuantizeError, QuantizeErrorKind, WriteRust};
use crate::{Layer, Module, PerSample};

/// An int8 element-wise layer: each value `q` becomes `table[q + 128]`.
/// It works on any int8 shape — a vector `[i8; N]`, a 1-D map, an NHWC
/// image — and never panics (every `i8` indexes the table).
///
/// [`from_fn`](QLookup::from_fn) builds the table of a real function `f`
/// between two quantisations, as TFLite builds its `LUT`-based int8
/// activations: entry `q` is `f(dequantize_in(q))` quantised with the
/// output's parameters. Exact up to the output's rounding for every input
/// the input's grid can hold, whatever `f` is.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::quant::{QLookup, QParams};
///
/// let input = QParams::new(0.05, 0).unwrap(); // −6.4 ..= 6.35
/// let output = QParams::new(1.0 / 256.0, -128).unwrap(); // 0 ..= 255/256
/// let sigmoid = QLookup::from_fn(input, output, |x| 1.0 / (1.0 + (-x).exp())).unwrap();
/// let y = sigmoid.forward(&[0_i8, 127, -128]);
/// assert_eq!(y, [0, 127, -128]); // σ(0) = 0.5 → 128 − 128; σ(6.35) saturates at 127; σ(−6.4) → −128
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct QLookup {
    table: [i8; 256],
}

impl QLookup {
    /// The layer of a given table: entry `k` is the output for input
    /// `k − 128`. A `const fn`, so a model can be a `static`.
    pub const fn new(table: [i8; 256]) -> QLookup {
        QLookup { table }
    }

    /// The table of `f` from values quantised with `input` to values
    /// quantised with `output`: entry `q + 128` is
    /// `output.quantize(f(input.dequantize(q)))`.
    ///
    /// # Errors
    ///
    /// [`QuantizeErrorKind::NonFiniteFunction`] if `f` gives a NaN for a
    /// value of the input's grid (an infinity saturates, as quantising
    /// does). The error's layer is 0.
    pub fn from_fn(input: QParams, output: QParams, f: impl Fn(f32) -> f32) -> Result<QLookup, QuantizeError> {
        let mut table = [0; 256];
        for (k, entry) in (i8::MIN..=i8::MAX).zip(table.iter_mut()) {
            let y = f(input.dequantize(k));
            if y.is_nan() {
                return Err(QuantizeError::new(0, QuantizeErrorKind::NonFiniteFunction));
            }
            *entry = output.quantize(y);
        }
        Ok(QLookup { table })
    }

    /// The table: entry `k` is the output for input `k − 128`.
    pub const fn table(&self) -> &[i8; 256] {
        &self.table
    }

    /// The output for one value.
    #[inline(always)]
    pub const fn apply(&self, q: i8) -> i8 {
        self.table[(q as u8 ^ 0x80) as usize] // q + 128, in 0..=255
    }
}

impl Module for QLookup {}

/// A batch runs sample by sample.
impl PerSample for QLookup {}

/// A vector.
impl<const N: usize> Layer<[i8; N]> for QLookup {
    type Output = [i8; N];

    fn eval(&self, x: &[i8; N]) -> [i8; N] {
        let mut y = *x;
        for v in y.iter_mut() {
            *v = self.apply(*v);
        }
        y
    }
}

/// A 1-D map or any `[[i8; A]; B]`.
impl<const A: usize, const B: usize> Layer<[[i8; A]; B]> for QLookup {
    type Output = [[i8; A]; B];

    fn eval(&self, x: &[[i8; A]; B]) -> [[i8; A]; B] {
        x.map(|row| Layer::<[i8; A]>::eval(self, &row))
    }
}

/// An NHWC image or any `[[[i8; A]; B]; C]`.
impl<const A: usize, const B: usize, const C: usize> Layer<[[[i8; A]; B]; C]> for QLookup {
    type Output = [[[i8; A]; B]; C];

    fn eval(&self, x: &[[[i8; A]; B]; C]) -> [[[i8; A]; B]; C] {
        x.map(|plane| Layer::<[[i8; A]; B]>::eval(self, &plane))
    }
}

impl WriteRust for QLookup {
    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        out.write_str("constnet::quant::QLookup::new(")?;
        self.table.write_literal(out)?;
        out.write_char(')')
    }
}
