//! Recurrent layers: [`Rnn`], [`Lstm`] and [`Gru`] (the cells), and
//! [`Stacked`] and [`Bidirectional`] (PyTorch's `num_layers` and
//! `bidirectional`), with backpropagation through time.
//!
//! # How the pieces fit
//!
//! * A [`Cell`] computes one time step: (state, input step) → (output
//!   step, next state), with a per-step tape and its backward pass. The
//!   streaming step function of firmware, [`Cell::step`], is this.
//! * Every cell is [`Recurrent`]: it runs a whole [`Sequence`] from an
//!   initial state, keeping the steps' tapes (sized at compile time), and
//!   back-propagates through time. The whole-sequence pass *is* the step
//!   function applied in order, so stepping gives exactly its bits.
//!   [`Stacked`] and [`Bidirectional`] are `Recurrent` too.
//! * Every `Recurrent` layer is a [`Layer`] on two inputs:
//!   - `Sequence<[F; I], T>` → `Sequence<[F; H], T>`: all the hidden states
//!     from the zero state, which is what a stack of layers passes on
//!     (`(Lstm<8, 32>, Lstm<32, 32>, LastStep, Dense<32, 10>)`);
//!   - `(Sequence<[F; I], T>, State)` → `(Sequence<[F; H], T>, State)`: a
//!     given initial state in, the final state out, as PyTorch's
//!     `output, (h_n, c_n) = lstm(x, (h0, c0))`. Its backward pass takes
//!     dL/d(outputs) and dL/d(final state) and returns dL/dx for every step
//!     and dL/d(initial state).
//!
//! # Conventions (PyTorch's)
//!
//! Weights `weight_ih [G·H][I]` and `weight_hh [G·H][H]`, two biases
//! `bias_ih` and `bias_hh [G·H]`, both added; gate rows stacked in blocks of
//! `H` — LSTM i, f, g, o; GRU r, z, n with
//! n = tanh(W_in·x + b_in + r·(W_hn·h + b_hn)). Each step computes the input part `b_ih + W_ih·x` and the hidden
//! part `b_hh + W_hh·h` separately (as PyTorch's cells do), each summed in
//! input order, bias first, then adds them: one fixed order on every target.
//! Inside, each weight is stored transposed, one `[[F; H]; G]` block of gate
//! outputs per input, so a step adds whole columns, as
//! [`Dense`](crate::layers::Dense) does; the tensor views present PyTorch's
//! shapes.

mod bidirectional;
mod gru;
mod lstm;
mod rnn;
mod stacked;

pub use bidirectional::Bidirectional;
pub use gru::Gru;
pub use lstm::{Lstm, LstmState};
pub use rnn::{Rnn, RnnNonlinearity};
pub use stacked::Stacked;

use crate::kernel::{matvec_t_backprop, matvec_t_columns};
use crate::layer::SameShape;
use crate::{Backprop, Float, Layer, Mode, Sequence, Values, Zeroed};

/// One time step of a recurrent layer: the cell of [`Rnn`], [`Lstm`] or
/// [`Gru`]. See the [module](self) for how cells become layers.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::layers::Cell;
///
/// // Streaming: the caller holds the state; one input frame, one output.
/// let gru = Gru::<2, 3>::init(&mut Xoshiro256PlusPlus::seed_from_u64(4));
/// let frames = [[0.5, -1.0], [0.25, 0.0], [1.0, 1.0]];
/// let mut state = [0.0; 3];
/// let streamed: Vec<[f32; 3]> = frames.iter().map(|x| gru.step(&mut state, x)).collect();
/// // Exactly the whole-sequence pass, bit for bit.
/// let whole = gru.forward(&Sequence::new(frames));
/// assert_eq!(whole.as_array(), &streamed[..]);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not take a sequence of time steps",
    label = "a `Sequence` is time steps, not a batch, channels or features",
    note = "a `Sequence` goes to a recurrent layer (`Lstm`, `Gru`, `Rnn`), an element-wise layer, `PerStep<L>` \
            (`L` on every step, e.g. `PerStep<LayerNorm<4>>`), `LastStep` or `MeanOverSteps`; several sequences \
            are a `Batch<Sequence<_, T>, B>`"
)]
pub trait Cell: Sized {
    /// The float type.
    type Scalar: Float;
    /// One input step, `[F; I]`.
    type Input: Values<Scalar = Self::Scalar>;
    /// One output step, the hidden state `[F; H]`.
    type Output: Values<Scalar = Self::Scalar>;
    /// What the cell carries from one step to the next: `h` (`[F; H]`), or
    /// `h` and `c` for an LSTM ([`LstmState`]).
    type State: Values<Scalar = Self::Scalar>;
    /// What one step's backward pass needs.
    type StepTape: Zeroed;

