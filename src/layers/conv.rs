//! [`Conv1d`] and [`Conv2d`]: convolutions (PyTorch's cross-correlation)
//! with channels, a square kernel, a stride and zero padding.
//!
//! Layouts, the compile-time shape checks and the summation order are
//! described on [`Conv2d`].

use core::fmt;

use rand::Rng;

use crate::layer::SameShape;
use crate::layers::conv_general::{AxisGeometry, forward_plane};
use crate::model::{Tensor, TensorMut, weight_and_bias, weight_and_bias_mut, write_array, write_rows};
use crate::{Backprop, Float, Init, Layer, Layout, Mode, Model, Module, PerSample, Shape};

/// A 1-D convolution from `CI` to `CO` channels with kernel size `K`,
/// stride `S` and zero padding `P` on both ends, declared to produce `LO`
/// positions: `[[F; L]; CI]` → `[[F; LO]; CO]`, with
/// `LO = (L + 2·P − K)/S + 1` checked at compile time (see the
/// docs of [`Conv2d`]).
///
/// `y[o][i] = b[o] + Σ_c Σ_k w[o][c][k]·x[c][i·S + k − P]`, summed bias
/// first, then `c`, then `k`, in increasing order.
///
/// ```
/// use constnet::prelude::*;
///
/// // Two channels in, one out, kernel 2: 4 positions in, 3 out.
/// static CONV: Conv1d<2, 1, 2, 3> = Conv1d::from_weights([[[1.0, -1.0], [0.5, 0.5]]], [0.0]);
/// let y = CONV.forward(&[[1.0, 2.0, 4.0, 8.0], [2.0, 2.0, 2.0, 2.0]]);
/// assert_eq!(y, [[1.0, 0.0, -2.0]]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Conv1d<
    const CI: usize,
    const CO: usize,
    const K: usize,
    const LO: usize,
    const S: usize = 1,
    const P: usize = 0,
    F = f32,
> {
    weight: [[[F; K]; CI]; CO],
    bias: [F; CO],
}

impl<const CI: usize, const CO: usize, const K: usize, const LO: usize, const S: usize, const P: usize, F: Float>
    Conv1d<CI, CO, K, LO, S, P, F>
{
    /// Builds the layer from PyTorch-layout weights `[CO][CI][K]` and bias
    /// `[CO]`. A `const fn`, so a model can live in a `static`.
    pub const fn from_weights(weight: [[[F; K]; CI]; CO], bias: [F; CO]) -> Self {
        Conv1d { weight, bias }
    }

    /// The weight in PyTorch's layout `[CO][CI][K]`.
    pub const fn weight(&self) -> &[[[F; K]; CI]; CO] {
        &self.weight
    }

    /// Replaces the weight (PyTorch layout `[CO][CI][K]`) and the bias.
    pub fn set_weights(&mut self, weight: &[[[F; K]; CI]; CO], bias: &[F; CO]) {
        self.weight = *weight;
        self.bias = *bias;
    }

    /// The bias.
    pub const fn bias(&self) -> &[F; CO] {
        &self.bias
    }
}

impl<const CI: usize, const CO: usize, const K: usize, const LO: usize, const S: usize, const P: usize, F> Module
    for Conv1d<CI, CO, K, LO, S, P, F>
{
}

