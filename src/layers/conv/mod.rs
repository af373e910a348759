//! The convolutions: one general layer, [`Conv`], for 1-D and 2-D inputs
//! with groups (depthwise when every group has one input channel),
//! dilation, independent kernel sizes, strides and paddings per axis
//! (`same` and causal too), and its transpose, [`ConvTranspose`]. The
//! familiar forms are aliases of them: [`Conv1d`], [`Conv2d`],
//! [`DepthwiseConv1d`], [`DepthwiseConv2d`], [`CausalConv1d`],
//! [`ConvTranspose1d`], [`ConvTranspose2d`].
//!
//! Layouts, the compile-time shape checks and the summation order are
//! described on [`Conv`].

mod geometry;
mod layer;
mod plane;
mod streaming;
mod transposed;

use core::fmt;
use core::marker::PhantomData;

pub(crate) use geometry::Axis;
pub use geometry::{CausalPad, Geometry1d, Geometry2d, Pad, PadSpec, Padding, Same};
pub use streaming::History;
pub use transposed::{ConvTranspose, ConvTranspose1d, ConvTranspose2d};

use crate::model::{write_array, write_rows};
use crate::{Float, Shape};

/// A convolution (PyTorch's cross-correlation) from `CI` to `CO` channels,
/// with `CPG` input channels per group, kernel `Taps` and geometry `Geo`:
/// the one implementation behind every convolution of the library. Most
/// code names it through an alias:
///
/// | alias | PyTorch | `Taps` | `Geo` |
/// |---|---|---|---|
/// | [`Conv1d<CI, CO, K, LO, S, P>`](Conv1d) | `Conv1d(CI, CO, K, S, P)` | `[F; K]` | [`Geometry1d<LO, S, 1, Pad<P>>`](Geometry1d) |
/// | [`Conv2d<CI, CO, K, HO, WO, S, P>`](Conv2d) | `Conv2d(CI, CO, K, S, P)` | `[[F; K]; K]` | [`Geometry2d<HO, WO, S, S, 1, 1, Pad<P>, Pad<P>>`](Geometry2d) |
/// | [`DepthwiseConv1d<C, K, LO, S, D, P>`](DepthwiseConv1d) | `Conv1d(C, C, K, S, P, D, groups=C)` | `[F; K]` | `Geometry1d<LO, S, D, P>` |
/// | [`DepthwiseConv2d<C, K, HO, WO, S, P>`](DepthwiseConv2d) | `Conv2d(C, C, K, S, P, groups=C)` | `[[F; K]; K]` | `Geometry2d<HO, WO, S, S, 1, 1, P, P>` |
/// | [`CausalConv1d<CI, CO, K, D, L>`](CausalConv1d) | `Conv1d(CI, CO, K, dilation=D, padding=D·(K−1))`, its first `L` outputs | `[F; K]` | `Geometry1d<L, 1, D, CausalPad>` |
///
/// and anything else — groups, `KH ≠ KW`, one stride or dilation per
/// axis, `same` padding in 2-D — spelled out:
/// `Conv<CI, CO, CPG, [[F; KW]; KH], Geometry2d<HO, WO, SH, SW, DH, DW, PH, PW>, F>`.
///
/// # Groups
///
/// The groups are `G = CI / CPG`: output channel `o` sees input channels
/// `(o / (CO/G))·CPG ..` of its group only. `CPG` is declared rather than
/// `G` because the weight's array lengths must be parameters of the type
/// on stable Rust. `CPG = CI` is an ordinary convolution, `CPG = 1` a
/// depthwise one (with `CO = M·CI`, channel multiplier `M`). A `CPG` that
/// does not divide `CI`, or groups that do not divide `CO`, fail the build.
///
/// # Layouts
///
/// PyTorch's: a 1-D input is `[[F; L]; C]` (channels, then length), a 2-D
/// input is `[[[F; W]; H]; C]` (channels, height, width: CHW); the weight
/// is `[CO][CPG][K…]` (`[out][in/groups][kernel…]`). A batch is a
/// [`Batch`](crate::Batch) of samples (NCL, NCHW) and runs sample by
/// sample, in order, so a batched output or gradient has exactly the bits
/// of the per-sample ones.
///
/// # Computed shapes, checked at compile time
///
/// A convolution's output size is computed:
/// `(H + before + after − D·(K − 1) − 1)/S + 1`, with `before`/`after` the
/// zeros of the padding ([`Pad<P>`]: `P` each; [`Same`]: `D·(K − 1)` in
/// all, the odd one after, as PyTorch; [`CausalPad`]: all before). Stable
/// Rust cannot yet compute an array length from generic parameters (it
/// needs the unstable `generic_const_exprs`), and `typenum` arithmetic
/// would force every tensor to be a `GenericArray`, which cannot meet the
/// plain `[F; N]` arrays that [`Dense`](crate::layers::Dense) and the
/// activations take. So the output size is **declared** in the layer's
/// type and **checked** by an inline `const { assert!(..) }` in every
/// method of the layer's `Layer` impl. A wrong declaration fails the build
/// (`cargo build` / `cargo test`; `cargo check` does not evaluate these
/// constants), and the error names the rule, the layer type and the input:
///
/// ```text
/// error[E0080]: evaluation panicked: Conv: the declared output height HO must be
///               (H + before + after − DH·(KH − 1) − 1)/SH + 1 for the input height H (KH, SH, DH ≥ 1)
/// note: the above error was encountered while instantiating
///       `fn layers::conv::layer::<impl Layer<[[[f32; 32]; 32]; 1]> for Conv<1, 6, 1, [[f32; 5]; 5], Geometry2d<27, 28>>>::eval`
/// ```
///
/// (`Conv2d<1, 6, 5, 27, 28>` is `Conv<1, 6, 1, [[f32; 5]; 5], Geometry2d<27, 28>>`:
/// 1 input channel per group, a 5×5 kernel, 27×28 declared.) Groups that
/// do not divide the channels fail the same way.
///
/// The number of input channels is checked by the type system instead: the
/// layer accepts any `[[[F; W]; H]; C]` that is
/// [`SameShape`](crate::SameShape) as `[[[F; W]; H]; CI]`, so a channel
/// mismatch reads "a layer taking `[[[f32; 8]; 8]; 1]` was given
/// `[[[f32; 8]; 8]; 3]`".
///
/// The pools ([`MaxPool2d`](crate::layers::MaxPool2d),
/// [`AvgPool2d`](crate::layers::AvgPool2d),
/// [`MaxPool1d`](crate::layers::MaxPool1d)) and
/// [`Flatten`](crate::layers::Flatten) declare and check their computed
/// sizes the same way. The checks also guarantee that every index of the
/// kernels is in bounds, so inference cannot panic.
///
/// # Summation order
///
/// Each output is summed in one fixed order on every target: the bias
/// first, then the group's input channels, kernel rows and kernel columns,
/// each in increasing order. Terms that fall in the zero padding are
/// skipped (they add zero). The forward pass keeps a whole row of outputs
/// as independent running sums and adds each kernel tap to all of them at
/// once: the same terms in the same order for every output, so the same
/// bits, with a loop over outputs that the compiler vectorises. 1-D and
/// 2-D layers run the same code (a 1-D channel is a plane of one row), on
/// the host and on a microcontroller.
///
/// # Example
///
/// ```
/// use constnet::prelude::*;
/// use constnet::layers::{Conv, Geometry2d, Pad, Same};
///
/// // LeNet-5's first layer: 1×32×32 → 6×28×28.
/// type C1 = Conv2d<1, 6, 5, 28, 28>;
/// const _: () = assert!(<C1 as Model>::PARAMS == 6 * 25 + 6);
///
/// // A 2×2 kernel that sums its window, stride 2, on one 4×4 channel.
/// let conv: Conv2d<1, 1, 2, 2, 2, 2> = Conv2d::from_weights([[[[1.0, 1.0], [1.0, 1.0]]]], [0.5]);
/// let x = [[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [0.0; 4], [1.0; 4]]];
/// assert_eq!(conv.forward(&x), [[[14.5, 22.5], [2.5, 2.5]]]);
///
/// // A spectrogram layer: 3×1 kernel down the frequency axis, stride 2
/// // there, `same` across time, two groups of one input channel each.
/// type Spectral = Conv<2, 4, 1, [[f32; 1]; 3], Geometry2d<4, 6, 2, 1, 1, 1, Pad<1>, Same>>;
/// let y = Spectral::ZERO.forward(&[[[1.0; 6]; 8]; 2]);
/// assert_eq!(y, [[[0.0; 6]; 4]; 4]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Conv<const CI: usize, const CO: usize, const CPG: usize, Taps, Geo, F = f32> {
    weight: [[Taps; CPG]; CO],
    bias: [F; CO],
    geometry: PhantomData<Geo>,
}

