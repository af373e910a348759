//! [`Gru`]: the gated recurrent unit, PyTorch's `nn.GRU` (one layer, one
//! direction).

use super::weights::cell_weights_api;
use super::{Cell, GateWeights, gates, gates_backprop};
use crate::Float;

/// A gated recurrent unit layer from `I` inputs to `H` hidden units, as
/// PyTorch's `nn.GRU(I, H)`: with the input part i = W_ih·x + b_ih and the
/// hidden part h_ = W_hh·h + b_hh, each split into the gates r, z, n (in
/// that order),
///
/// r = σ(i_r + h_r), z = σ(i_z + h_z), n = tanh(i_n + r·h_n),
/// h′ = (1 − z)·n + z·h.
///
/// The reset gate multiplies the whole hidden part of n, `b_hn` included,
/// as PyTorch does. Its state is the hidden state `[F; H]`. See
/// [`Lstm`](crate::layers::Lstm) for the inputs it takes and the
/// [module](super) for the step function.
///
/// ```
/// use constnet::prelude::*;
///
/// type Net = (Gru<8, 16>, LastStep, Dense<16, 10>);
/// const _: () = assert!(<Gru<8, 16> as Model>::PARAMS == 3 * 16 * (8 + 16) + 2 * 3 * 16);
/// let net = Net::init(&mut Xoshiro256PlusPlus::seed_from_u64(2));
/// let rows = Sequence::new([[0.5; 8]; 8]); // an 8×8 image, row by row
/// assert!(net.forward(&rows).iter().all(|v| v.is_finite()));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Gru<const I: usize, const H: usize, F = f32> {
    weights: GateWeights<3, I, H, F>,
}

cell_weights_api! { Gru<>, 3, "r, z, n" }

/// What one GRU step keeps for its backward pass.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GruStepTape<const I: usize, const H: usize, F> {
    x: [F; I],
    previous: [F; H],
    r: [F; H],
    z: [F; H],
    n: [F; H],
    /// The hidden part of n, W_hn·h + b_hn, which r multiplies.
    hidden_n: [F; H],
}

crate::zeroed::zeroed_struct!([const I: usize, const H: usize, F: crate::Zeroed] GruStepTape<I, H, F> { x, previous, r, z, n, hidden_n });

impl<const I: usize, const H: usize, F: Float> Gru<I, H, F> {
    /// The cell with these weights.
    const fn with_weights(weights: GateWeights<3, I, H, F>) -> Self {
        Gru { weights }
    }

    /// One step: h′ and the tape.
    #[inline]
    fn forward_step(&self, h: &[F; H], x: &[F; I]) -> ([F; H], GruStepTape<I, H, F>) {
        let w = &self.weights;
        let [i_r, i_z, i_n] = gates(&w.bias_ih, &w.weight_ih_t, x);
        let [h_r, h_z, h_n] = gates(&w.bias_hh, &w.weight_hh_t, h);
        // In-place loops over whole arrays rather than `array::from_fn`,
        // which LLVM leaves scalar with AVX-512 (target-cpu=native).
        let (mut r, mut z, mut n) = (i_r, i_z, i_n);
        for ((r, &h_r), (z, &h_z)) in r.iter_mut().zip(&h_r).zip(z.iter_mut().zip(&h_z)) {
            *r = (*r + h_r).sigmoid();
            *z = (*z + h_z).sigmoid();
        }
        for ((n, &r), &h_n) in n.iter_mut().zip(&r).zip(&h_n) {
            *n = (*n + r * h_n).tanh();
        }
        let mut next = *h;
        for ((next, &z), &n) in next.iter_mut().zip(&z).zip(&n) {
            *next = (F::one() - z) * n + z * *next;
        }
        (next, GruStepTape { x: *x, previous: *h, r, z, n, hidden_n: h_n })
    }
}

impl<const I: usize, const H: usize, F: Float> Cell for Gru<I, H, F> {
    type Scalar = F;
    type Input = [F; I];
    type Output = [F; H];
    type State = [F; H];
    type StepTape = GruStepTape<I, H, F>;

    #[inline]
    fn step(&self, state: &mut [F; H], x: &[F; I]) -> [F; H] {
        *state = self.forward_step(state, x).0;
        *state
    }

    fn step_tape(&self, state: &[F; H], x: &[F; I]) -> ([F; H], [F; H], Self::StepTape) {
        let (next, tape) = self.forward_step(state, x);
        (next, next, tape)
    }

    /// With dh = dy + dh′: dn = dh·(1 − z), dz = dh·(h − n), and the direct
    /// path dh·z to the previous state; through tanh and σ to the input
    /// parts (r, z, n) and the hidden parts (r, z, r·n's).
    fn step_backprop(&self, tape: &Self::StepTape, dy: &[F; H], d_next: &[F; H], grads: &mut Self) -> ([F; I], [F; H]) {
        let GruStepTape { x, previous, r, z, n, hidden_n } = tape;
        let dh: [F; H] = core::array::from_fn(|k| dy[k] + d_next[k]);
        let dn_pre: [F; H] = core::array::from_fn(|k| dh[k] * (F::one() - z[k]) * (F::one() - n[k] * n[k]));
        let dz_pre: [F; H] = core::array::from_fn(|k| dh[k] * (previous[k] - n[k]) * z[k] * (F::one() - z[k]));
        let dr_pre: [F; H] = core::array::from_fn(|k| dn_pre[k] * hidden_n[k] * r[k] * (F::one() - r[k]));
        let d_input = [dr_pre, dz_pre, dn_pre];
        let d_hidden = [dr_pre, dz_pre, core::array::from_fn(|k| dn_pre[k] * r[k])];
        let (w, gw) = (&self.weights, &mut grads.weights);
        let dx = gates_backprop(&w.weight_ih_t, x, &d_input, &mut gw.bias_ih, &mut gw.weight_ih_t);
        let dh_gates = gates_backprop(&w.weight_hh_t, previous, &d_hidden, &mut gw.bias_hh, &mut gw.weight_hh_t);
        (dx, core::array::from_fn(|k| dh[k] * z[k] + dh_gates[k]))
    }
}