impl<const CI: usize, const CO: usize, const K: usize, const LO: usize, const S: usize, const P: usize, F: Float>
    Model<F> for Conv1d<CI, CO, K, LO, S, P, F>
{
    const PARAMS: usize = CO * CI * K + CO;
    const TENSORS: usize = 2;
    const ZERO: Self = Conv1d { weight: [[[F::ZERO; K]; CI]; CO], bias: [F::ZERO; CO] };

    /// Fans as PyTorch computes them: in = `CI·K`, out = `CO·K`. Draws in
    /// the `[CO][CI][K]` order.
    fn initialize_with<R: Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
        for w in self.weight.as_flattened_mut().as_flattened_mut() {
            *w = init.sample(CI * K, CO * K, rng);
        }
        self.bias = [F::ZERO; CO];
    }

    fn tensors(&self) -> impl Iterator<Item = Tensor<'_, F>> {
        weight_and_bias(
            (Shape::new(const { &[CO, CI, K] }), Layout::PyTorch),
            Shape::new(const { &[CO] }),
            self.weight.as_flattened().as_flattened(),
            &self.bias,
        )
    }

    fn tensors_mut(&mut self) -> impl Iterator<Item = TensorMut<'_, F>> {
        weight_and_bias_mut(
            (Shape::new(const { &[CO, CI, K] }), Layout::PyTorch),
            Shape::new(const { &[CO] }),
            self.weight.as_flattened_mut().as_flattened_mut(),
            &mut self.bias,
        )
    }

    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        out.write_str("constnet::layers::Conv1d::from_weights([")?;
        for (o, kernels) in self.weight.iter().enumerate() {
            if o > 0 {
                out.write_str(", ")?;
            }
            let rows: [&[F]; CI] = core::array::from_fn(|c| &kernels[c][..]);
            write_rows(out, &rows)?;
        }
        out.write_str("], ")?;
        write_array(out, &self.bias)?;
        out.write_char(')')
    }
}

/// The compile-time shape check of a [`Conv1d`] for an input of length `L`.
macro_rules! conv1d_check {
    () => {
        const {
            assert!(K >= 1 && S >= 1, "Conv1d: the kernel size K and the stride S must be at least 1");
            assert!(
                L + 2 * P >= K && (L + 2 * P - K) / S + 1 == LO,
                "Conv1d: the declared output length LO must be (L + 2·P − K)/S + 1 for the input length L"
            );
        }
    };
}

impl<const CI: usize, const CO: usize, const K: usize, const LO: usize, const S: usize, const P: usize, F: Float>
    Conv1d<CI, CO, K, LO, S, P, F>
{
    /// The input position under kernel tap `k` of output `i`, or `None` in
    /// the padding.
    #[inline(always)]
    fn source<const L: usize>(i: usize, k: usize) -> Option<usize> {
        (i * S + k).checked_sub(P).filter(|&t| t < L)
    }

    /// All `LO` outputs of a channel at once, each its own running sum: the
    /// bias, then for each `c` and `k` in increasing order one [`tap`] that
    /// adds `w[o][c][k]·x[c][i·S + k − P]` to every output `i` outside the
    /// padding. Every output gets exactly the terms, in exactly the order,
    /// of the formula above; the pass over `i` vectorises.
    fn forward_one<const L: usize>(&self, x: &[[F; L]; CI]) -> [[F; LO]; CO] {
        let rows = AxisGeometry { stride: 1, dilation: 1, before: 0 };
        let cols = AxisGeometry { stride: S, dilation: 1, before: P };
        let mut y = [[F::zero(); LO]; CO];
        for ((acc, kernels), &b) in y.iter_mut().zip(&self.weight).zip(&self.bias) {
            forward_plane(core::slice::from_mut(acc), b, (rows, cols), CI, |c| {
                (core::slice::from_ref(&x[c]), core::slice::from_ref(&kernels[c]))
            });
        }
        y
    }

    #[allow(clippy::needless_range_loop)] // the loops spell out the index formulas
    fn backward_one<const L: usize>(&self, x: &[[F; L]; CI], dy: &[[F; LO]; CO], grads: &mut Self) -> [[F; L]; CI] {
        let mut dx = [[F::zero(); L]; CI];
        for o in 0..CO {
            for (i, &d) in dy[o].iter().enumerate() {
                grads.bias[o] = grads.bias[o] + d;
                for c in 0..CI {
                    for k in 0..K {
                        if let Some(t) = Self::source::<L>(i, k) {
                            grads.weight[o][c][k] = grads.weight[o][c][k] + d * x[c][t];
                            dx[c][t] = dx[c][t] + self.weight[o][c][k] * d;
                        }
                    }
                }
            }
        }
        dx
    }
}

