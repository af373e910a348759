//! [`Embedding`]: token ids to vectors, PyTorch's `nn.Embedding`; and
//! [`TokenId`], an id that is below the vocabulary size by construction.

use core::fmt;

use rand::Rng;

use crate::layer::eval_each;
use crate::model::{Tensor, TensorMut, write_rows};
use crate::{Backprop, Float, Init, Layer, Layout, Mode, Model, Module, ParamKind, PerSample, Sequence, Shape};

/// A token id of a vocabulary of `V` tokens: a number in `0..V`, checked
/// when the id is made, so that an [`Embedding`] never sees an id it has no
/// row for and its inference path has no failure at all.
///
/// Every constructor validates: [`new`](TokenId::new) and the `TryFrom`
/// conversions (from `usize`, `u64`, `u32`, `u16`, `u8`) refuse an id
/// `≥ V` with a [`TokenOutOfRange`] that names the id and `V`;
/// [`constant`](TokenId::constant) takes the id as a const parameter and
/// refuses an out-of-range one at compile time; [`sequence`](TokenId::sequence)
/// validates a whole [`Sequence`] of ids. `V` is part of the type, so ids of
/// one vocabulary cannot be fed to an embedding of another.
///
/// The id is a `u32` inside: 4 bytes per token, which is at most `1/E` of
/// the `E` floats the token becomes, so a smaller type would save little,
/// while `u16` would cap vocabularies at 65,536 (below those of current
/// sub-word tokenizers, 100,000 and more). `V` must therefore not exceed
/// 2³², checked at compile time.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::TokenOutOfRange;
///
/// let id = TokenId::<11>::new(10).unwrap();
/// assert_eq!(id.get(), 10);
/// assert_eq!(TokenId::<11>::new(11), None);
/// assert_eq!(TokenId::<11>::try_from(12_u32), Err(TokenOutOfRange { id: 12, vocab: 11 }));
/// assert_eq!(
///     TokenId::<11>::try_from(12_usize).unwrap_err().to_string(),
///     "token id 12 is out of range for a vocabulary of 11 tokens (valid ids are 0..11)"
/// );
/// const NEWLINE: TokenId<128> = TokenId::constant::<10>(); // checked by the compiler
/// assert_eq!(u32::from(NEWLINE), 10);
/// ```
///
/// An out-of-range constant does not compile:
///
/// ```compile_fail
/// use constnet::prelude::*;
/// const BAD: TokenId<11> = TokenId::constant::<11>();
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct TokenId<const V: usize>(u32);

impl<const V: usize> TokenId<V> {
    /// The vocabulary size `V`: every id is below it.
    pub const VOCAB: usize = V;

    /// Checks at compile time that every id below `V` fits the `u32` inside.
    const FITS: () = assert!(
        V as u64 <= u32::MAX as u64 + 1,
        "a TokenId<V> holds its id in a u32, so the vocabulary size V must be at most 2^32"
    );

    /// The id `id`, or `None` if it is not below `V`. A `const fn`.
    pub const fn new(id: usize) -> Option<Self> {
        let () = Self::FITS;
        if id < V {
            // `id < V ≤ 2³²`, so the cast is exact.
            Some(TokenId(id as u32))
        } else {
            None
        }
    }

    /// The id `ID`, checked at compile time: `TokenId::<V>::constant::<ID>()`
    /// does not compile unless `ID < V`, so it never fails at run time. For
    /// ids known when the program is written (a start-of-text token, a
    /// prompt in firmware).
    pub const fn constant<const ID: usize>() -> Self {
        let () = Self::FITS;
        const { assert!(ID < V, "TokenId::<V>::constant::<ID>() needs ID < V, the vocabulary size") };
        TokenId(ID as u32)
    }

    /// The id, in `0..V`.
    pub const fn get(self) -> usize {
        self.0 as usize
    }

    /// Every id of `ids`, in order, as a [`Sequence`] of token ids.
    ///
    /// # Errors
    ///
    /// [`TokenOutOfRange`] for the first id that is not below `V`.
    ///
    /// ```
    /// use constnet::prelude::*;
    /// use constnet::TokenOutOfRange;
    ///
    /// let ids = TokenId::<4>::sequence([3, 0, 2]).unwrap();
    /// assert_eq!(ids.map(TokenId::get), Sequence::new([3, 0, 2]));
    /// assert_eq!(TokenId::<4>::sequence([3, 4, 9]), Err(TokenOutOfRange { id: 4, vocab: 4 }));
    /// ```
    pub fn sequence<const T: usize>(ids: [usize; T]) -> Result<Sequence<Self, T>, TokenOutOfRange> {
        let mut out = Sequence([TokenId(0); T]);
        for (slot, id) in out.iter_mut().zip(ids) {
            *slot = Self::try_from(id)?;
        }
        Ok(out)
    }
}

