//! A causal convolution run on a stream, one frame at a time: [`History`],
//! the caller's ring of the last frames, and [`Conv::step`].

use super::Conv;
use super::geometry::{CausalPad, Geometry1d};
use super::layer::{check_groups, groups_fit};
use crate::{Float, Streaming};

/// The last `N` input frames of a streaming causal convolution — a ring
/// buffer the caller keeps (on the stack, in a `static`, wherever) — and
/// how many frames it has seen. Frames before the first are the causal
/// padding: their terms are skipped, as the whole-sequence pass skips them,
/// so the stream's outputs have the whole pass's bits.
///
/// `N` must be `D·(K − 1)` of the convolution it serves (checked at compile
/// time by [`Conv::step`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct History<const CI: usize, const N: usize, F = f32> {
    frames: [[F; CI]; N],
    next: usize,
    seen: usize,
}

impl<const CI: usize, const N: usize, F: Float> History<CI, N, F> {
    /// No frame seen: the start of a stream. A `const`, so a history can
    /// live in a `static`.
    pub const EMPTY: Self = History { frames: [[F::ZERO; CI]; N], next: 0, seen: 0 };

    /// The frame `lag` steps back (1 = the previous one), if the stream has
    /// had that many.
    #[inline(always)]
    fn back(&self, lag: usize) -> Option<&[F; CI]> {
        if lag == 0 || lag > self.seen.min(N) {
            return None;
        }
        self.frames.get((self.next + N - lag) % N)
    }

    /// Records `frame` as the newest, dropping the oldest.
    #[inline(always)]
    fn push(&mut self, frame: &[F; CI]) {
        if let Some(slot) = self.frames.get_mut(self.next) {
            *slot = *frame;
        }
        self.next = (self.next + 1) % N.max(1);
        self.seen = self.seen.saturating_add(1);
    }

    /// Frames seen since [`EMPTY`](Self::EMPTY) (saturating).
    pub const fn seen(&self) -> usize {
        self.seen
    }
}

impl<const CI: usize, const N: usize, F: Float> Default for History<CI, N, F> {
    fn default() -> Self {
        Self::EMPTY
    }
}

impl<const CI: usize, const CO: usize, const CPG: usize, const K: usize, const L: usize, const D: usize, F: Float>
    Conv<CI, CO, CPG, [F; K], Geometry1d<L, 1, D, CausalPad>, F>
{
    /// One output frame of the causal convolution for the input `frame`,
    /// with the last `N = D·(K − 1)` frames in `history` (which then gets
    /// `frame`): exactly the bits of the whole-sequence pass at that step,
    /// for any number of steps (the sequence length `L` of the type plays no
    /// part). `&self`, no heap; NaN and infinities propagate.
    ///
    /// ```
    /// use constnet::prelude::*;
    /// use constnet::layers::{CausalConv1d, History};
    ///
    /// // Kernel 2, dilation 2: y[t] = x[t − 2] − x[t].
    /// let conv: CausalConv1d<1, 1, 2, 2, 5> = CausalConv1d::from_weights([[[1.0, -1.0]]], [0.0]);
    /// let x = [1.0, 2.0, 4.0, 8.0, 16.0];
    /// let whole = conv.forward(&[x]);
    /// let mut history = History::<1, 2>::EMPTY;
    /// for (t, &v) in x.iter().enumerate() {
    ///     assert_eq!(conv.step(&[v], &mut history), [whole[0][t]]);
    /// }
    /// ```
    pub fn step<const N: usize>(&self, frame: &[F; CI], history: &mut History<CI, N, F>) -> [F; CO] {
        const {
            check_groups!(CI, CO, CPG);
            assert!(K >= 1 && D >= 1, "Conv::step: the kernel size K and the dilation D must be at least 1");
            assert!(N == D * (K - 1), "Conv::step: a causal convolution's History<CI, N> holds N = D·(K − 1) frames");
        };
        let mut y = [F::ZERO; CO];
        for (o, ((out, kernels), &bias)) in y.iter_mut().zip(&self.weight).zip(&self.bias).enumerate() {
            // A constant divisor: taken from a variable, it leaves a
            // division-by-zero check (a panic path) where the compiler
            // cannot see the value, as on the Cortex-M0.
            let first = (o / const { CO / (CI / CPG) }) * CPG;
            let mut acc = bias;
            // The whole pass's order: the group's channels, then the taps;
            // tap q of output t reads input t − (K − 1 − q)·D.
            for (c, kernel) in kernels.iter().enumerate() {
                for (q, &w) in kernel.iter().enumerate() {
                    let lag = (K - 1 - q) * D;
                    let frame = if lag == 0 { Some(frame) } else { history.back(lag) };
                    if let Some(&x) = frame.and_then(|f| f.get(first + c)) {
                        acc = acc + w * x;
                    }
                }
            }
            *out = acc;
        }
        history.push(frame);
        y
    }
}

/// A causal convolution streams through [`Conv::step`].
impl<
    const CI: usize,
    const CO: usize,
    const CPG: usize,
    const K: usize,
    const L: usize,
    const D: usize,
    const N: usize,
    F: Float,
> Streaming<[F; CI], History<CI, N, F>> for Conv<CI, CO, CPG, [F; K], Geometry1d<L, 1, D, CausalPad>, F>
{
    type Frame = [F; CO];

    #[inline]
    fn stream(&self, frame: &[F; CI], history: &mut History<CI, N, F>) -> [F; CO] {
        self.step(frame, history)
    }
}
