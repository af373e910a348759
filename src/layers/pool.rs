//! Pooling: [`MaxPool1d`], [`MaxPool2d`] and [`AvgPool2d`], with stride
//! equal to the kernel size, no padding and floor mode (PyTorch's defaults
//! for `nn.MaxPool2d(k)`).
//!
//! As for the [convolutions](crate::layers::Conv2d), the output size is
//! declared in the type (`MaxPool2d<K, HO, WO>`) and checked at compile time
//! against the input size by an inline `const { assert!(..) }` in every
//! method: `HO = ⌊H/K⌋`, `WO = ⌊W/K⌋` (and at least 1). A wrong
//! declaration fails `cargo build` with a message naming the rule, the layer
//! and the input type. Pools work for any number of channels.
//!
//! Pools have no parameters: they are zero-sized, `PARAMS == 0`.

use crate::{Backprop, Float, Layer, Mode, PerSample};

/// Max pooling over windows of `K` positions (stride `K`, no padding, floor
/// mode), declared to produce `LO = ⌊L/K⌋` positions: `[[F; L]; C]` →
/// `[[F; LO]; C]`, checked at compile time.
///
/// Backward routes each dY to the first maximum of its window (PyTorch on
/// the CPU does the same); the tape holds those positions. A NaN in a
/// window is its maximum, as in PyTorch.
///
/// ```
/// use constnet::prelude::*;
///
/// let y = MaxPool1d::<2, 2>.forward(&[[1.0, 3.0, -2.0, -1.0, 9.0]]);
/// assert_eq!(y, [[3.0, -1.0]]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MaxPool1d<const K: usize, const LO: usize>;

parameter_free_model!([const K: usize, const LO: usize] MaxPool1d<K, LO>, MaxPool1d, |_this, out| out.write_str("constnet::layers::MaxPool1d"));

/// The compile-time shape check of a [`MaxPool1d`] for an input of length `L`.
macro_rules! maxpool1d_check {
    () => {
        const {
            assert!(K >= 1, "MaxPool1d: the kernel size K must be at least 1");
            assert!(
                L >= K && L / K == LO,
                "MaxPool1d: the declared output length LO must be ⌊L/K⌋ for the input length L"
            );
        }
    };
}

/// The position of the window's maximum: the first one, or the last NaN.
#[inline(always)]
fn window_max<F: Float>(best: &mut (F, usize), value: F, at: usize) {
    if value > best.0 || value.is_nan() {
        *best = (value, at);
    }
}

impl<const K: usize, const LO: usize> MaxPool1d<K, LO> {
    #[allow(clippy::needless_range_loop)] // the loops spell out the index formulas
    fn forward_one<F: Float, const L: usize, const C: usize>(x: &[[F; L]; C]) -> ([[F; LO]; C], [[usize; LO]; C]) {
        let mut y = [[F::zero(); LO]; C];
        let mut at = [[0; LO]; C];
        for c in 0..C {
            for i in 0..LO {
                let mut best = (x[c][i * K], i * K);
                for t in i * K + 1..i * K + K {
                    window_max(&mut best, x[c][t], t);
                }
                (y[c][i], at[c][i]) = best;
            }
        }
        (y, at)
    }

    fn backward_one<F: Float, const L: usize, const C: usize>(at: &[[usize; LO]; C], dy: &[[F; LO]; C]) -> [[F; L]; C] {
        let mut dx = [[F::zero(); L]; C];
        for ((dx, at), dy) in dx.iter_mut().zip(at).zip(dy) {
            for (&t, &d) in at.iter().zip(dy) {
                // Always in range for a tape made by `eval_tape`; a position
                // that is not (a tape built by hand) is skipped, never a panic.
                if let Some(slot) = dx.get_mut(t) {
                    *slot = *slot + d;
                }
            }
        }
        dx
    }
}

/// A batch runs sample by sample.
impl<const K: usize, const LO: usize> PerSample for MaxPool1d<K, LO> {}

/// One sample `[[F; L]; C]`.
impl<const K: usize, const LO: usize, const C: usize, const L: usize, F: Float> Layer<[[F; L]; C]>
    for MaxPool1d<K, LO>
{
    type Output = [[F; LO]; C];

    fn eval(&self, x: &[[F; L]; C]) -> [[F; LO]; C] {
        maxpool1d_check!();
        Self::forward_one(x).0
    }
}

impl<const K: usize, const LO: usize, const C: usize, const L: usize, F: Float, M: Mode> Backprop<[[F; L]; C], M>
    for MaxPool1d<K, LO>
{
    /// The position of each window's maximum.
    type Tape = PoolIndices<[[usize; LO]; C]>;

    fn eval_tape(&mut self, x: &[[F; L]; C]) -> ([[F; LO]; C], Self::Tape) {
        maxpool1d_check!();
        let (y, at) = Self::forward_one(x);
        (y, PoolIndices(at))
    }

    fn backprop(&self, at: &Self::Tape, dy: &[[F; LO]; C], _grads: &mut Self) -> [[F; L]; C] {
        maxpool1d_check!();
        Self::backward_one(&at.0, dy)
    }
}

