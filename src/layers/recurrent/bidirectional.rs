//! [`Bidirectional`]: a recurrent cell run forwards and backwards over a
//! sequence, its two outputs side by side, as PyTorch's `bidirectional`.

use core::fmt;

use rand::Rng;

use super::stacked::reversed;
use super::{Cell, Recurrent};
use crate::model::{Tensor, TensorMut};
use crate::{Float, Init, Model, Module, PerSample, Sequence, Values};

/// A recurrent cell `C` in both directions, as PyTorch's
/// `nn.LSTM(…, bidirectional=True)` (and `nn.GRU`, `nn.RNN`): one copy reads
/// the sequence from step 0 up, the other from step `T − 1` down, and each
/// output step is `[forward; backward]`, the forward features first —
/// `O = 2·H` values, declared in the type and checked at compile time (as
/// the convolutions' output sizes are). Its state is (forward, backward);
/// the backward direction's final state is the one after step 0, as in
/// PyTorch's `h_n`. The reverse copy's tensors are PyTorch's `…_reverse`.
///
/// It needs the whole sequence (the backward direction starts at its end),
/// so it has no streaming step.
///
/// ```
/// use constnet::prelude::*;
///
/// type Net = (Bidirectional<Gru<3, 4>, 8>, LastStep, Dense<8, 2>);
/// let net = Net::init(&mut Xoshiro256PlusPlus::seed_from_u64(6));
/// let names: Vec<&str> = net.0.tensors().map(|t| t.name).collect();
/// assert_eq!(names[4], "weight_ih_l0_reverse");
/// assert!(net.forward(&Sequence::new([[0.5, -0.5, 1.0]; 4])).iter().all(|v| v.is_finite()));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bidirectional<C, const O: usize> {
    /// The cell that reads the sequence forwards.
    pub forward: C,
    /// The cell that reads it backwards.
    pub backward: C,
}

impl<C, const O: usize> Bidirectional<C, O> {
    /// The two directions. A `const fn`, so a model can live in a `static`.
    pub const fn new(forward: C, backward: C) -> Self {
        Bidirectional { forward, backward }
    }
}

impl<C, const O: usize> Module for Bidirectional<C, O> {}

/// A batch of sequences runs sequence by sequence, in order.
impl<C, const O: usize> PerSample for Bidirectional<C, O> {}

/// `[forward; backward]`, with `O = 2·H` checked at compile time.
fn concatenated<C: Cell, const O: usize>(forward: &C::Output, backward: &C::Output) -> [C::Scalar; O] {
    const {
        assert!(
            O == 2 * <C::Output as Values>::LEN,
            "Bidirectional: the declared output width O must be twice the cell's hidden size"
        )
    };
    let mut out = [<C::Scalar as Float>::ZERO; O];
    let (front, back) = out.split_at_mut(<C::Output as Values>::LEN);
    // Cannot fail: the halves have the outputs' length, checked above.
    let _ = (forward.write_to_slice(front), backward.write_to_slice(back));
    out
}

/// The forward and backward halves of an output step.
fn halves<C: Cell, const O: usize>(y: &[C::Scalar; O]) -> (C::Output, C::Output) {
    let (front, back) = y.split_at(<C::Output as Values>::LEN);
    // Cannot fail: `O` is twice the output's length (checked where the
    // layer runs), so each half has exactly its length.
    (C::Output::from_slice(front).unwrap_or(C::Output::ZEROS), C::Output::from_slice(back).unwrap_or(C::Output::ZEROS))
}

/// The steps of `x` in reverse order: what the backward direction reads.
fn reversed_steps<X: Copy, const T: usize>(x: &Sequence<X, T>) -> Sequence<X, T> {
    Sequence::from_fn(|k| x[T - 1 - k])
}

/// Each direction is its cell's own pass over the sequence ([`Recurrent`]
/// for a [`Cell`]): the backward one over the reversed steps, so its tapes
/// are in the order it ran, step `T − 1` first.
impl<C: Cell, const O: usize> Recurrent for Bidirectional<C, O> {
    type Scalar = C::Scalar;
    type Input = C::Input;
    type Output = [C::Scalar; O];
    type State = (C::State, C::State);
    /// The forward and the backward direction's step tapes, each in the
    /// order its direction ran.
    type Tape<const T: usize> = ([C::StepTape; T], [C::StepTape; T]);