/// A 1-D convolution from `CI` to `CO` channels with kernel size `K`,
/// stride `S` and zero padding `P` on both ends, declared to produce `LO`
/// positions: `[[F; L]; CI]` → `[[F; LO]; CO]`, with
/// `LO = (L + 2·P − K)/S + 1` checked at compile time (see [`Conv`]).
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
pub type Conv1d<
    const CI: usize,
    const CO: usize,
    const K: usize,
    const LO: usize,
    const S: usize = 1,
    const P: usize = 0,
    F = f32,
> = Conv<CI, CO, CI, [F; K], Geometry1d<LO, S, 1, Pad<P>>, F>;

/// A 2-D convolution from `CI` to `CO` channels with a `K`×`K` kernel,
/// stride `S` and zero padding `P` on every side, declared to produce
/// `HO`×`WO` outputs: `[[[F; W]; H]; CI]` → `[[[F; WO]; HO]; CO]`, with
/// `HO = (H + 2·P − K)/S + 1` and `WO = (W + 2·P − K)/S + 1` checked at
/// compile time (see [`Conv`]).
///
/// `y[o][i][j] = b[o] + Σ_c Σ_p Σ_q w[o][c][p][q]·x[c][i·S + p − P][j·S + q − P]`.
pub type Conv2d<
    const CI: usize,
    const CO: usize,
    const K: usize,
    const HO: usize,
    const WO: usize,
    const S: usize = 1,
    const P: usize = 0,
    F = f32,
