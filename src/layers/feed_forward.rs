//! [`FeedForward`]: a transformer's position-wise feed-forward network,
//! `linear2(activation(linear1(x)))`, under PyTorch's names.

use core::fmt;

use rand::Rng;

use crate::layers::{Dense, Relu};
use crate::model::{Tensor, TensorMut};
use crate::state::{Segment, StateEntry, StateEntryMut, StatePath};
use crate::{Backprop, Float, Init, Layer, Mode, Model, Module};

/// The feed-forward network of a transformer layer: `E` features widened to
/// `FF` by `linear1`, the activation `Act`, and narrowed back to `E` by
/// `linear2` — the stack `(Dense<E, FF>, Act, Dense<FF, E>)`, with the bits
/// of that stack, whose state-dict names are PyTorch's
/// `TransformerEncoderLayer` names `linear1.weight`, `linear1.bias`,
/// `linear2.weight` and `linear2.bias` instead of positions. It maps one
/// step `[F; E]` to `[F; E]`; wrap it in
/// [`PerStep`](crate::layers::PerStep) for a sequence. Dropout is not part
/// of it (PyTorch's `dropout` between the two is the identity at `p = 0` and
/// in evaluation). Inputs are whatever the stack takes: a step, or a
/// [`Batch`](crate::Batch) of steps.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::layers::FeedForward;
///
/// let ff: FeedForward<4, 8, f64, Gelu> = FeedForward::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
/// let x = [0.5, -1.0, 2.0, 0.0];
/// let stack = (ff.linear1().clone(), Gelu, ff.linear2().clone());
/// assert_eq!(ff.forward(&x), stack.forward(&x));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct FeedForward<const E: usize, const FF: usize, F = f32, Act = Relu> {
    layers: (Dense<E, FF, F>, Act, Dense<FF, E, F>),
}

impl<const E: usize, const FF: usize, F, Act> FeedForward<E, FF, F, Act> {
    /// `linear2(activation(linear1(x)))`. A `const fn`, so a model can live
    /// in a `static`.
    pub const fn new(linear1: Dense<E, FF, F>, activation: Act, linear2: Dense<FF, E, F>) -> Self {
        FeedForward { layers: (linear1, activation, linear2) }
    }

    /// `linear1`, `E` → `FF`.
    pub const fn linear1(&self) -> &Dense<E, FF, F> {
        &self.layers.0
    }

    /// The activation between the two.
    pub const fn activation(&self) -> &Act {
        &self.layers.1
    }

    /// `linear2`, `FF` → `E`.
    pub const fn linear2(&self) -> &Dense<FF, E, F> {
        &self.layers.2
    }
}

impl<const E: usize, const FF: usize, F, Act> Module for FeedForward<E, FF, F, Act> {}

/// `linear1` and `linear2` under those names, the activation's state (none,
/// for the library's activations) under `activation`.
macro_rules! visit_named {
    ($method:ident, $layers:expr, $prefix:ident, $visit:ident) => {{
        let (linear1, activation, linear2) = $layers;
        linear1.$method(Some(&StatePath::new($prefix, Segment::Name("linear1"))), $visit);
        activation.$method(Some(&StatePath::new($prefix, Segment::Name("activation"))), $visit);
        linear2.$method(Some(&StatePath::new($prefix, Segment::Name("linear2"))), $visit);
    }};
}

impl<const E: usize, const FF: usize, F: Float, Act: Model<F>> Model<F> for FeedForward<E, FF, F, Act> {
    const PARAMS: usize = <(Dense<E, FF, F>, Act, Dense<FF, E, F>) as Model<F>>::PARAMS;
    const TENSORS: usize = <(Dense<E, FF, F>, Act, Dense<FF, E, F>) as Model<F>>::TENSORS;
    const ZERO: Self = FeedForward { layers: Model::ZERO };

    /// Position 0 (one layer from outside); the type is the inner layer's.
    fn tensor_owner(index: usize) -> Option<(usize, &'static str)> {
        <(Dense<E, FF, F>, Act, Dense<FF, E, F>) as Model<F>>::tensor_owner(index)
            .map(|(_, layer_type)| (0, layer_type))
    }

    /// `linear1`, then the activation, then `linear2`, as the stack.
    fn initialize_with<R: Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
        self.layers.initialize_with(init, rng);
    }
    fn tensors(&self) -> impl Iterator<Item = Tensor<'_, F>> {
        self.layers.tensors()
    }
    fn tensors_mut(&mut self) -> impl Iterator<Item = TensorMut<'_, F>> {
        self.layers.tensors_mut()
    }
    fn visit_state<V>(&self, prefix: Option<&StatePath<'_>>, visit: &mut V)
    where
        V: FnMut(&StatePath<'_>, &'static str, StateEntry<'_, F>) + ?Sized,
    {
        visit_named!(visit_state, &self.layers, prefix, visit);
    }
    fn visit_state_mut<V>(&mut self, prefix: Option<&StatePath<'_>>, visit: &mut V)
    where
        V: FnMut(&StatePath<'_>, &'static str, StateEntryMut<'_, F>) + ?Sized,
    {
        visit_named!(visit_state_mut, &mut self.layers, prefix, visit);
    }
    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        out.write_str("constnet::layers::FeedForward::new(")?;
        self.layers.0.write_rust(out)?;
        out.write_str(", ")?;
        self.layers.1.write_rust(out)?;
        out.write_str(", ")?;
        self.layers.2.write_rust(out)?;
        out.write_char(')')
    }
}

impl<X, const E: usize, const FF: usize, F, Act> Layer<X> for FeedForward<E, FF, F, Act>
where
    (Dense<E, FF, F>, Act, Dense<FF, E, F>): Layer<X>,
{
    type Output = <(Dense<E, FF, F>, Act, Dense<FF, E, F>) as Layer<X>>::Output;

    #[inline]
    fn eval(&self, x: &X) -> Self::Output {
        <(Dense<E, FF, F>, Act, Dense<FF, E, F>) as Layer<X>>::eval(&self.layers, x)
    }
}

impl<X, Md: Mode, const E: usize, const FF: usize, F, Act> Backprop<X, Md> for FeedForward<E, FF, F, Act>
where
    (Dense<E, FF, F>, Act, Dense<FF, E, F>): Backprop<X, Md>,
{
    /// The stack's tape.
    type Tape = <(Dense<E, FF, F>, Act, Dense<FF, E, F>) as Backprop<X, Md>>::Tape;

    fn eval_tape(&mut self, x: &X) -> (Self::Output, Self::Tape) {
        <(Dense<E, FF, F>, Act, Dense<FF, E, F>) as Backprop<X, Md>>::eval_tape(&mut self.layers, x)
    }

    fn eval_tape_into(&mut self, x: &X, tape: &mut Self::Tape) -> Self::Output {
        <(Dense<E, FF, F>, Act, Dense<FF, E, F>) as Backprop<X, Md>>::eval_tape_into(&mut self.layers, x, tape)
    }

    fn backprop(&self, tape: &Self::Tape, dy: &Self::Output, grads: &mut Self) -> X {
        <(Dense<E, FF, F>, Act, Dense<FF, E, F>) as Backprop<X, Md>>::backprop(
            &self.layers,
            tape,
            dy,
            &mut grads.layers,
        )
    }
}
