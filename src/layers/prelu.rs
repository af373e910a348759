//! The parametric ReLU, PyTorch's `nn.PReLU`: x for x > 0, a·x otherwise,
//! with the slopes a trained. [`PRelu`] has one slope per channel
//! (`nn.PReLU(num_parameters=C)`), [`SharedPRelu`] one slope for every value
//! (`nn.PReLU()`, PyTorch's default).
//!
//! Derivatives follow PyTorch's autograd (`_prelu_kernel_backward`), which
//! takes the slope branch at 0: dy/dx = 1 for x > 0 and a for x ≤ 0, and
//! dy/da = 0 for x > 0 and x for x ≤ 0. A NaN input gives a NaN output and
//! a NaN slope gradient; its input gradient is a·dy, as in PyTorch.

use core::fmt;

use rand::Rng;

use crate::layer::SameShape;
use crate::layers::batch_norm::Channels;
use crate::model::{write_array, write_float};
use crate::{
    Backprop, Float, Init, Layer, Layout, Mode, Model, Module, ParamKind, PerSample, Shape, Tensor, TensorMut, Values,
};

/// The parametric ReLU with one trained slope per channel, as PyTorch's
/// `nn.PReLU(num_parameters=C)`: y = x for x > 0, a_c·x otherwise, for the
/// values of channel c.
///
/// The channel axis is PyTorch's axis 1, that is, for one sample:
///
/// * the `C` features of a vector `[F; C]` (PyTorch's `[N][C]`),
/// * the outer axis of a 1-D feature map `[[F; L]; C]` (`[N][C][L]`), and
/// * the outer axis of an image `[[[F; W]; H]; C]` (`[N][C][H][W]`),
///
/// and a [`Batch`](crate::Batch) of any of them, sample by sample. A
/// sample with another number of channels does not compile: "shape
/// mismatch: a layer taking `[[f32; 7]; 3]` was given `[[f32; 7]; 4]`". A
/// [`Sequence`](crate::Sequence) has no channel axis of this kind, so it
/// needs [`PerStep`](crate::layers::PerStep), which applies the layer to
/// every step's `[F; C]`.
///
/// The slopes are the tensor `weight`, of shape `[C]` (PyTorch's name and
/// shape, so a `state_dict` loads as it is), initialised to 0.25 as PyTorch
/// does; [`Model::initialize_with`] sets them back to 0.25 and draws
/// nothing. Their gradient is summed over the positions and the samples.
/// The tensor's kind is [`ParamKind::Weight`], as PyTorch's name says: an
/// optimiser with weight decay decays the slopes (PyTorch's documentation
/// advises against weight decay on them).
///
/// Derivatives are PyTorch's autograd's, which takes the slope branch at
/// 0: dy/dx = 1 for x > 0 and a_c for x ≤ 0; dy/da_c = 0 for x > 0 and x
/// for x ≤ 0. A NaN input gives a NaN output and a NaN slope gradient; its
/// input gradient is a_c·dy, as in PyTorch.
///
/// For one slope shared by every value (PyTorch's `nn.PReLU()`), see
/// [`SharedPRelu`].
///
/// ```
/// use constnet::prelude::*;
///
/// // Two channels of a 1-D feature map, slopes 0.25 and -0.5.
/// let mut prelu: PRelu<2, f64> = PRelu::new([0.25, -0.5]);
/// let x = [[-2.0, 1.0, 0.0], [-2.0, 3.0, -1.0]];
/// assert_eq!(prelu.forward(&x), [[-0.5, 1.0, 0.0], [1.0, 3.0, 0.5]]);
///
/// // Training: the slope gradient is Σ x·dy over the channel's x ≤ 0.
/// let (_, tape) = prelu.forward_tape(&Batch::new([x, x]));
/// let mut grads = Grads::<PRelu<2, f64>>::zeroed();
/// let dx = prelu.backward(&tape, &Batch::new([[[1.0; 3]; 2]; 2]), &mut grads);
/// assert_eq!(grads.slopes(), &[-4.0, -6.0]);
/// assert_eq!(dx[0], [[0.25, 1.0, 0.25], [-0.5, 1.0, -0.5]]);
///
/// // PyTorch's initial slopes, as a constant, and its state-dict entry.
/// static LAYER: PRelu<3> = PRelu::DEFAULT;
/// assert_eq!(LAYER.slopes(), &[0.25; 3]);
/// let weight = LAYER.tensors().next().unwrap();
/// assert_eq!((weight.name, weight.shape.dims()), ("weight", &[3][..]));
/// ```
///
/// A wrong channel count is a compile error:
///
/// ```compile_fail
/// use constnet::prelude::*;
/// let prelu: PRelu<3> = PRelu::DEFAULT;
/// let y = prelu.forward(&[[0.0_f32; 7]; 4]); // 4 channels, not 3
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PRelu<const C: usize, F = f32> {
    /// a_c, PyTorch's `weight`.
    slopes: [F; C],
}