/// A batch runs sample by sample, in order.
impl<const CI: usize, const CO: usize, const K: usize, const LO: usize, const S: usize, const P: usize, F> PerSample
    for Conv1d<CI, CO, K, LO, S, P, F>
{
}

/// One sample `[[F; L]; C]`, with `C` required to be `CI` through
/// [`SameShape`] and `LO` checked against `L` at compile time.
impl<
    const CI: usize,
    const CO: usize,
    const K: usize,
    const LO: usize,
    const S: usize,
    const P: usize,
    const C: usize,
    const L: usize,
    F: Float,
> Layer<[[F; L]; C]> for Conv1d<CI, CO, K, LO, S, P, F>
where
    [[F; L]; C]: SameShape<[[F; L]; CI]>,
{
    type Output = [[F; LO]; CO];

    fn eval(&self, x: &[[F; L]; C]) -> [[F; LO]; CO] {
        conv1d_check!();
        self.forward_one(x.as_shape())
    }
}

impl<
    const CI: usize,
    const CO: usize,
    const K: usize,
    const LO: usize,
    const S: usize,
    const P: usize,
    const C: usize,
    const L: usize,
    F: Float,
    M: Mode,
> Backprop<[[F; L]; C], M> for Conv1d<CI, CO, K, LO, S, P, F>
where
    [[F; L]; C]: SameShape<[[F; L]; CI]>,
{
    /// The layer's input.
    type Tape = [[F; L]; CI];

    fn eval_tape(&mut self, x: &[[F; L]; C]) -> ([[F; LO]; CO], [[F; L]; CI]) {
        conv1d_check!();
        (self.forward_one(x.as_shape()), *x.as_shape())
    }

    fn backprop(&self, x: &[[F; L]; CI], dy: &[[F; LO]; CO], grads: &mut Self) -> [[F; L]; C] {
        conv1d_check!();
        SameShape::from_shape(self.backward_one(x, dy, grads))
    }
}