> = Conv<CI, CO, CI, [[F; K]; K], Geometry2d<HO, WO, S, S, 1, 1, Pad<P>, Pad<P>>, F>;

/// A depthwise 1-D convolution (`groups = C`, one kernel per channel) with
/// stride `S`, dilation `D` and padding `P` ([`Pad<N>`], [`Same`] or
/// [`CausalPad`]), declared to produce `LO` positions.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::layers::{DepthwiseConv1d, Same};
///
/// // Each channel its own kernel, `same` padding: the length is kept.
/// let conv: DepthwiseConv1d<2, 3, 4, 1, 1, Same> =
///     DepthwiseConv1d::from_weights([[[0.0, 1.0, 0.0]], [[1.0, 0.0, 1.0]]], [0.0, 0.5]);
/// let y = conv.forward(&[[1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 1.0, 1.0]]);
/// assert_eq!(y, [[1.0, 2.0, 3.0, 4.0], [1.5, 2.5, 2.5, 1.5]]);
/// ```
pub type DepthwiseConv1d<
    const C: usize,
    const K: usize,
    const LO: usize,
    const S: usize = 1,
    const D: usize = 1,
    P = Pad<0>,
    F = f32,
> = Conv<C, C, 1, [F; K], Geometry1d<LO, S, D, P>, F>;

/// A depthwise 2-D convolution (`groups = C`) with a `K`×`K` kernel,
/// stride `S` and padding `P` on both axes ([`Pad<N>`] or [`Same`]),
/// declared to produce `HO`×`WO` outputs — MobileNet's and the keyword
/// spotting models' depthwise layer.
pub type DepthwiseConv2d<
    const C: usize,
    const K: usize,
    const HO: usize,
    const WO: usize,
    const S: usize = 1,
    P = Pad<0>,
    F = f32,