/// Max pooling over `K`×`K` windows (stride `K`, no padding, floor mode),
/// declared to produce `HO`×`WO` outputs: `[[[F; W]; H]; C]` →
/// `[[[F; WO]; HO]; C]` with `HO = ⌊H/K⌋`, `WO = ⌊W/K⌋` checked at compile
/// time.
///
/// Backward routes each dY to the first maximum of its window in row-major
/// order (PyTorch on the CPU does the same); the tape holds those positions
/// as `h·W + w`, PyTorch's `return_indices`. A NaN in a window is its
/// maximum, as in PyTorch.
///
/// ```
/// use constnet::prelude::*;
///
/// let x = [[[1.0, 2.0, 0.0, 0.0], [4.0, 3.0, 0.0, -1.0]]];
/// assert_eq!(MaxPool2d::<2, 1, 2>.forward(&x), [[[4.0, 0.0]]]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MaxPool2d<const K: usize, const HO: usize, const WO: usize>;

parameter_free_model!([const K: usize, const HO: usize, const WO: usize] MaxPool2d<K, HO, WO>, MaxPool2d, |_this, out| out.write_str("constnet::layers::MaxPool2d"));

/// The compile-time shape check of a 2-D pool named `$name` for an `H`×`W`
/// input.
macro_rules! pool2d_check {
    ($name:literal) => {
        const {
            assert!(K >= 1, concat!($name, ": the kernel size K must be at least 1"));
            assert!(
                H >= K && H / K == HO,
                concat!($name, ": the declared output height HO must be ⌊H/K⌋ for the input height H")
            );
            assert!(
                W >= K && W / K == WO,
                concat!($name, ": the declared output width WO must be ⌊W/K⌋ for the input width W")
            );
        }
    };
}

impl<const K: usize, const HO: usize, const WO: usize> MaxPool2d<K, HO, WO> {
    #[allow(clippy::type_complexity, clippy::needless_range_loop)]
    fn forward_one<F: Float, const H: usize, const W: usize, const C: usize>(
        x: &[[[F; W]; H]; C],
    ) -> ([[[F; WO]; HO]; C], [[[usize; WO]; HO]; C]) {
        let mut y = [[[F::zero(); WO]; HO]; C];
        let mut at = [[[0; WO]; HO]; C];
        for c in 0..C {
            for i in 0..HO {
                for j in 0..WO {
                    let mut best = (x[c][i * K][j * K], i * K * W + j * K);
                    for r in i * K..i * K + K {
                        for t in j * K..j * K + K {
                            window_max(&mut best, x[c][r][t], r * W + t);
                        }
                    }
                    (y[c][i][j], at[c][i][j]) = best;
                }
            }
        }
        (y, at)
    }

    fn backward_one<F: Float, const H: usize, const W: usize, const C: usize>(
        at: &[[[usize; WO]; HO]; C],
        dy: &[[[F; WO]; HO]; C],
    ) -> [[[F; W]; H]; C] {
        let mut dx = [[[F::zero(); W]; H]; C];
        for ((plane, at), dy) in dx.iter_mut().zip(at).zip(dy) {
            for (&position, &d) in at.as_flattened().iter().zip(dy.as_flattened()) {
                // Always in range for a tape made by `eval_tape`; a position
                // that is not (a tape built by hand) is skipped, never a panic.
                if let Some(slot) = plane.as_flattened_mut().get_mut(position) {
                    *slot = *slot + d;
                }
            }
        }
        dx
    }
}

/// A batch runs sample by sample.
impl<const K: usize, const HO: usize, const WO: usize> PerSample for MaxPool2d<K, HO, WO> {}

/// One sample `[[[F; W]; H]; C]` (CHW).
impl<const K: usize, const HO: usize, const WO: usize, const C: usize, const H: usize, const W: usize, F: Float>
    Layer<[[[F; W]; H]; C]> for MaxPool2d<K, HO, WO>
{
    type Output = [[[F; WO]; HO]; C];

    fn eval(&self, x: &[[[F; W]; H]; C]) -> [[[F; WO]; HO]; C] {
        pool2d_check!("MaxPool2d");
        Self::forward_one(x).0
    }
}

impl<
    const K: usize,
    const HO: usize,
    const WO: usize,
    const C: usize,
    const H: usize,
    const W: usize,
    F: Float,
    M: Mode,
> Backprop<[[[F; W]; H]; C], M> for MaxPool2d<K, HO, WO>
{
    /// The position `h·W + w` of each window's maximum.
    type Tape = PoolIndices<[[[usize; WO]; HO]; C]>;

    fn eval_tape(&mut self, x: &[[[F; W]; H]; C]) -> ([[[F; WO]; HO]; C], Self::Tape) {
        pool2d_check!("MaxPool2d");
        let (y, at) = Self::forward_one(x);
        (y, PoolIndices(at))
    }

    fn backprop(&self, at: &Self::Tape, dy: &[[[F; WO]; HO]; C], _grads: &mut Self) -> [[[F; W]; H]; C] {
        pool2d_check!("MaxPool2d");
        Self::backward_one(&at.0, dy)
    }
}

