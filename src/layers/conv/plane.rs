//! The one implementation of the convolutions' arithmetic, for every rank:
//! a channel of a 1-D feature map (`[F; L]`) is a plane of one row, a
//! channel of an image (`[[F; W]; H]`) a plane of `H` rows, and kernels
//! likewise (`[F; K]` is one row of taps). The loops below are written once
//! over planes of rows ([`Rows`]); the 1-D and 2-D layers only check their
//! shapes at compile time and call them.

use super::geometry::Axis;
use crate::Float;

/// A channel (or a kernel) as rows of `W` values: `[F; W]` is one row,
/// `[[F; W]; H]` is `H` rows.
pub(crate) trait Rows<F, const W: usize>: Copy {
    /// The rows.
    fn rows(&self) -> &[[F; W]];
    /// The rows, to write.
    fn rows_mut(&mut self) -> &mut [[F; W]];
}

impl<F: Float, const W: usize> Rows<F, W> for [F; W] {
    #[inline(always)]
    fn rows(&self) -> &[[F; W]] {
        core::slice::from_ref(self)
    }
    #[inline(always)]
    fn rows_mut(&mut self) -> &mut [[F; W]] {
        core::slice::from_mut(self)
    }
}

impl<F: Float, const W: usize, const H: usize> Rows<F, W> for [[F; W]; H] {
    #[inline(always)]
    fn rows(&self) -> &[[F; W]] {
        self
    }
    #[inline(always)]
    fn rows_mut(&mut self) -> &mut [[F; W]] {
        self
    }
}

/// One kernel tap along a row: `acc[j] += w·row[j·S + offset − before]` for
/// every output `j` whose input lies inside the row (the others read the
/// padding and add zero). `offset` is the tap's `q·D`. Every output keeps
/// its own running sum, so the pass over `j` vectorises while each output
/// gets exactly its terms in exactly its order.
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
    // Stride 1 (nearly every layer) as its own loop: a plain zip is what
    // the compiler vectorises best.
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

/// The groups' bookkeeping: output channel `o` reads the input channels
/// [`inputs_of(o)`](Self::inputs_of) of its group.
#[derive(Clone, Copy)]
pub(crate) struct Groups {
    /// Input channels per group (`CPG`).
    pub(crate) inputs: usize,
    /// Output channels per group.
    pub(crate) outputs: usize,
}

impl Groups {
    /// The input channels of output channel `o`'s group. A range of
    /// exactly `inputs` channels (not "from the first on"), so that the
    /// loops over a group's channels have a trip count the compiler knows
    /// and can unroll, and hoist the kernel's taps out of the rows.
    #[inline(always)]
    pub(crate) fn inputs_of(self, o: usize) -> core::ops::Range<usize> {
        let first = (o / self.outputs) * self.inputs;
        first..first + self.inputs
    }
}

/// A convolution's forward pass. Output `y[o][i][j]` is its bias, then for
/// each input channel `c` of its group, each kernel row `p` and column `q`
/// in increasing order, `w[o][c][p][q]·x[c][i·SH + p·DH − before][j·SW +
/// q·DW − before]`; terms in the padding are skipped.
#[inline(always)]
pub(crate) fn conv_forward<F, X, K, Y, const W: usize, const WO: usize, const KW: usize>(
    x: &[X],
    weight: &[impl AsRef<[K]>],
    bias: &[F],
    (rows, cols): (Axis, Axis),
    groups: Groups,
    y: &mut [Y],
) where
    F: Float,
    X: Rows<F, W>,
    K: Rows<F, KW>,
    Y: Rows<F, WO>,
{
    for (o, ((out, kernels), &b)) in y.iter_mut().zip(weight).zip(bias).enumerate() {
        let inputs = x.get(groups.inputs_of(o)).unwrap_or_default();
        for (i, acc) in out.rows_mut().iter_mut().enumerate() {
            *acc = [b; WO];
            for (plane, kernel) in inputs.iter().zip(kernels.as_ref()) {
                let plane = plane.rows();
                for (p, taps) in kernel.rows().iter().enumerate() {
                    let Some(row) = rows.source(i, p, plane.len()).and_then(|r| plane.get(r)) else { continue };
                    for (q, &w) in taps.iter().enumerate() {
                        tap(acc, row, (q * cols.dilation, w), cols.stride, cols.before);
                    }
                }
            }
        }
    }
}

/// One output's gradient `d` through one kernel: for every tap `(p, q)`
/// whose input `(row_of(p), col_of(q))` exists, dW[p][q] += d·x and
/// dX += w·d, taps in increasing order. Shared by both backward passes,
/// which differ only in where a tap reads.
#[inline(always)]
fn backprop_taps<F: Float, const W: usize, const KW: usize>(
    d: F,
    (plane, dplane): (&[[F; W]], &mut [[F; W]]),
    (kernel, dkernel): (&[[F; KW]], &mut [[F; KW]]),
    row_of: impl Fn(usize) -> Option<usize>,
    col_of: impl Fn(usize) -> Option<usize>,
) {
    for (p, (taps, dtaps)) in kernel.iter().zip(dkernel).enumerate() {
        let Some(r) = row_of(p) else { continue };
        let (Some(row), Some(drow)) = (plane.get(r), dplane.get_mut(r)) else { continue };
        for (q, (&w, dw)) in taps.iter().zip(dtaps.iter_mut()).enumerate() {
            let Some(t) = col_of(q) else { continue };
            if let (Some(&v), Some(dv)) = (row.get(t), drow.get_mut(t)) {
                *dw = *dw + d * v;
                *dv = *dv + w * d;
            }
        }
    }
}