    /// Inference: advances `state` by one input step and returns the
    /// output. `&self`, no heap, no panic: this is how firmware runs a
    /// recurrent model on a live stream.
    fn step(&self, state: &mut Self::State, x: &Self::Input) -> Self::Output;

    /// One training step from `state`: the output, the next state and the
    /// step's tape. The same arithmetic as [`step`](Cell::step).
    fn step_tape(&self, state: &Self::State, x: &Self::Input) -> (Self::Output, Self::State, Self::StepTape);

    /// The backward pass of one step: given dL/d(output) and dL/d(next
    /// state) (from the later steps), adds this step's parameter gradients
    /// into `grads` and returns dL/d(input) and dL/d(previous state).
    fn step_backprop(
        &self,
        tape: &Self::StepTape,
        dy: &Self::Output,
        d_state: &Self::State,
        grads: &mut Self,
    ) -> (Self::Input, Self::State);
}

/// A recurrent layer over a whole [`Sequence`], from an initial state to a
/// final one, with backpropagation through time. Every [`Cell`] is one;
/// [`Stacked`] and [`Bidirectional`] combine them. See the
/// [module](self).
pub trait Recurrent: Sized {
    /// The float type.
    type Scalar: Float;
    /// One input step.
    type Input: Values<Scalar = Self::Scalar>;
    /// One output step.
    type Output: Values<Scalar = Self::Scalar>;
    /// The state from one step to the next (for several layers or
    /// directions, a tuple of theirs).
    type State: Values<Scalar = Self::Scalar>;
    /// What the backward pass of a `T`-step sequence needs: the steps'
    /// tapes, sized at compile time.
    type Tape<const T: usize>: Zeroed;

    /// Inference over a sequence from `state`: every output step and the
    /// final state.
    fn run<const T: usize>(
        &self,
        x: &Sequence<Self::Input, T>,
        state: &Self::State,
    ) -> (Sequence<Self::Output, T>, Self::State);

    /// Training over a sequence from `state`: the outputs, the final state
    /// and the tape for [`run_backprop`](Recurrent::run_backprop).
    #[allow(clippy::type_complexity)]
    fn run_tape<const T: usize>(
        &self,
        x: &Sequence<Self::Input, T>,
        state: &Self::State,
    ) -> (Sequence<Self::Output, T>, Self::State, Self::Tape<T>);

    /// Backpropagation through time: given dL/d(every output) and dL/d(the
    /// final state), adds the parameter gradients into `grads` and returns
    /// dL/d(every input step) and dL/d(the initial state).
    fn run_backprop<const T: usize>(
        &self,
        tape: &Self::Tape<T>,
        dy: &Sequence<Self::Output, T>,
        d_state: &Self::State,
        grads: &mut Self,
    ) -> (Sequence<Self::Input, T>, Self::State);
}

/// A cell over a sequence: its step applied in order, and the steps'
/// backward passes in reverse order, each given dL/d(its output) and the
/// dL/d(state) that the later steps sent back.
impl<C: Cell> Recurrent for C {
    type Scalar = C::Scalar;
    type Input = C::Input;
    type Output = C::Output;
    type State = C::State;
    /// The tape of every step.
    type Tape<const T: usize> = [C::StepTape; T];

    fn run<const T: usize>(&self, x: &Sequence<C::Input, T>, state: &C::State) -> (Sequence<C::Output, T>, C::State) {
        let mut state = *state;
        let outputs = Sequence::from_fn(|t| self.step(&mut state, &x[t]));
        (outputs, state)
    }

    fn run_tape<const T: usize>(
        &self,
        x: &Sequence<C::Input, T>,
        state: &C::State,
    ) -> (Sequence<C::Output, T>, C::State, [C::StepTape; T]) {
        let mut state = *state;
        let mut outputs = Sequence([C::Output::ZEROS; T]);
        let tapes = core::array::from_fn(|t| {
            let (y, next, tape) = self.step_tape(&state, &x[t]);
            (outputs[t], state) = (y, next);
            tape
        });
        (outputs, state, tapes)
    }

    fn run_backprop<const T: usize>(
        &self,
        tape: &[C::StepTape; T],
        dy: &Sequence<C::Output, T>,
        d_state: &C::State,
        grads: &mut Self,
    ) -> (Sequence<C::Input, T>, C::State) {
        let mut d_state = *d_state;
        let mut dx = Sequence([C::Input::ZEROS; T]);
        for t in (0..T).rev() {
            (dx[t], d_state) = self.step_backprop(&tape[t], &dy[t], &d_state, grads);
        }
        (dx, d_state)
    }
}

