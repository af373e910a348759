//! Activation functions: parameter-free layers that work for any width.
//!
//! Each is a zero-sized type (or, for [`Step`] and [`LeakyRelu`], a type that
//! holds one hyper-parameter) implementing [`Layer`] for a vector `[F; N]`,
//! a 1-D feature map `[[F; L]; C]`, an image `[[[F; W]; H]; C]` and a
//! [`Batch`](crate::Batch) of any of them. An element-wise function does not
//! care what an axis means, so it needs no adapter.
//! Derivatives follow PyTorch: ReLU′(0) = 0, LeakyReLU′(0) = slope.
//! NaN inputs give NaN outputs and gradients (IEEE propagation, no panic),
//! except where the function itself discards its input: `Step`, and `Relu`
//! whose comparison `x > 0` is false for NaN (as `torch.relu` gives NaN, this
//! crate's `Relu` returns NaN too — see [`Relu`]).

use crate::model::write_float;
use crate::{Backprop, Float, Layer, Mode, PerSample, Values};

/// An element-wise activation: y = f(x), with f′ computed from whichever of
/// x or y the tape keeps.
trait Elementwise<F: Float> {
    /// Whether the tape keeps the input (`true`) or the output (`false`).
    const TAPES_INPUT: bool;
    /// f(x).
    fn apply(&self, x: F) -> F;
    /// f′(x), given x when [`Self::TAPES_INPUT`], else given y = f(x).
    fn derivative(&self, taped: F) -> F;
}

/// Implements `Model` (no parameters), `Layer` and `Backprop` (element-wise,
/// on vectors, feature maps, images and batches of them) for the
/// activations. `$layer` is the activation's type for inputs of float type
/// `F`, `$zero` the activation with its default hyper-parameters, as a
/// constant, and `$value` writes the activation as a Rust expression.
macro_rules! elementwise_layer {
    ($name:ident $(<$f:ident>)? for $layer:ty = $zero:expr, |$this:ident, $out:ident| $value:expr) => {
        parameter_free_model!($(float $f)? [] $name $(<$f>)?, $zero, |$this, $out| $value);

        /// A batch, sample by sample: element by element, the same bits.
        impl$(<$f>)? PerSample for $name $(<$f>)? {}

        // The loop shapes of the row-by-row code the firmware's instruction
        // counts were measured with: an in-place loop over a vector's
        // values (which the compiler vectorises reliably, unlike a `map`),
        // and feature maps built row by row from it.
        elementwise_on!($layer, [const N], [F; N], |this, x| {
            let mut y = *x;
            for v in y.iter_mut() {
                *v = this.apply(*v);
            }
            y
        });
        elementwise_on!($layer, [const L, const C], [[F; L]; C], |this, x| {
            core::array::from_fn(|c| Layer::<[F; L]>::eval(this, &x[c]))
        });
        elementwise_on!($layer, [const W, const H, const C], [[[F; W]; H]; C], |this, x| {
            core::array::from_fn(|c| core::array::from_fn(|h| Layer::<[F; W]>::eval(this, &x[c][h])))
        });
    };
}

/// `Layer` and `Backprop` of the element-wise activation `$layer` on
/// samples of shape `$shape` (a vector, a 1-D feature map, an image), with
/// inference `$eval` and one training body for all shapes through
/// [`Values`]. The shape names `F` directly, so that float literals infer
/// the activation's float type.
macro_rules! elementwise_on {
    ($layer:ty, [$(const $g:ident),*], $shape:ty, |$this:ident, $x:ident| $eval:expr) => {
        impl<F: Float, $(const $g: usize),*> Layer<$shape> for $layer
        where
            Self: Elementwise<F>,
        {
            type Output = $shape;

            #[inline]
            fn eval(&self, $x: &$shape) -> $shape {
                let $this = self;
                $eval
            }
        }

        impl<F: Float, $(const $g: usize,)* M: Mode> Backprop<$shape, M> for $layer
        where
            Self: Elementwise<F>,
        {
            /// The input or the output, whichever the derivative needs.
            type Tape = $shape;

            fn eval_tape(&mut self, x: &$shape) -> ($shape, $shape) {
                let y = self.eval(x);
                let taped = if <Self as Elementwise<F>>::TAPES_INPUT { *x } else { y };
                (y, taped)
            }

            fn backprop(&self, taped: &$shape, dy: &$shape, _grads: &mut Self) -> $shape {
                let mut dx = *dy;
                dx.zip_mut(taped, &mut |d, t| *d = *d * self.derivative(t));
                dx
            }
        }
    };
}

/// The logistic sigmoid σ(x) = 1 / (1 + e^−x), in [0, 1]
/// ([`Float::sigmoid`]).
///
/// ```
/// use constnet::prelude::*;
/// assert_eq!(Sigmoid.forward(&[0.0_f32, f32::INFINITY]), [0.5, 1.0]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sigmoid;

impl<F: Float> Elementwise<F> for Sigmoid {
    const TAPES_INPUT: bool = false;
    #[inline]
    fn apply(&self, x: F) -> F {
        x.sigmoid()
    }
    #[inline]
    fn derivative(&self, y: F) -> F {
        y * (F::one() - y)
    }
}
elementwise_layer!(Sigmoid for Sigmoid = Sigmoid, |_this, out| out.write_str("constnet::layers::Sigmoid"));

