//! Activation functions: parameter-free layers that work for any width.
//!
//! Each is a zero-sized type (or, for [`Step`], [`LeakyRelu`], [`Elu`] and
//! [`Softplus`], a type that holds its hyper-parameters) implementing
//! [`Layer`] for a vector `[F; N]`, a 1-D feature map `[[F; L]; C]`, an
//! image `[[[F; W]; H]; C]`, a [`Sequence`](crate::Sequence) of any of them
//! and a [`Batch`](crate::Batch) of any of those. An element-wise function
//! does not care what an axis means, so it needs no adapter. (The
//! parametric ReLU, whose slopes are trained, is
//! [`PRelu`](crate::layers::PRelu).)
//!
//! Derivatives follow PyTorch's autograd, at the kinks too: ReLU′(0) = 0,
//! LeakyReLU′(0) = slope, ELU′(0) = α, Hardswish′(−3) = −½ and
//! Hardswish′(3) = 3/2 (the inner piece's), Softplus′ = σ(threshold) at
//! β·x = threshold.
//! NaN inputs give NaN outputs and gradients (IEEE propagation, no panic),
//! except where the function itself discards its input: `Step`, and `Relu`
//! whose comparison `x > 0` is false for NaN (as `torch.relu` gives NaN, this
//! crate's `Relu` returns NaN too — see [`Relu`]).

