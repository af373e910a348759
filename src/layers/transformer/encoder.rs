//! [`TransformerEncoderLayer`]: PyTorch's `nn.TransformerEncoderLayer`,
//! composed of the library's attention, residual, layer-norm and per-step
//! layers.

use core::fmt;

use rand::Rng;

use super::{NormPlacement, PostNorm};
use crate::layer::SameShape;
use crate::layers::{AttentionMask, FeedForward, LayerNorm, MultiHeadAttention, NoMask, PerStep, Relu};
use crate::model::{Tensor, TensorMut};
use crate::state::{StateEntry, StateEntryMut, StatePath};
use crate::{Backprop, Float, Incremental, Init, Layer, Mode, Model, Module, PerSample, Position, Sequence};

/// The layers a [`TransformerEncoderLayer`] is made of, as the library's
/// own stack: the self-attention block and the feed-forward block, each a
/// [`NormPlacement::Block`] (skip connection and layer norm placed by `P`).
/// For [`PostNorm`] it is
///
/// ```text
/// (
///     (Residual<MultiHeadAttention<E, HEADS, F, Mk>>, PerStep<LayerNorm<E, F>>),
///     (Residual<PerStep<FeedForward<E, FF, F, Act>>>, PerStep<LayerNorm<E, F>>),
/// )
/// ```
///
/// and for [`PreNorm`](super::PreNorm)
/// `(Residual<(PerStep<LayerNorm>, MultiHeadAttention)>,
/// Residual<(PerStep<LayerNorm>, PerStep<FeedForward>)>)`. A variant of the
/// layer (another sublayer, a third block) is a stack of the same parts.
pub type EncoderBlocks<const E: usize, const HEADS: usize, const FF: usize, F, Act, P, Mk> =
    (SelfAttentionBlock<E, HEADS, F, P, Mk>, FeedForwardBlock<E, FF, F, Act, P>);

/// A self-attention sublayer with its skip connection and normalisation
/// placed by `P` (a [`NormPlacement::Block`]).
pub type SelfAttentionBlock<const E: usize, const HEADS: usize, F, P, Mk> =
    <P as NormPlacement>::Block<E, F, MultiHeadAttention<E, HEADS, F, Mk>>;

/// A per-step feed-forward sublayer with its skip connection and
/// normalisation placed by `P` (a [`NormPlacement::Block`]).
pub type FeedForwardBlock<const E: usize, const FF: usize, F, Act, P> =
    <P as NormPlacement>::Block<E, F, PerStep<FeedForward<E, FF, F, Act>>>;