/// A convolution's backward pass: returns nothing, adds dL/dx into `dx`
/// and dL/dW, dL/db into `dw`, `db`, visiting outputs `o`, `i`, `j`, then
/// `c`, `p`, `q`, in increasing order.
#[inline(always)]
pub(crate) fn conv_backward<F, X, K, Y, const W: usize, const WO: usize, const KW: usize>(
    (x, dx): (&[X], &mut [X]),
    (weight, dw): (&[impl AsRef<[K]>], &mut [impl AsMut<[K]>]),
    db: &mut [F],
    (rows, cols): (Axis, Axis),
    groups: Groups,
    dy: &[Y],
) where
    F: Float,
    X: Rows<F, W>,
    K: Rows<F, KW>,
    Y: Rows<F, WO>,
{
    for (o, (((dy, kernels), dkernels), db)) in dy.iter().zip(weight).zip(dw).zip(db).enumerate() {
        let channels = groups.inputs_of(o);
        let (Some(inputs), Some(dinputs)) = (x.get(channels.clone()), dx.get_mut(channels)) else { continue };
        for (i, dy_row) in dy.rows().iter().enumerate() {
            for (j, &d) in dy_row.iter().enumerate() {
                *db = *db + d;
                for (((plane, dplane), kernel), dkernel) in
                    inputs.iter().zip(dinputs.iter_mut()).zip(kernels.as_ref()).zip(dkernels.as_mut())
                {
                    let height = plane.rows().len();
                    backprop_taps(
                        d,
                        (plane.rows(), dplane.rows_mut()),
                        (kernel.rows(), dkernel.rows_mut()),
                        |p| rows.source(i, p, height),
                        |q| cols.source(j, q, W),
                    );
                }
            }
        }
    }
}

/// A transposed convolution's forward pass, gathered: output `y[o][r][t]`
/// is its bias, then for each input channel `c` of its group, kernel row
/// `p` and column `q` in increasing order, `w[c][o'][p][q]·x[c][i][j]` for
/// the input `(i, j)` that tap `(p, q)` carries to `(r, t)`, if any. So
/// each output is one fixed sum, with no scatter.
#[inline(always)]
pub(crate) fn transposed_forward<F, X, K, Y, const W: usize, const WO: usize, const KW: usize>(
    x: &[X],
    weight: &[impl AsRef<[K]>],
    bias: &[F],
    (rows, cols): (Axis, Axis),
    groups: Groups,
    y: &mut [Y],
) where
    F: Float,
    X: Rows<F, W>,
    K: Rows<F, KW>,
    Y: Rows<F, WO>,
{
    for (o, (out, &b)) in y.iter_mut().zip(bias).enumerate() {
        let (group, within) = (o / groups.outputs, o % groups.outputs);
        let channels = group * groups.inputs..(group + 1) * groups.inputs;
        let (inputs, kernels) = (x.get(channels.clone()).unwrap_or_default(), weight.get(channels).unwrap_or_default());
        for (r, out_row) in out.rows_mut().iter_mut().enumerate() {
            for (t, out) in out_row.iter_mut().enumerate() {
                let mut sum = b;
                for (plane, kernels) in inputs.iter().zip(kernels) {
                    let (plane, Some(kernel)) = (plane.rows(), kernels.as_ref().get(within)) else { continue };
                    for (p, taps) in kernel.rows().iter().enumerate() {
                        let Some(row) = rows.transposed_source(r, p, plane.len()).and_then(|i| plane.get(i)) else {
                            continue;
                        };
                        for (q, &w) in taps.iter().enumerate() {
                            if let Some(&v) = cols.transposed_source(t, q, W).and_then(|j| row.get(j)) {
                                sum = sum + w * v;
                            }
                        }
                    }
                }
                *out = sum;
            }
        }
    }
}

/// A transposed convolution's backward pass: adds dL/dx into `dx` and
/// dL/dW, dL/db into `dw`, `db`, visiting outputs `o`, `r`, `t`, then `c`,
/// `p`, `q`, in increasing order.
#[inline(always)]
pub(crate) fn transposed_backward<F, X, K, Y, const W: usize, const WO: usize, const KW: usize>(
    (x, dx): (&[X], &mut [X]),
    (weight, dw): (&[impl AsRef<[K]>], &mut [impl AsMut<[K]>]),
    db: &mut [F],
    (rows, cols): (Axis, Axis),
    groups: Groups,
    dy: &[Y],
) where
    F: Float,
    X: Rows<F, W>,
    K: Rows<F, KW>,
    Y: Rows<F, WO>,
{
    for (o, (dy, db)) in dy.iter().zip(db).enumerate() {
        let (group, within) = (o / groups.outputs, o % groups.outputs);
        let channels = group * groups.inputs..(group + 1) * groups.inputs;
        for (r, dy_row) in dy.rows().iter().enumerate() {
            for (t, &d) in dy_row.iter().enumerate() {
                *db = *db + d;
                for c in channels.clone() {
                    let (Some(plane), Some(dplane)) = (x.get(c), dx.get_mut(c)) else { continue };
                    let (Some(kernel), Some(dkernel)) = (
                        weight.get(c).and_then(|k| k.as_ref().get(within)),
                        dw.get_mut(c).and_then(|k| k.as_mut().get_mut(within)),
                    ) else {
                        continue;
                    };
                    let height = plane.rows().len();
                    backprop_taps(
                        d,
                        (plane.rows(), dplane.rows_mut()),
                        (kernel.rows(), dkernel.rows_mut()),
                        |p| rows.transposed_source(r, p, height),
                        |q| cols.transposed_source(t, q, W),
                    );
                }
            }
        }
    }
}