> = Conv<C, C, 1, [[F; K]; K], Geometry2d<HO, WO, S, S, 1, 1, P, P>, F>;

/// A causal dilated 1-D convolution over `L` steps: all `D·(K − 1)` zeros
/// of padding before the first input, so output `t` depends on inputs
/// `0..=t` only — PyTorch's `Conv1d(CI, CO, K, dilation=D,
/// padding=D·(K−1))` with the last `D·(K − 1)` outputs dropped. It runs on
/// a stream one frame at a time with [`Conv::step`], with exactly the bits
/// of the whole pass.
pub type CausalConv1d<const CI: usize, const CO: usize, const K: usize, const D: usize, const L: usize, F = f32> =
    Conv<CI, CO, CI, [F; K], Geometry1d<L, 1, D, CausalPad>, F>;

/// A kernel: `[F; K]` (1-D) or `[[F; KW]; KH]` (2-D), as the parameters of
/// [`Conv`] and [`ConvTranspose`] see it.
pub trait Kernel<F>: Copy {
    /// The kernel with every tap zero.
    const ZERO: Self;
    /// Taps in the kernel (`K`, or `KH·KW`).
    const TAPS: usize;

    /// The taps of a slice of kernels, flattened in order.
    fn flatten(kernels: &[Self]) -> &[F];
    /// The taps of a slice of kernels, flattened in order, to write.
    fn flatten_mut(kernels: &mut [Self]) -> &mut [F];
    /// The shape of a weight `[A][B]` of these kernels: `[A, B, K]` or
    /// `[A, B, KH, KW]`.
    fn weight_shape<const A: usize, const B: usize>() -> Shape;
    /// Writes the kernel as a Rust array literal.
    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result;
}

impl<F: Float, const K: usize> Kernel<F> for [F; K] {
    const ZERO: Self = [F::ZERO; K];
    const TAPS: usize = K;

    fn flatten(kernels: &[Self]) -> &[F] {
        kernels.as_flattened()
    }
    fn flatten_mut(kernels: &mut [Self]) -> &mut [F] {
        kernels.as_flattened_mut()
    }
    fn weight_shape<const A: usize, const B: usize>() -> Shape {
        Shape::new(const { &[A, B, K] })
    }
    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        write_array(out, self)
    }
}

impl<F: Float, const KW: usize, const KH: usize> Kernel<F> for [[F; KW]; KH] {
    const ZERO: Self = [[F::ZERO; KW]; KH];
    const TAPS: usize = KH * KW;

    fn flatten(kernels: &[Self]) -> &[F] {
        kernels.as_flattened().as_flattened()
    }
    fn flatten_mut(kernels: &mut [Self]) -> &mut [F] {
        kernels.as_flattened_mut().as_flattened_mut()
    }
    fn weight_shape<const A: usize, const B: usize>() -> Shape {
        Shape::new(const { &[A, B, KH, KW] })
    }
    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        write_rows(out, self)
    }
}

/// Writes `[[A; B]; N]` kernels as a nested Rust array literal.
pub(crate) fn write_kernels<F, K: Kernel<F>, W: fmt::Write, const B: usize>(
    out: &mut W,
    weight: &[[K; B]],
) -> fmt::Result {
    out.write_char('[')?;
    for (a, kernels) in weight.iter().enumerate() {
        out.write_str(if a > 0 { ", [" } else { "[" })?;
        for (b, kernel) in kernels.iter().enumerate() {
            if b > 0 {
                out.write_str(", ")?;
            }
            kernel.write_rust(out)?;
        }
        out.write_char(']')?;
    }
    out.write_char(']')
}