/// A transformer encoder layer over sequences of `E` features: PyTorch's
/// `nn.TransformerEncoderLayer(E, HEADS, dim_feedforward=FF, activation,
/// batch_first=True, norm_first)` with dropout 0, as a stack of the
/// library's layers ([`EncoderBlocks`]), whose outputs, gradients and bits
/// it has.
///
/// * `P` = [`PostNorm`] (the default, `norm_first=False`):
///   x = norm1(x + SA(x)); y = norm2(x + FFN(x)).
/// * `P` = [`PreNorm`](super::PreNorm) (`norm_first=True`):
///   x = x + SA(norm1(x)); y = x + FFN(norm2(x)).
///
/// SA is a [`MultiHeadAttention<E, HEADS, F, Mk>`] self-attention with the
/// mask `Mk` ([`NoMask`], or [`Causal`](crate::layers::Causal) for PyTorch's
/// `src_mask` that is `true` above the diagonal — the block of a
/// decoder-only language model, which can then decode step by step with a
/// key/value cache, see [`Incremental`](crate::Incremental)). FFN is a
/// [`FeedForward<E, FF, F, Act>`], `linear2(Act(linear1(x)))`, applied per
/// step, with `Act` = [`Relu`] (the default) or
/// [`Gelu`](crate::layers::Gelu) for `activation="gelu"`. The norms are
/// [`LayerNorm<E, F>`] with ε = 10⁻⁵.
///
/// The state dict has PyTorch's names: `self_attn.in_proj_weight`,
/// `self_attn.in_proj_bias`, `self_attn.out_proj.weight`,
/// `self_attn.out_proj.bias`, `linear1.weight`, `linear1.bias`,
/// `linear2.weight`, `linear2.bias`, `norm1.weight`, `norm1.bias`,
/// `norm2.weight`, `norm2.bias`, so a PyTorch layer loads by name
/// (`constnet-safetensors`). Shapes are checked at compile time: a sequence
/// of another width does not compile, nor does an `E` the heads do not
/// divide.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::layers::{PostNorm, TransformerEncoderLayer};
///
/// type Encoder = TransformerEncoderLayer<8, 2, 16, f64, Gelu>;
/// let layer = Encoder::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
/// let x = Sequence::new([[0.5, -1.0, 0.25, 2.0, 0.0, 1.0, -0.5, 0.75]; 3]);
/// let y: Sequence<[f64; 8], 3> = layer.forward(&x);
/// // The same bits as the stack it is made of.
/// assert_eq!(y, layer.blocks().forward(&x));
/// // PyTorch's names.
/// let mut names = Vec::new();
/// constnet::state::visit(&layer, &mut |path, _, _| names.push(path.to_string()));
/// assert_eq!(names[..2], ["self_attn.in_proj_weight", "self_attn.in_proj_bias"]);
/// assert_eq!(names[4..6], ["norm1.weight", "norm1.bias"]);
/// ```
pub struct TransformerEncoderLayer<
    const E: usize,
    const HEADS: usize,
    const FF: usize,
    F = f32,
    Act = Relu,
    P: NormPlacement = PostNorm,
    Mk = NoMask,
> {
    blocks: EncoderBlocks<E, HEADS, FF, F, Act, P, Mk>,
}

impl<const E: usize, const HEADS: usize, const FF: usize, F, Act, P: NormPlacement, Mk>
    TransformerEncoderLayer<E, HEADS, FF, F, Act, P, Mk>
{
    /// The layer made of `blocks`, as [`Model::write_rust`] writes it. A
    /// `const fn`, so a model can live in a `static`.
    pub const fn from_blocks(blocks: EncoderBlocks<E, HEADS, FF, F, Act, P, Mk>) -> Self {
        TransformerEncoderLayer { blocks }
    }

    /// The layer made of its parts, each as PyTorch names it.
    pub fn new(
        self_attn: MultiHeadAttention<E, HEADS, F, Mk>,
        feed_forward: FeedForward<E, FF, F, Act>,
        norm1: LayerNorm<E, F>,
        norm2: LayerNorm<E, F>,
    ) -> Self {
        TransformerEncoderLayer { blocks: (P::block(self_attn, norm1), P::block(PerStep::new(feed_forward), norm2)) }
    }

    /// The stack the layer is made of.
    pub const fn blocks(&self) -> &EncoderBlocks<E, HEADS, FF, F, Act, P, Mk> {
        &self.blocks
    }

    /// The stack the layer is made of, by value.
    pub fn into_blocks(self) -> EncoderBlocks<E, HEADS, FF, F, Act, P, Mk> {
        self.blocks
    }

    /// `self_attn`, the self-attention.
    pub fn self_attn(&self) -> &MultiHeadAttention<E, HEADS, F, Mk> {
        P::sub(&self.blocks.0)
    }

    /// The feed-forward network (`linear1`, the activation, `linear2`).
    pub fn feed_forward(&self) -> &FeedForward<E, FF, F, Act> {
        &P::sub(&self.blocks.1).layer
    }

    /// `norm1`, the self-attention block's normalisation.
    pub fn norm1(&self) -> &LayerNorm<E, F> {
        P::norm(&self.blocks.0)
    }

    /// `norm2`, the feed-forward block's normalisation.
    pub fn norm2(&self) -> &LayerNorm<E, F> {
        P::norm(&self.blocks.1)
    }
}

impl<const E: usize, const HEADS: usize, const FF: usize, F, Act, P: NormPlacement, Mk> Clone
    for TransformerEncoderLayer<E, HEADS, FF, F, Act, P, Mk>
