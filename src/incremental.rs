//! Step-by-step evaluation of causal sequence models: [`Incremental`], the
//! [`Position`] of a step in a window, and [`Decoding`], a decoding in
//! progress with its caches (for attention, the keys and values of the steps
//! so far, [`KvCache`](crate::layers::KvCache)).
//!
//! A causal model's output at step `t` depends on steps `0..=t` only. To
//! generate a sequence one step at a time, running the whole window again
//! for every new step costs O(T²) per step in attention (and O(T) in every
//! per-step layer); with the keys and values of the earlier steps kept, one
//! more step costs O(T) in attention and O(1) elsewhere. [`Incremental`]
//! is that step function; its outputs have exactly the bits of the
//! whole-sequence pass at the same steps.

use core::fmt;

use crate::layers::{Embedding, LearnedPositions, PerStep, Residual, SinusoidalPositions, TokenId};
use crate::{Float, Layer, Values};

/// A step's position in a window of `T` steps: below `T` by construction,
/// so a step function never indexes beyond its caches.
///
/// ```
/// use constnet::Position;
///
/// assert_eq!(Position::<4>::new(3).map(Position::get), Some(3));
/// assert_eq!(Position::<4>::new(4), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position<const T: usize>(usize);

impl<const T: usize> Position<T> {
    /// Position `position`, if it is below `T`.
    pub const fn new(position: usize) -> Option<Self> {
        if position < T { Some(Position(position)) } else { None }
    }

    /// The position, below `T`.
    pub const fn get(self) -> usize {
        self.0
    }
}

/// A causal sequence layer evaluated one step at a time: given step `x` at
/// `position` and the layer's cache, holding what the steps before
/// `position` left there, returns the output at that step and updates the
/// cache.
///
/// The contract: for steps `x₀, x₁, …` fed at positions 0, 1, … in order,
/// starting from [`EMPTY`](Incremental::EMPTY), the outputs have exactly
/// the bits of the whole-sequence pass (`Layer<Sequence<X, S>>`, any length
/// `S ≤ T`) at the same steps. So a layer is `Incremental` only if its
/// output at a step depends on the earlier steps alone: per-step layers
/// ([`PerStep`], activations), positional encodings, token embeddings,
/// causal self-attention
/// ([`MultiHeadAttention<E, HEADS, F, Causal>`](crate::layers::MultiHeadAttention)),
/// a causal [`TransformerEncoderLayer`](crate::layers::TransformerEncoderLayer)
/// and [`TransformerDecoderLayer`](crate::layers::TransformerDecoderLayer)
/// (whose step is `(target step, memory)`),
/// a [`Residual`] around any of them, and tuple stacks of them — a
/// decoder-only language model. Unmasked attention is not.
///
/// Use it through [`Decoding`], which keeps the position and the cache.
pub trait Incremental<X, const T: usize> {
    /// The output at one step.
    type Step;
    /// What the layer keeps of the steps so far: `()` for a per-step layer,
    /// the keys and values for attention, a tuple for a stack. Sized at
    /// compile time.
    type Cache: Copy;
    /// The cache before the first step.
    const EMPTY: Self::Cache;

    /// The output at `position` for the step `x` there; `cache` holds what
    /// the steps before `position` stored, and gets this step's.
    fn step(&self, x: &X, position: Position<T>, cache: &mut Self::Cache) -> Self::Step;
}

/// [`Decoding::push`] was called with every position of the window used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContextFull {
    /// The window, `T` steps.
    pub capacity: usize,
}

impl fmt::Display for ContextFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the context window of {} steps is full; start a new decoding to go on", self.capacity)
    }
}

impl core::error::Error for ContextFull {}