impl<const V: usize> Default for TokenId<V> {
    /// Id 0; a vocabulary of no tokens (`V = 0`) has no ids, and no default
    /// (a compile-time error).
    fn default() -> Self {
        const { assert!(V > 0, "TokenId<0> has no ids, so no default") };
        TokenId(0)
    }
}

impl<const V: usize> crate::Zeroed for TokenId<V> {
    /// Id 0, as [`Default`]; `TokenId<0>` has none (a compile-time error).
    const ZEROED: Self = {
        assert!(V > 0, "TokenId<0> has no ids, so no zeroed value");
        TokenId(0)
    };
}

/// An id that is not below the vocabulary size: what making a [`TokenId`]
/// from an unchecked number returns for a bad one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenOutOfRange {
    /// The id given (as `u64`, which holds every id type exactly).
    pub id: u64,
    /// The vocabulary size `V`; valid ids are `0..V`.
    pub vocab: usize,
}

impl fmt::Display for TokenOutOfRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "token id {} is out of range for a vocabulary of {} tokens (valid ids are 0..{})",
            self.id, self.vocab, self.vocab
        )
    }
}

impl core::error::Error for TokenOutOfRange {}

impl<const V: usize> TryFrom<u64> for TokenId<V> {
    type Error = TokenOutOfRange;

    /// The id `id` if it is below `V`.
    fn try_from(id: u64) -> Result<Self, TokenOutOfRange> {
        let () = Self::FITS;
        // `V ≤ 2³²` fits a u64 on every target, and an id below it a u32.
        if id < V as u64 { Ok(TokenId(id as u32)) } else { Err(TokenOutOfRange { id, vocab: V }) }
    }
}

/// Conversions from the unsigned integer types, all through `u64` (which
/// holds each of them exactly).
macro_rules! token_id_from {
    ($($t:ty),*) => {$(
        impl<const V: usize> TryFrom<$t> for TokenId<V> {
            type Error = TokenOutOfRange;

            /// The id `id` if it is below `V`.
            fn try_from(id: $t) -> Result<Self, TokenOutOfRange> {
                Self::try_from(id as u64)
            }
        }
    )*};
}

token_id_from!(usize, u32, u16, u8);

impl<const V: usize> From<TokenId<V>> for usize {
    fn from(id: TokenId<V>) -> usize {
        id.get()
    }
}

impl<const V: usize> From<TokenId<V>> for u32 {
    fn from(id: TokenId<V>) -> u32 {
        id.0
    }
}

impl<const V: usize> fmt::Display for TokenId<V> {
    /// The id as a number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// An embedding table of `V` tokens of width `E`, PyTorch's
/// `nn.Embedding(V, E)`: token `id` becomes row `id` of the weight.
///
/// * Inputs: a [`TokenId<V>`] gives `[F; E]`; a [`Sequence`] of them gives
///   a `Sequence<[F; E], T>` (the input of the attention and recurrent
///   layers); a [`Batch`](crate::Batch) of either, sample by sample.
///   Every id is below `V` by construction (see [`TokenId`]), so inference
///   has no failure path.
/// * Parameters: `weight`, `[V][E]` in PyTorch's layout and storage
///   (tensor name `weight`, [`Shape`] `[V, E]`), initialised N(0, 1) as
///   PyTorch does ([`initialize_with`](Model::initialize_with) ignores the
///   scheme: Xavier and He are defined by the fans of a linear map, while
///   PyTorch's `nn.Embedding.reset_parameters` always draws `normal_()`).
///   No `padding_idx`, no `max_norm`.
/// * Gradient: dL/dweight adds dY's row for each step to the row of that
///   step's id, in step order (samples of a batch in order), so repeated
///   ids add up, as in PyTorch.
/// * The input has no gradient (ids are not differentiable), but
///   [`Backprop`] must return a value of the input type:
///   [`backprop`](Backprop::backprop) returns the ids unchanged. A stack
///   that starts with an `Embedding` returns its input ids from
///   [`backward`](crate::Forward::backward); ignore them.
///
/// ```
/// use constnet::prelude::*;
///
/// static EMBED: Embedding<3, 2> = Embedding::from_weights([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]);
/// assert_eq!(EMBED.forward(&TokenId::new(2).unwrap()), [4.0, 5.0]);
/// let ids = TokenId::sequence([2, 0, 2]).unwrap();
/// assert_eq!(EMBED.forward(&ids), Sequence::new([[4.0, 5.0], [0.0, 1.0], [4.0, 5.0]]));
///
/// // Training: dY's rows add up at the ids used; the ids come back unchanged.
/// let mut embed = EMBED.clone();
/// let mut grads = Grads::<Embedding<3, 2>>::zeroed();
/// let (_y, tape) = embed.forward_tape(&ids);
/// let back = embed.backward(&tape, &Sequence::new([[1.0, 1.0], [0.5, 0.0], [2.0, -1.0]]), &mut grads);
/// assert_eq!(back, ids);
/// assert_eq!(grads.weight(), &[[0.5, 0.0], [0.0, 0.0], [3.0, 0.0]]);
///
/// // The usual front of a sequence model.
/// type Net = (Embedding<16, 8>, SinusoidalPositions, PerStep<Dense<8, 4>>, MeanOverSteps);
/// let net = Net::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
/// let y: [f32; 4] = net.forward(&TokenId::sequence([1, 5, 15, 0]).unwrap());
/// assert!(y.iter().all(|v| v.is_finite()));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Embedding<const V: usize, const E: usize, F = f32> {
    /// Row `id` is token `id`'s vector: PyTorch's layout.
    weight: [[F; E]; V],
}

