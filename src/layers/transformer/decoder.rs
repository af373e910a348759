//! [`TransformerDecoderLayer`]: PyTorch's `nn.TransformerDecoderLayer`,
//! composed of the library's attention, residual, layer-norm and per-step
//! layers.

use core::fmt;

use rand::Rng;

use super::{FeedForwardBlock, NormPlacement, PostNorm, SelfAttentionBlock};
use crate::layer::{SameShape, backprop_each, eval_tape_each_into};
use crate::layers::{AttentionMask, Causal, FeedForward, LayerNorm, MultiHeadAttention, NoMask, Padded, PerStep, Relu};
use crate::model::{Tensor, TensorMut};
use crate::state::{Segment, StateEntry, StateEntryMut, StatePath};
use crate::{Backprop, Float, Incremental, Init, Layer, Mode, Model, Module, PerSample, Position, Sequence, Zeroed};

/// A transformer decoder layer over a target sequence of `E` features and a
/// memory (the encoder's output): PyTorch's
/// `nn.TransformerDecoderLayer(E, HEADS, dim_feedforward=FF, activation,
/// batch_first=True, norm_first)` with dropout 0, called as
/// `layer(tgt, memory, tgt_mask)` with the mask `Mk` (by default
/// [`Causal`], PyTorch's `tgt_mask` true above the diagonal).
///
/// * `P` = [`PostNorm`] (the default, `norm_first=False`):
///   x = norm1(tgt + SA(tgt)); x = norm2(x + CA(x, memory));
///   y = norm3(x + FFN(x)).
/// * `P` = [`PreNorm`](super::PreNorm) (`norm_first=True`):
///   x = tgt + SA(norm1(tgt)); x = x + CA(norm2(x), memory);
///   y = x + FFN(norm3(x)).
///
/// SA is the masked self-attention (`self_attn`), CA the cross-attention
/// `multihead_attn` (queries from the target, keys and values from the
/// memory, unmasked), FFN the per-step [`FeedForward`]. The self-attention
/// and feed-forward stages are the blocks of a
/// [`TransformerEncoderLayer`](super::TransformerEncoderLayer)
/// ([`SelfAttentionBlock`], [`FeedForwardBlock`]); the cross-attention
/// stage is the same arrangement around a [`MultiHeadAttention`] that takes
/// `(x, memory)`.
///
/// The input is the pair `(tgt, memory)`: a `Sequence<[F; E], TQ>` and a
/// `Sequence<[F; E], TK>` of any lengths, or a
/// [`Padded`](crate::layers::Padded) memory (PyTorch's
/// `memory_key_padding_mask`). The output has the target's `TQ` steps; the
/// backward pass returns the gradients of both, `(dtgt, dmemory)`. A
/// target or memory of another width is a compile error.
///
/// The state dict has PyTorch's names: `self_attn.*`, `norm1.*`,
/// `multihead_attn.*`, `norm2.*`, `linear1.*`, `linear2.*`, `norm3.*`.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::layers::TransformerDecoderLayer;
///
/// let layer: TransformerDecoderLayer<4, 2, 8, f64> =
///     TransformerDecoderLayer::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
/// let tgt = Sequence::new([[1.0, 0.0, -1.0, 0.5], [0.0, 2.0, 0.5, -0.5]]);
/// let memory = Sequence::new([[0.5; 4], [-0.5; 4], [1.0; 4]]);
/// let y: Sequence<[f64; 4], 2> = layer.forward(&(tgt, memory));
/// // Causal: the first target step does not see the second.
/// let other = Sequence::new([tgt.0[0], [9.0; 4]]);
/// assert_eq!(layer.forward(&(other, memory)).0[0], y.0[0]);
/// ```
pub struct TransformerDecoderLayer<
    const E: usize,
    const HEADS: usize,
    const FF: usize,
    F = f32,
    Act = Relu,
    P: NormPlacement = PostNorm,
    Mk = Causal,
> {
    self_block: SelfAttentionBlock<E, HEADS, F, P, Mk>,
    multihead_attn: MultiHeadAttention<E, HEADS, F, NoMask>,
    norm2: LayerNorm<E, F>,
    ff_block: FeedForwardBlock<E, FF, F, Act, P>,
}