where
    EncoderBlocks<E, HEADS, FF, F, Act, P, Mk>: Clone,
{
    fn clone(&self) -> Self {
        TransformerEncoderLayer { blocks: self.blocks.clone() }
    }
}

impl<const E: usize, const HEADS: usize, const FF: usize, F, Act, P: NormPlacement, Mk> fmt::Debug
    for TransformerEncoderLayer<E, HEADS, FF, F, Act, P, Mk>
where
    EncoderBlocks<E, HEADS, FF, F, Act, P, Mk>: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransformerEncoderLayer").field("blocks", &self.blocks).finish()
    }
}

impl<const E: usize, const HEADS: usize, const FF: usize, F, Act, P: NormPlacement, Mk> PartialEq
    for TransformerEncoderLayer<E, HEADS, FF, F, Act, P, Mk>
where
    EncoderBlocks<E, HEADS, FF, F, Act, P, Mk>: PartialEq,
{
    fn eq(&self, other: &Self) -> bool {
        self.blocks == other.blocks
    }
}

impl<const E: usize, const HEADS: usize, const FF: usize, F, Act, P: NormPlacement, Mk> Module
    for TransformerEncoderLayer<E, HEADS, FF, F, Act, P, Mk>
{
}

/// A batch of sequences, sequence by sequence.
impl<const E: usize, const HEADS: usize, const FF: usize, F, Act, P: NormPlacement, Mk> PerSample
    for TransformerEncoderLayer<E, HEADS, FF, F, Act, P, Mk>
{
}

impl<const E: usize, const HEADS: usize, const FF: usize, F, Act, P, Mk> Model<F>
    for TransformerEncoderLayer<E, HEADS, FF, F, Act, P, Mk>