/// A 2-D convolution from `CI` to `CO` channels with a `K`×`K` kernel,
/// stride `S` and zero padding `P` on every side, declared to produce
/// `HO`×`WO` outputs: `[[[F; W]; H]; CI]` → `[[[F; WO]; HO]; CO]`, with
/// `HO = (H + 2·P − K)/S + 1` and `WO = (W + 2·P − K)/S + 1` checked at
/// compile time.
///
/// `y[o][i][j] = b[o] + Σ_c Σ_p Σ_q w[o][c][p][q]·x[c][i·S + p − P][j·S + q − P]`
/// (cross-correlation, as PyTorch), summed bias first, then `c`, `p`, `q` in
/// increasing order. The weight is `[CO][CI][K][K]` at the API, PyTorch's
/// layout.
///
/// # Layouts
///
/// PyTorch's: a 1-D input is `[[F; L]; C]` (channels, then length), a 2-D
/// input is `[[[F; W]; H]; C]` (channels, height, width: CHW). A batch is a
/// [`Batch`](crate::Batch) of them (NCL, NCHW) and runs sample by sample, in
/// order, so a batched output or gradient has exactly the bits of the
/// per-sample ones.
///
/// # Computed shapes, checked at compile time
///
/// A convolution's output size is computed: `(H + 2·P − K)/S + 1`. Stable
/// Rust cannot yet compute an array length from generic parameters
/// (`[F; (H + 2 * P - K) / S + 1]` needs the unstable `generic_const_exprs`),
/// and `typenum` arithmetic would force every tensor to be a `GenericArray`,
/// which cannot meet the plain `[F; N]` arrays that [`Dense`](crate::layers::Dense)
/// and the activations take. So the output size is **declared** in the
/// layer's type — `Conv2d<CI, CO, K, HO, WO, S, P>` — and **checked** by an
/// inline `const { assert!(..) }` in every method of the layer's `Layer`
/// impl. A wrong declaration fails the build (`cargo build` / `cargo test`;
/// `cargo check` does not evaluate these constants), and the error names the
/// rule, the layer type and the input size:
///
/// ```text
/// error[E0080]: evaluation panicked: Conv2d: the declared output height HO must be (H + 2·P − K)/S + 1 for the input height H
/// note: the above error was encountered while instantiating
///       `fn <Conv2d<1, 6, 5, 27, 28> as Layer<[[[f32; 32]; 32]; 1]>>::eval`
/// ```
///
/// The number of input channels is checked by the type system instead: the
/// layer accepts any `[[[F; W]; H]; C]` that is [`SameShape`] as
/// `[[[F; W]; H]; CI]`, so a channel mismatch reads "a layer taking
/// `[[[f32; 8]; 8]; 1]` was given `[[[f32; 8]; 8]; 3]`".
///
/// [`Conv1d`], the pools ([`MaxPool2d`](crate::layers::MaxPool2d),
/// [`AvgPool2d`](crate::layers::AvgPool2d),
/// [`MaxPool1d`](crate::layers::MaxPool1d)) and
/// [`Flatten`](crate::layers::Flatten) declare and check their computed
/// sizes the same way. The checks also guarantee that every index of the
/// kernels is in bounds, so inference cannot panic.
///
/// # Summation order
///
/// Each output is summed in one fixed order on every target: the bias
/// first, then input channels, kernel rows and kernel columns, each in
/// increasing order. Terms that fall in the zero padding are skipped (they
/// add zero). The forward pass keeps a whole row of outputs (`WO` of them;
/// for [`Conv1d`], all `LO`) as independent running sums and adds each
/// kernel tap to all of them at once: the same terms in the same order for
/// every output, so the same bits, with a loop over outputs that the
/// compiler vectorises. The code is the same on the host and on a
/// microcontroller.
///
/// # Example
///
/// ```
/// use constnet::prelude::*;
///
/// // LeNet-5's first layer: 1×32×32 → 6×28×28.
/// type C1 = Conv2d<1, 6, 5, 28, 28>;
/// const _: () = assert!(<C1 as Model>::PARAMS == 6 * 25 + 6);
///
/// // A 2×2 kernel that sums its window, stride 2, on one 4×4 channel.
/// let conv: Conv2d<1, 1, 2, 2, 2, 2> = Conv2d::from_weights([[[[1.0, 1.0], [1.0, 1.0]]]], [0.5]);
/// let x = [[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [0.0; 4], [1.0; 4]]];
/// assert_eq!(conv.forward(&x), [[[14.5, 22.5], [2.5, 2.5]]]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Conv2d<
    const CI: usize,
    const CO: usize,
    const K: usize,
    const HO: usize,
    const WO: usize,
    const S: usize = 1,
    const P: usize = 0,
    F = f32,
> {
    weight: [[[[F; K]; K]; CI]; CO],
    bias: [F; CO],
}

impl<
    const CI: usize,
    const CO: usize,
    const K: usize,
    const HO: usize,
    const WO: usize,
    const S: usize,
    const P: usize,
    F: Float,
> Conv2d<CI, CO, K, HO, WO, S, P, F>
{
    /// Builds the layer from PyTorch-layout weights `[CO][CI][K][K]` and
    /// bias `[CO]`. A `const fn`, so a model can live in a `static`.
    pub const fn from_weights(weight: [[[[F; K]; K]; CI]; CO], bias: [F; CO]) -> Self {
        Conv2d { weight, bias }
    }

    /// The weight in PyTorch's layout `[CO][CI][K][K]`.
    pub const fn weight(&self) -> &[[[[F; K]; K]; CI]; CO] {
        &self.weight
    }

    /// Replaces the weight (PyTorch layout `[CO][CI][K][K]`) and the bias.
    pub fn set_weights(&mut self, weight: &[[[[F; K]; K]; CI]; CO], bias: &[F; CO]) {
        self.weight = *weight;
        self.bias = *bias;
    }

    /// The bias.
    pub const fn bias(&self) -> &[F; CO] {
        &self.bias
    }
}

impl<
    const CI: usize,
    const CO: usize,
    const K: usize,
    const HO: usize,
    const WO: usize,
    const S: usize,
    const P: usize,
    F,