impl<const E: usize, const HEADS: usize, const FF: usize, F, Act, P: NormPlacement, Mk>
    TransformerDecoderLayer<E, HEADS, FF, F, Act, P, Mk>
{
    /// The layer made of its three stages, as [`Model::write_rust`] writes
    /// it. A `const fn`, so a model can live in a `static`.
    pub const fn from_stages(
        self_block: SelfAttentionBlock<E, HEADS, F, P, Mk>,
        multihead_attn: MultiHeadAttention<E, HEADS, F, NoMask>,
        norm2: LayerNorm<E, F>,
        ff_block: FeedForwardBlock<E, FF, F, Act, P>,
    ) -> Self {
        TransformerDecoderLayer { self_block, multihead_attn, norm2, ff_block }
    }

    /// The layer made of its parts, each as PyTorch names it.
    pub fn new(
        self_attn: MultiHeadAttention<E, HEADS, F, Mk>,
        multihead_attn: MultiHeadAttention<E, HEADS, F, NoMask>,
        feed_forward: FeedForward<E, FF, F, Act>,
        [norm1, norm2, norm3]: [LayerNorm<E, F>; 3],
    ) -> Self {
        TransformerDecoderLayer {
            self_block: P::block(self_attn, norm1),
            multihead_attn,
            norm2,
            ff_block: P::block(PerStep::new(feed_forward), norm3),
        }
    }

    /// `self_attn`, the masked self-attention.
    pub fn self_attn(&self) -> &MultiHeadAttention<E, HEADS, F, Mk> {
        P::sub(&self.self_block)
    }

    /// `multihead_attn`, the cross-attention over the memory.
    pub const fn multihead_attn(&self) -> &MultiHeadAttention<E, HEADS, F, NoMask> {
        &self.multihead_attn
    }

    /// The feed-forward network.
    pub fn feed_forward(&self) -> &FeedForward<E, FF, F, Act> {
        &P::sub(&self.ff_block).layer
    }

    /// `norm1`, `norm2` and `norm3`, the three stages' normalisations.
    pub fn norms(&self) -> [&LayerNorm<E, F>; 3] {
        [P::norm(&self.self_block), &self.norm2, P::norm(&self.ff_block)]
    }
}

/// The three stages' state, for the derived traits.
macro_rules! stages {
    ($this:expr) => {
        (&$this.self_block, &$this.multihead_attn, &$this.norm2, &$this.ff_block)
    };
}

impl<const E: usize, const HEADS: usize, const FF: usize, F: Clone, Act, P: NormPlacement, Mk> Clone
    for TransformerDecoderLayer<E, HEADS, FF, F, Act, P, Mk>
where
    SelfAttentionBlock<E, HEADS, F, P, Mk>: Clone,
    FeedForwardBlock<E, FF, F, Act, P>: Clone,
{
    fn clone(&self) -> Self {
        TransformerDecoderLayer {
            self_block: self.self_block.clone(),
            multihead_attn: self.multihead_attn.clone(),
            norm2: self.norm2.clone(),
            ff_block: self.ff_block.clone(),
        }
    }
}

impl<const E: usize, const HEADS: usize, const FF: usize, F: fmt::Debug, Act, P: NormPlacement, Mk> fmt::Debug
    for TransformerDecoderLayer<E, HEADS, FF, F, Act, P, Mk>
where
    SelfAttentionBlock<E, HEADS, F, P, Mk>: fmt::Debug,
    FeedForwardBlock<E, FF, F, Act, P>: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransformerDecoderLayer")
            .field("self_block", &self.self_block)
            .field("multihead_attn", &self.multihead_attn)
            .field("norm2", &self.norm2)
            .field("ff_block", &self.ff_block)
            .finish()
    }
}

impl<const E: usize, const HEADS: usize, const FF: usize, F: PartialEq, Act, P: NormPlacement, Mk> PartialEq
    for TransformerDecoderLayer<E, HEADS, FF, F, Act, P, Mk>