impl<const V: usize, const E: usize, F: Float> Embedding<V, E, F> {
    /// Builds the layer from PyTorch's weight `[V][E]` (row `id` is token
    /// `id`'s vector). A `const fn`, so a model can live in a `static`.
    pub const fn from_weights(weight: [[F; E]; V]) -> Self {
        const { assert!(V > 0 && E > 0, "an Embedding needs at least one token and one feature") };
        let () = TokenId::<V>::FITS;
        Embedding { weight }
    }

    /// The weight, PyTorch's `[V][E]`.
    pub const fn weight(&self) -> &[[F; E]; V] {
        &self.weight
    }

    /// Replaces the weight (PyTorch's `[V][E]`).
    pub fn set_weights(&mut self, weight: &[[F; E]; V]) {
        self.weight = *weight;
    }

    /// The weight, mutably: for layers built on a table (a gradient
    /// accumulator's rows).
    pub(crate) fn weight_mut(&mut self) -> &mut [[F; E]; V] {
        &mut self.weight
    }
}

impl<const V: usize, const E: usize, F> Module for Embedding<V, E, F> {}

impl<const V: usize, const E: usize, F: Float> Model<F> for Embedding<V, E, F> {
    const PARAMS: usize = V * E;
    const TENSORS: usize = 1;
    const ZERO: Self = Embedding { weight: [[F::ZERO; E]; V] };

    /// N(0, 1) for every weight, drawn in PyTorch's row-major order,
    /// whatever `init` says (PyTorch's `nn.Embedding` initialisation).
    fn initialize_with<R: Rng + ?Sized>(&mut self, _init: Init, rng: &mut R) {
        fill_standard_normal(&mut self.weight, rng);
    }

    fn tensors(&self) -> impl Iterator<Item = Tensor<'_, F>> {
        core::iter::once(Tensor {
            name: "weight",
            kind: ParamKind::Weight,
            shape: Shape::new(const { &[V, E] }),
            layout: Layout::PyTorch,
            storage: self.weight.as_flattened(),
        })
    }

    fn tensors_mut(&mut self) -> impl Iterator<Item = TensorMut<'_, F>> {
        core::iter::once(TensorMut {
            name: "weight",
            kind: ParamKind::Weight,
            shape: Shape::new(const { &[V, E] }),
            layout: Layout::PyTorch,
            storage: self.weight.as_flattened_mut(),
        })
    }

    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        out.write_str("constnet::layers::Embedding::from_weights(")?;
        write_rows(out, &self.weight)?;
        out.write_char(')')
    }
}

/// Fills `rows` with N(0, 1) draws in row-major order. The draw is
/// [`Init::XavierNormal`]'s with fan-in + fan-out = 2, whose σ = √(2/2) is
/// exactly 1, so this is the crate's standard normal draw itself
/// (Box–Muller, the same on every target).
fn fill_standard_normal<F: Float, const E: usize, R: Rng + ?Sized>(rows: &mut [[F; E]], rng: &mut R) {
    for w in rows.as_flattened_mut() {
        *w = Init::XavierNormal.sample(1, 1, rng);
    }
}

