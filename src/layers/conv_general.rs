//! PROTOTYPE (branch `conv-general`, see docs/CONV_DESIGN.md): the index
//! machinery of the general convolution — padding kinds, dilation, groups —
//! on a 1-D layer, checked against conv_seed0.json's 1-D cases. Not yet the
//! library's `Conv1d`.

use crate::{Float, Layer};

/// How much zero padding an axis gets, for a kernel whose taps span
/// `extent = D·(K − 1)` positions beyond the first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PadSpec {
    /// `p` zeros on both sides.
    Both(usize),
    /// PyTorch's `padding='same'`: `extent` in all, the odd one after.
    Same,
    /// All `extent` zeros before: output t sees inputs up to t.
    Causal,
}

impl PadSpec {
    /// Zeros before the first input.
    pub const fn before(self, extent: usize) -> usize {
        match self {
            PadSpec::Both(p) => p,
            PadSpec::Same => extent / 2,
            PadSpec::Causal => extent,
        }
    }

    /// Zeros after the last input.
    pub const fn after(self, extent: usize) -> usize {
        match self {
            PadSpec::Both(p) => p,
            PadSpec::Same => extent - extent / 2,
            PadSpec::Causal => 0,
        }
    }
}

/// A padding kind as a type.
pub trait Padding {
    /// The padding.
    const SPEC: PadSpec;
}

/// `P` zeros on both sides.
pub struct Pad<const P: usize>;
impl<const P: usize> Padding for Pad<P> {
    const SPEC: PadSpec = PadSpec::Both(P);
}
/// PyTorch's `padding='same'`.
pub struct Same;
impl Padding for Same {
    const SPEC: PadSpec = PadSpec::Same;
}
/// Causal padding.
pub struct Causal;
impl Padding for Causal {
    const SPEC: PadSpec = PadSpec::Causal;
}

/// One kernel tap along a row: `acc[j] += w·row[j·S + offset − before]` for
/// every output whose input lies inside the row (the others are in the
/// padding and add zero). `offset` is the tap's `q·D`.
#[inline(always)]
fn tap<F: Float>(acc: &mut [F], row: &[F], (offset, w): (usize, F), s: usize, before: usize) {
    let first = before.saturating_sub(offset).div_ceil(s);
    let end = match (row.len() + before).checked_sub(offset + 1) {
        Some(last) => last / s + 1,
        None => return,
    };
    let start = (first * s + offset).saturating_sub(before);
    let (Some(acc), Some(row)) = (acc.get_mut(first..end.min(acc.len())), row.get(start..)) else {
        return;
    };
    for (a, &v) in acc.iter_mut().zip(row.iter().step_by(s)) {
        *a = *a + w * v;
    }
}

/// A 1-D convolution with groups (`CPG` input channels per group), stride
/// `S`, dilation `D` and padding `P`, declared to give `LO` outputs.
pub struct Conv1dG<
    const CI: usize,
    const CO: usize,
    const CPG: usize,
    const K: usize,
    const LO: usize,
    const S: usize,
    const D: usize,
    P,
    F,
> {
    /// `[CO][CPG][K]`, PyTorch's layout.
    pub weight: [[[F; K]; CPG]; CO],
    /// `[CO]`.
    pub bias: [F; CO],
    padding: core::marker::PhantomData<P>,
}

impl<
    const CI: usize,
    const CO: usize,
    const CPG: usize,
    const K: usize,
    const LO: usize,
    const S: usize,
    const D: usize,
    P,
    F,
> Conv1dG<CI, CO, CPG, K, LO, S, D, P, F>
{
    /// From PyTorch's weight and bias.
    pub const fn from_weights(weight: [[[F; K]; CPG]; CO], bias: [F; CO]) -> Self {
        Conv1dG { weight, bias, padding: core::marker::PhantomData }
    }
}

impl<
    const CI: usize,
    const CO: usize,
    const CPG: usize,
    const K: usize,
    const LO: usize,
    const S: usize,
    const D: usize,
    P: Padding,
    F: Float,
> Conv1dG<CI, CO, CPG, K, LO, S, D, P, F>
{
    const GROUPS: usize = CI / CPG;

    /// The forward pass: bias, then the group's input channels, then the
    /// taps, in increasing order.
    pub fn forward_one<const L: usize>(&self, x: &[[F; L]; CI]) -> [[F; LO]; CO] {
        const {
            assert!(CPG > 0 && CI % CPG == 0, "Conv: the groups must divide the input channels");
            assert!(CO % (CI / CPG) == 0, "Conv: the groups must divide the output channels");
            let extent = D * (K - 1);
            let padded = L + P::SPEC.before(extent) + P::SPEC.after(extent);
            assert!(
                padded > extent && (padded - extent - 1) / S + 1 == LO,
                "Conv1d: the declared output length LO must be (L + before + after − D·(K − 1) − 1)/S + 1"
            );
        };
        let before = P::SPEC.before(D * (K - 1));
        let per_group = CO / Self::GROUPS;
        let mut y = [[F::ZERO; LO]; CO];
        for (o, (acc, kernels)) in y.iter_mut().zip(&self.weight).enumerate() {
            *acc = [self.bias[o]; LO];
            let first = (o / per_group) * CPG;
            for (kernel, row) in kernels.iter().zip(&x[first..first + CPG]) {
                for (q, &w) in kernel.iter().enumerate() {
                    tap(acc, row, (q * D, w), S, before);
                }
            }
        }
        y
    }

    /// dL/dx, adding dL/dW and dL/db into `grads`.
    pub fn backward_one<const L: usize>(&self, x: &[[F; L]; CI], dy: &[[F; LO]; CO], grads: &mut Self) -> [[F; L]; CI] {
        let before = P::SPEC.before(D * (K - 1));
        let per_group = CO / Self::GROUPS;
        let mut dx = [[F::ZERO; L]; CI];
        for (o, dy_row) in dy.iter().enumerate() {
            let first = (o / per_group) * CPG;
            for (i, &d) in dy_row.iter().enumerate() {
                grads.bias[o] = grads.bias[o] + d;
                for c in 0..CPG {
                    for q in 0..K {
                        let Some(t) = (i * S + q * D).checked_sub(before).filter(|&t| t < L) else { continue };
                        grads.weight[o][c][q] = grads.weight[o][c][q] + d * x[first + c][t];
                        dx[first + c][t] = dx[first + c][t] + self.weight[o][c][q] * d;
                    }
                }
            }
        }
        dx
    }
}

impl<
    const CI: usize,
    const CO: usize,
    const CPG: usize,
    const K: usize,
    const LO: usize,
    const S: usize,
    const D: usize,
    const L: usize,
    P: Padding,
    F: Float,
> Layer<[[F; L]; CI]> for Conv1dG<CI, CO, CPG, K, LO, S, D, P, F>
{
    type Output = [[F; LO]; CO];

    fn eval(&self, x: &[[F; L]; CI]) -> [[F; LO]; CO] {
        self.forward_one(x)
    }
}