where
    SelfAttentionBlock<E, HEADS, F, P, Mk>: PartialEq,
    FeedForwardBlock<E, FF, F, Act, P>: PartialEq,
{
    fn eq(&self, other: &Self) -> bool {
        stages!(self) == stages!(other)
    }
}

impl<const E: usize, const HEADS: usize, const FF: usize, F, Act, P: NormPlacement, Mk> Module
    for TransformerDecoderLayer<E, HEADS, FF, F, Act, P, Mk>
{
}

/// A batch of `(tgt, memory)` pairs, pair by pair.
impl<const E: usize, const HEADS: usize, const FF: usize, F, Act, P: NormPlacement, Mk> PerSample
    for TransformerDecoderLayer<E, HEADS, FF, F, Act, P, Mk>
{
}

impl<const E: usize, const HEADS: usize, const FF: usize, F, Act, P, Mk> Model<F>
    for TransformerDecoderLayer<E, HEADS, FF, F, Act, P, Mk>
where
    F: Float,
    Act: Model<F>,
    P: NormPlacement,
    Mk: AttentionMask,
    SelfAttentionBlock<E, HEADS, F, P, Mk>: Model<F>,
    FeedForwardBlock<E, FF, F, Act, P>: Model<F>,
{
    const PARAMS: usize = <SelfAttentionBlock<E, HEADS, F, P, Mk> as Model<F>>::PARAMS
        + <MultiHeadAttention<E, HEADS, F, NoMask> as Model<F>>::PARAMS
        + <LayerNorm<E, F> as Model<F>>::PARAMS
        + <FeedForwardBlock<E, FF, F, Act, P> as Model<F>>::PARAMS;
    const TENSORS: usize = <SelfAttentionBlock<E, HEADS, F, P, Mk> as Model<F>>::TENSORS
        + <MultiHeadAttention<E, HEADS, F, NoMask> as Model<F>>::TENSORS
        + <LayerNorm<E, F> as Model<F>>::TENSORS
        + <FeedForwardBlock<E, FF, F, Act, P> as Model<F>>::TENSORS;
    const ZERO: Self = TransformerDecoderLayer {
        self_block: Model::ZERO,
        multihead_attn: Model::ZERO,
        norm2: Model::ZERO,
        ff_block: Model::ZERO,
    };

    /// Position 0 (one layer from outside); the type is the inner layer's.
    fn tensor_owner(index: usize) -> Option<(usize, &'static str)> {
        <(
            SelfAttentionBlock<E, HEADS, F, P, Mk>,
            MultiHeadAttention<E, HEADS, F, NoMask>,
            LayerNorm<E, F>,
            FeedForwardBlock<E, FF, F, Act, P>,
        ) as Model<F>>::tensor_owner(index)
        .map(|(_, layer_type)| (0, layer_type))
    }

    /// The stages in order: self-attention, cross-attention, feed-forward.
    fn initialize_with<R: Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
        self.self_block.initialize_with(init, rng);
        self.multihead_attn.initialize_with(init, rng);
        self.norm2.initialize_with(init, rng);
        self.ff_block.initialize_with(init, rng);
    }
    fn tensors(&self) -> impl Iterator<Item = Tensor<'_, F>> {
        self.self_block
            .tensors()
            .chain(self.multihead_attn.tensors())
            .chain(self.norm2.tensors())
            .chain(self.ff_block.tensors())
    }
    fn tensors_mut(&mut self) -> impl Iterator<Item = TensorMut<'_, F>> {
        self.self_block
            .tensors_mut()
            .chain(self.multihead_attn.tensors_mut())
            .chain(self.norm2.tensors_mut())
            .chain(self.ff_block.tensors_mut())
    }
    /// PyTorch's names, in the order of the stages.
    fn visit_state<V>(&self, prefix: Option<&StatePath<'_>>, visit: &mut V)
    where
        V: FnMut(&StatePath<'_>, &'static str, StateEntry<'_, F>) + ?Sized,
    {
        P::visit_block(&self.self_block, prefix, (Some("self_attn"), "norm1"), visit);
        self.multihead_attn.visit_state(Some(&StatePath::new(prefix, Segment::Name("multihead_attn"))), visit);
        self.norm2.visit_state(Some(&StatePath::new(prefix, Segment::Name("norm2"))), visit);
        P::visit_block(&self.ff_block, prefix, (None, "norm3"), visit);
    }
    fn visit_state_mut<V>(&mut self, prefix: Option<&StatePath<'_>>, visit: &mut V)
    where
        V: FnMut(&StatePath<'_>, &'static str, StateEntryMut<'_, F>) + ?Sized,
    {
        P::visit_block_mut(&mut self.self_block, prefix, (Some("self_attn"), "norm1"), visit);
        self.multihead_attn.visit_state_mut(Some(&StatePath::new(prefix, Segment::Name("multihead_attn"))), visit);
        self.norm2.visit_state_mut(Some(&StatePath::new(prefix, Segment::Name("norm2"))), visit);
        P::visit_block_mut(&mut self.ff_block, prefix, (None, "norm3"), visit);
    }
    /// `constnet::layers::TransformerDecoderLayer::from_stages(…)`.
    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        out.write_str("constnet::layers::TransformerDecoderLayer::from_stages(")?;
        self.self_block.write_rust(out)?;
        out.write_str(", ")?;
        self.multihead_attn.write_rust(out)?;
        out.write_str(", ")?;
        self.norm2.write_rust(out)?;
        out.write_str(", ")?;
        self.ff_block.write_rust(out)?;
        out.write_char(')')
    }
}

/// What a [`TransformerDecoderLayer`] keeps for its backward pass: each
/// stage's tape.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DecoderTape<S, C, N, G> {
    self_block: S,
    cross: C,
    norm2: N,
    ff_block: G,
}

crate::zeroed::zeroed_struct!([S: crate::Zeroed, C: crate::Zeroed, N: crate::Zeroed, G: crate::Zeroed] DecoderTape<S, C, N, G> { self_block, cross, norm2, ff_block });

/// `a + b`, step by step and element by element, as
/// [`Residual`](crate::layers::Residual) adds.
fn add<F: Float, const E: usize, const T: usize>(
    a: &Sequence<[F; E], T>,
    b: &Sequence<[F; E], T>,
) -> Sequence<[F; E], T> {
    Sequence(core::array::from_fn(|t| core::array::from_fn(|i| a.0[t][i] + b.0[t][i])))
}

/// The passes for a target already of width `E` and a memory `Mem` that
/// the cross-attention takes (a sequence or a padded one, of width `E`);
/// the trait impls below check the widths and convert.
impl<const E: usize, const HEADS: usize, const FF: usize, F, Act, P, Mk>
    TransformerDecoderLayer<E, HEADS, FF, F, Act, P, Mk>
where
    F: Float,
    P: NormPlacement,
{
    fn run<const TQ: usize, Mem: Copy>(&self, tgt: &Sequence<[F; E], TQ>, memory: &Mem) -> Sequence<[F; E], TQ>
    where
        SelfAttentionBlock<E, HEADS, F, P, Mk>: Layer<Sequence<[F; E], TQ>, Output = Sequence<[F; E], TQ>>,
        MultiHeadAttention<E, HEADS, F, NoMask>: Layer<(Sequence<[F; E], TQ>, Mem), Output = Sequence<[F; E], TQ>>,
        FeedForwardBlock<E, FF, F, Act, P>: Layer<Sequence<[F; E], TQ>, Output = Sequence<[F; E], TQ>>,
    {
        let x = self.self_block.eval(tgt);
        let x = if P::NORM_FIRST {
            let normed = Sequence(x.0.map(|step| self.norm2.eval(&step)));
            add(&x, &self.multihead_attn.eval(&(normed, *memory)))
        } else {
            let sum = add(&x, &self.multihead_attn.eval(&(x, *memory)));
            Sequence(sum.0.map(|step| self.norm2.eval(&step)))
        };
        self.ff_block.eval(&x)
    }

    /// Training: the output, each stage writing its tape into its part of
    /// `tape`.
    fn run_tape_into<const TQ: usize, Mem: Copy, Md: Mode>(
        &mut self,
        tgt: &Sequence<[F; E], TQ>,
        memory: &Mem,
        tape: &mut DecoderStages<E, HEADS, FF, F, Act, P, Mk, TQ, Mem, Md>,
    ) -> Sequence<[F; E], TQ>
    where
        SelfAttentionBlock<E, HEADS, F, P, Mk>: Backprop<Sequence<[F; E], TQ>, Md, Output = Sequence<[F; E], TQ>>,
        MultiHeadAttention<E, HEADS, F, NoMask>:
            Backprop<(Sequence<[F; E], TQ>, Mem), Md, Output = Sequence<[F; E], TQ>>,
        FeedForwardBlock<E, FF, F, Act, P>: Backprop<Sequence<[F; E], TQ>, Md, Output = Sequence<[F; E], TQ>>,
    {
        let x = self.self_block.eval_tape_into(tgt, &mut tape.self_block);
        let x = if P::NORM_FIRST {
            let normed = eval_tape_each_into::<_, _, Md, TQ>(&mut self.norm2, &x.0, &mut tape.norm2);
            add(&x, &self.multihead_attn.eval_tape_into(&(Sequence(normed), *memory), &mut tape.cross))
        } else {
            let attended = self.multihead_attn.eval_tape_into(&(x, *memory), &mut tape.cross);
            Sequence(eval_tape_each_into::<_, _, Md, TQ>(&mut self.norm2, &add(&x, &attended).0, &mut tape.norm2))
        };
        self.ff_block.eval_tape_into(&x, &mut tape.ff_block)
    }

    /// Back through the stages in reverse; dL/dtgt comes through the
    /// self-attention stage, dL/dmemory through the cross-attention's keys
    /// and values.
    fn run_backprop<const TQ: usize, Mem: Copy, Md: Mode>(
        &self,
        tape: &DecoderStages<E, HEADS, FF, F, Act, P, Mk, TQ, Mem, Md>,
        dy: &Sequence<[F; E], TQ>,
        grads: &mut Self,
    ) -> (Sequence<[F; E], TQ>, Mem)
    where
        SelfAttentionBlock<E, HEADS, F, P, Mk>: Backprop<Sequence<[F; E], TQ>, Md, Output = Sequence<[F; E], TQ>>,
        MultiHeadAttention<E, HEADS, F, NoMask>:
            Backprop<(Sequence<[F; E], TQ>, Mem), Md, Output = Sequence<[F; E], TQ>>,
        FeedForwardBlock<E, FF, F, Act, P>: Backprop<Sequence<[F; E], TQ>, Md, Output = Sequence<[F; E], TQ>>,
    {
        let dx = self.ff_block.backprop(&tape.ff_block, dy, &mut grads.ff_block);
        let (dx, dmemory) = if P::NORM_FIRST {
            let (dnormed, dmemory) = self.multihead_attn.backprop(&tape.cross, &dx, &mut grads.multihead_attn);
            let dskip = backprop_each::<_, _, Md, TQ>(&self.norm2, &tape.norm2, &dnormed.0, &mut grads.norm2);
            (add(&dx, &Sequence(dskip)), dmemory)
        } else {
            let dsum = Sequence(backprop_each::<_, _, Md, TQ>(&self.norm2, &tape.norm2, &dx.0, &mut grads.norm2));
            let (dquery, dmemory) = self.multihead_attn.backprop(&tape.cross, &dsum, &mut grads.multihead_attn);
            (add(&dsum, &dquery), dmemory)
        };
        (self.self_block.backprop(&tape.self_block, &dx, &mut grads.self_block), dmemory)
    }
}

/// The tape of a decoder layer over a target of `TQ` steps and a memory
/// `Mem` (of width `E`) in mode `Md`.
type DecoderStages<const E: usize, const HEADS: usize, const FF: usize, F, Act, P, Mk, const TQ: usize, Mem, Md> =
    DecoderTape<
        <SelfAttentionBlock<E, HEADS, F, P, Mk> as Backprop<Sequence<[F; E], TQ>, Md>>::Tape,
        <MultiHeadAttention<E, HEADS, F, NoMask> as Backprop<(Sequence<[F; E], TQ>, Mem), Md>>::Tape,
        [<LayerNorm<E, F> as Backprop<[F; E], Md>>::Tape; TQ],
        <FeedForwardBlock<E, FF, F, Act, P> as Backprop<Sequence<[F; E], TQ>, Md>>::Tape,
    >;

/// Implements `Layer` and `Backprop` for one kind of memory: `$memory` is
/// its type for steps `M`, `$as_e` its type at width `E`, `$to_e` and
/// `$from_e` convert (after the width check).
macro_rules! decoder_input {
    ($memory:ty, $as_e:ty, |$m:ident| $to_e:expr, |$d:ident| $from_e:expr) => {
        impl<const E: usize, const HEADS: usize, const FF: usize, const TQ: usize, const TK: usize, X, M, F, Act, P, Mk>
            Layer<(Sequence<X, TQ>, $memory)> for TransformerDecoderLayer<E, HEADS, FF, F, Act, P, Mk>
        where
            F: Float,
            P: NormPlacement,
            Sequence<X, TQ>: SameShape<Sequence<[F; E], TQ>>,
            Sequence<M, TK>: SameShape<Sequence<[F; E], TK>>,
            SelfAttentionBlock<E, HEADS, F, P, Mk>: Layer<Sequence<[F; E], TQ>, Output = Sequence<[F; E], TQ>>,
            FeedForwardBlock<E, FF, F, Act, P>: Layer<Sequence<[F; E], TQ>, Output = Sequence<[F; E], TQ>>,
        {
            type Output = Sequence<[F; E], TQ>;

            fn eval(&self, (tgt, $m): &(Sequence<X, TQ>, $memory)) -> Sequence<[F; E], TQ> {
                self.run::<TQ, $as_e>(tgt.as_shape(), &$to_e)
            }
        }

        impl<
            const E: usize,
            const HEADS: usize,
            const FF: usize,
            const TQ: usize,
            const TK: usize,
            X,
            M,
            F,
            Act,
            P,
            Mk,
            Md,
        > Backprop<(Sequence<X, TQ>, $memory), Md> for TransformerDecoderLayer<E, HEADS, FF, F, Act, P, Mk>
        where
            F: Float,
            P: NormPlacement,
            Md: Mode,
            Sequence<X, TQ>: SameShape<Sequence<[F; E], TQ>>,
            Sequence<M, TK>: SameShape<Sequence<[F; E], TK>>,
            SelfAttentionBlock<E, HEADS, F, P, Mk>: Backprop<Sequence<[F; E], TQ>, Md, Output = Sequence<[F; E], TQ>>,
            FeedForwardBlock<E, FF, F, Act, P>: Backprop<Sequence<[F; E], TQ>, Md, Output = Sequence<[F; E], TQ>>,
        {
            /// Each stage's tape: the self-attention block's, the
            /// cross-attention's, `norm2`'s per step and the feed-forward
            /// block's.
            type Tape = DecoderStages<E, HEADS, FF, F, Act, P, Mk, TQ, $as_e, Md>;

            fn eval_tape(&mut self, x: &(Sequence<X, TQ>, $memory)) -> (Sequence<[F; E], TQ>, Self::Tape) {
                let mut tape = Zeroed::ZEROED;
                let y = self.eval_tape_into(x, &mut tape);
                (y, tape)
            }

            fn eval_tape_into(
                &mut self,
                (tgt, $m): &(Sequence<X, TQ>, $memory),
                tape: &mut Self::Tape,
            ) -> Sequence<[F; E], TQ> {
                self.run_tape_into::<TQ, $as_e, Md>(tgt.as_shape(), &$to_e, tape)
            }

            /// `(dtgt, dmemory)`.
            fn backprop(
                &self,
                tape: &Self::Tape,
                dy: &Sequence<[F; E], TQ>,
                grads: &mut Self,
            ) -> (Sequence<X, TQ>, $memory) {
                let (dtgt, $d) = self.run_backprop::<TQ, $as_e, Md>(tape, dy, grads);
                (SameShape::from_shape(dtgt), $from_e)
            }
        }
    };
}

decoder_input!(Sequence<M, TK>, Sequence<[F; E], TK>, |memory| *memory.as_shape(), |dmemory| SameShape::from_shape(dmemory));
decoder_input!(
    Padded<Sequence<M, TK>>,
    Padded<Sequence<[F; E], TK>>,
    |memory| Padded::new(*memory.sequence.as_shape(), memory.len),
    |dmemory| Padded::new(SameShape::from_shape(dmemory.sequence), dmemory.len)
);

/// A causal decoder layer one target step at a time, for generation with an
/// encoder's memory: the step is `(tgt step, memory)`. The self-attention
/// keeps its keys and values in the cache (a
/// [`KvCache`](crate::layers::KvCache) inside the self-attention block's
/// cache); the cross-attention attends from the step to the whole memory,
/// which it projects again at every step (the memory may change between
/// steps; pass the same one to decode as the whole-sequence pass does).
/// Each step has the bits of the whole-sequence pass `(tgt, memory)` at
/// that step.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::layers::TransformerDecoderLayer;
///
/// let layer: TransformerDecoderLayer<4, 2, 8, f64, Gelu, PreNorm> =
///     TransformerDecoderLayer::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
/// let tgt = Sequence::new([[1.0, 0.0, -1.0, 0.5], [0.0, 2.0, 0.5, -0.5], [0.25; 4]]);
/// let memory = Sequence::new([[0.5; 4], [-0.5; 4]]);
/// let whole = layer.forward(&(tgt, memory));
/// let mut decoding = Decoding::<_, _, 3>::new(&layer);
/// for t in 0..3 {
///     assert_eq!(decoding.push(&(tgt.0[t], memory)).unwrap(), whole.0[t]);
/// }
/// ```
impl<const E: usize, const HEADS: usize, const FF: usize, const N: usize, const T: usize, F, Act, P, Mem>
    Incremental<([F; N], Mem), T> for TransformerDecoderLayer<E, HEADS, FF, F, Act, P, Causal>
where
    F: Float,
    P: NormPlacement,
    Mem: Copy,
    [F; N]: SameShape<[F; E]>,
    SelfAttentionBlock<E, HEADS, F, P, Causal>: Incremental<[F; E], T, Step = [F; E]>,
    MultiHeadAttention<E, HEADS, F, NoMask>: Layer<(Sequence<[F; E], 1>, Mem), Output = Sequence<[F; E], 1>>,
    FeedForwardBlock<E, FF, F, Act, P>: Incremental<[F; E], T, Step = [F; E]>,
{
    type Step = [F; E];
    type Cache = (
        <SelfAttentionBlock<E, HEADS, F, P, Causal> as Incremental<[F; E], T>>::Cache,
        <FeedForwardBlock<E, FF, F, Act, P> as Incremental<[F; E], T>>::Cache,
    );
    const EMPTY: Self::Cache = (
        <SelfAttentionBlock<E, HEADS, F, P, Causal> as Incremental<[F; E], T>>::EMPTY,
        <FeedForwardBlock<E, FF, F, Act, P> as Incremental<[F; E], T>>::EMPTY,
    );

    fn step(&self, (tgt, memory): &([F; N], Mem), position: Position<T>, cache: &mut Self::Cache) -> [F; E] {
        let x = self.self_block.step(tgt.as_shape(), position, &mut cache.0);
        let x = if P::NORM_FIRST {
            let normed = self.norm2.eval(&x);
            let [attended] = self.multihead_attn.eval(&(Sequence([normed]), *memory)).0;
            core::array::from_fn(|i| x[i] + attended[i])
        } else {
            let [attended] = self.multihead_attn.eval(&(Sequence([x]), *memory)).0;
            self.norm2.eval(&core::array::from_fn(|i| x[i] + attended[i]))
        };
        self.ff_block.step(&x, position, &mut cache.1)
    }
}
