//! Positional encodings, added to a [`Sequence`] so that attention, which
//! treats its steps as a set, knows their order: the fixed sinusoidal
//! encoding of Vaswani et al. ([`SinusoidalPositions`]) and a learned table
//! ([`LearnedPositions`]). The position of a step is its index in the
//! sequence, 0 first.

use core::fmt;

use rand::Rng;

use crate::layers::Embedding;
use crate::model::write_rows;
use crate::model::{Tensor, TensorMut};
use crate::{Backprop, Float, Init, Layer, Mode, Model, Module, PerSample, Sequence};

/// ln(10000), the logarithm of the encoding's longest wavelength over 2π:
/// 4·ln 10, and the product by 4 is exact, so this is the correctly rounded
/// value (the one `libm::log(10000.0)` gives, checked by a test).
const LN_10000: f64 = 4.0 * core::f64::consts::LN_10;

/// The fixed sinusoidal positional encoding of Vaswani et al. (2017),
/// added to every step of a `Sequence<[F; E], T>`: step `pos` gets
///
/// * pe\[pos\]\[2i\] = sin(pos / 10000^(2i/E)),
/// * pe\[pos\]\[2i + 1\] = cos(pos / 10000^(2i/E)),
///
/// with 10000^(2i/E) computed as exp(2i·ln(10000)/E). A parameter-free,
/// zero-sized layer that takes sequences of any length and width, and a
/// [`Batch`](crate::Batch) of them sequence by sequence; its gradient is
/// the identity (dL/dx = dL/dy).
///
/// **Precision and determinism.** The encoding is computed in `f64` with
/// [`libm`]'s software `exp`, `sin` and `cos` — the formula exactly as
/// written, which is also how the reference values are made — and rounded
/// once to `F`: an `f32` model gets the `f64` table rounded to nearest,
/// whatever the position, and the same bits on the host and on a
/// Cortex-M (which has no `f64` hardware, so each value costs some
/// software `f64` arithmetic there; to avoid it on a hot path, compute the
/// [`table`](SinusoidalPositions::table) once, or the
/// [`encoding`](SinusoidalPositions::encoding) of the one new position when
/// decoding step by step). [`Float`] has no `sin` and `cos`; this layer
/// does not need them.
///
/// **Odd widths are rejected at compile time.** Features 2i and 2i + 1 are
/// the sine and cosine of one frequency, so `E` must be even; the common
/// PyTorch code (`pe[:, 0::2] = torch.sin(position * div_term)`,
/// `pe[:, 1::2] = torch.cos(position * div_term)`) fails for an odd `E` too,
/// with a shape error at run time. Here an odd `E` does not build, with a
/// message saying why.
///
/// ```
/// use constnet::prelude::*;
///
/// let x = Sequence::new([[0.0_f64; 4]; 3]);
/// let y = SinusoidalPositions.forward(&x);
/// assert_eq!(y[0], [0.0, 1.0, 0.0, 1.0]); // position 0: sin 0, cos 0
/// assert_eq!(y[2][0], 2.0_f64.sin());
/// assert_eq!(y[2][3], (2.0 / 100.0_f64).cos()); // 10000^(2/4) = 100
///
/// // The table itself, and one position's row of it.
/// let pe: [[f64; 4]; 3] = SinusoidalPositions::table();
/// assert_eq!(Sequence::new(pe), y);
/// assert_eq!(SinusoidalPositions::encoding::<f64, 4>(2), pe[2]);
/// ```
///
/// An odd width does not compile:
///
/// ```compile_fail
/// use constnet::prelude::*;
/// let y = SinusoidalPositions.forward(&Sequence::new([[0.0_f32; 5]; 3]));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SinusoidalPositions;

impl SinusoidalPositions {
    /// The encoding of position `position`, a vector of `E` values (row
    /// `position` of [`table`](SinusoidalPositions::table), bit for bit),
    /// for any position: what step-by-step decoding adds to the newest
    /// step. `E` must be even (a compile-time check).
    pub fn encoding<F: Float, const E: usize>(position: usize) -> [F; E] {
        const {
            assert!(
                E.is_multiple_of(2),
                "SinusoidalPositions needs an even width E: features 2i and 2i + 1 are the sine and cosine of one frequency"
            )
        };
        let mut row = [F::ZERO; E];
        for (i, pair) in row.chunks_exact_mut(2).enumerate() {
            // pos / 10000^(2i/E), with 10000^(2i/E) = exp(2i·ln(10000)/E),
            // in that order of operations.
            let angle = position as f64 / libm::exp((2 * i) as f64 * LN_10000 / E as f64);
            if let [sin, cos] = pair {
                *sin = F::from_f64(libm::sin(angle));
                *cos = F::from_f64(libm::cos(angle));
            }
        }
        row
    }

