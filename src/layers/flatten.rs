//! [`Flatten`]: channels-first feature maps to a flat vector, as PyTorch's
//! `nn.Flatten()`.

use crate::{Backprop, Float, Layer, Mode, PerSample};

/// Flattens a feature map into `[F; N]`, in row-major (C) order, as
/// PyTorch's `nn.Flatten()`:
///
/// * `[[[F; W]; H]; C]` (CHW) → `[F; N]` with `N = C·H·W` and element
///   `x[c][h][w]` at index `c·H·W + h·W + w`;
/// * `[[F; L]; C]` → `[F; N]` with `N = C·L`, element `x[c][l]` at `c·L + l`;
/// * a [`Batch`](crate::Batch) of them → a `Batch<[F; N], B>`, sample by
///   sample.
///
/// The width `N` is declared in the type, so the next layer sees a plain
/// `[F; N]` (`Dense<N, …>`), and `N` is checked against the input's size at
/// compile time by an inline `const { assert!(..) }`, as for the
/// [convolutions](crate::layers::Conv2d): a wrong `N` fails `cargo build`
/// with "Flatten: the declared width N must be C·H·W …" and the input type.
///
/// The backward pass reshapes dY back; there are no parameters
/// (`PARAMS == 0`) and nothing on the tape.
///
/// ```
/// use constnet::prelude::*;
///
/// let x = [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]];
/// assert_eq!(Flatten::<8>.forward(&x), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flatten<const N: usize>;

parameter_free_model!([const N: usize] Flatten<N>, Flatten, |_this, out| out.write_str("constnet::layers::Flatten"));

/// Copies a flat slice of exactly `N` values into an array.
#[inline(always)]
fn to_array<F: Float, const N: usize>(flat: &[F]) -> [F; N] {
    core::array::from_fn(|k| flat[k])
}

/// A batch runs sample by sample.
impl<const N: usize> PerSample for Flatten<N> {}

/// The compile-time check of the declared width against a `$len`-value
/// input shaped `$shape`.
macro_rules! flatten_check {
    ($len:expr, $shape:literal) => {
        const { assert!($len == N, concat!("Flatten: the declared width N must be ", $shape)) }
    };
}

/// One CHW sample.
impl<const N: usize, const C: usize, const H: usize, const W: usize, F: Float> Layer<[[[F; W]; H]; C]> for Flatten<N> {
    type Output = [F; N];

    fn eval(&self, x: &[[[F; W]; H]; C]) -> [F; N] {
        flatten_check!(C * H * W, "C·H·W for a [[[F; W]; H]; C] input");
        to_array(x.as_flattened().as_flattened())
    }
}

impl<const N: usize, const C: usize, const H: usize, const W: usize, F: Float, M: Mode> Backprop<[[[F; W]; H]; C], M>
    for Flatten<N>
{
    /// Nothing.
    type Tape = ();

    fn eval_tape(&mut self, x: &[[[F; W]; H]; C]) -> ([F; N], ()) {
        (self.eval(x), ())
    }

    fn backprop(&self, _tape: &(), dy: &[F; N], _grads: &mut Self) -> [[[F; W]; H]; C] {
        flatten_check!(C * H * W, "C·H·W for a [[[F; W]; H]; C] input");
        let mut dx = [[[F::zero(); W]; H]; C];
        dx.as_flattened_mut().as_flattened_mut().copy_from_slice(dy);
        dx
    }
}

/// One sample of `C` channels of length `L`.
impl<const N: usize, const C: usize, const L: usize, F: Float> Layer<[[F; L]; C]> for Flatten<N> {
    type Output = [F; N];

    fn eval(&self, x: &[[F; L]; C]) -> [F; N] {
        flatten_check!(C * L, "C·L for a [[F; L]; C] input");
        to_array(x.as_flattened())
    }
}

impl<const N: usize, const C: usize, const L: usize, F: Float, M: Mode> Backprop<[[F; L]; C], M> for Flatten<N> {
    /// Nothing.
    type Tape = ();

    fn eval_tape(&mut self, x: &[[F; L]; C]) -> ([F; N], ()) {
        (self.eval(x), ())
    }

    fn backprop(&self, _tape: &(), dy: &[F; N], _grads: &mut Self) -> [[F; L]; C] {
        flatten_check!(C * L, "C·L for a [[F; L]; C] input");
        let mut dx = [[F::zero(); L]; C];
        dx.as_flattened_mut().copy_from_slice(dy);
        dx
    }
}
