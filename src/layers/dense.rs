//! [`Dense`]: the fully connected layer, z = W·x + b.

use core::fmt;

use rand::Rng;

use crate::kernel::{
    matmat_t, matmat_t_input_grad, matmat_t_param_grads, matvec_t, matvec_t_input_grad, matvec_t_param_grads,
};
use crate::layer::SameShape;
use crate::model::{Tensor, TensorMut, weight_and_bias, weight_and_bias_mut, write_array};
use crate::{Backprop, Batch, Float, Init, Layer, Layout, Mode, Model, Module, Shape};

/// A fully connected layer from `I` inputs to `O` outputs: z = W·x + b.
///
/// At its API the weight is `[O][I]`, as PyTorch's `nn.Linear` gives and
/// takes it (row `o` holds the weights into output `o`), and the bias is
/// `[O]`. Inside, the weight is stored transposed, `[I][O]`: the forward pass
/// then adds the columns `W[·][i]·x[i]`, in order of `i`, into `O`
/// independent sums, which the compiler vectorises without reordering any
/// sum, so the result has the same bits on every target. Each output is summed as
/// `((b + W[o][0]·x[0]) + W[o][1]·x[1]) + …`, in that order, everywhere.
///
/// A `Dense` can be built in a `const` or `static` from literal weights,
/// which puts it in flash on a microcontroller:
///
/// ```
/// use constnet::prelude::*;
///
/// static LAYER: Dense<2, 2> = Dense::from_weights([[1.0, 2.0], [3.0, 4.0]], [0.5, -0.5]);
/// assert_eq!(LAYER.forward(&[1.0, 1.0]), [3.5, 6.5]);
/// assert_eq!(LAYER.weight(), [[1.0, 2.0], [3.0, 4.0]]);
/// ```
///
/// On x86 and AArch64 hosts the weight starts on a 64-byte boundary
/// wherever the layer is placed: the type is aligned to 64 bytes (a cache
/// line, an AVX-512 register), because a 64×64 layer whose weight sat 16
/// bytes past a boundary ran 1.39–1.47× slower with AVX2 and AVX-512, its
/// vector loads straddling cache lines. The cost is padding, the layer's
/// size rounded up to a multiple of 64 bytes. Microcontrollers have no such
/// loads, so there the layer keeps 4-byte alignment and no padding.
#[derive(Clone, Debug, PartialEq)]
#[repr(C)]
#[cfg_attr(any(target_arch = "x86_64", target_arch = "x86", target_arch = "aarch64"), repr(align(64)))]
pub struct Dense<const I: usize, const O: usize, F = f32> {
    /// The weight, transposed: `weight_t[i][o]` is PyTorch's `weight[o][i]`.
    weight_t: [[F; O]; I],
    bias: [F; O],
}

impl<const I: usize, const O: usize, F: Float> Dense<I, O, F> {
    /// Builds the layer from PyTorch-layout weights `[O][I]` and bias `[O]`.
    /// A `const fn`, so a model can live in a `static`.
    pub const fn from_weights(weight: [[F; I]; O], bias: [F; O]) -> Self {
        const { assert!(I > 0 && O > 0, "a Dense layer needs at least one input and one output") };
        let mut weight_t = [[weight[0][0]; O]; I];
        let mut o = 0;
        while o < O {
            let mut i = 0;
            while i < I {
                weight_t[i][o] = weight[o][i];
                i += 1;
            }
            o += 1;
        }
        Dense { weight_t, bias }
    }

    /// The weight in PyTorch's layout `[O][I]`.
    pub fn weight(&self) -> [[F; I]; O] {
        core::array::from_fn(|o| core::array::from_fn(|i| self.weight_t[i][o]))
    }

    /// The bias.
    pub const fn bias(&self) -> &[F; O] {
        &self.bias
    }

    /// Replaces the weight (PyTorch layout `[O][I]`) and the bias.
    pub fn set_weights(&mut self, weight: &[[F; I]; O], bias: &[F; O]) {
        for (o, row) in weight.iter().enumerate() {
            for (column, &w) in self.weight_t.iter_mut().zip(row) {
                column[o] = w;
            }
        }
        self.bias = *bias;
    }
}

impl<const I: usize, const O: usize, F> Dense<I, O, F> {
    /// The weight's PyTorch shape `[O, I]`, stored transposed.
    const WEIGHT: (Shape, Layout) = (Shape::new(&[O, I]), Layout::Transposed);
}

impl<const I: usize, const O: usize, F> Module for Dense<I, O, F> {}

impl<const I: usize, const O: usize, F: Float> Model<F> for Dense<I, O, F> {
    const PARAMS: usize = I * O + O;
    const TENSORS: usize = 2;

    const ZERO: Self = Dense { weight_t: [[F::ZERO; O]; I], bias: [F::ZERO; O] };