/// Average pooling over `K`×`K` windows (stride `K`, no padding, floor
/// mode), declared to produce `HO`×`WO` outputs: `[[[F; W]; H]; C]` →
/// `[[[F; WO]; HO]; C]` with `HO = ⌊H/K⌋`, `WO = ⌊W/K⌋` checked at compile
/// time.
///
/// As PyTorch: y = (Σ window, in row-major order) / K², and
/// dX = dY / K² for every position of the window.
///
/// ```
/// use constnet::prelude::*;
///
/// let x = [[[1.0, 2.0, 0.0, 0.0], [4.0, 3.0, 0.0, -1.0]]];
/// assert_eq!(AvgPool2d::<2, 1, 2>.forward(&x), [[[2.5, -0.25]]]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AvgPool2d<const K: usize, const HO: usize, const WO: usize>;

parameter_free_model!([const K: usize, const HO: usize, const WO: usize] AvgPool2d<K, HO, WO>, AvgPool2d, |_this, out| out.write_str("constnet::layers::AvgPool2d"));

impl<const K: usize, const HO: usize, const WO: usize> AvgPool2d<K, HO, WO> {
    fn forward_one<F: Float, const H: usize, const W: usize, const C: usize>(
        x: &[[[F; W]; H]; C],
    ) -> [[[F; WO]; HO]; C] {
        let area = F::from_usize(K * K);
        core::array::from_fn(|c| {
            core::array::from_fn(|i| {
                core::array::from_fn(|j| {
                    let mut sum = F::zero();
                    for row in &x[c][i * K..i * K + K] {
                        for &v in &row[j * K..j * K + K] {
                            sum = sum + v;
                        }
                    }
                    sum / area
                })
            })
        })
    }

    fn backward_one<F: Float, const H: usize, const W: usize, const C: usize>(
        dy: &[[[F; WO]; HO]; C],
    ) -> [[[F; W]; H]; C] {
        let area = F::from_usize(K * K);
        let mut dx = [[[F::zero(); W]; H]; C];
        for c in 0..C {
            for i in 0..HO {
                for j in 0..WO {
                    let share = dy[c][i][j] / area;
                    for row in &mut dx[c][i * K..i * K + K] {
                        for v in &mut row[j * K..j * K + K] {
                            *v = *v + share;
                        }
                    }
                }
            }
        }
        dx
    }
}

/// A batch runs sample by sample.
impl<const K: usize, const HO: usize, const WO: usize> PerSample for AvgPool2d<K, HO, WO> {}

/// One sample `[[[F; W]; H]; C]` (CHW).
impl<const K: usize, const HO: usize, const WO: usize, const C: usize, const H: usize, const W: usize, F: Float>
    Layer<[[[F; W]; H]; C]> for AvgPool2d<K, HO, WO>
{
    type Output = [[[F; WO]; HO]; C];

    fn eval(&self, x: &[[[F; W]; H]; C]) -> [[[F; WO]; HO]; C] {
        pool2d_check!("AvgPool2d");
        Self::forward_one(x)
    }
}

impl<
    const K: usize,
    const HO: usize,
    const WO: usize,
    const C: usize,
    const H: usize,
    const W: usize,
    F: Float,
    M: Mode,
> Backprop<[[[F; W]; H]; C], M> for AvgPool2d<K, HO, WO>
{
    /// Nothing: the gradient does not depend on the input.
    type Tape = ();

    fn eval_tape(&mut self, x: &[[[F; W]; H]; C]) -> ([[[F; WO]; HO]; C], ()) {
        pool2d_check!("AvgPool2d");
        (Self::forward_one(x), ())
    }

    fn backprop(&self, _tape: &(), dy: &[[[F; WO]; HO]; C], _grads: &mut Self) -> [[[F; W]; H]; C] {
        pool2d_check!("AvgPool2d");
        Self::backward_one(dy)
    }
}

/// The positions of the window maxima that a max pool's training pass
/// records for its backward pass (PyTorch's `return_indices`). Only
/// [`eval_tape`](Backprop::eval_tape) makes one, so a tape always matches
/// its layer; the backward pass checks every position anyway, so even a
/// mismatched tape cannot make it panic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolIndices<T>(T);

crate::zeroed::zeroed_struct!([T: crate::Zeroed] PoolIndices<T> as tuple);

impl<T> PoolIndices<T> {
    /// The positions: for each channel and output, the index of the
    /// window's maximum in its input row (`MaxPool1d`) or plane, `h·W + w`
    /// (`MaxPool2d`).
    pub fn indices(&self) -> &T {
        &self.0
    }
}