/// The parametric ReLU with one trained slope for every value, as
/// PyTorch's `nn.PReLU()` (`num_parameters=1`, its default): y = x for
/// x > 0, a·x otherwise.
///
/// As no axis is read, it takes any sample: a vector `[F; N]`, a 1-D
/// feature map `[[F; L]; C]`, an image `[[[F; W]; H]; C]`, a
/// [`Sequence`](crate::Sequence) of any of them, and a
/// [`Batch`](crate::Batch) of those. The slope is the tensor `weight`, of
/// shape `[1]` as in PyTorch, initialised to 0.25; its gradient is summed
/// over every value (in row-major order, sample by sample). Derivatives
/// and NaN are as for [`PRelu`] (the slope branch at 0). For one slope per
/// channel, see [`PRelu`].
///
/// ```
/// use constnet::prelude::*;
///
/// let mut prelu: SharedPRelu<f64> = SharedPRelu::DEFAULT; // slope 0.25
/// let x = [[-4.0, 2.0], [0.0, -1.0]];
/// assert_eq!(prelu.forward(&x), [[-1.0, 2.0], [0.0, -0.25]]);
///
/// let (_, tape) = prelu.forward_tape(&x);
/// let mut grads = SharedPRelu::zeroed();
/// let dx = prelu.backward(&tape, &[[1.0, 1.0], [1.0, 2.0]], &mut grads);
/// assert_eq!(grads.slope(), -6.0); // -4·1 + 0·1 + -1·2
/// assert_eq!(dx, [[0.25, 1.0], [0.25, 0.5]]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SharedPRelu<F = f32> {
    /// a, PyTorch's `weight` (a tensor of one value).
    slope: [F; 1],
}

impl<const C: usize, F: Float> PRelu<C, F> {
    /// A PReLU with the given slopes, one per channel (PyTorch's `weight`).
    /// A `const fn`, so the layer can live in a `static`; this is what
    /// [`Model::write_rust`] writes.
    pub const fn new(slopes: [F; C]) -> Self {
        PRelu { slopes }
    }

    /// The slopes, one per channel (PyTorch's `weight`).
    pub const fn slopes(&self) -> &[F; C] {
        &self.slopes
    }

    /// Replaces the slopes.
    pub fn set_slopes(&mut self, slopes: &[F; C]) {
        self.slopes = *slopes;
    }

    /// y for one sample whose channels are `X`'s outer axis.
    fn apply<X: Channels<F, C>>(&self, x: &X) -> X {
        let mut y = *x;
        for (c, &a) in self.slopes.iter().enumerate() {
            for v in y.channel_mut(c) {
                *v = leaky(*v, a);
            }
        }
        y
    }

    /// dx for one sample, adding dL/da into `grads`.
    fn gradient<X: Channels<F, C>>(&self, x: &X, dy: &X, grads: &mut Self) -> X {
        let mut dx = *dy;
        for (c, (&a, g)) in self.slopes.iter().zip(grads.slopes.iter_mut()).enumerate() {
            for (d, &v) in dx.channel_mut(c).iter_mut().zip(x.channel(c)) {
                slope_gradient(v, a, d, g);
            }
        }
        dx
    }
}

