//! [`Softmax`]: turns a vector of scores into probabilities.

use crate::{Backprop, Float, Layer, Mode, PerSample};

/// softmax(z)_k = e^(z_k − m) / Σ_j e^(z_j − m) with m = max z, so large
/// scores do not overflow: `[1000, 1001, 1002]` gives finite probabilities.
///
/// For classification, prefer to end the network with its logits and train
/// with [`softmax_cross_entropy`](crate::loss::softmax_cross_entropy), which
/// is more accurate than a `Softmax` layer followed by a loss on
/// probabilities; use this layer for inference, or wherever probabilities
/// are needed inside a model.
///
/// NaN anywhere in the input makes every output NaN.
///
/// ```
/// use constnet::prelude::*;
/// let p = Softmax.forward(&[1000.0_f32, 1001.0, 1002.0]);
/// assert!((p[2] - 0.66524096).abs() < 1e-6);
/// assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Softmax;

/// The max-shifted softmax of `z` (see [`Softmax`]).
pub(crate) fn softmax<F: Float, const N: usize>(z: &[F; N]) -> [F; N] {
    let Exponentials { mut exps, sum, .. } = exponentials(z);
    for v in exps.iter_mut() {
        *v = *v / sum;
    }
    exps
}

/// What [`softmax`] divides, which the cross-entropy also needs: computed
/// once for both, since `exp` is most of their cost.
pub(crate) struct Exponentials<F, const N: usize> {
    /// The shift: the largest element.
    pub(crate) shift: F,
    /// e^(z − shift), element by element.
    pub(crate) exps: [F; N],
    /// Their sum, in element order.
    pub(crate) sum: F,
}

/// The shifted exponentials of `z` and their sum.
pub(crate) fn exponentials<F: Float, const N: usize>(z: &[F; N]) -> Exponentials<F, N> {
    let shift = max_finite_or_first(z);
    let exps = z.map(|v| (v - shift).exp());
    let sum = exps.iter().fold(F::zero(), |s, &v| s + v);
    Exponentials { shift, exps, sum }
}

/// The largest element, used as the shift that keeps `exp` from
/// overflowing. `FloatCore::max` skips NaN, so a NaN element does not hide
/// the maximum (it still poisons the sum, and so every output).
fn max_finite_or_first<F: Float>(z: &[F]) -> F {
    z.iter().fold(F::neg_infinity(), |m, &v| m.max(v))
}

parameter_free_model!([] Softmax, Softmax, |_this, out| out.write_str("constnet::layers::Softmax"));

impl PerSample for Softmax {}

impl<F: Float, const N: usize> Layer<[F; N]> for Softmax {
    type Output = [F; N];

    fn eval(&self, z: &[F; N]) -> [F; N] {
        softmax(z)
    }
}

impl<F: Float, const N: usize, M: Mode> Backprop<[F; N], M> for Softmax {
    /// The probabilities.
    type Tape = [F; N];

    fn eval_tape(&mut self, z: &[F; N]) -> ([F; N], [F; N]) {
        let p = softmax(z);
        (p, p)
    }

    /// The Jacobian-vector product dz_k = p_k·(dy_k − Σ_j dy_j·p_j).
    fn backprop(&self, p: &[F; N], dy: &[F; N], _grads: &mut Self) -> [F; N] {
        let weighted = p.iter().zip(dy).fold(F::zero(), |s, (&pj, &dj)| s + pj * dj);
        core::array::from_fn(|k| p[k] * (dy[k] - weighted))
    }
}