/// A batch of ids or of id sequences, sample by sample.
impl<const V: usize, const E: usize, F> PerSample for Embedding<V, E, F> {}

impl<const V: usize, const E: usize, F: Float> Layer<TokenId<V>> for Embedding<V, E, F> {
    type Output = [F; E];

    #[inline]
    fn eval(&self, id: &TokenId<V>) -> [F; E] {
        // `id < V` by construction; the fallback is never taken and keeps
        // the lookup free of a panic path.
        self.weight.get(id.get()).copied().unwrap_or([F::ZERO; E])
    }
}

impl<const V: usize, const E: usize, F: Float, const T: usize> Layer<Sequence<TokenId<V>, T>> for Embedding<V, E, F> {
    type Output = Sequence<[F; E], T>;

    #[inline]
    fn eval(&self, ids: &Sequence<TokenId<V>, T>) -> Sequence<[F; E], T> {
        Sequence(eval_each(self, &ids.0))
    }
}

impl<const V: usize, const E: usize, F: Float, M: Mode> Backprop<TokenId<V>, M> for Embedding<V, E, F> {
    /// The id.
    type Tape = TokenId<V>;

    fn eval_tape(&mut self, id: &TokenId<V>) -> ([F; E], TokenId<V>) {
        (self.eval(id), *id)
    }

    /// Adds `dy` to the gradient's row `id`; returns the id unchanged (an
    /// id has no gradient).
    fn backprop(&self, id: &TokenId<V>, dy: &[F; E], grads: &mut Self) -> TokenId<V> {
        if let Some(row) = grads.weight.get_mut(id.get()) {
            for (g, &d) in row.iter_mut().zip(dy) {
                *g = *g + d;
            }
        }
        *id
    }
}

impl<const V: usize, const E: usize, F: Float, M: Mode, const T: usize> Backprop<Sequence<TokenId<V>, T>, M>
    for Embedding<V, E, F>
{
    /// The ids.
    type Tape = Sequence<TokenId<V>, T>;

    fn eval_tape(&mut self, ids: &Sequence<TokenId<V>, T>) -> (Sequence<[F; E], T>, Self::Tape) {
        (self.eval(ids), *ids)
    }

    /// Adds each step's `dy` to the gradient's row of that step's id, in
    /// step order; returns the ids unchanged (ids have no gradient).
    fn backprop(&self, ids: &Self::Tape, dy: &Sequence<[F; E], T>, grads: &mut Self) -> Sequence<TokenId<V>, T> {
        for (id, dy) in ids.iter().zip(dy) {
            <Self as Backprop<TokenId<V>, M>>::backprop(self, id, dy, grads);
        }
        *ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::Xoshiro256PlusPlus;

    #[test]
    fn ids_at_the_edges_of_the_vocabulary() {
        assert_eq!(TokenId::<1>::new(0).map(TokenId::get), Some(0));
        assert_eq!(TokenId::<1>::new(1), None);
        assert_eq!(TokenId::<1>::new(usize::MAX), None);
        assert_eq!(TokenId::<300>::try_from(255_u8).map(TokenId::get), Ok(255));
        assert_eq!(TokenId::<200>::try_from(200_u8), Err(TokenOutOfRange { id: 200, vocab: 200 }));
        assert_eq!(TokenId::<70_000>::try_from(65_535_u16).map(u32::from), Ok(65_535));
        assert_eq!(TokenId::<5>::try_from(u64::MAX), Err(TokenOutOfRange { id: u64::MAX, vocab: 5 }));
        assert_eq!(TokenId::<3>::default().get(), 0);
    }

    #[test]
    fn initialisation_is_standard_normal_and_seeded() {
        let draw = || Embedding::<64, 32, f64>::init(&mut Xoshiro256PlusPlus::seed_from_u64(5));
        let (a, b) = (draw(), draw());
        assert_eq!(a, b);
        let w = a.weight.as_flattened();
        let n = w.len() as f64;
        let mean = w.iter().sum::<f64>() / n;
        let var = w.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        assert!(mean.abs() < 0.05 && (var - 1.0).abs() < 0.06, "mean {mean}, variance {var}");
        // The scheme does not matter: PyTorch's nn.Embedding draws N(0, 1).
        let he = Embedding::<64, 32, f64>::init_with(Init::HeUniform, &mut Xoshiro256PlusPlus::seed_from_u64(5));
        assert_eq!(he, a);
    }
}