/// A step-by-step decoding with model `M` in a window of `T` steps: the
/// caches and the next position, all on the stack (or in a `static`: `new`
/// is a `const fn`). Each [`push`](Decoding::push) gives the output at the
/// next position with the bits of the whole-sequence pass there.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::layers::{Causal, LearnedPositions};
/// use constnet::{Decoding, Incremental};
///
/// type Block = TransformerEncoderLayer<8, 2, 16, f64, Gelu, PreNorm, Causal>;
/// type Lm = (Embedding<5, 8, f64>, LearnedPositions<4, 8, f64>, Block, PerStep<Dense<8, 5, f64>>);
/// let lm = Lm::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
///
/// let ids = TokenId::sequence([3, 1, 4, 1]).unwrap();
/// let whole: Sequence<[f64; 5], 4> = lm.forward(&ids);
/// let mut decoding = Decoding::<Lm, TokenId<5>, 4>::new(&lm);
/// for (token, logits) in ids.iter().zip(whole.iter()) {
///     assert_eq!(&decoding.push(token).unwrap(), logits); // bit for bit
/// }
/// assert!(decoding.push(&ids.0[0]).is_err()); // the window is full
/// ```
pub struct Decoding<'m, M: Incremental<X, T>, X, const T: usize> {
    model: &'m M,
    cache: M::Cache,
    len: usize,
}

impl<'m, M: Incremental<X, T>, X, const T: usize> Decoding<'m, M, X, T> {
    /// A decoding with `model` that has seen no step.
    pub const fn new(model: &'m M) -> Self {
        Decoding { model, cache: M::EMPTY, len: 0 }
    }

    /// The output at the next position for the step `x` there.
    ///
    /// # Errors
    ///
    /// [`ContextFull`] once `T` steps have been pushed; the decoding is then
    /// unchanged.
    pub fn push(&mut self, x: &X) -> Result<M::Step, ContextFull> {
        let position = Position::new(self.len).ok_or(ContextFull { capacity: T })?;
        let y = self.model.step(x, position, &mut self.cache);
        self.len += 1;
        Ok(y)
    }

    /// The number of steps pushed so far.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether no step has been pushed.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the window is full (the next `push` is an error).
    pub const fn is_full(&self) -> bool {
        self.len >= T
    }

    /// Back to no step, with the same model.
    pub fn reset(&mut self) {
        self.cache = M::EMPTY;
        self.len = 0;
    }

    /// The model.
    pub const fn model(&self) -> &'m M {
        self.model
    }
}

impl<M: Incremental<X, T>, X, const T: usize> Clone for Decoding<'_, M, X, T> {
    fn clone(&self) -> Self {
        Decoding { model: self.model, cache: self.cache, len: self.len }
    }
}

impl<M: Incremental<X, T>, X, const T: usize> fmt::Debug for Decoding<'_, M, X, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decoding").field("len", &self.len).field("capacity", &T).finish_non_exhaustive()
    }
}

/// Every step through the layer alone: it has no memory of the others.
impl<L: Layer<X>, X, const T: usize> Incremental<X, T> for PerStep<L> {
    type Step = L::Output;
    type Cache = ();
    const EMPTY: () = ();

    fn step(&self, x: &X, _position: Position<T>, _cache: &mut ()) -> L::Output {
        self.layer.eval(x)
    }
}

/// y = x + Block(x) at the step, added as the whole-sequence pass adds.
impl<X: Values, Block: Incremental<X, T, Step = X>, const T: usize> Incremental<X, T> for Residual<Block> {
    type Step = X;
    type Cache = Block::Cache;
    const EMPTY: Block::Cache = Block::EMPTY;

    fn step(&self, x: &X, position: Position<T>, cache: &mut Block::Cache) -> X {
        let mut y = self.block.step(x, position, cache);
        y.zip_mut(x, &mut |y, x| *y = x + *y);
        y
    }
}

/// The token's row of the table.
impl<const V: usize, const E: usize, F: Float, const T: usize> Incremental<TokenId<V>, T> for Embedding<V, E, F> {
    type Step = [F; E];
    type Cache = ();
    const EMPTY: () = ();

    fn step(&self, x: &TokenId<V>, _position: Position<T>, _cache: &mut ()) -> [F; E] {
        self.eval(x)
    }
}

/// The step plus the table's row at its position; the window `T` must fit
/// the table's `P` rows (checked at compile time).
impl<const P: usize, const E: usize, F: Float, const T: usize> Incremental<[F; E], T> for LearnedPositions<P, E, F> {
    type Step = [F; E];
    type Cache = ();
    const EMPTY: () = ();