/// The parts every convolution shares — constructors, accessors, `Module`,
/// `PerSample` and `Model` — for `$ty` with weight `[[Taps; $inner]; $outer]`
/// (PyTorch's `[out][in/groups]` for [`Conv`], `[in][out/groups]` for
/// [`ConvTranspose`]) and PyTorch's fans `(fan_in, fan_out)` =
/// `($inner·taps, $outer·taps)`.
macro_rules! convolution_parts {
    ($ty:ident, $outer:ident, $inner:ident, $name:literal) => {
        impl<const CI: usize, const CO: usize, const $inner: usize, Taps, Geo, F> $ty<CI, CO, $inner, Taps, Geo, F> {
            #[doc = concat!("Builds the layer from PyTorch-layout weights `[", stringify!($outer), "][",
                        stringify!($inner), "][K…]` and bias `[CO]`. A `const fn`, so a model can live in a `static`.")]
            pub const fn from_weights(weight: [[Taps; $inner]; $outer], bias: [F; CO]) -> Self {
                $ty { weight, bias, geometry: core::marker::PhantomData }
            }

            /// The weight, in PyTorch's layout.
            pub const fn weight(&self) -> &[[Taps; $inner]; $outer] {
                &self.weight
            }

            /// The bias.
            pub const fn bias(&self) -> &[F; CO] {
                &self.bias
            }
        }

        impl<const CI: usize, const CO: usize, const $inner: usize, Taps: Copy, Geo, F: Copy>
            $ty<CI, CO, $inner, Taps, Geo, F>
        {
            /// Replaces the weight (PyTorch's layout) and the bias.
            pub fn set_weights(&mut self, weight: &[[Taps; $inner]; $outer], bias: &[F; CO]) {
                self.weight = *weight;
                self.bias = *bias;
            }
        }

        impl<const CI: usize, const CO: usize, const $inner: usize, Taps, Geo, F> $crate::Module
            for $ty<CI, CO, $inner, Taps, Geo, F>
        {
        }

        /// A batch runs sample by sample, in order.
        impl<const CI: usize, const CO: usize, const $inner: usize, Taps, Geo, F> $crate::PerSample
            for $ty<CI, CO, $inner, Taps, Geo, F>
        {
        }

        impl<const CI: usize, const CO: usize, const $inner: usize, Taps: $crate::layers::Kernel<F>, Geo, F: Float>
            $crate::Model<F> for $ty<CI, CO, $inner, Taps, Geo, F>
        {
            const PARAMS: usize = $outer * $inner * Taps::TAPS + CO;
            const TENSORS: usize = 2;
            const ZERO: Self = $ty::from_weights([[Taps::ZERO; $inner]; $outer], [F::ZERO; CO]);

            /// Fans as PyTorch computes them from the weight's shape: in =
            /// its second dimension times the taps, out = its first times
            /// the taps. Draws in the weight's order.
            fn initialize_with<R: rand::Rng + ?Sized>(&mut self, init: $crate::Init, rng: &mut R) {
                for w in Taps::flatten_mut(self.weight.as_flattened_mut()) {
                    *w = init.sample($inner * Taps::TAPS, $outer * Taps::TAPS, rng);
                }
                self.bias = [F::ZERO; CO];
            }

            fn tensors(&self) -> impl Iterator<Item = $crate::Tensor<'_, F>> {
                $crate::model::weight_and_bias(
                    (Taps::weight_shape::<$outer, $inner>(), $crate::Layout::PyTorch),
                    Shape::new(const { &[CO] }),
                    Taps::flatten(self.weight.as_flattened()),
                    &self.bias,
                )
            }

            fn tensors_mut(&mut self) -> impl Iterator<Item = $crate::TensorMut<'_, F>> {
                $crate::model::weight_and_bias_mut(
                    (Taps::weight_shape::<$outer, $inner>(), $crate::Layout::PyTorch),
                    Shape::new(const { &[CO] }),
                    Taps::flatten_mut(self.weight.as_flattened_mut()),
                    &mut self.bias,
                )
            }

            fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
                out.write_str(concat!("constnet::layers::", $name, "::from_weights("))?;
                $crate::layers::conv::write_kernels(out, &self.weight)?;
                out.write_str(", ")?;
                write_array(out, &self.bias)?;
                out.write_char(')')
            }
        }
    };
}

convolution_parts!(Conv, CO, CPG, "Conv");
pub(crate) use convolution_parts;