/// The hyperbolic tangent, in (−1, 1).
///
/// Computed by [`Float::tanh`]: in `f32` the crate's own branch-free
/// function (same bits on every target, vectorised over the layer), in `f64`
/// `libm::tanh`. NaN gives NaN, ±∞ give ±1.
///
/// ```
/// use constnet::prelude::*;
/// assert_eq!(Tanh.forward(&[0.0_f32]), [0.0]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tanh;

impl<F: Float> Elementwise<F> for Tanh {
    const TAPES_INPUT: bool = false;
    #[inline]
    fn apply(&self, x: F) -> F {
        x.tanh()
    }
    #[inline]
    fn derivative(&self, y: F) -> F {
        F::one() - y * y
    }
}
elementwise_layer!(Tanh for Tanh = Tanh, |_this, out| out.write_str("constnet::layers::Tanh"));

/// The rectified linear unit max(0, x); its derivative at 0 is 0, as in
/// PyTorch. A NaN input gives a NaN output, as `torch.relu` does.
///
/// ```
/// use constnet::prelude::*;
/// let y = Relu.forward(&[-1.0_f32, 0.0, 2.0, f32::NAN]);
/// assert_eq!(y[..3], [0.0, 0.0, 2.0]);
/// assert!(y[3].is_nan());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Relu;

impl<F: Float> Elementwise<F> for Relu {
    const TAPES_INPUT: bool = false;
    #[inline]
    fn apply(&self, x: F) -> F {
        // `x < 0` is false for NaN, so NaN passes through.
        if x < F::zero() { F::zero() } else { x }
    }
    #[inline]
    fn derivative(&self, y: F) -> F {
        if y > F::zero() { F::one() } else { F::zero() }
    }
}
elementwise_layer!(Relu for Relu = Relu, |_this, out| out.write_str("constnet::layers::Relu"));

/// The leaky ReLU: x for x > 0, `slope`·x otherwise (slope 0.01 by default,
/// as PyTorch). Its derivative at 0 is `slope`, as in PyTorch.
///
/// ```
/// use constnet::prelude::*;
/// assert_eq!(LeakyRelu::default().forward(&[-2.0_f32, 3.0]), [-0.02, 3.0]);
/// assert_eq!(LeakyRelu::new(0.5).forward(&[-2.0_f32]), [-1.0]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LeakyRelu<F = f32> {
    /// The slope for x ≤ 0.
    pub slope: F,
}

impl<F: Float> LeakyRelu<F> {
    /// A leaky ReLU with the given slope for x ≤ 0.
    pub const fn new(slope: F) -> Self {
        LeakyRelu { slope }
    }
}

impl<F: Float> LeakyRelu<F> {
    /// Slope 0.01, PyTorch's default, as a constant.
    pub const DEFAULT: Self = LeakyRelu { slope: F::HUNDREDTH };
}

impl<F: Float> Default for LeakyRelu<F> {
    /// [`LeakyRelu::DEFAULT`]: slope 0.01, PyTorch's default.
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl<F: Float> Elementwise<F> for LeakyRelu<F> {
    // The slope may be negative, so the output's sign does not tell the
    // input's: keep the input.
    const TAPES_INPUT: bool = true;
    #[inline]
    fn apply(&self, x: F) -> F {
        if x > F::zero() { x } else { self.slope * x }
    }
    #[inline]
    fn derivative(&self, x: F) -> F {
        if x > F::zero() { F::one() } else { self.slope }
    }
}
elementwise_layer!(LeakyRelu<F> for LeakyRelu<F> = LeakyRelu::DEFAULT, |this, out| {
    out.write_str("constnet::layers::LeakyRelu::new(")?;
    write_float(out, this.slope)?;
    out.write_char(')')
});

/// The Heaviside step of the perceptron: 1 if x > `threshold`, else 0.
///
/// Its derivative is zero everywhere (the step is not trained by gradient
/// descent; use it for hand-set perceptrons or after training). With a
/// threshold, a perceptron's "w·x > t" is `(Dense, Step)` with bias 0, or
/// threshold 0 and bias −t.
///
/// ```
/// use constnet::prelude::*;
/// assert_eq!(Step::new(5.0_f32).forward(&[4.0, 5.0, 6.0]), [0.0, 0.0, 1.0]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step<F = f32> {
    /// The output is 1 strictly above this value.
    pub threshold: F,
}

impl<F: Float> Step<F> {
    /// A step at `threshold`.
    pub const fn new(threshold: F) -> Self {
        Step { threshold }
    }
}

impl<F: Float> Default for Step<F> {
    /// A step at 0.
    fn default() -> Self {
        Step::new(F::ZERO)
    }
}

impl<F: Float> Elementwise<F> for Step<F> {
    const TAPES_INPUT: bool = false;
    #[inline]
    fn apply(&self, x: F) -> F {
        if x > self.threshold { F::one() } else { F::zero() }
    }
    #[inline]
    fn derivative(&self, _y: F) -> F {
        F::zero()
    }
}
elementwise_layer!(Step<F> for Step<F> = Step::new(F::ZERO), |this, out| {
    out.write_str("constnet::layers::Step::new(")?;
    write_float(out, this.threshold)?;
    out.write_char(')')
});

/// The identity, y = x: a placeholder layer, or a linear output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Identity;

impl<F: Float> Elementwise<F> for Identity {
    const TAPES_INPUT: bool = false;
    #[inline]
    fn apply(&self, x: F) -> F {
        x
    }
    #[inline]
    fn derivative(&self, _y: F) -> F {
        F::one()
    }
}
elementwise_layer!(Identity for Identity = Identity, |_this, out| out.write_str("constnet::layers::Identity"));
