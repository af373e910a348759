//! [`Dropout`]: randomly zeroes activations during training.

use core::fmt;

use rand::Rng;

use crate::model::{Tensor, TensorMut, write_float};
use crate::{Float, Init, InvalidHyperparameter, Layer, Model, Module};

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

    /// The mask for `N` elements: 0 for a dropped element, 1/(1 − p) for a
    /// kept one (PyTorch multiplies by this precomputed scale too).
    fn draw_mask<const N: usize>(&mut self) -> [F; N] {
        let scale = F::one() / (F::one() - self.p);
        // Keep an element when a uniform 32-bit draw is at least p·2³².
        let threshold = (self.p.as_f64() * 4_294_967_296.0) as u64;
        core::array::from_fn(|_| if (self.next_u64() >> 32) >= threshold { scale } else { F::zero() })
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

impl<F: Float, const N: usize> Layer<[F; N]> for Dropout<F> {
    type Output = [F; N];
    /// The mask: 0 or 1/(1 − p) per element.
    type Tape = [F; N];

    fn eval(&self, x: &[F; N]) -> [F; N] {
        *x
    }

    fn eval_tape(&mut self, x: &[F; N]) -> ([F; N], [F; N]) {
        let mask: [F; N] = self.draw_mask();
        (core::array::from_fn(|k| x[k] * mask[k]), mask)
    }

    fn backprop(&self, mask: &[F; N], dy: &[F; N], _grads: &mut Self) -> [F; N] {
        core::array::from_fn(|k| dy[k] * mask[k])
    }
}

/// A batch draws an independent mask per sample, row by row.
impl<F: Float, const N: usize, const B: usize> Layer<[[F; N]; B]> for Dropout<F> {
    type Output = [[F; N]; B];
    type Tape = [[F; N]; B];

    fn eval(&self, x: &[[F; N]; B]) -> [[F; N]; B] {
        *x
    }

    fn eval_tape(&mut self, x: &[[F; N]; B]) -> ([[F; N]; B], [[F; N]; B]) {
        let masks: [[F; N]; B] = core::array::from_fn(|_| self.draw_mask());
        (core::array::from_fn(|b| core::array::from_fn(|k| x[b][k] * masks[b][k])), masks)
    }

    fn backprop(&self, masks: &[[F; N]; B], dy: &[[F; N]; B], _grads: &mut Self) -> [[F; N]; B] {
        core::array::from_fn(|b| core::array::from_fn(|k| dy[b][k] * masks[b][k]))
    }
}