    fn run<const T: usize>(
        &self,
        x: &Sequence<C::Input, T>,
        (forward, backward): &Self::State,
    ) -> (Sequence<[C::Scalar; O], T>, Self::State) {
        let (ahead, forward) = self.forward.run(x, forward);
        let (behind, backward) = self.backward.run(&reversed_steps(x), backward);
        let y = Sequence::from_fn(|t| concatenated::<C, O>(&ahead[t], &behind[T - 1 - t]));
        (y, (forward, backward))
    }

    fn run_tape<const T: usize>(
        &self,
        x: &Sequence<C::Input, T>,
        (forward, backward): &Self::State,
    ) -> (Sequence<[C::Scalar; O], T>, Self::State, Self::Tape<T>) {
        let (ahead, forward, forward_tapes) = self.forward.run_tape(x, forward);
        let (behind, backward, backward_tapes) = self.backward.run_tape(&reversed_steps(x), backward);
        let y = Sequence::from_fn(|t| concatenated::<C, O>(&ahead[t], &behind[T - 1 - t]));
        (y, (forward, backward), (forward_tapes, backward_tapes))
    }

    /// Each direction through time in the reverse of the order it ran;
    /// dL/dx of a step is the forward direction's plus the backward one's.
    fn run_backprop<const T: usize>(
        &self,
        (forward_tapes, backward_tapes): &Self::Tape<T>,
        dy: &Sequence<[C::Scalar; O], T>,
        (d_forward, d_backward): &Self::State,
        grads: &mut Self,
    ) -> (Sequence<C::Input, T>, Self::State) {
        let d_ahead = Sequence::from_fn(|t| halves::<C, O>(&dy[t]).0);
        let d_behind = Sequence::from_fn(|k| halves::<C, O>(&dy[T - 1 - k]).1);
        let (mut dx, d_first_forward) =
            self.forward.run_backprop(forward_tapes, &d_ahead, d_forward, &mut grads.forward);
        let (dx_behind, d_first_backward) =
            self.backward.run_backprop(backward_tapes, &d_behind, d_backward, &mut grads.backward);
        for (t, total) in dx.iter_mut().enumerate() {
            total.zip_mut(&dx_behind[T - 1 - t], &mut |total, d| *total = *total + d);
        }
        (dx, (d_first_forward, d_first_backward))
    }
}

impl<F: Float, C: Model<F>, const O: usize> Model<F> for Bidirectional<C, O> {
    const PARAMS: usize = 2 * C::PARAMS;
    const TENSORS: usize = 2 * C::TENSORS;
    const ZERO: Self = Bidirectional { forward: C::ZERO, backward: C::ZERO };

    /// Position 0 (one layer from outside); the type is the cell's.
    fn tensor_owner(index: usize) -> Option<(usize, &'static str)> {
        C::tensor_owner(index % C::TENSORS.max(1)).filter(|_| index < Self::TENSORS).map(|(_, t)| (0, t))
    }
    /// The forward direction first, then the backward one, as PyTorch.
    fn initialize_with<R: Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
        self.forward.initialize_with(init, rng);
        self.backward.initialize_with(init, rng);
    }
    /// The forward direction's tensors, then the backward one's under
    /// PyTorch's `…_reverse` names.
    fn tensors(&self) -> impl Iterator<Item = Tensor<'_, F>> {
        let backward = self.backward.tensors().map(|t| Tensor { name: reversed(t.name), ..t });
        self.forward.tensors().chain(backward)
    }
    fn tensors_mut(&mut self) -> impl Iterator<Item = TensorMut<'_, F>> {
        let backward = self.backward.tensors_mut().map(|t| TensorMut { name: reversed(t.name), ..t });
        self.forward.tensors_mut().chain(backward)
    }
    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        out.write_str("constnet::layers::Bidirectional::new(")?;
        self.forward.write_rust(out)?;
        out.write_str(", ")?;
        self.backward.write_rust(out)?;
        out.write_char(')')
    }
}
