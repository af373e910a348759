//! [`Dropout`]: randomly zeroes activations during training.

use core::fmt;

use rand::Rng;

use crate::model::{Tensor, TensorMut, write_float};
use crate::{Backprop, Float, Init, InvalidHyperparameter, Layer, Mode, Model, Module, PerSample, Values};

/// Inverted dropout, as PyTorch's `Dropout(p)`: in training each element is
/// zeroed with probability `p` and the kept ones are scaled by 1/(1 − p), so
/// the expected output equals the input; at inference it is the identity.
///
/// Training is [`forward_tape`](crate::Forward::forward_tape); the mask comes
/// from the layer's own small RNG (SplitMix64), seeded at construction, so a
/// run is reproducible and gives the same masks on every target.
/// [`forward`](crate::Forward::forward) is inference and passes values
/// through unchanged.
///
/// ```
/// use constnet::prelude::*;
///
/// let mut dropout = Dropout::<f32>::new(0.5, 42).unwrap();
/// let x = [1.0_f32; 8];
/// assert_eq!(dropout.forward(&x), x); // inference: identity
/// let (y, _) = dropout.forward_tape(&x);
/// assert!(y.iter().all(|&v| v == 0.0 || v == 2.0)); // dropped, or scaled by 1/(1 − p)
/// assert!(Dropout::<f32>::new(1.0, 0).is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Dropout<F = f32> {
    p: F,
    state: u64,
}

impl<F: Float> Dropout<F> {
    /// Dropout with probability `p` of zeroing an element, which must be in
    /// [0, 1), and the given RNG seed.
    pub fn new(p: F, seed: u64) -> Result<Self, InvalidHyperparameter> {
        if p >= F::zero() && p < F::one() {
            Ok(Dropout { p, state: seed })
        } else {
            Err(InvalidHyperparameter {
                name: "dropout probability",
                value: p.as_f64(),
                expected: "a number in [0, 1)",
            })
        }
    }

    /// Builds the layer from its probability and RNG state, as exported by
    /// [`Model::write_rust`]. A `const fn` for `static` models; it does not
    /// validate `p` (use [`new`](Self::new)).
    pub const fn from_parts(p: F, state: u64) -> Self {
        Dropout { p, state }
    }

    /// The probability of zeroing an element.
    pub fn probability(&self) -> F {
        self.p
    }

    /// How a training mask is drawn: a kept element is multiplied by the
    /// scale 1/(1 − p) (PyTorch multiplies by this precomputed scale too),
    /// and an element is kept when a uniform 32-bit draw is at least the
    /// threshold p·2³².
    fn keep_rule(&self) -> (F, u64) {
        (F::one() / (F::one() - self.p), (self.p.as_f64() * 4_294_967_296.0) as u64)
    }

    /// The mask of a training pass in mode `M` for a tensor of type `X`:
    /// drawn element by element in row-major order in training mode, ones
    /// in evaluation mode.
    fn draw<X: Values<Scalar = F>, M: Mode>(&mut self) -> X {
        let mut mask = X::ZEROS;
        if M::TRAINING {
            let (scale, threshold) = self.keep_rule();
            mask.for_each_mut(&mut |m| *m = if (self.next_u64() >> 32) >= threshold { scale } else { F::zero() });
        } else {
            mask.for_each_mut(&mut |m| *m = F::one());
        }
        mask
    }