impl<F: Float> SharedPRelu<F> {
    /// A PReLU whose one slope is `slope` (PyTorch's `weight`, `[slope]`).
    /// A `const fn`, so the layer can live in a `static`; this is what
    /// [`Model::write_rust`] writes.
    pub const fn new(slope: F) -> Self {
        SharedPRelu { slope: [slope] }
    }

    /// The slope (PyTorch's `weight[0]`).
    pub const fn slope(&self) -> F {
        self.slope[0]
    }

    /// Replaces the slope.
    pub fn set_slope(&mut self, slope: F) {
        self.slope = [slope];
    }
}

/// x for x > 0, a·x otherwise (NaN included).
#[inline]
fn leaky<F: Float>(x: F, a: F) -> F {
    if x > F::zero() { x } else { a * x }
}

/// One value's backward step: `d` (dy on entry) becomes dx, and x·dy is
/// added to `grad` where the slope applies.
#[inline]
fn slope_gradient<F: Float>(x: F, a: F, d: &mut F, grad: &mut F) {
    // NaN takes the slope branch, as in PyTorch.
    if x > F::zero() {
        return;
    }
    *grad = *grad + x * *d;
    *d = a * *d;
}

impl<const C: usize, F: Float> PRelu<C, F> {
    /// Every slope 0.25, PyTorch's initial value, as a constant.
    pub const DEFAULT: Self = PRelu { slopes: [F::QUARTER; C] };
}

impl<F: Float> SharedPRelu<F> {
    /// Slope 0.25, PyTorch's initial value, as a constant.
    pub const DEFAULT: Self = SharedPRelu { slope: [F::QUARTER] };
}

/// PyTorch's initial slope.
fn initial_slope<F: Float>() -> F {
    F::from_f64(0.25)
}

impl<const C: usize, F: Float> Default for PRelu<C, F> {
    /// Every slope 0.25, PyTorch's initial value.
    fn default() -> Self {
        PRelu { slopes: [initial_slope(); C] }
    }
}

impl<F: Float> Default for SharedPRelu<F> {
    /// Slope 0.25, PyTorch's initial value.
    fn default() -> Self {
        SharedPRelu::new(initial_slope())
    }
}

impl<const C: usize, F> Module for PRelu<C, F> {}
impl<F> Module for SharedPRelu<F> {}

impl<const C: usize, F: Float> Model<F> for PRelu<C, F> {
    const PARAMS: usize = C;
    const TENSORS: usize = 1;
    const ZERO: Self = PRelu { slopes: [F::ZERO; C] };

    /// Every slope back to 0.25, PyTorch's initial value; draws nothing
    /// from `rng`.
    fn initialize_with<R: Rng + ?Sized>(&mut self, _init: Init, _rng: &mut R) {
        self.slopes = [initial_slope(); C];
    }
    fn tensors(&self) -> impl Iterator<Item = Tensor<'_, F>> {
        core::iter::once(slopes_tensor(Shape::new(const { &[C] }), &self.slopes))
    }
    fn tensors_mut(&mut self) -> impl Iterator<Item = TensorMut<'_, F>> {
        core::iter::once(slopes_tensor_mut(Shape::new(const { &[C] }), &mut self.slopes))
    }
    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        out.write_str("constnet::layers::PRelu::new(")?;
        write_array(out, &self.slopes)?;
        out.write_char(')')
    }
}

impl<F: Float> Model<F> for SharedPRelu<F> {
    const PARAMS: usize = 1;
    const TENSORS: usize = 1;
    const ZERO: Self = SharedPRelu { slope: [F::ZERO] };

    /// The slope back to 0.25, PyTorch's initial value; draws nothing from
    /// `rng`.
    fn initialize_with<R: Rng + ?Sized>(&mut self, _init: Init, _rng: &mut R) {
        self.slope = [initial_slope()];
    }
    fn tensors(&self) -> impl Iterator<Item = Tensor<'_, F>> {
        core::iter::once(slopes_tensor(Shape::new(&[1]), &self.slope))
    }
    fn tensors_mut(&mut self) -> impl Iterator<Item = TensorMut<'_, F>> {
        core::iter::once(slopes_tensor_mut(Shape::new(&[1]), &mut self.slope))
    }
    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        out.write_str("constnet::layers::SharedPRelu::new(")?;
        write_float(out, self.slope[0])?;
        out.write_char(')')
    }
}