    /// Fills `rows` with the encodings of positions `0..rows.len()`, in
    /// place: a table of any length without a table-sized value on the
    /// stack (a `static` buffer, say).
    pub fn fill_table<F: Float, const E: usize>(rows: &mut [[F; E]]) {
        for (position, row) in rows.iter_mut().enumerate() {
            *row = Self::encoding(position);
        }
    }

    /// The table of the encodings of positions `0..T`, `pe[pos][feature]`
    /// (the layout of the common PyTorch code's `pe` buffer).
    pub fn table<F: Float, const T: usize, const E: usize>() -> [[F; E]; T] {
        let mut table = [[F::ZERO; E]; T];
        Self::fill_table(&mut table);
        table
    }
}

/// A batch of sequences, sequence by sequence.
impl PerSample for SinusoidalPositions {}
parameter_free_model!([] SinusoidalPositions, SinusoidalPositions, |_this, out| out
    .write_str("constnet::layers::SinusoidalPositions"));

impl<F: Float, const E: usize, const T: usize> Layer<Sequence<[F; E], T>> for SinusoidalPositions {
    type Output = Sequence<[F; E], T>;

    fn eval(&self, x: &Sequence<[F; E], T>) -> Sequence<[F; E], T> {
        let mut y = *x;
        for (position, step) in y.iter_mut().enumerate() {
            for (v, p) in step.iter_mut().zip(Self::encoding::<F, E>(position)) {
                *v = *v + p;
            }
        }
        y
    }
}

impl<F: Float, M: Mode, const E: usize, const T: usize> Backprop<Sequence<[F; E], T>, M> for SinusoidalPositions {
    /// Nothing: the gradient is the identity.
    type Tape = ();

    fn eval_tape(&mut self, x: &Sequence<[F; E], T>) -> (Sequence<[F; E], T>, ()) {
        (self.eval(x), ())
    }

    /// dL/dx = dL/dy.
    fn backprop(&self, _tape: &(), dy: &Sequence<[F; E], T>, _grads: &mut Self) -> Sequence<[F; E], T> {
        *dy
    }
}

/// A learned positional embedding: a trained table of `T` positions of
/// width `E` (tensor name `weight`, [`Shape`](crate::Shape) `[T, E]`, PyTorch's layout),
/// whose row `t` is added to step `t` of a sequence — what PyTorch code
/// writes as `x + wpe(torch.arange(S))` with `wpe = nn.Embedding(T, E)`
/// (GPT-2's position embedding), so a `wpe.weight` loads as it is.
///
/// It takes a `Sequence<[F; E], S>` of any length `S ≤ T` (the table is a
/// maximum length; `S > T` is a compile-time error) and returns the same
/// shape; a [`Batch`](crate::Batch) of them sequence by sequence; a
/// sequence of another width does not compile. The gradient of the table is dY
/// (row `t` of it gets step `t`'s, accumulated over the sequences of a
/// batch in order; rows `S..T` get nothing), and dL/dx = dL/dy.
///
/// Initialised N(0, 1), as `nn.Embedding(T, E)` is
/// ([`initialize_with`](Model::initialize_with) ignores the scheme); load
/// or set other values with [`from_weights`](LearnedPositions::from_weights).
///
/// ```
/// use constnet::prelude::*;
///
/// static POSITIONS: LearnedPositions<4, 2> = LearnedPositions::from_weights([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0], [3.0, 3.0]]);
/// let x = Sequence::new([[0.5, 0.5], [1.0, 1.0], [0.0, 0.0]]); // 3 steps of at most 4
/// assert_eq!(POSITIONS.forward(&x), Sequence::new([[1.5, 0.5], [1.0, 2.0], [2.0, 2.0]]));
/// assert_eq!(POSITIONS.position(3), Some(&[3.0, 3.0]));
/// assert_eq!(POSITIONS.position(4), None);
///
/// let mut positions = POSITIONS.clone();
/// let mut grads = Grads::<LearnedPositions<4, 2>>::zeroed();
/// let (_y, tape) = positions.forward_tape(&x);
/// let dy = Sequence::new([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]);
/// assert_eq!(positions.backward(&tape, &dy, &mut grads), dy);
/// assert_eq!(grads.weight(), &[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [0.0, 0.0]]);
/// ```
///
/// A sequence longer than the table does not compile:
///
/// ```compile_fail
/// use constnet::prelude::*;
/// let positions = LearnedPositions::<2, 1>::from_weights([[0.0], [1.0]]);
/// let y = positions.forward(&Sequence::new([[0.0_f32]; 3]));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct LearnedPositions<const T: usize, const E: usize, F = f32> {
    /// Row `t` is added to step `t`.
    /// The table: an embedding of the positions, whose `weight` it is.
    table: Embedding<T, E, F>,
}