> Module for Conv2d<CI, CO, K, HO, WO, S, P, F>
{
}

impl<
    const CI: usize,
    const CO: usize,
    const K: usize,
    const HO: usize,
    const WO: usize,
    const S: usize,
    const P: usize,
    F: Float,
> Model<F> for Conv2d<CI, CO, K, HO, WO, S, P, F>
{
    const PARAMS: usize = CO * CI * K * K + CO;
    const TENSORS: usize = 2;
    const ZERO: Self = Conv2d { weight: [[[[F::ZERO; K]; K]; CI]; CO], bias: [F::ZERO; CO] };

    /// Fans as PyTorch computes them: in = `CI·K·K`, out = `CO·K·K`. Draws
    /// in the `[CO][CI][K][K]` order.
    fn initialize_with<R: Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
        for w in self.weight.as_flattened_mut().as_flattened_mut().as_flattened_mut() {
            *w = init.sample(CI * K * K, CO * K * K, rng);
        }
        self.bias = [F::ZERO; CO];
    }

    fn tensors(&self) -> impl Iterator<Item = Tensor<'_, F>> {
        weight_and_bias(
            (Shape::new(const { &[CO, CI, K, K] }), Layout::PyTorch),
            Shape::new(const { &[CO] }),
            self.weight.as_flattened().as_flattened().as_flattened(),
            &self.bias,
        )
    }

    fn tensors_mut(&mut self) -> impl Iterator<Item = TensorMut<'_, F>> {
        weight_and_bias_mut(
            (Shape::new(const { &[CO, CI, K, K] }), Layout::PyTorch),
            Shape::new(const { &[CO] }),
            self.weight.as_flattened_mut().as_flattened_mut().as_flattened_mut(),
            &mut self.bias,
        )
    }

    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        out.write_str("constnet::layers::Conv2d::from_weights([")?;
        for (o, kernels) in self.weight.iter().enumerate() {
            if o > 0 {
                out.write_str(", ")?;
            }
            out.write_char('[')?;
            for (c, kernel) in kernels.iter().enumerate() {
                if c > 0 {
                    out.write_str(", ")?;
                }
                let rows: [&[F]; K] = core::array::from_fn(|p| &kernel[p][..]);
                write_rows(out, &rows)?;
            }
            out.write_char(']')?;
        }
        out.write_str("], ")?;
        write_array(out, &self.bias)?;
        out.write_char(')')
    }
}

/// The compile-time shape check of a [`Conv2d`] for an `H`×`W` input.
macro_rules! conv2d_check {
    () => {
        const {
            assert!(K >= 1 && S >= 1, "Conv2d: the kernel size K and the stride S must be at least 1");
            assert!(
                H + 2 * P >= K && (H + 2 * P - K) / S + 1 == HO,
                "Conv2d: the declared output height HO must be (H + 2·P − K)/S + 1 for the input height H"
            );
            assert!(
                W + 2 * P >= K && (W + 2 * P - K) / S + 1 == WO,
                "Conv2d: the declared output width WO must be (W + 2·P − K)/S + 1 for the input width W"
            );
        }
    };
}

impl<
    const CI: usize,
    const CO: usize,
    const K: usize,
    const HO: usize,
    const WO: usize,
    const S: usize,
    const P: usize,
    F: Float,
