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
pub(crate) fn tap<F: Float>(acc: &mut [F], row: &[F], (offset, w): (usize, F), s: usize, before: usize) {
    let first = before.saturating_sub(offset).div_ceil(s);
    let end = match (row.len() + before).checked_sub(offset + 1) {
        Some(last) => last / s + 1,
        None => return,
    };
    let start = (first * s + offset).saturating_sub(before);
    let (Some(acc), Some(row)) = (acc.get_mut(first..end.min(acc.len())), row.get(start..)) else {
        return;
    };
    if s == 1 {
        for (a, &v) in acc.iter_mut().zip(row) {
            *a = *a + w * v;
        }
    } else {
        for (a, &v) in acc.iter_mut().zip(row.iter().step_by(s)) {
            *a = *a + w * v;
        }
    }
}

/// The geometry of one axis: stride, dilation, zeros before.
#[derive(Clone, Copy, Debug)]
pub struct AxisGeometry {
    /// Stride.
    pub stride: usize,
    /// Dilation.
    pub dilation: usize,
    /// Zeros before the first input.
    pub before: usize,
}

impl AxisGeometry {
    /// The input position under tap `k` of output `i`, or `None` in the
    /// padding of an axis of `len` inputs.
    #[inline(always)]
    fn source(self, i: usize, k: usize, len: usize) -> Option<usize> {
        (i * self.stride + k * self.dilation).checked_sub(self.before).filter(|&t| t < len)
    }
}