impl<const T: usize, const E: usize, F: Float> LearnedPositions<T, E, F> {
    /// Builds the layer from its table `[T][E]` (row `t` is position `t`'s
    /// vector). A `const fn`, so a model can live in a `static`.
    pub const fn from_weights(weight: [[F; E]; T]) -> Self {
        LearnedPositions { table: Embedding::from_weights(weight) }
    }

    /// The table, `[T][E]`.
    pub const fn weight(&self) -> &[[F; E]; T] {
        self.table.weight()
    }

    /// Replaces the table.
    pub fn set_weights(&mut self, weight: &[[F; E]; T]) {
        self.table.set_weights(weight);
    }

    /// Position `position`'s vector, or `None` if `position ≥ T`: what
    /// step-by-step decoding adds to the newest step.
    pub fn position(&self, position: usize) -> Option<&[F; E]> {
        self.table.weight().get(position)
    }
}

impl<const T: usize, const E: usize, F> Module for LearnedPositions<T, E, F> {}

/// The table's: one tensor `weight`, `[T, E]`, drawn N(0, 1) as
/// PyTorch's `nn.Embedding` is.
impl<const T: usize, const E: usize, F: Float> Model<F> for LearnedPositions<T, E, F> {
    const PARAMS: usize = T * E;
    const TENSORS: usize = 1;
    const ZERO: Self = LearnedPositions { table: Embedding::ZERO };

    fn initialize_with<R: Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
        self.table.initialize_with(init, rng);
    }
    fn tensors(&self) -> impl Iterator<Item = Tensor<'_, F>> {
        self.table.tensors()
    }
    fn tensors_mut(&mut self) -> impl Iterator<Item = TensorMut<'_, F>> {
        self.table.tensors_mut()
    }
    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        out.write_str("constnet::layers::LearnedPositions::from_weights(")?;
        write_rows(out, self.table.weight())?;
        out.write_char(')')
    }
}

/// A batch of sequences, sequence by sequence.
impl<const T: usize, const E: usize, F> PerSample for LearnedPositions<T, E, F> {}

impl<const T: usize, const E: usize, F: Float, const S: usize> Layer<Sequence<[F; E], S>>
    for LearnedPositions<T, E, F>
{
    type Output = Sequence<[F; E], S>;

    fn eval(&self, x: &Sequence<[F; E], S>) -> Sequence<[F; E], S> {
        const {
            assert!(
                S <= T,
                "LearnedPositions<T, E> takes sequences of at most T steps: this one is longer than its table"
            )
        };
        let mut y = Sequence([[F::ZERO; E]; S]);
        for ((out, step), position) in y.iter_mut().zip(x).zip(self.table.weight()) {
            for ((o, &v), &p) in out.iter_mut().zip(step).zip(position) {
                *o = v + p;
            }
        }
        y
    }
}

impl<const T: usize, const E: usize, F: Float, M: Mode, const S: usize> Backprop<Sequence<[F; E], S>, M>
    for LearnedPositions<T, E, F>
{
    /// Nothing: the gradients do not depend on the values.
    type Tape = ();

    fn eval_tape(&mut self, x: &Sequence<[F; E], S>) -> (Sequence<[F; E], S>, ()) {
        (self.eval(x), ())
    }

    /// Adds step `t`'s dY to row `t` of the table's gradient; dL/dx = dL/dy.
    fn backprop(&self, _tape: &(), dy: &Sequence<[F; E], S>, grads: &mut Self) -> Sequence<[F; E], S> {
        for (row, step) in grads.table.weight_mut().iter_mut().zip(dy) {
            for (g, &d) in row.iter_mut().zip(step) {
                *g = *g + d;
            }
        }
        *dy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_10000_is_libms() {
        assert_eq!(LN_10000.to_bits(), libm::log(10000.0).to_bits());
    }

    #[test]
    fn f32_encodings_are_the_f64_ones_rounded() {
        let wide: [[f64; 6]; 40] = SinusoidalPositions::table();
        let narrow: [[f32; 6]; 40] = SinusoidalPositions::table();
        for (w, n) in wide.as_flattened().iter().zip(narrow.as_flattened()) {
            assert_eq!(*w as f32, *n);
        }
        // Far positions are still exact roundings: no f32 angle error.
        assert_eq!(SinusoidalPositions::encoding::<f32, 6>(100_000)[0], libm::sin(100_000.0) as f32);
    }

    #[test]
    fn the_zero_width_encoding_is_empty() {
        assert_eq!(SinusoidalPositions::encoding::<f32, 0>(3), []);
    }
}