/// A sequence from the zero state: all the hidden states. The input steps
/// are checked through [`SameShape`], so a sequence of the wrong width reads
/// "a layer taking `Sequence<[f32; 8], 5>` was given `Sequence<[f32; 3], 5>`".
impl<R: Recurrent, X, const T: usize> Layer<Sequence<X, T>> for R
where
    Sequence<X, T>: SameShape<Sequence<R::Input, T>>,
{
    type Output = Sequence<R::Output, T>;

    fn eval(&self, x: &Sequence<X, T>) -> Sequence<R::Output, T> {
        self.run(x.as_shape(), &R::State::ZEROS).0
    }
}

/// Training on a sequence from the zero state (the same in both modes).
impl<R: Recurrent, X, M: Mode, const T: usize> Backprop<Sequence<X, T>, M> for R
where
    Sequence<X, T>: SameShape<Sequence<R::Input, T>>,
{
    /// The steps' tapes.
    type Tape = R::Tape<T>;

    fn eval_tape(&mut self, x: &Sequence<X, T>) -> (Self::Output, Self::Tape) {
        let (y, _, tape) = self.run_tape(x.as_shape(), &R::State::ZEROS);
        (y, tape)
    }

    fn backprop(&self, tape: &Self::Tape, dy: &Self::Output, grads: &mut Self) -> Sequence<X, T> {
        SameShape::from_shape(self.run_backprop(tape, dy, &R::State::ZEROS, grads).0)
    }
}

/// A sequence and a given initial state: every output and the final state,
/// as PyTorch's `output, h_n = rnn(x, h0)`.
impl<R: Recurrent, X, const T: usize> Layer<(Sequence<X, T>, R::State)> for R
where
    Sequence<X, T>: SameShape<Sequence<R::Input, T>>,
{
    type Output = (Sequence<R::Output, T>, R::State);

    fn eval(&self, (x, state): &(Sequence<X, T>, R::State)) -> Self::Output {
        self.run(x.as_shape(), state)
    }
}

/// Training with a given initial state: the backward pass takes dL/d(every
/// output) and dL/d(the final state), and returns dL/dx for every step and
/// dL/d(the initial state).
impl<R: Recurrent, X, M: Mode, const T: usize> Backprop<(Sequence<X, T>, R::State), M> for R
where
    Sequence<X, T>: SameShape<Sequence<R::Input, T>>,
{
    /// The steps' tapes.
    type Tape = R::Tape<T>;

    fn eval_tape(&mut self, (x, state): &(Sequence<X, T>, R::State)) -> (Self::Output, Self::Tape) {
        let (y, last, tape) = self.run_tape(x.as_shape(), state);
        ((y, last), tape)
    }

    fn backprop(&self, tape: &Self::Tape, (dy, d_last): &Self::Output, grads: &mut Self) -> (Sequence<X, T>, R::State) {
        let (dx, d_first) = self.run_backprop(tape, dy, d_last, grads);
        (SameShape::from_shape(dx), d_first)
    }
}

/// `bias + W·x` for `G` gate blocks of `H` outputs, with `W` stored
/// transposed, one `[[F; H]; G]` block per input: the bias, then the inputs
/// in order (the [`matvec_t_columns`] order).
#[inline]
fn gates<F: Float, const G: usize, const H: usize, const N: usize>(
    bias: &[[F; H]; G],
    weight_t: &[[[F; H]; G]; N],
    x: &[F; N],
) -> [[F; H]; G] {
    let mut z = *bias;
    matvec_t_columns(z.as_flattened_mut(), weight_t, x, |column| column.as_flattened());
    z
}

/// The backward pass of [`gates`] for dL/d(gates) `d`: adds d into the bias
/// gradient and d·xᵀ into the weight gradient, and returns dL/dx = Wᵀ·d.
#[inline]
fn gates_backprop<F: Float, const G: usize, const H: usize, const N: usize>(
    weight_t: &[[[F; H]; G]; N],
    x: &[F; N],
    d: &[[F; H]; G],
    bias_grad: &mut [[F; H]; G],
    weight_grad: &mut [[[F; H]; G]; N],
) -> [F; N] {
    let (d, bias_grad) = (d.as_flattened(), bias_grad.as_flattened_mut());
    matvec_t_backprop(weight_t, x, d, bias_grad, weight_grad, |c| c.as_flattened(), |c| c.as_flattened_mut())
}

/// The weights and biases of a recurrent cell with `G` gates: the layout
/// every cell stores, and the tensor views and Rust export they share.
#[derive(Clone, Debug, PartialEq)]
struct GateWeights<const G: usize, const I: usize, const H: usize, F> {
    /// `weight_ih`, transposed: `weight_ih_t[i][g][h]` is PyTorch's
    /// `weight_ih[g·H + h][i]`.
    weight_ih_t: [[[F; H]; G]; I],
    /// `weight_hh`, transposed likewise.
    weight_hh_t: [[[F; H]; G]; H],
    bias_ih: [[F; H]; G],
    bias_hh: [[F; H]; G],
}

mod weights;