    /// The training pass of one sample with a mask given by the caller
    /// instead of drawn from the generator: `keep` is 1 where an element is
    /// kept and 0 where
    /// it is dropped (PyTorch's mask), so y = x·keep·1/(1 − p). Returns the
    /// output and the tape for [`Backprop::backprop`] (in either mode),
    /// which then gives dX = dY·keep·1/(1 − p) — the pass to test against a
    /// reference whose mask is known. The generator is not advanced.
    ///
    /// # Errors
    ///
    /// [`InvalidHyperparameter`] naming `"dropout mask"` if an element of
    /// `keep` is neither 0 nor 1.
    ///
    /// ```
    /// use constnet::prelude::*;
    /// use constnet::Backprop;
    ///
    /// let dropout = Dropout::<f64>::new(0.5, 0).unwrap();
    /// let (y, mask) = dropout.with_mask(&[1.0, 2.0, 3.0], &[1.0, 0.0, 1.0]).unwrap();
    /// assert_eq!(y, [2.0, 0.0, 6.0]);
    /// let dx = <Dropout<f64> as Backprop<[f64; 3]>>::backprop(&dropout, &mask, &[1.0; 3], &mut Dropout::zeroed());
    /// assert_eq!(dx, [2.0, 0.0, 2.0]);
    /// assert!(dropout.with_mask(&[1.0], &[0.5]).is_err());
    /// ```
    pub fn with_mask<X>(&self, x: &X, keep: &X) -> Result<(X, X), InvalidHyperparameter>
    where
        X: Values<Scalar = F>,
        Self: Backprop<X, Tape = X>,
    {
        let mut invalid = None;
        keep.for_each(&mut |k| {
            if invalid.is_none() && k != F::zero() && k != F::one() {
                invalid = Some(k);
            }
        });
        if let Some(k) = invalid {
            return Err(InvalidHyperparameter { name: "dropout mask", value: k.as_f64(), expected: "0 or 1" });
        }
        let (scale, _) = self.keep_rule();
        let mut mask = *keep;
        mask.for_each_mut(&mut |m| *m = *m * scale);
        Ok((apply_mask(x, &mask), mask))
    }

    /// SplitMix64 (Steele, Lea & Flood): one 64-bit add, two multiplies.
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl<F> Module for Dropout<F> {}

impl<F: Float> Model<F> for Dropout<F> {
    const PARAMS: usize = 0;
    const TENSORS: usize = 0;

    /// p = 0.5, PyTorch's default, and the generator's state 0.
    const ZERO: Self = Dropout { p: F::HALF, state: 0 };

    /// Reseeds the mask generator from `rng` (one draw), keeping p.
    fn initialize_with<R: Rng + ?Sized>(&mut self, _init: Init, rng: &mut R) {
        self.state = rng.next_u64();
    }
    fn tensors(&self) -> impl Iterator<Item = Tensor<'_, F>> {
        core::iter::empty()
    }
    fn tensors_mut(&mut self) -> impl Iterator<Item = TensorMut<'_, F>> {
        core::iter::empty()
    }
    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        out.write_str("constnet::layers::Dropout::from_parts(")?;
        write_float(out, self.p)?;
        write!(out, ", {})", self.state)
    }
}

/// A batch draws its masks sample by sample, in order.
impl<F> PerSample for Dropout<F> {}

/// `Layer` and `Backprop` of dropout on samples of shape `$shape`, one body
/// for all of them through [`Values`].
macro_rules! dropout_on {
    ([$(const $g:ident),*], $shape:ty) => {
        impl<F: Float, $(const $g: usize),*> Layer<$shape> for Dropout<F> {
            type Output = $shape;

            /// Inference: the identity.
            fn eval(&self, x: &$shape) -> $shape {
                *x
            }
        }

        /// In [`TrainMode`](crate::TrainMode), a fresh mask from the layer's
        /// generator; in [`EvalMode`](crate::EvalMode), the identity (a mask
        /// of ones, which changes no bit of the input or the gradient).
        impl<F: Float, $(const $g: usize,)* M: Mode> Backprop<$shape, M> for Dropout<F> {
            /// The mask: 0 or 1/(1 − p) per element (1 in evaluation mode).
            type Tape = $shape;

            fn eval_tape(&mut self, x: &$shape) -> ($shape, $shape) {
                let mask = self.draw::<$shape, M>();
                (apply_mask(x, &mask), mask)
            }

            fn backprop(&self, mask: &$shape, dy: &$shape, _grads: &mut Self) -> $shape {
                apply_mask(dy, mask)
            }
        }
    };
}

dropout_on!([const N], [F; N]);
dropout_on!([const L, const C], [[F; L]; C]);
dropout_on!([const W, const H, const C], [[[F; W]; H]; C]);

/// `x` times `mask`, element by element.
fn apply_mask<X: Values>(x: &X, mask: &X) -> X {
    let mut y = *x;
    y.zip_mut(mask, &mut |v, m| *v = *v * m);
    y
}
