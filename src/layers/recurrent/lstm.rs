//! [`Lstm`]: the long short-term memory cell, PyTorch's `nn.LSTM` (one
//! layer, one direction).

use super::weights::cell_weights_api;
use super::{Cell, GateWeights, gates, gates_backprop};
use crate::{Float, Values};

/// A long short-term memory layer from `I` inputs to `H` hidden units, as
/// PyTorch's `nn.LSTM(I, H)`: with a = W_ih·x + b_ih + W_hh·h + b_hh split
/// into the gates i, f, g, o (in that order),
///
/// i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o),
/// c′ = f·c + i·g, h′ = o·tanh(c′).
///
/// It maps a [`Sequence`](crate::Sequence)`<[F; I], T>` to every hidden
/// state `Sequence<[F; H], T>` from the zero state, or a sequence and a
/// given [`LstmState`] to the outputs and the final state; its
/// [`Cell::step`] runs one step on a caller-held state (see the
/// [module](super)). Weights and biases are PyTorch's (`weight_ih_l0
/// [4H][I]`, …), given as four gate blocks of `H` rows to
/// [`from_weights`](Lstm::from_weights).
///
/// ```
/// use constnet::prelude::*;
///
/// type Net = (Lstm<3, 8>, Lstm<8, 8>, LastStep, Dense<8, 2>);
/// const _: () = assert!(<Lstm<3, 8> as Model>::PARAMS == 4 * 8 * (3 + 8) + 2 * 4 * 8);
/// let net = Net::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
/// let logits = net.forward(&Sequence::new([[0.1, 0.2, 0.3]; 5]));
/// assert!(logits.iter().all(|v| v.is_finite()));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Lstm<const I: usize, const H: usize, F = f32> {
    weights: GateWeights<4, I, H, F>,
}

cell_weights_api! { Lstm<>, 4, "i, f, g, o" }

/// The state an [`Lstm`] carries from one step to the next: the hidden
/// state `h` (its output) and the cell state `c`, PyTorch's `(h, c)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LstmState<const H: usize, F = f32> {
    /// The hidden state, PyTorch's `h`.
    pub h: [F; H],
    /// The cell state, PyTorch's `c`.
    pub c: [F; H],
}

crate::zeroed::zeroed_struct!([const H: usize, F: crate::Zeroed] LstmState<H, F> { h, c });

impl<const H: usize, F: Float> LstmState<H, F> {
    /// The state with `h` and `c`.
    pub const fn new(h: [F; H], c: [F; H]) -> Self {
        LstmState { h, c }
    }
}

impl<const H: usize, F: Float> Default for LstmState<H, F> {
    /// The zero state, PyTorch's default `(h0, c0)`.
    fn default() -> Self {
        Self::ZEROS
    }
}

/// `h`'s values, then `c`'s.
impl<const H: usize, F: Float> Values for LstmState<H, F> {
    type Scalar = F;
    const LEN: usize = 2 * H;
    const ZEROS: Self = LstmState { h: [F::ZERO; H], c: [F::ZERO; H] };

    fn for_each<G: FnMut(F)>(&self, f: &mut G) {
        self.h.for_each(f);
        self.c.for_each(f);
    }
    fn for_each_mut<G: FnMut(&mut F)>(&mut self, f: &mut G) {
        self.h.for_each_mut(f);
        self.c.for_each_mut(f);
    }
    fn zip_mut<G: FnMut(&mut F, F)>(&mut self, other: &Self, f: &mut G) {
        self.h.zip_mut(&other.h, f);
        self.c.zip_mut(&other.c, f);
    }
}

/// What one LSTM step keeps for its backward pass.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LstmStepTape<const I: usize, const H: usize, F> {
    x: [F; I],
    previous: LstmState<H, F>,
    /// The activated gates i, f, g, o.
    gates: [[F; H]; 4],
    /// tanh(c′).
    tanh_c: [F; H],
}

crate::zeroed::zeroed_struct!([const I: usize, const H: usize, F: crate::Zeroed] LstmStepTape<I, H, F> { x, previous, gates, tanh_c });

impl<const I: usize, const H: usize, F: Float> Lstm<I, H, F> {
    /// The cell with these weights.
    const fn with_weights(weights: GateWeights<4, I, H, F>) -> Self {
        Lstm { weights }
    }