/// One output channel's plane (`out`: its rows) of a convolution — the one
/// implementation behind 1-D (one row) and 2-D layers: each output row
/// starts at `bias`; then for each of the group's input channels `c` (in
/// order), `input(c)` gives its plane of rows and its kernel's rows of taps,
/// and every tap row `p` whose input row lies inside the plane adds its taps
/// `q` to the whole output row at once ([`tap`]).
#[inline(always)]
pub(crate) fn forward_plane<'a, F: Float + 'a, const W: usize, const WO: usize, const KW: usize>(
    out: &mut [[F; WO]],
    bias: F,
    (rows, cols): (AxisGeometry, AxisGeometry),
    channels: usize,
    input: impl Fn(usize) -> (&'a [[F; W]], &'a [[F; KW]]),
) {
    for (i, acc) in out.iter_mut().enumerate() {
        *acc = [bias; WO];
        for c in 0..channels {
            let (plane, kernel) = input(c);
            for (p, taps) in kernel.iter().enumerate() {
                let Some(row) = rows.source(i, p, plane.len()).and_then(|r| plane.get(r)) else { continue };
                for (q, &w) in taps.iter().enumerate() {
                    tap(acc, row, (q * cols.dilation, w), cols.stride, cols.before);
                }
            }
        }
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
            assert!(CPG > 0 && CI.is_multiple_of(CPG), "Conv: the groups must divide the input channels");
            assert!(CO.is_multiple_of(CI / CPG), "Conv: the groups must divide the output channels");
            let extent = D * (K - 1);
            let padded = L + P::SPEC.before(extent) + P::SPEC.after(extent);
            assert!(
                padded > extent && (padded - extent - 1) / S + 1 == LO,
                "Conv1d: the declared output length LO must be (L + before + after − D·(K − 1) − 1)/S + 1"
            );
        };
        let cols = AxisGeometry { stride: S, dilation: D, before: P::SPEC.before(D * (K - 1)) };
        let rows = AxisGeometry { stride: 1, dilation: 1, before: 0 };
        let per_group = CO / Self::GROUPS;
        let mut y = [[F::ZERO; LO]; CO];
        for (o, (acc, kernels)) in y.iter_mut().zip(&self.weight).enumerate() {
            let first = (o / per_group) * CPG;
            forward_plane(core::slice::from_mut(acc), self.bias[o], (rows, cols), CPG, |c| {
                (core::slice::from_ref(&x[first + c]), core::slice::from_ref(&kernels[c]))
            });
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

/// A 2-D convolution with groups, independent kernel, stride and dilation
/// per axis and padding kinds per axis, declared to give `HO`×`WO`.
pub struct Conv2dG<
    const CI: usize,
    const CO: usize,
    const CPG: usize,
    const KH: usize,
    const KW: usize,
    const HO: usize,
    const WO: usize,
    const SH: usize,
    const SW: usize,
    const DH: usize,
    const DW: usize,
    PH,
    PW,
    F,
> {
    /// `[CO][CPG][KH][KW]`, PyTorch's layout.
    pub weight: [[[[F; KW]; KH]; CPG]; CO],
    /// `[CO]`.
    pub bias: [F; CO],
    padding: core::marker::PhantomData<(PH, PW)>,
}

impl<
    const CI: usize,
    const CO: usize,
    const CPG: usize,
    const KH: usize,
    const KW: usize,
    const HO: usize,
    const WO: usize,
    const SH: usize,
    const SW: usize,
    const DH: usize,
    const DW: usize,
    PH: Padding,
    PW: Padding,
    F: Float,
> Conv2dG<CI, CO, CPG, KH, KW, HO, WO, SH, SW, DH, DW, PH, PW, F>
{
    /// From PyTorch's weight and bias.
    pub const fn from_weights(weight: [[[[F; KW]; KH]; CPG]; CO], bias: [F; CO]) -> Self {
        Conv2dG { weight, bias, padding: core::marker::PhantomData }
    }

    fn axes() -> (AxisGeometry, AxisGeometry) {
        (
            AxisGeometry { stride: SH, dilation: DH, before: PH::SPEC.before(DH * (KH - 1)) },
            AxisGeometry { stride: SW, dilation: DW, before: PW::SPEC.before(DW * (KW - 1)) },
        )
    }

    /// The forward pass through the shared plane kernel.
    pub fn forward_one<const H: usize, const W: usize>(&self, x: &[[[F; W]; H]; CI]) -> [[[F; WO]; HO]; CO] {
        let per_group = CO / (CI / CPG);
        let mut y = [[[F::ZERO; WO]; HO]; CO];
        for (o, (out, kernels)) in y.iter_mut().zip(&self.weight).enumerate() {
            let first = (o / per_group) * CPG;
            forward_plane(out, self.bias[o], Self::axes(), CPG, |c| (&x[first + c][..], &kernels[c][..]));
        }
        y
    }

    /// dL/dx, adding dL/dW and dL/db into `grads`.
    pub fn backward_one<const H: usize, const W: usize>(
        &self,
        x: &[[[F; W]; H]; CI],
        dy: &[[[F; WO]; HO]; CO],
        grads: &mut Self,
    ) -> [[[F; W]; H]; CI] {
        let (rows, cols) = Self::axes();
        let per_group = CO / (CI / CPG);
        let mut dx = [[[F::ZERO; W]; H]; CI];
        for (o, dy_plane) in dy.iter().enumerate() {
            let first = (o / per_group) * CPG;
            for (i, dy_row) in dy_plane.iter().enumerate() {
                for (j, &d) in dy_row.iter().enumerate() {
                    grads.bias[o] = grads.bias[o] + d;
                    for c in 0..CPG {
                        for p in 0..KH {
                            let Some(r) = rows.source(i, p, H) else { continue };
                            for q in 0..KW {
                                let Some(t) = cols.source(j, q, W) else { continue };
                                let g = &mut grads.weight[o][c][p][q];
                                *g = *g + d * x[first + c][r][t];
                                dx[first + c][r][t] = dx[first + c][r][t] + self.weight[o][c][p][q] * d;
                            }
                        }
                    }
                }
            }
        }
        dx
    }
}

/// The input position that tap `k` of a transposed convolution carries to
/// output `t` — `t = i·S + k·D − P` solved for `i` — or `None` if no input
/// lands there.
#[inline(always)]
fn transposed_source(t: usize, k: usize, (s, d, p): (usize, usize, usize), len: usize) -> Option<usize> {
    let shifted = (t + p).checked_sub(k * d)?;
    (shifted % s == 0).then_some(shifted / s).filter(|&i| i < len)
}

/// A 2-D transposed convolution (PyTorch's `ConvTranspose2d`, weight
/// `[CI][OPG][KH][KW]` with `OPG` output channels per group), gathered:
/// each output is its bias, then the group's input channels, kernel rows
/// and columns in increasing order, so every output is one fixed sum. The
/// output size is declared; output padding is what it leaves beyond
/// `(H − 1)·S − 2P + D·(K − 1) + 1`.
pub struct ConvTranspose2dG<
    const CI: usize,
    const CO: usize,
    const OPG: usize,
    const KH: usize,
    const KW: usize,
    const HO: usize,
    const WO: usize,
    const SH: usize,
    const SW: usize,
    const D: usize,
    const PH: usize,
    const PW: usize,
    F,
> {
    /// `[CI][OPG][KH][KW]`, PyTorch's layout.
    pub weight: [[[[F; KW]; KH]; OPG]; CI],
    /// `[CO]`.
    pub bias: [F; CO],
}

impl<
    const CI: usize,
    const CO: usize,
    const OPG: usize,
    const KH: usize,
    const KW: usize,
    const HO: usize,
    const WO: usize,
    const SH: usize,
    const SW: usize,
    const D: usize,
    const PH: usize,
    const PW: usize,
    F: Float,
> ConvTranspose2dG<CI, CO, OPG, KH, KW, HO, WO, SH, SW, D, PH, PW, F>
{
    #[allow(clippy::needless_range_loop)] // the loops spell out the index formulas
    /// The forward pass.
    pub fn forward_one<const H: usize, const W: usize>(&self, x: &[[[F; W]; H]; CI]) -> [[[F; WO]; HO]; CO] {
        let groups = CO / OPG;
        let inputs_per_group = CI / groups;
        let mut y = [[[F::ZERO; WO]; HO]; CO];
        for (o, plane) in y.iter_mut().enumerate() {
            let (g, oo) = (o / OPG, o % OPG);
            for (r, row) in plane.iter_mut().enumerate() {
                for (t, out) in row.iter_mut().enumerate() {
                    let mut sum = self.bias[o];
                    for c in g * inputs_per_group..(g + 1) * inputs_per_group {
                        for p in 0..KH {
                            let Some(i) = transposed_source(r, p, (SH, D, PH), H) else { continue };
                            for q in 0..KW {
                                let Some(j) = transposed_source(t, q, (SW, D, PW), W) else { continue };
                                sum = sum + self.weight[c][oo][p][q] * x[c][i][j];
                            }
                        }
                    }
                    *out = sum;
                }
            }
        }
        y
    }

    #[allow(clippy::needless_range_loop)] // the loops spell out the index formulas
    /// dL/dx, adding dL/dW and dL/db into `grads`.
    pub fn backward_one<const H: usize, const W: usize>(
        &self,
        x: &[[[F; W]; H]; CI],
        dy: &[[[F; WO]; HO]; CO],
        grads: &mut Self,
    ) -> [[[F; W]; H]; CI] {
        let groups = CO / OPG;
        let inputs_per_group = CI / groups;
        let mut dx = [[[F::ZERO; W]; H]; CI];
        for (o, plane) in dy.iter().enumerate() {
            let (g, oo) = (o / OPG, o % OPG);
            for (r, row) in plane.iter().enumerate() {
                for (t, &d) in row.iter().enumerate() {
                    grads.bias[o] = grads.bias[o] + d;
                    for c in g * inputs_per_group..(g + 1) * inputs_per_group {
                        for p in 0..KH {
                            let Some(i) = transposed_source(r, p, (SH, D, PH), H) else { continue };
                            for q in 0..KW {
                                let Some(j) = transposed_source(t, q, (SW, D, PW), W) else { continue };
                                let g = &mut grads.weight[c][oo][p][q];
                                *g = *g + d * x[c][i][j];
                                dx[c][i][j] = dx[c][i][j] + self.weight[c][oo][p][q] * d;
                            }
                        }
                    }
                }
            }
        }
        dx
    }
}

/// The last `N` input frames of a streaming causal convolution, a ring
/// buffer the caller keeps, and how many frames it has seen (frames before
/// the first are the causal padding: their terms are skipped, as the whole
/// pass skips them).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct History<const CI: usize, const N: usize, F> {
    frames: [[F; CI]; N],
    next: usize,
    seen: usize,
}

impl<const CI: usize, const N: usize, F: Float> History<CI, N, F> {
    /// No frame seen.
    pub const EMPTY: Self = History { frames: [[F::ZERO; CI]; N], next: 0, seen: 0 };

    /// The frame `lag` steps back (1 = the previous one), if seen.
    fn back(&self, lag: usize) -> Option<&[F; CI]> {
        if lag == 0 || lag > self.seen.min(N) {
            return None;
        }
        self.frames.get((self.next + N - lag) % N)
    }

    fn push(&mut self, frame: [F; CI]) {
        if let Some(slot) = self.frames.get_mut(self.next) {
            *slot = frame;
        }
        self.next = (self.next + 1) % N.max(1);
        self.seen = self.seen.saturating_add(1);
    }
}

impl<const CI: usize, const CO: usize, const CPG: usize, const K: usize, const LO: usize, const D: usize, F: Float>
    Conv1dG<CI, CO, CPG, K, LO, 1, D, Causal, F>
{
    /// One output frame of the causal convolution for one input frame, with
    /// the last `N = D·(K − 1)` frames in `history`: the bits of the whole
    /// pass at that step (the same terms in the same order).
    pub fn step<const N: usize>(&self, frame: &[F; CI], history: &mut History<CI, N, F>) -> [F; CO] {
        const { assert!(N == D * (K - 1), "a causal convolution's history holds D·(K − 1) frames") };
        let per_group = CO / (CI / CPG);
        let y = core::array::from_fn(|o| {
            let first = (o / per_group) * CPG;
            let mut acc = self.bias[o];
            for (c, kernel) in self.weight[o].iter().enumerate() {
                for (q, &w) in kernel.iter().enumerate() {
                    let lag = (K - 1 - q) * D;
                    let x = if lag == 0 { Some(&frame[first + c]) } else { history.back(lag).map(|f| &f[first + c]) };
                    if let Some(&x) = x {
                        acc = acc + w * x;
                    }
                }
            }
            acc
        });
        history.push(*frame);
        y
    }
}
