//! [`QRelu`]: ReLU on int8 values whose output keeps the input's scale and
//! zero point — what the quantiser converts a float [`Relu`](crate::layers::Relu)
//! to, after the layer before it has taken the ReLU's range (TFLite's
//! fusion).

use core::fmt;

use crate::quant::WriteRust;
use crate::{Layer, Module, PerSample};

/// Int8 ReLU with the same quantisation in and out: each value becomes
/// `max(q, zero_point)` (the real 0). TFLite's int8 `RELU` with equal input
/// and output parameters, on any int8 shape; never panics.
///
/// After a dense layer or a convolution that the quantiser gave the ReLU's
/// range (zero point −128), every value is already at least the zero
/// point and this layer changes nothing; elsewhere it is the exact ReLU of
/// its input.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::quant::QRelu;
///
/// static RELU: QRelu = QRelu::new(-3);
/// assert_eq!(RELU.forward(&[-128_i8, -3, 0, 127]), [-3, -3, 0, 127]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct QRelu {
    zero_point: i8,
}

impl QRelu {
    /// The ReLU of values whose real 0 is `zero_point`.
    pub const fn new(zero_point: i8) -> QRelu {
        QRelu { zero_point }
    }

    /// The zero point.
    pub const fn zero_point(&self) -> i8 {
        self.zero_point
    }
}

impl Module for QRelu {}

/// A batch runs sample by sample.
impl PerSample for QRelu {}

/// A vector.
impl<const N: usize> Layer<[i8; N]> for QRelu {
    type Output = [i8; N];

    fn eval(&self, x: &[i8; N]) -> [i8; N] {
        let mut y = *x;
        for v in y.iter_mut() {
            *v = (*v).max(self.zero_point);
        }
        y
    }
}

/// A 1-D map or any `[[i8; A]; B]`.
impl<const A: usize, const B: usize> Layer<[[i8; A]; B]> for QRelu {
    type Output = [[i8; A]; B];

    fn eval(&self, x: &[[i8; A]; B]) -> [[i8; A]; B] {
        x.map(|row| Layer::<[i8; A]>::eval(self, &row))
    }
}

/// An NHWC image or any `[[[i8; A]; B]; C]`.
impl<const A: usize, const B: usize, const C: usize> Layer<[[[i8; A]; B]; C]> for QRelu {
    type Output = [[[i8; A]; B]; C];

    fn eval(&self, x: &[[[i8; A]; B]; C]) -> [[[i8; A]; B]; C] {
        x.map(|plane| Layer::<[[i8; A]; B]>::eval(self, &plane))
    }
}

impl WriteRust for QRelu {
    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        write!(out, "constnet::quant::QRelu::new({})", self.zero_point)
    }
}
