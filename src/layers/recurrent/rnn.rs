//! [`Rnn`]: the plain (Elman) recurrent layer, PyTorch's `nn.RNN` (one
//! layer, one direction), with tanh or ReLU.

use core::marker::PhantomData;

use super::weights::cell_weights_api;
use super::{Cell, GateWeights, gates, gates_backprop};
use crate::Float;
use crate::layers::{Relu, Tanh};

/// A plain recurrent layer from `I` inputs to `H` hidden units, as
/// PyTorch's `nn.RNN(I, H, nonlinearity=…)`:
/// h′ = A(W_ih·x + b_ih + W_hh·h + b_hh), with `A` [`Tanh`] (the default)
/// or [`Relu`] (derivative 0 at 0, as PyTorch). Its state is the hidden
/// state `[F; H]`. See [`Lstm`](crate::layers::Lstm) for the inputs it
/// takes and the [module](super) for the step function.
///
/// ```
/// use constnet::prelude::*;
///
/// let rnn: Rnn<1, 1> = Rnn::from_weights(&[[[1.0]]], &[[[0.5]]], [[0.0]], [[0.0]]);
/// let y = rnn.forward(&Sequence::new([[1.0], [0.0]]));
/// assert_eq!(y[0], [Float::tanh(1.0_f32)]); // the library's tanh
/// assert_eq!(y[1], [Float::tanh(0.5 * y[0][0])]);
///
/// let relu: Rnn<1, 1, f32, Relu> = Rnn::from_weights(&[[[-1.0]]], &[[[1.0]]], [[0.0]], [[0.0]]);
/// assert_eq!(relu.forward(&Sequence::new([[2.0]])), Sequence::new([[0.0]]));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Rnn<const I: usize, const H: usize, F = f32, A = Tanh> {
    weights: GateWeights<1, I, H, F>,
    nonlinearity: PhantomData<A>,
}

cell_weights_api! { Rnn<A: RnnNonlinearity>, 1, "one block" }

/// The nonlinearity of an [`Rnn`]: [`Tanh`] or [`Relu`], PyTorch's two.
/// Sealed.
pub trait RnnNonlinearity: sealed::Sealed {
    /// f(a).
    fn apply<F: Float>(a: F) -> F;
    /// f′ from the output y = f(a).
    fn derivative<F: Float>(y: F) -> F;
}

impl RnnNonlinearity for Tanh {
    fn apply<F: Float>(a: F) -> F {
        a.tanh()
    }
    fn derivative<F: Float>(y: F) -> F {
        F::one() - y * y
    }
}

impl RnnNonlinearity for Relu {
    fn apply<F: Float>(a: F) -> F {
        // `a < 0` is false for NaN, which passes through.
        if a < F::zero() { F::zero() } else { a }
    }
    fn derivative<F: Float>(y: F) -> F {
        if y > F::zero() { F::one() } else { F::zero() }
    }
}

mod sealed {
    /// Seals [`RnnNonlinearity`](super::RnnNonlinearity).
    pub trait Sealed {}
    impl Sealed for crate::layers::Tanh {}
    impl Sealed for crate::layers::Relu {}
}

/// What one RNN step keeps for its backward pass.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RnnStepTape<const I: usize, const H: usize, F> {
    x: [F; I],
    previous: [F; H],
    next: [F; H],
}

crate::zeroed::zeroed_struct!([const I: usize, const H: usize, F: crate::Zeroed] RnnStepTape<I, H, F> { x, previous, next });

impl<const I: usize, const H: usize, F: Float, A: RnnNonlinearity> Rnn<I, H, F, A> {
    /// The cell with these weights.
    const fn with_weights(weights: GateWeights<1, I, H, F>) -> Self {
        Rnn { weights, nonlinearity: PhantomData }
    }

    /// h′ from h and x.
    #[inline]
    fn next_state(&self, h: &[F; H], x: &[F; I]) -> [F; H] {
        let w = &self.weights;
        let [input] = gates(&w.bias_ih, &w.weight_ih_t, x);
        let [hidden] = gates(&w.bias_hh, &w.weight_hh_t, h);
        core::array::from_fn(|k| A::apply(input[k] + hidden[k]))
    }
}

impl<const I: usize, const H: usize, F: Float, A: RnnNonlinearity> Cell for Rnn<I, H, F, A> {
    type Scalar = F;
    type Input = [F; I];
    type Output = [F; H];
    type State = [F; H];
    type StepTape = RnnStepTape<I, H, F>;

    #[inline]
    fn step(&self, state: &mut [F; H], x: &[F; I]) -> [F; H] {
        *state = self.next_state(state, x);
        *state
    }

    fn step_tape(&self, state: &[F; H], x: &[F; I]) -> ([F; H], [F; H], Self::StepTape) {
        let next = self.next_state(state, x);
        (next, next, RnnStepTape { x: *x, previous: *state, next })
    }

    /// da = (dy + dh′)·A′, which reaches both the input and the hidden part.
    fn step_backprop(&self, tape: &Self::StepTape, dy: &[F; H], d_next: &[F; H], grads: &mut Self) -> ([F; I], [F; H]) {
        let da = [core::array::from_fn(|k| (dy[k] + d_next[k]) * A::derivative(tape.next[k]))];
        let (w, gw) = (&self.weights, &mut grads.weights);
        let dx = gates_backprop(&w.weight_ih_t, &tape.x, &da, &mut gw.bias_ih, &mut gw.weight_ih_t);
        let dh = gates_backprop(&w.weight_hh_t, &tape.previous, &da, &mut gw.bias_hh, &mut gw.weight_hh_t);
        (dx, dh)
    }
}