    fn initialize_with<R: Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
        init.fill_transposed(&mut self.weight_t, |column| &mut column[..], rng);
        self.bias = [F::ZERO; O];
    }

    fn tensors(&self) -> impl Iterator<Item = Tensor<'_, F>> {
        weight_and_bias(Self::WEIGHT, Shape::new(const { &[O] }), self.weight_t.as_flattened(), &self.bias)
    }

    fn tensors_mut(&mut self) -> impl Iterator<Item = TensorMut<'_, F>> {
        weight_and_bias_mut(Self::WEIGHT, Shape::new(const { &[O] }), self.weight_t.as_flattened_mut(), &mut self.bias)
    }

    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        out.write_str("constnet::layers::Dense::from_weights([")?;
        for (o, row) in self.weight().iter().enumerate() {
            if o > 0 {
                out.write_str(", ")?;
            }
            write_array(out, row)?;
        }
        out.write_str("], ")?;
        write_array(out, &self.bias)?;
        out.write_char(')')
    }
}

/// Accepts any input and requires it to be [`SameShape`] as `[F; I]`, so
/// that a wrong width, or a feature map or a plain array of samples where
/// a vector belongs, is reported naming both shapes.
impl<const I: usize, const O: usize, X, F: Float> Layer<X> for Dense<I, O, F>
where
    X: SameShape<[F; I]>,
{
    type Output = [F; O];

    #[inline]
    fn eval(&self, x: &X) -> [F; O] {
        let mut z = self.bias;
        matvec_t(&mut z, &self.weight_t, x.as_shape());
        z
    }
}

impl<const I: usize, const O: usize, X, F: Float, M: Mode> Backprop<X, M> for Dense<I, O, F>
where
    X: SameShape<[F; I]>,
{
    /// The layer's input.
    type Tape = [F; I];

    fn eval_tape(&mut self, x: &X) -> ([F; O], [F; I]) {
        (self.eval(x), *x.as_shape())
    }

    fn backprop(&self, x: &[F; I], dy: &[F; O], grads: &mut Self) -> X {
        // dL/dW[o][i] = dy[o]·x[i], one transposed column per input;
        // dL/dx[i] = Σ_o W[o][i]·dy[o], a dot product with a stored column.
        <Self as Backprop<X, M>>::backprop_params(self, x, dy, grads);
        SameShape::from_shape(matvec_t_input_grad(&self.weight_t, dy, |c| &c[..]))
    }

    fn backprop_params(&self, x: &[F; I], dy: &[F; O], grads: &mut Self) {
        matvec_t_param_grads(x, dy, &mut grads.bias, &mut grads.weight_t, |c| &mut c[..]);
    }
}

/// A batch through the layer: on x86-64 a register-tiled matrix product
/// that loads each weight once for several samples, elsewhere one
/// single-sample pass per sample. Either way every output is summed in the
/// single-sample order, so it has exactly the bits of a per-sample
/// [`eval`](Layer::eval).
impl<const I: usize, const O: usize, X, F: Float, const B: usize> Layer<Batch<X, B>> for Dense<I, O, F>
where
    X: SameShape<[F; I]>,
{
    type Output = Batch<[F; O], B>;

    #[inline]
    fn eval(&self, x: &Batch<X, B>) -> Batch<[F; O], B> {
        let inputs: [&[F; I]; B] = core::array::from_fn(|b| x[b].as_shape());
        let mut z = [self.bias; B];
        matmat_t(&mut z, &self.weight_t, &inputs);
        Batch(z)
    }
}

/// Training on a batch: the forward pass above; the weight gradient as one
/// register-tiled product over the batch (on x86-64), accumulated in sample
/// order; dL/dx sample by sample. The gradients have exactly the bits of
/// per-sample accumulation.
impl<const I: usize, const O: usize, X, F: Float, M: Mode, const B: usize> Backprop<Batch<X, B>, M> for Dense<I, O, F>
where
    X: SameShape<[F; I]>,
{
    /// The samples' inputs.
    type Tape = [[F; I]; B];

    fn eval_tape(&mut self, x: &Batch<X, B>) -> (Batch<[F; O], B>, [[F; I]; B]) {
        (self.eval(x), core::array::from_fn(|b| *x[b].as_shape()))
    }

    fn backprop(&self, x: &[[F; I]; B], dy: &Batch<[F; O], B>, grads: &mut Self) -> Batch<X, B> {
        <Self as Backprop<Batch<X, B>, M>>::backprop_params(self, x, dy, grads);
        let d_outputs: [&[F; O]; B] = core::array::from_fn(|b| &dy[b]);
        let mut dx = [[F::ZERO; I]; B];
        matmat_t_input_grad(&self.weight_t, &d_outputs, &mut dx);
        Batch(dx.map(SameShape::from_shape))
    }

    fn backprop_params(&self, x: &[[F; I]; B], dy: &Batch<[F; O], B>, grads: &mut Self) {
        let inputs: [&[F; I]; B] = core::array::from_fn(|b| &x[b]);
        let d_outputs: [&[F; O]; B] = core::array::from_fn(|b| &dy[b]);
        matmat_t_param_grads(&inputs, &d_outputs, &mut grads.bias, &mut grads.weight_t);
    }
}
