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

impl<C: Cell, const O: usize> Recurrent for Bidirectional<C, O> {
    type Scalar = C::Scalar;
    type Input = C::Input;
    type Output = [C::Scalar; O];
    type State = (C::State, C::State);
    /// The forward and the backward direction's step tapes, by step.
    type Tape<const T: usize> = ([C::StepTape; T], [C::StepTape; T]);

    fn run<const T: usize>(
        &self,
        x: &Sequence<C::Input, T>,
        state: &Self::State,
    ) -> (Sequence<[C::Scalar; O], T>, Self::State) {
        let (mut forward, mut backward) = *state;
        let ahead = Sequence::<C::Output, T>::from_fn(|t| self.forward.step(&mut forward, &x[t]));
        let mut behind = Sequence([C::Output::ZEROS; T]);
        for t in (0..T).rev() {
            behind[t] = self.backward.step(&mut backward, &x[t]);
        }
        (Sequence::from_fn(|t| concatenated::<C, O>(&ahead[t], &behind[t])), (forward, backward))
    }

    fn run_tape<const T: usize>(
        &self,
        x: &Sequence<C::Input, T>,
        state: &Self::State,
    ) -> (Sequence<[C::Scalar; O], T>, Self::State, Self::Tape<T>) {
        let (mut forward, mut backward) = *state;
        let mut ahead = Sequence([C::Output::ZEROS; T]);
        let forward_tapes = core::array::from_fn(|t| {
            let (y, next, tape) = self.forward.step_tape(&forward, &x[t]);
            (ahead[t], forward) = (y, next);
            tape
        });
        // The backward direction's tapes, in the order it ran (step T − 1
        // first).
        let mut behind = Sequence([C::Output::ZEROS; T]);
        let backward_tapes = core::array::from_fn(|k| {
            let t = T - 1 - k;
            let (y, next, tape) = self.backward.step_tape(&backward, &x[t]);
            (behind[t], backward) = (y, next);
            tape
        });
        let y = Sequence::from_fn(|t| concatenated::<C, O>(&ahead[t], &behind[t]));
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
        let mut dx = Sequence([C::Input::ZEROS; T]);
        let mut d_state = *d_forward;
        for t in (0..T).rev() {
            let (d_ahead, _) = halves::<C, O>(&dy[t]);
            (dx[t], d_state) = self.forward.step_backprop(&forward_tapes[t], &d_ahead, &d_state, &mut grads.forward);
        }
        let d_first_forward = d_state;
        let mut d_state = *d_backward;
        for k in (0..T).rev() {
            let t = T - 1 - k;
            let (_, d_behind) = halves::<C, O>(&dy[t]);
            let (d_input, d_previous) =
                self.backward.step_backprop(&backward_tapes[k], &d_behind, &d_state, &mut grads.backward);
            dx[t].zip_mut(&d_input, &mut |total, d| *total = *total + d);
            d_state = d_previous;
        }
        (dx, (d_first_forward, d_state))
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