use crate::model::write_float;
use crate::{Backprop, Float, Init, Layer, Mode, Model, Module, PerSample, Tensor, TensorMut, Values};

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
        elementwise_layer!(@shapes $name $(<$f>)? for $layer);
    };
    // `PerSample`, `Layer` and `Backprop` only, for an activation whose
    // `Model` is written by hand.
    (@shapes $name:ident $(<$f:ident>)? for $layer:ty) => {
        /// A batch, sample by sample: element by element, the same bits.
        impl$(<$f>)? PerSample for $name $(<$f>)? {}

        // The loop shapes of the row-by-row code the firmware's instruction
        // counts were measured with: an in-place loop over a vector's
        // values (which the compiler vectorises reliably, unlike a `map`),
        // at the widest instruction set the CPU has, and feature maps built
        // row by row from it.
        elementwise_on!($layer, [const N], [F; N], |this, x| {
            let mut y = *x;
            $crate::kernel::map_in_place(&mut y, |v| this.apply(v));
            y
        });
        // In place on one copy of the input, flattened: building the map
        // with nested `from_fn`s kept several copies of it on the stack.
        elementwise_on!($layer, [const L, const C], [[F; L]; C], |this, x| {
            let mut y = *x;
            $crate::kernel::map_slice_in_place(y.as_flattened_mut(), |v| this.apply(v));
            y
        });
        elementwise_on!($layer, [const W, const H, const C], [[[F; W]; H]; C], |this, x| {
            let mut y = *x;
            $crate::kernel::map_slice_in_place(y.as_flattened_mut().as_flattened_mut(), |v| this.apply(v));
            y
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

            fn eval_tape_into(&mut self, x: &$shape, tape: &mut $shape) -> $shape {
                let y = self.eval(x);
                *tape = if <Self as Elementwise<F>>::TAPES_INPUT { *x } else { y };
                y
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

/// e^x − 1, accurate for small |x| too, from [`Float::exp`] and
/// [`Float::ln`] alone (so the same bits on every target): with u = e^x
/// rounded, (u − 1)·x / ln u cancels u's rounding error (Kahan's method;
/// Higham, *Accuracy and Stability of Numerical Algorithms*, §1.14.1), to
/// a few ulps. x itself where u rounds to 1 (so ±0 keep their sign), −1
/// where u − 1 rounds to −1, and u where u is ∞; NaN gives NaN.
#[inline]
fn exp_m1<F: Float>(x: F) -> F {
    let u = x.exp();
    let u_minus_1 = u - F::one();
    if u == F::one() {
        x
    } else if u_minus_1 == -F::one() || u.is_infinite() {
        u_minus_1
    } else {
        u_minus_1 * x / u.ln()
    }
}

/// The exponential linear unit, as PyTorch's `nn.ELU(alpha)`: x for x > 0,
/// α·(e^x − 1) otherwise (α = 1 by default).
///
/// Its derivative is 1 for x > 0 and α·e^x for x ≤ 0, so at 0 it is α, as
/// PyTorch's autograd gives (`elu_backward` takes the x ≤ 0 branch there).
/// e^x − 1 is computed accurately for small |x| (−10⁻⁹ gives −10⁻⁹ to the
/// last bit, not the −1.00000008·10⁻⁹ of a plain e^x − 1) from
/// [`Float::exp`] and [`Float::ln`], so the bits are the same on every
/// target. NaN gives NaN, −∞ gives −α.
///
/// ```
/// use constnet::prelude::*;
/// let y = Elu::default().forward(&[-1.0_f64, 0.0, 2.0]);
/// assert!((y[0] - (1.0_f64.exp().recip() - 1.0)).abs() < 1e-15);
/// assert_eq!(y[1..], [0.0, 2.0]);
/// assert_eq!(Elu::new(0.5).forward(&[f32::NEG_INFINITY]), [-0.5]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Elu<F = f32> {
    /// α: the value the output tends to as x → −∞ is −α.
    pub alpha: F,
}

impl<F: Float> Elu<F> {
    /// An ELU with the given α.
    pub const fn new(alpha: F) -> Self {
        Elu { alpha }
    }

    /// α = 1, PyTorch's default, as a constant.
    pub const DEFAULT: Self = Elu { alpha: F::ONE };
}

impl<F: Float> Default for Elu<F> {
    /// [`Elu::DEFAULT`]: α = 1, PyTorch's default.
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl<F: Float> Elementwise<F> for Elu<F> {
    // The derivative α·e^x is PyTorch's formula on the input (and the sign
    // of y does not tell the branch when α < 0).
    const TAPES_INPUT: bool = true;
    #[inline]
    fn apply(&self, x: F) -> F {
        if x > F::zero() { x } else { self.alpha * exp_m1(x) }
    }
    #[inline]
    fn derivative(&self, x: F) -> F {
        // NaN takes the second branch, so its gradient is NaN.
        if x > F::zero() { F::one() } else { self.alpha * x.exp() }
    }
}
elementwise_layer!(Elu<F> for Elu<F> = Elu::DEFAULT, |this, out| {
    out.write_str("constnet::layers::Elu::new(")?;
    write_float(out, this.alpha)?;
    out.write_char(')')
});

/// The sigmoid-weighted linear unit (also called swish), as PyTorch's
/// `nn.SiLU`: x·σ(x), with σ from [`Float::sigmoid`].
///
/// Its derivative is σ(x)·(1 + x·(1 − σ(x))), ½ at 0. NaN gives NaN; +∞
/// gives +∞ and −∞ gives NaN (∞·0), as in PyTorch.
///
/// ```
/// use constnet::prelude::*;
/// let y = Silu.forward(&[0.0_f64, 2.0]);
/// assert_eq!(y[0], 0.0);
/// assert!((y[1] - 2.0 / (1.0 + (-2.0_f64).exp())).abs() < 1e-15);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Silu;

impl<F: Float> Elementwise<F> for Silu {
    const TAPES_INPUT: bool = true;
    #[inline]
    fn apply(&self, x: F) -> F {
        x * x.sigmoid()
    }
    #[inline]
    fn derivative(&self, x: F) -> F {
        let s = x.sigmoid();
        s * (F::one() + x * (F::one() - s))
    }
}
elementwise_layer!(Silu for Silu = Silu, |_this, out| out.write_str("constnet::layers::Silu"));

/// The Gaussian error linear unit, exact, as PyTorch's `nn.GELU()`:
/// x·Φ(x) = x·½·(1 + erf(x/√2)), with Φ the standard normal distribution.
///
/// Φ is computed as ½·erfc(−x/√2), the same function without the
/// cancellation of 1 + erf(x/√2) for negative x: in `f32` the tail keeps
/// its relative accuracy (GELU(−6) = −5.92·10⁻⁹, where 1 + erf gives 0).
/// The derivative is Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π), as PyTorch's
/// `gelu_backward`. erfc and exp are `libm`'s (through [`Float`]), so the
/// bits are the same on every target. NaN gives NaN; +∞ gives +∞ and −∞
/// gives NaN (−∞·0), as in PyTorch. See [`GeluTanh`] for the tanh
/// approximation.
///
/// ```
/// use constnet::prelude::*;
/// let y = Gelu.forward(&[-1.0_f64, 0.0, 1.0]);
/// assert!((y[2] - 0.841_344_746_068_542_9).abs() < 1e-15); // Φ(1)
/// assert_eq!(y[1], 0.0);
/// assert!((y[2] - y[0] - 1.0).abs() < 1e-15); // GELU(x) − GELU(−x) = x
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Gelu;

impl Gelu {
    /// Φ(x) = ½·erfc(−x/√2).
    #[inline]
    fn cdf<F: Float>(x: F) -> F {
        F::HALF * (-x * F::from_f64(core::f64::consts::FRAC_1_SQRT_2)).erfc()
    }
}

impl<F: Float> Elementwise<F> for Gelu {
    const TAPES_INPUT: bool = true;
    #[inline]
    fn apply(&self, x: F) -> F {
        x * Self::cdf(x)
    }
    #[inline]
    fn derivative(&self, x: F) -> F {
        // 1/√(2π) = (2/√π)·(1/√2)·½, PyTorch's constant.
        let alpha = F::from_f64(core::f64::consts::FRAC_2_SQRT_PI * core::f64::consts::FRAC_1_SQRT_2 * 0.5);
        Self::cdf(x) + x * alpha * (-F::HALF * x * x).exp()
    }
}
elementwise_layer!(Gelu for Gelu = Gelu, |_this, out| out.write_str("constnet::layers::Gelu"));

/// The Gaussian error linear unit in its tanh approximation, as PyTorch's
/// `nn.GELU(approximate='tanh')`: ½·x·(1 + tanh(u)), u = √(2/π)·(x +
/// 0.044715·x³).
///
/// ½·(1 + tanh u) is computed as σ(2u), the same function without the
/// cancellation for negative x (in `f32`, GELU(−6) keeps its relative
/// accuracy instead of becoming 0). The derivative is PyTorch's, ½·(1 +
/// tanh u) + ½·x·(1 − tanh² u)·√(2/π)·(1 + 3·0.044715·x²), with 1 − tanh² u =
/// 4·σ(2u)·σ(−2u) for the same reason. NaN gives NaN.
///
/// ```
/// use constnet::prelude::*;
/// let [exact] = Gelu.forward(&[1.0_f64]);
/// let [approximate] = GeluTanh.forward(&[1.0_f64]);
/// assert!((exact - approximate).abs() < 2e-4);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GeluTanh;

impl GeluTanh {
    /// √(2/π) = √2·(2/√π)·½, PyTorch's constant.
    const BETA: f64 = core::f64::consts::SQRT_2 * core::f64::consts::FRAC_2_SQRT_PI * 0.5;
    /// The cubic term's coefficient.
    const KAPPA: f64 = 0.044715;

    /// 2u = 2·√(2/π)·(x + 0.044715·x³).
    #[inline]
    fn twice_inner<F: Float>(x: F) -> F {
        F::from_f64(2.0 * Self::BETA) * (x + F::from_f64(Self::KAPPA) * x * x * x)
    }
}

impl<F: Float> Elementwise<F> for GeluTanh {
    const TAPES_INPUT: bool = true;
    #[inline]
    fn apply(&self, x: F) -> F {
        x * Self::twice_inner(x).sigmoid()
    }
    #[inline]
    fn derivative(&self, x: F) -> F {
        let v = Self::twice_inner(x);
        let (s, s_minus) = (v.sigmoid(), (-v).sigmoid());
        let slope = F::from_f64(Self::BETA) * (F::one() + F::from_f64(3.0 * Self::KAPPA) * x * x);
        // ½·(1 + t) = s; ½·x·(1 − t²) = 2·x·s·s₋.
        s + F::from_f64(2.0) * x * s * s_minus * slope
    }
}
elementwise_layer!(GeluTanh for GeluTanh = GeluTanh, |_this, out| out.write_str("constnet::layers::GeluTanh"));

/// The hard swish of MobileNetV3, as PyTorch's `nn.Hardswish`:
/// x·relu6(x + 3)/6, that is 0 for x ≤ −3, x for x ≥ 3 and x·(x + 3)/6
/// between.
///
/// Its derivative is PyTorch's (`hardswish_backward`): 0 for x < −3,
/// x/3 + ½ for −3 ≤ x ≤ 3 (so −½ at −3 and 3/2 at 3, the inner piece's
/// slopes) and 1 for x > 3. NaN gives NaN, in the output and the gradient;
/// +∞ gives +∞ and −∞ gives NaN (∞·0), as in PyTorch.
///
/// ```
/// use constnet::prelude::*;
/// assert_eq!(Hardswish.forward(&[-4.0_f32, 0.0, 1.5, 4.0]), [-0.0, 0.0, 1.125, 4.0]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hardswish;

impl<F: Float> Elementwise<F> for Hardswish {
    const TAPES_INPUT: bool = true;
    #[inline]
    fn apply(&self, x: F) -> F {
        let (three, six) = (F::from_f64(3.0), F::from_f64(6.0));
        // relu6(x + 3) by comparisons, so that NaN passes through.
        let shifted = x + three;
        let relu6 = if shifted < F::zero() {
            F::zero()
        } else if shifted > six {
            six
        } else {
            shifted
        };
        x * relu6 / six
    }
    #[inline]
    fn derivative(&self, x: F) -> F {
        let three = F::from_f64(3.0);
        // PyTorch's branches, ordered so that NaN takes the last one.
        if x > three {
            F::one()
        } else if x < -three {
            F::zero()
        } else {
            x / three + F::HALF
        }
    }
}
elementwise_layer!(Hardswish for Hardswish = Hardswish, |_this, out| out.write_str("constnet::layers::Hardswish"));

/// A smooth ReLU, as PyTorch's `nn.Softplus(beta, threshold)`:
/// ln(1 + e^(β·x))/β, and x itself where β·x > `threshold` (β = 1 and
/// threshold = 20 by default), computed with [`Float::exp`] and
/// [`Float::ln_1p`].
///
/// Its derivative is σ(β·x) where β·x ≤ `threshold` (so σ(threshold) at
/// β·x = `threshold` exactly, as in PyTorch) and 1 above. It is computed
/// with [`Float::sigmoid`]: PyTorch's e^(βx)/(e^(βx) + 1) is the same
/// function, but gives NaN once e^(βx) overflows (a threshold above ≈ 88 in
/// `f32`). β must be non-zero: it divides (unchecked, like PyTorch; β = 0
/// gives ±∞ and NaN). NaN gives NaN, in the output and the gradient.
///
/// The defaults are the constant [`Softplus::DEFAULT`], which is also its
/// [`Model::ZERO`](crate::Model::ZERO).
///
/// ```
/// use constnet::prelude::*;
/// let y = Softplus::default().forward(&[0.0_f64, 25.0]);
/// assert!((y[0] - 2.0_f64.ln()).abs() < 1e-15);
/// assert_eq!(y[1], 25.0); // above the threshold: x itself
/// let sharp = Softplus::new(2.0, 20.0).forward(&[-1.0_f64]);
/// assert!((sharp[0] - (1.0 + (-2.0_f64).exp()).ln() / 2.0).abs() < 1e-15);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Softplus<F = f32> {
    /// β: the sharpness (the function tends to ReLU as β → ∞).
    pub beta: F,
    /// Above this value of β·x the output is x itself.
    pub threshold: F,
}

impl<F: Float> Softplus<F> {
    /// A softplus with the given β and threshold.
    pub const fn new(beta: F, threshold: F) -> Self {
        Softplus { beta, threshold }
    }
}

impl<F: Float> Softplus<F> {
    /// β = 1 and threshold = 20, PyTorch's defaults, as a constant.
    pub const DEFAULT: Self = Softplus { beta: F::ONE, threshold: F::TWENTY };
}

impl<F: Float> Model<F> for Softplus<F> {
    const PARAMS: usize = 0;
    /// [`Softplus::DEFAULT`]: the layer has no parameters.
    const ZERO: Self = Self::DEFAULT;
    const TENSORS: usize = 0;

    /// Nothing to initialise: the layer has no parameters.
    fn initialize_with<R: rand::Rng + ?Sized>(&mut self, _init: Init, _rng: &mut R) {}
    fn tensors(&self) -> impl Iterator<Item = Tensor<'_, F>> {
        core::iter::empty()
    }
    fn tensors_mut(&mut self) -> impl Iterator<Item = TensorMut<'_, F>> {
        core::iter::empty()
    }
    fn write_rust<W: core::fmt::Write>(&self, out: &mut W) -> core::fmt::Result {
        out.write_str("constnet::layers::Softplus::new(")?;
        write_float(out, self.beta)?;
        out.write_str(", ")?;
        write_float(out, self.threshold)?;
        out.write_char(')')
    }
}

impl<F> Module for Softplus<F> {}

impl<F: Float> Default for Softplus<F> {
    /// β = 1 and threshold = 20, PyTorch's defaults.
    fn default() -> Self {
        Softplus { beta: F::one(), threshold: F::from_f64(20.0) }
    }
}

impl<F: Float> Elementwise<F> for Softplus<F> {
    const TAPES_INPUT: bool = true;
    #[inline]
    fn apply(&self, x: F) -> F {
        let scaled = x * self.beta;
        if scaled > self.threshold { x } else { scaled.exp().ln_1p() / self.beta }
    }
    #[inline]
    fn derivative(&self, x: F) -> F {
        let scaled = x * self.beta;
        if scaled > self.threshold { F::one() } else { scaled.sigmoid() }
    }
}
elementwise_layer!(@shapes Softplus<F> for Softplus<F>);