    /// One step: the activated gates, c′ and tanh(c′).
    #[inline]
    fn gates_and_cell(&self, state: &LstmState<H, F>, x: &[F; I]) -> ([[F; H]; 4], [F; H], [F; H]) {
        let w = &self.weights;
        let mut activated = gates(&w.bias_ih, &w.weight_ih_t, x);
        let hidden = gates(&w.bias_hh, &w.weight_hh_t, &state.h);
        // In-place loops over whole arrays rather than `array::from_fn`,
        // which LLVM leaves scalar with AVX-512 (target-cpu=native).
        for (a, &b) in activated.as_flattened_mut().iter_mut().zip(hidden.as_flattened()) {
            *a = *a + b;
        }
        let [i, f, g, o] = &mut activated;
        for ((i, f), o) in i.iter_mut().zip(f.iter_mut()).zip(o.iter_mut()) {
            *i = i.sigmoid();
            *f = f.sigmoid();
            *o = o.sigmoid();
        }
        for g in g.iter_mut() {
            *g = g.tanh();
        }
        let mut c = state.c;
        for (((c, &i), &f), &g) in c.iter_mut().zip(&*i).zip(&*f).zip(&*g) {
            *c = f * *c + i * g;
        }
        let mut tanh_c = c;
        for t in tanh_c.iter_mut() {
            *t = t.tanh();
        }
        (activated, c, tanh_c)
    }
}

impl<const I: usize, const H: usize, F: Float> Cell for Lstm<I, H, F> {
    type Scalar = F;
    type Input = [F; I];
    type Output = [F; H];
    type State = LstmState<H, F>;
    type StepTape = LstmStepTape<I, H, F>;

    #[inline]
    fn step(&self, state: &mut LstmState<H, F>, x: &[F; I]) -> [F; H] {
        let (gates, c, tanh_c) = self.gates_and_cell(state, x);
        let h = core::array::from_fn(|k| gates[3][k] * tanh_c[k]);
        *state = LstmState { h, c };
        h
    }

    fn step_tape(&self, state: &LstmState<H, F>, x: &[F; I]) -> ([F; H], LstmState<H, F>, Self::StepTape) {
        let (gates, c, tanh_c) = self.gates_and_cell(state, x);
        let h = core::array::from_fn(|k| gates[3][k] * tanh_c[k]);
        (h, LstmState { h, c }, LstmStepTape { x: *x, previous: *state, gates, tanh_c })
    }

    /// With dh = dy + dh′ (the output's gradient and the next step's) and
    /// dc = dc′ + dh·o·(1 − tanh²c′): do = dh·tanh c′, di = dc·g,
    /// df = dc·c, dg = dc·i and dc_prev = dc·f, through the gates'
    /// derivatives to the pre-activations, then W_ihᵀ and W_hhᵀ.
    fn step_backprop(
        &self,
        tape: &Self::StepTape,
        dy: &[F; H],
        d_next: &LstmState<H, F>,
        grads: &mut Self,
    ) -> ([F; I], LstmState<H, F>) {
        let [i, f, g, o] = &tape.gates;
        let tanh_c = &tape.tanh_c;
        let dh: [F; H] = core::array::from_fn(|k| dy[k] + d_next.h[k]);
        let dc: [F; H] = core::array::from_fn(|k| d_next.c[k] + dh[k] * o[k] * (F::one() - tanh_c[k] * tanh_c[k]));
        let da: [[F; H]; 4] = [
            core::array::from_fn(|k| dc[k] * g[k] * i[k] * (F::one() - i[k])),
            core::array::from_fn(|k| dc[k] * tape.previous.c[k] * f[k] * (F::one() - f[k])),
            core::array::from_fn(|k| dc[k] * i[k] * (F::one() - g[k] * g[k])),
            core::array::from_fn(|k| dh[k] * tanh_c[k] * o[k] * (F::one() - o[k])),
        ];
        let (w, gw) = (&self.weights, &mut grads.weights);
        let dx = gates_backprop(&w.weight_ih_t, &tape.x, &da, &mut gw.bias_ih, &mut gw.weight_ih_t);
        let dh_prev = gates_backprop(&w.weight_hh_t, &tape.previous.h, &da, &mut gw.bias_hh, &mut gw.weight_hh_t);
        (dx, LstmState { h: dh_prev, c: core::array::from_fn(|k| dc[k] * f[k]) })
    }
}