> Conv2d<CI, CO, K, HO, WO, S, P, F>
{
    /// The input row (or column) under kernel tap `p` of output `i`, or
    /// `None` in the padding.
    #[inline(always)]
    fn source<const N: usize>(i: usize, p: usize) -> Option<usize> {
        (i * S + p).checked_sub(P).filter(|&t| t < N)
    }

    /// A row of `WO` outputs at once, each its own running sum: the bias,
    /// then for each `c`, `p` and `q` in increasing order one [`tap`] that
    /// adds `w[o][c][p][q]·x[c][i·S + p − P][j·S + q − P]` to every output
    /// `j` outside the padding. Every output gets exactly the terms, in
    /// exactly the order, of the documented sum; the pass over `j`
    /// vectorises.
    fn forward_one<const H: usize, const W: usize>(&self, x: &[[[F; W]; H]; CI]) -> [[[F; WO]; HO]; CO] {
        let axis = AxisGeometry { stride: S, dilation: 1, before: P };
        let mut y = [[[F::zero(); WO]; HO]; CO];
        for ((out, kernels), &b) in y.iter_mut().zip(&self.weight).zip(&self.bias) {
            forward_plane(out, b, (axis, axis), CI, |c| (&x[c][..], &kernels[c][..]));
        }
        y
    }

    #[allow(clippy::needless_range_loop)] // the loops spell out the index formulas
    fn backward_one<const H: usize, const W: usize>(
        &self,
        x: &[[[F; W]; H]; CI],
        dy: &[[[F; WO]; HO]; CO],
        grads: &mut Self,
    ) -> [[[F; W]; H]; CI] {
        let mut dx = [[[F::zero(); W]; H]; CI];
        for o in 0..CO {
            for (i, dy_row) in dy[o].iter().enumerate() {
                for (j, &d) in dy_row.iter().enumerate() {
                    grads.bias[o] = grads.bias[o] + d;
                    for c in 0..CI {
                        for p in 0..K {
                            let Some(r) = Self::source::<H>(i, p) else { continue };
                            for q in 0..K {
                                if let Some(t) = Self::source::<W>(j, q) {
                                    let g = &mut grads.weight[o][c][p][q];
                                    *g = *g + d * x[c][r][t];
                                    dx[c][r][t] = dx[c][r][t] + self.weight[o][c][p][q] * d;
                                }
                            }
                        }
                    }
                }
            }
        }
        dx
    }
}

/// A batch runs sample by sample, in order.
impl<
    const CI: usize,
    const CO: usize,
    const K: usize,
    const HO: usize,
    const WO: usize,
    const S: usize,
    const P: usize,
    F,
> PerSample for Conv2d<CI, CO, K, HO, WO, S, P, F>
{
}

/// One sample `[[[F; W]; H]; C]` (CHW), with `C` required to be `CI`
/// through [`SameShape`] and `HO`, `WO` checked against `H`, `W` at compile
/// time.
impl<
    const CI: usize,
    const CO: usize,
    const K: usize,
    const HO: usize,
    const WO: usize,
    const S: usize,
    const P: usize,
    const C: usize,
    const H: usize,
    const W: usize,
    F: Float,
> Layer<[[[F; W]; H]; C]> for Conv2d<CI, CO, K, HO, WO, S, P, F>
where
    [[[F; W]; H]; C]: SameShape<[[[F; W]; H]; CI]>,
{
    type Output = [[[F; WO]; HO]; CO];

    fn eval(&self, x: &[[[F; W]; H]; C]) -> [[[F; WO]; HO]; CO] {
        conv2d_check!();
        self.forward_one(x.as_shape())
    }
}

impl<
    const CI: usize,
    const CO: usize,
    const K: usize,
    const HO: usize,
    const WO: usize,
    const S: usize,
    const P: usize,
    const C: usize,
    const H: usize,
    const W: usize,
    F: Float,
    M: Mode,
> Backprop<[[[F; W]; H]; C], M> for Conv2d<CI, CO, K, HO, WO, S, P, F>
where
    [[[F; W]; H]; C]: SameShape<[[[F; W]; H]; CI]>,
{
    /// The layer's input.
    type Tape = [[[F; W]; H]; CI];

    fn eval_tape(&mut self, x: &[[[F; W]; H]; C]) -> ([[[F; WO]; HO]; CO], [[[F; W]; H]; CI]) {
        conv2d_check!();
        (self.forward_one(x.as_shape()), *x.as_shape())
    }

    fn backprop(&self, x: &[[[F; W]; H]; CI], dy: &[[[F; WO]; HO]; CO], grads: &mut Self) -> [[[F; W]; H]; C] {
        conv2d_check!();
        SameShape::from_shape(self.backward_one(x, dy, grads))
    }
}