where
    F: Float,
    Act: Model<F>,
    P: NormPlacement,
    Mk: AttentionMask,
    EncoderBlocks<E, HEADS, FF, F, Act, P, Mk>: Model<F>,
{
    const PARAMS: usize = <EncoderBlocks<E, HEADS, FF, F, Act, P, Mk> as Model<F>>::PARAMS;
    const TENSORS: usize = <EncoderBlocks<E, HEADS, FF, F, Act, P, Mk> as Model<F>>::TENSORS;
    const ZERO: Self = TransformerEncoderLayer { blocks: Model::ZERO };

    /// Position 0 (one layer from outside); the type is the inner layer's.
    fn tensor_owner(index: usize) -> Option<(usize, &'static str)> {
        <EncoderBlocks<E, HEADS, FF, F, Act, P, Mk> as Model<F>>::tensor_owner(index)
            .map(|(_, layer_type)| (0, layer_type))
    }

    /// The blocks in order, as the stack: the attention's weights, then the
    /// feed-forward network's (norms back to γ = 1, β = 0).
    fn initialize_with<R: Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
        self.blocks.initialize_with(init, rng);
    }
    fn tensors(&self) -> impl Iterator<Item = Tensor<'_, F>> {
        self.blocks.tensors()
    }
    fn tensors_mut(&mut self) -> impl Iterator<Item = TensorMut<'_, F>> {
        self.blocks.tensors_mut()
    }
    /// PyTorch's names: `self_attn.*`, `norm1.*`, `linear1.*`, `linear2.*`,
    /// `norm2.*` (in the order of the blocks).
    fn visit_state<V>(&self, prefix: Option<&StatePath<'_>>, visit: &mut V)
    where
        V: FnMut(&StatePath<'_>, &'static str, StateEntry<'_, F>) + ?Sized,
    {
        P::visit_block(&self.blocks.0, prefix, (Some("self_attn"), "norm1"), visit);
        P::visit_block(&self.blocks.1, prefix, (None, "norm2"), visit);
    }
    fn visit_state_mut<V>(&mut self, prefix: Option<&StatePath<'_>>, visit: &mut V)
    where
        V: FnMut(&StatePath<'_>, &'static str, StateEntryMut<'_, F>) + ?Sized,
    {
        P::visit_block_mut(&mut self.blocks.0, prefix, (Some("self_attn"), "norm1"), visit);
        P::visit_block_mut(&mut self.blocks.1, prefix, (None, "norm2"), visit);
    }
    /// `constnet::layers::TransformerEncoderLayer::from_blocks(…)` around the
    /// stack's source.
    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        out.write_str("constnet::layers::TransformerEncoderLayer::from_blocks(")?;
        self.blocks.write_rust(out)?;
        out.write_char(')')
    }
}

/// A sequence whose steps must be [`SameShape`] as `[F; E]` (another width
/// is a compile error naming both).
impl<const E: usize, const HEADS: usize, const FF: usize, const T: usize, X, F, Act, P, Mk> Layer<Sequence<X, T>>
    for TransformerEncoderLayer<E, HEADS, FF, F, Act, P, Mk>
where
    F: Float,
    P: NormPlacement,
    Sequence<X, T>: SameShape<Sequence<[F; E], T>>,
    EncoderBlocks<E, HEADS, FF, F, Act, P, Mk>: Layer<Sequence<[F; E], T>, Output = Sequence<[F; E], T>>,
{
    type Output = Sequence<[F; E], T>;

    fn eval(&self, x: &Sequence<X, T>) -> Sequence<[F; E], T> {
        self.blocks.eval(x.as_shape())
    }
}

impl<const E: usize, const HEADS: usize, const FF: usize, const T: usize, X, F, Act, P, Mk, Md>
    Backprop<Sequence<X, T>, Md> for TransformerEncoderLayer<E, HEADS, FF, F, Act, P, Mk>
where
    F: Float,
    P: NormPlacement,
    Md: Mode,
    Sequence<X, T>: SameShape<Sequence<[F; E], T>>,
    EncoderBlocks<E, HEADS, FF, F, Act, P, Mk>: Backprop<Sequence<[F; E], T>, Md, Output = Sequence<[F; E], T>>,
{
    /// The stack's tape.
    type Tape = <EncoderBlocks<E, HEADS, FF, F, Act, P, Mk> as Backprop<Sequence<[F; E], T>, Md>>::Tape;

    fn eval_tape(&mut self, x: &Sequence<X, T>) -> (Sequence<[F; E], T>, Self::Tape) {
        self.blocks.eval_tape(x.as_shape())
    }

    fn eval_tape_into(&mut self, x: &Sequence<X, T>, tape: &mut Self::Tape) -> Sequence<[F; E], T> {
        self.blocks.eval_tape_into(x.as_shape(), tape)
    }

    fn backprop(&self, tape: &Self::Tape, dy: &Sequence<[F; E], T>, grads: &mut Self) -> Sequence<X, T> {
        SameShape::from_shape(self.blocks.backprop(tape, dy, &mut grads.blocks))
    }
}

/// A causal encoder layer one step at a time, through the stack it is made
/// of: the self-attention with its [`KvCache`](crate::layers::KvCache), the
/// norms and the feed-forward network on the step alone. The bits of the
/// whole-sequence pass at each step.
impl<const E: usize, const HEADS: usize, const FF: usize, const N: usize, const T: usize, F, Act, P, Mk>
    Incremental<[F; N], T> for TransformerEncoderLayer<E, HEADS, FF, F, Act, P, Mk>
where
    F: Float,
    P: NormPlacement,
    [F; N]: SameShape<[F; E]>,
    EncoderBlocks<E, HEADS, FF, F, Act, P, Mk>: Incremental<[F; E], T, Step = [F; E]>,
{
    type Step = [F; E];
    type Cache = <EncoderBlocks<E, HEADS, FF, F, Act, P, Mk> as Incremental<[F; E], T>>::Cache;
    const EMPTY: Self::Cache = <EncoderBlocks<E, HEADS, FF, F, Act, P, Mk> as Incremental<[F; E], T>>::EMPTY;

    fn step(&self, x: &[F; N], position: Position<T>, cache: &mut Self::Cache) -> [F; E] {
        self.blocks.step(x.as_shape(), position, cache)
    }
}