/// The view of the slopes: PyTorch's `weight`, of `shape`.
fn slopes_tensor<F>(shape: Shape, storage: &[F]) -> Tensor<'_, F> {
    Tensor { name: "weight", kind: ParamKind::Weight, shape, layout: Layout::PyTorch, storage }
}

/// The mutable view of the slopes; see [`slopes_tensor`].
fn slopes_tensor_mut<F>(shape: Shape, storage: &mut [F]) -> TensorMut<'_, F> {
    TensorMut { name: "weight", kind: ParamKind::Weight, shape, layout: Layout::PyTorch, storage }
}

/// A batch, sample by sample: the slope gradients add up in sample order.
impl<const C: usize, F> PerSample for PRelu<C, F> {}
/// A batch, sample by sample: the slope gradient adds up in sample order.
impl<F> PerSample for SharedPRelu<F> {}

/// `Layer` and `Backprop` of [`PRelu`] on one kind of sample, `$sample`
/// (with const parameters `$g`), which must be the same type as
/// `$canonical`, the kind with exactly `C` channels. The same in every
/// mode.
macro_rules! prelu_on {
    ([$(const $g:ident),*], $sample:ty, $canonical:ty) => {
        impl<const C: usize, $(const $g: usize,)* F: Float> Layer<$sample> for PRelu<C, F>
        where
            $sample: SameShape<$canonical>,
        {
            type Output = $canonical;

            #[inline]
            fn eval(&self, x: &$sample) -> $canonical {
                self.apply(x.as_shape())
            }
        }

        impl<const C: usize, $(const $g: usize,)* F: Float, Md: Mode> Backprop<$sample, Md> for PRelu<C, F>
        where
            $sample: SameShape<$canonical>,
        {
            /// The input.
            type Tape = $canonical;

            fn eval_tape(&mut self, x: &$sample) -> ($canonical, $canonical) {
                let x = *x.as_shape();
                (self.apply(&x), x)
            }

            fn backprop(&self, x: &$canonical, dy: &$canonical, grads: &mut Self) -> $sample {
                SameShape::from_shape(self.gradient(x, dy, grads))
            }
        }
    };
}

prelu_on!([const M], [F; M], [F; C]);
prelu_on!([const L, const CC], [[F; L]; CC], [[F; L]; C]);
prelu_on!([const W, const H, const CC], [[[F; W]; H]; CC], [[[F; W]; H]; C]);

/// `Layer` and `Backprop` of [`SharedPRelu`] on samples of shape `$shape`,
/// one body for all of them through [`Values`]. The same in every mode.
macro_rules! shared_prelu_on {
    ([$(const $g:ident),*], $shape:ty) => {
        impl<F: Float, $(const $g: usize),*> Layer<$shape> for SharedPRelu<F> {
            type Output = $shape;

            #[inline]
            fn eval(&self, x: &$shape) -> $shape {
                let (mut y, a) = (*x, self.slope[0]);
                y.for_each_mut(&mut |v| *v = leaky(*v, a));
                y
            }
        }

        impl<F: Float, $(const $g: usize,)* M: Mode> Backprop<$shape, M> for SharedPRelu<F> {
            /// The input.
            type Tape = $shape;

            fn eval_tape(&mut self, x: &$shape) -> ($shape, $shape) {
                (self.eval(x), *x)
            }

            fn backprop(&self, x: &$shape, dy: &$shape, grads: &mut Self) -> $shape {
                let (mut dx, a) = (*dy, self.slope[0]);
                let grad = &mut grads.slope[0];
                dx.zip_mut(x, &mut |d, v| slope_gradient(v, a, d, grad));
                dx
            }
        }
    };
}

shared_prelu_on!([const N], [F; N]);
shared_prelu_on!([const L, const C], [[F; L]; C]);
shared_prelu_on!([const W, const H, const C], [[[F; W]; H]; C]);
