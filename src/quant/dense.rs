//! [`QDense`]: TFLite's int8 `FULLY_CONNECTED`.

use core::fmt;
use core::marker::PhantomData;

use crate::layer::SameShape;
use crate::quant::checks;
use crate::quant::rust_source::{Literal, write_output_stage};
use crate::quant::{
    LoadError, Operator, OperatorKind, OutputStage, QuantizedModel, Role, Rounding, SingleRounding, WriteRust,
};
use crate::{Layer, Module, PerSample};

/// An int8 fully connected layer from `I` inputs to `O` outputs, TFLite's
/// `FULLY_CONNECTED` with int8 activations and weights and int32 bias:
///
/// `acc[o] = bias[o] + Σᵢ W[o][i]·(x[i] − input_zero_point)`, then the
/// [`OutputStage`]: requantised per channel (or per tensor) with rounding
/// `R`, plus the output zero point, clamped to the fused activation's range.
///
/// The weight is `[O][I]`, TFLite's layout, symmetric (zero point 0) as
/// the int8 quantisation spec requires. The accumulator wraps on overflow
/// (TFLite leaves that undefined; it needs more than 2^16 inputs).
///
/// ```
/// use constnet::prelude::*;
/// use constnet::quant::{Activation, Clamp, Multiplier, OutputStage, QDense};
///
/// const OUT: OutputStage<2> = OutputStage::per_tensor(
///     match Multiplier::from_scale(0.25) { Ok(m) => m, Err(_) => panic!() },
///     -128,
///     Clamp::fused(Activation::Relu, 0.1, -128),
/// );
/// static LAYER: QDense<3, 2> = QDense::new([[1, 2, 3], [-4, 5, -6]], [0, 100], -1, OUT);
/// // x + 1 = [2, 3, 4]: W·(x + 1) + b = [20, 83]; /4 → [5, 21]; − 128.
/// assert_eq!(LAYER.forward(&[1, 2, 3]), [-123, -107]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct QDense<const I: usize, const O: usize, R = SingleRounding> {
    weight: [[i8; I]; O],
    /// `bias[o] − input_zero_point·Σᵢ W[o][i]`, wrapping: the input's zero
    /// point folded into the bias once, so each multiply-accumulate is
    /// `W·x` alone (integer sums in any order give the same bits).
    folded_bias: [i32; O],
    input_zero_point: i8,
    output: OutputStage<O>,
    rounding: PhantomData<R>,
}

impl<const I: usize, const O: usize, R: Rounding> QDense<I, O, R> {
    /// The layer from TFLite-layout weights `[O][I]`, the int32 bias, the
    /// input's zero point and the output stage. A `const fn`, so a model
    /// can be a `static` in flash.
    pub const fn new(weight: [[i8; I]; O], bias: [i32; O], input_zero_point: i8, output: OutputStage<O>) -> Self {
        const { assert!(I > 0 && O > 0, "a QDense layer needs at least one input and one output") };
        let mut folded_bias = bias;
        let mut o = 0;
        while o < O {
            folded_bias[o] = folded_bias[o].wrapping_sub((input_zero_point as i32).wrapping_mul(row_sum(&weight[o])));
            o += 1;
        }
        QDense { weight, folded_bias, input_zero_point, output, rounding: PhantomData }
    }

    /// The weight, `[O][I]`.
    pub const fn weight(&self) -> &[[i8; I]; O] {
        &self.weight
    }

    /// The bias (scale `input_scale · weight_scale`).
    pub const fn bias(&self) -> [i32; O] {
        let mut bias = self.folded_bias;
        let mut o = 0;
        while o < O {
            bias[o] = bias[o].wrapping_add((self.input_zero_point as i32).wrapping_mul(row_sum(&self.weight[o])));
            o += 1;
        }
        bias
    }

    /// The input zero point.
    pub const fn input_zero_point(&self) -> i8 {
        self.input_zero_point
    }

    /// The output stage.
    pub const fn output(&self) -> &OutputStage<O> {
        &self.output
    }
}

impl<const I: usize, const O: usize, R> Module for QDense<I, O, R> {}

/// A batch runs sample by sample.
impl<const I: usize, const O: usize, R> PerSample for QDense<I, O, R> {}

/// Accepts any input and requires it to be [`SameShape`] as `[i8; I]`, so
/// a stack whose widths do not chain is reported naming both shapes.
impl<const I: usize, const O: usize, R: Rounding, X: SameShape<[i8; I]>> Layer<X> for QDense<I, O, R> {
    type Output = [i8; O];

    fn eval(&self, x: &X) -> [i8; O] {
        let x = x.as_shape();
        let mut y = [0; O];
        let channels = self.weight.iter().zip(&self.folded_bias).zip(self.output.multipliers());
        for (out, ((row, &bias), &m)) in y.iter_mut().zip(channels) {
            let acc = row.iter().zip(x).fold(bias, |acc, (&w, &v)| acc.wrapping_add(w as i32 * v as i32));
            *out = self.output.finish_with(R::MODE, acc, m);
        }
        y
    }
}

/// One `FULLY_CONNECTED` operator: input `[1, I]` int8, weight `[O, I]`
/// int8 symmetric (per tensor or per output channel, axis 0), bias `[O]`
/// int32 (or none), output `[1, O]` int8; fused NONE, RELU or RELU6.
impl<const I: usize, const O: usize, R: Rounding> QuantizedModel for QDense<I, O, R> {
    const OPERATORS: usize = 1;

    fn operator_kind(position: usize) -> Option<OperatorKind> {
        (position == 0).then_some(OperatorKind::FullyConnected)
    }

    fn from_operators(operators: &[Operator<'_>]) -> Result<Self, LoadError> {
        let op = checks::single(operators, OperatorKind::FullyConnected)?;
        let (input_scale, input_zero_point) = checks::activation(op, Role::Input, &op.input, &[1, I])?;
        let output = checks::activation(op, Role::Output, &op.output, &[1, O])?;
        let weight_tensor = checks::required(op, Role::Weight, op.weight.as_ref())?;
        let mut weight = [[0; I]; O];
        checks::int8_data(op, Role::Weight, weight_tensor, &[O, I], weight.as_flattened_mut())?;
        let scales = checks::weight_scales::<O>(op, weight_tensor, 0)?;
        let bias = checks::bias::<O>(op)?;
        let stage = checks::output_stage(op, input_scale, &scales, output)?;
        Ok(QDense::new(weight, bias, input_zero_point, stage))
    }
}

impl<const I: usize, const O: usize, R: Rounding> WriteRust for QDense<I, O, R> {
    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        out.write_str("constnet::quant::QDense::new(")?;
        self.weight.write_literal(out)?;
        out.write_str(", ")?;
        self.bias().write_literal(out)?;
        write!(out, ", {}, ", self.input_zero_point)?;
        write_output_stage(out, &self.output)?;
        out.write_char(')')
    }
}

/// `Σᵢ row[i]`, wrapping (it cannot overflow for fewer than 2^24 inputs).
const fn row_sum<const I: usize>(row: &[i8; I]) -> i32 {
    let mut sum = 0_i32;
    let mut i = 0;
    while i < I {
        sum = sum.wrapping_add(row[i] as i32);
        i += 1;
    }
    sum
}