    fn step(&self, x: &[F; E], position: Position<T>, _cache: &mut ()) -> [F; E] {
        const {
            assert!(
                T <= P,
                "LearnedPositions<T, E> decodes windows of at most T steps: this window is longer than its table"
            )
        };
        let mut y = *x;
        if let Some(row) = self.position(position.get()) {
            for (o, &p) in y.iter_mut().zip(row) {
                *o = *o + p;
            }
        }
        y
    }
}

/// The step plus the encoding of its position.
impl<F: Float, const E: usize, const T: usize> Incremental<[F; E], T> for SinusoidalPositions {
    type Step = [F; E];
    type Cache = ();
    const EMPTY: () = ();

    fn step(&self, x: &[F; E], position: Position<T>, _cache: &mut ()) -> [F; E] {
        let mut y = *x;
        for (o, p) in y.iter_mut().zip(Self::encoding::<F, E>(position.get())) {
            *o = *o + p;
        }
        y
    }
}

/// Implements `Incremental` for one tuple `(L0 0) (L1 1) …`: the layers in
/// order, each with its own cache, the tuple's cache the tuple of theirs.
/// The bounds are accumulated first (each layer takes the previous one's
/// step), then the impl is emitted.
macro_rules! incremental_stack {
    (($L0:ident $i0:tt) $($rest:tt)*) => {
        incremental_stack!(@bounds [$L0: Incremental<X0, T>,] [($L0 $i0)] $L0; $($rest)*);
    };
    (@bounds [$($bounds:tt)*] [$($done:tt)*] $prev:ident; ($L:ident $i:tt) $($rest:tt)*) => {
        incremental_stack!(@bounds [$($bounds)* $L: Incremental<$prev::Step, T>,] [$($done)* ($L $i)] $L; $($rest)*);
    };
    (@bounds [$($bounds:tt)*] [($L0:ident $i0:tt) $(($L:ident $i:tt))*] $last:ident;) => {
        impl<X0, const T: usize, $L0, $($L),*> Incremental<X0, T> for ($L0, $($L,)*)
        where
            $($bounds)*
        {
            type Step = $last::Step;
            type Cache = ($L0::Cache, $($L::Cache,)*);
            const EMPTY: Self::Cache = ($L0::EMPTY, $($L::EMPTY,)*);

            #[inline]
            fn step(&self, x: &X0, position: Position<T>, cache: &mut Self::Cache) -> Self::Step {
                incremental_stack!(@chain self, position, cache, self.$i0.step(x, position, &mut cache.$i0); $($i)*)
            }
        }
    };
    (@chain $s:ident, $p:ident, $c:ident, $acc:expr; $i:tt $($rest:tt)*) => {
        incremental_stack!(@chain $s, $p, $c, $s.$i.step(&$acc, $p, &mut $c.$i); $($rest)*)
    };
    (@chain $s:ident, $p:ident, $c:ident, $acc:expr;) => { $acc };
}

incremental_stack!((L0 0));
incremental_stack!((L0 0) (L1 1));
incremental_stack!((L0 0) (L1 1) (L2 2));
incremental_stack!((L0 0) (L1 1) (L2 2) (L3 3));
incremental_stack!((L0 0) (L1 1) (L2 2) (L3 3) (L4 4));
incremental_stack!((L0 0) (L1 1) (L2 2) (L3 3) (L4 4) (L5 5));
incremental_stack!((L0 0) (L1 1) (L2 2) (L3 3) (L4 4) (L5 5) (L6 6));
incremental_stack!((L0 0) (L1 1) (L2 2) (L3 3) (L4 4) (L5 5) (L6 6) (L7 7));
incremental_stack!((L0 0) (L1 1) (L2 2) (L3 3) (L4 4) (L5 5) (L6 6) (L7 7) (L8 8));
incremental_stack!((L0 0) (L1 1) (L2 2) (L3 3) (L4 4) (L5 5) (L6 6) (L7 7) (L8 8) (L9 9));
incremental_stack!((L0 0) (L1 1) (L2 2) (L3 3) (L4 4) (L5 5) (L6 6) (L7 7) (L8 8) (L9 9) (L10 10));
incremental_stack!((L0 0) (L1 1) (L2 2) (L3 3) (L4 4) (L5 5) (L6 6) (L7 7) (L8 8) (L9 9) (L10 10) (L11 11));
