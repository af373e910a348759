//! The layer traits: [`Layer`] (inference) and [`Backprop`] (training, in a
//! [`Mode`]); [`PerSample`], which gives a layer its [`Batch`] pass; and
//! [`SameShape`], the check that turns a width mismatch into a readable
//! compile error.

use crate::{Batch, Mode, TrainMode, Zeroed};

/// A layer, or a stack of layers, that takes inputs of type `X`: inference.
///
/// [`eval`](Layer::eval) is `&self` and keeps nothing. Training is the
/// [`Backprop`] trait. Programs call both through
/// [`Forward`](crate::Forward) (`forward`, `forward_tape`, `backward`),
/// whose bounds are checked per call so that a mismatched stack is reported
/// as a shape mismatch naming both widths.
///
/// Stacks of layers are tuples; a tuple implements `Layer<X>` exactly when
/// each layer accepts the previous one's output.
///
/// # Inputs: what each axis means
///
/// An input is one sample, whose type says what it is: `[F; N]` a vector
/// of features, `[[F; L]; C]` a 1-D feature map (channels, positions),
/// `[[[F; W]; H]; C]` an image (CHW). Several samples are a
/// [`Batch`]`<X, B>`, never a plain outer array. A layer never interprets
/// an outer array axis as a batch.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot take `{X}` as its input",
    label = "this layer or stack does not accept `{X}`",
    note = "each layer of a stack must accept the previous layer's output; a batch is a `Batch<_, B>`, \
            never a plain outer array; a `Sequence` of time steps goes to a recurrent or element-wise layer, \
            `PerStep<L>`, `LastStep` or `MeanOverSteps`"
)]
pub trait Layer<X> {
    /// What the layer returns.
    type Output;

    /// Inference: computes the output and keeps nothing.
    fn eval(&self, x: &X) -> Self::Output;
}

/// A layer that can be trained on inputs `X` in mode `M` ([`TrainMode`]
/// by default; [`EvalMode`](crate::EvalMode) for fine-tuning with frozen
/// normalisation statistics): a forward pass that keeps a tape, and the
/// backward pass through it.
///
/// * [`eval_tape`](Backprop::eval_tape) computes the output and a
///   [`Tape`](Backprop::Tape) holding what the backward pass needs, whose
///   type is computed from the layer's type (so its size is known at
///   compile time and it lives on the stack). It takes `&mut self` because
///   in training mode some layers update state: batch normalisation its
///   running statistics, dropout its random generator.
///   [`eval_tape_into`](Backprop::eval_tape_into) writes the tape into
///   storage the caller keeps instead (a `static`, starting as
///   [`Zeroed::ZEROED`]), for models whose tapes do not
///   fit the stack.
/// * [`backprop`](Backprop::backprop) takes that tape and dL/d(output),
///   *adds* the parameter gradients into `grads` (a model-shaped
///   accumulator, see [`Model`](crate::Model)) and returns dL/d(input).
///
/// ```
/// use constnet::prelude::*;
/// use constnet::Backprop;
///
/// let mut layer: Dense<2, 1> = Dense::from_weights([[1.0, -1.0]], [0.5]);
/// // Programs call `forward_tape` and `backward`; the trait's own methods
/// // name the input type and the mode (training mode, the default, here).
/// type D = Dense<2, 1>;
/// let (y, tape) = <D as Backprop<[f32; 2]>>::eval_tape(&mut layer, &[2.0, 1.0]);
/// let mut grads = Dense::zeroed();
/// let dx = <D as Backprop<[f32; 2]>>::backprop(&layer, &tape, &[1.0], &mut grads);
/// assert_eq!((y, dx), ([1.5], [1.0, -1.0]));
/// assert_eq!(grads.weight(), [[2.0, 1.0]]); // dL/dW = dy · xᵀ
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be trained on `{X}` in `{M}`",
    label = "this layer or stack cannot back-propagate through `{X}` in `{M}`",
    note = "each layer of a stack must accept the previous layer's output"
)]
pub trait Backprop<X, M: Mode = TrainMode>: Layer<X> {
    /// What [`eval_tape`](Backprop::eval_tape) keeps for
    /// [`backprop`](Backprop::backprop).
    ///
    /// [`Zeroed`] gives the tape before any pass, what storage for one
    /// starts as, so that a tape can live in a `static` (or any other place
    /// the caller keeps) and be filled by
    /// [`eval_tape_into`](Backprop::eval_tape_into).
    type Tape: Zeroed;

    /// Training: computes the output in mode `M` and the tape for
    /// [`backprop`](Backprop::backprop), updating any training state.
    fn eval_tape(&mut self, x: &X) -> (Self::Output, Self::Tape);

    /// [`eval_tape`](Backprop::eval_tape), writing the tape into `tape`
    /// instead of returning it, with the same output, tape and state
    /// updates. A stack passes each layer its own part of `tape`, so the
    /// tapes are written where they are kept and never gathered on the
    /// stack: peak stack is about one layer's tape and two activations,
    /// instead of every tape and the compiler's copies of them. Layers
    /// that hold other layers override it to do the same; the default
    /// moves the layer's own tape into place.
    #[inline]
    fn eval_tape_into(&mut self, x: &X, tape: &mut Self::Tape) -> Self::Output {
        let (y, t) = self.eval_tape(x);
        *tape = t;
        y
    }

    /// Back-propagates `dy` (dL/d output) through the step recorded in
    /// `tape`: adds dL/dθ into `grads` and returns dL/dx.
    fn backprop(&self, tape: &Self::Tape, dy: &Self::Output, grads: &mut Self) -> X;

    /// [`backprop`](Backprop::backprop) where nobody reads dL/dx (the first
    /// layer of a model being trained): adds the same dL/dθ into `grads`
    /// and computes nothing else. Layers whose input gradient costs work
    /// (a dense layer's: one dot product per input) override it to skip
    /// that work; the default runs `backprop` and drops dL/dx.
    #[inline]
    fn backprop_params(&self, tape: &Self::Tape, dy: &Self::Output, grads: &mut Self) {
        let _ = self.backprop(tape, dy, grads);
    }
}

/// A layer that treats the samples of a batch independently, so that its
/// [`Batch`] pass is its single-sample pass applied to each sample in
/// order: implementing this marker gives a layer `Layer<Batch<X, B>>` and
/// `Backprop<Batch<X, B>, M>` for every `X` it takes, with outputs that have
/// exactly the bits of per-sample passes and gradients accumulated in
/// sample order.
///
/// Layers that couple the samples (batch normalisation) do not implement
/// it and define their batch pass themselves.
pub trait PerSample {}

/// A batch through a [`PerSample`] layer: sample by sample, in order.
impl<L: PerSample + Layer<X>, X, const B: usize> Layer<Batch<X, B>> for L {
    type Output = Batch<L::Output, B>;

    #[inline]
    fn eval(&self, x: &Batch<X, B>) -> Self::Output {
        Batch(eval_each(self, &x.0))
    }
}

/// Training on a batch through a [`PerSample`] layer: each sample's tape,
/// and gradients accumulated in sample order.
impl<L, X, M: Mode, const B: usize> Backprop<Batch<X, B>, M> for L
where
    L: PerSample + Backprop<X, M>,
    L::Output: Copy,
{
    /// The samples' tapes.
    type Tape = [L::Tape; B];

    fn eval_tape(&mut self, x: &Batch<X, B>) -> (Self::Output, Self::Tape) {
        let (y, tapes) = eval_tape_each(self, &x.0);
        (Batch(y), tapes)
    }

    fn eval_tape_into(&mut self, x: &Batch<X, B>, tape: &mut Self::Tape) -> Self::Output {
        Batch(eval_tape_each_into(self, &x.0, tape))
    }

    fn backprop(&self, tape: &Self::Tape, dy: &Self::Output, grads: &mut Self) -> Batch<X, B> {
        Batch(backprop_each(self, tape, &dy.0, grads))
    }

    fn backprop_params(&self, tape: &Self::Tape, dy: &Self::Output, grads: &mut Self) {
        for (tape, dy) in tape.iter().zip(&dy.0) {
            self.backprop_params(tape, dy, grads);
        }
    }
}

/// `layer` on every element of `x`, in order: a batch's samples, a
/// sequence's steps.
#[inline]
pub(crate) fn eval_each<L: Layer<X>, X, const N: usize>(layer: &L, x: &[X; N]) -> [L::Output; N] {
    core::array::from_fn(|n| layer.eval(&x[n]))
}

/// The training pass of `layer` on every element of `x`, in order (so a
/// stateful layer — dropout's generator — sees them in order): the outputs
/// and every element's tape.
pub(crate) fn eval_tape_each<L, X, M: Mode, const N: usize>(layer: &mut L, x: &[X; N]) -> ([L::Output; N], [L::Tape; N])
where
    L: Backprop<X, M>,
    L::Output: Copy,
{
    let passes: [(L::Output, L::Tape); N] = core::array::from_fn(|n| layer.eval_tape(&x[n]));
    (core::array::from_fn(|n| passes[n].0), passes.map(|(_, tape)| tape))
}

/// [`eval_tape_each`] writing each element's tape into its place in
/// `tapes`.
pub(crate) fn eval_tape_each_into<L, X, M: Mode, const N: usize>(
    layer: &mut L,
    x: &[X; N],
    tapes: &mut [L::Tape; N],
) -> [L::Output; N]
where
    L: Backprop<X, M>,
{
    core::array::from_fn(|n| layer.eval_tape_into(&x[n], &mut tapes[n]))
}

/// The backward pass of [`eval_tape_each`], element by element in order, so
/// the gradients accumulate in one fixed order (that of per-element
/// passes).
pub(crate) fn backprop_each<L: Backprop<X, M>, X, M: Mode, const N: usize>(
    layer: &L,
    tapes: &[L::Tape; N],
    dy: &[L::Output; N],
    grads: &mut L,
) -> [X; N] {
    core::array::from_fn(|n| layer.backprop(&tapes[n], &dy[n], grads))
}

/// Proof that a value of type `Self` has the shape `Expected`. It holds only
/// when the two are the same type; otherwise the compiler names both shapes.
///
/// Layers with a fixed input width accept any array and require it to be
/// `SameShape` as their input, so that a mismatch is reported as
/// "a layer taking `[f32; 3]` was given `[f32; 4]`" rather than as a missing
/// trait implementation.
#[diagnostic::on_unimplemented(
    message = "shape mismatch: a layer taking `{Expected}` was given `{Self}`",
    label = "this value is `{Self}`, but the layer takes `{Expected}`",
    note = "the previous layer's output must have this layer's input shape; several samples are a \
            `Batch<_, B>`, never a plain outer array"
)]
pub trait SameShape<Expected> {
    /// Views `self` as the expected shape (they are the same type).
    fn as_shape(&self) -> &Expected;
    /// Converts a value of the expected shape back (they are the same type).
    fn from_shape(value: Expected) -> Self;
}

impl<T> SameShape<T> for T {
    #[inline(always)]
    fn as_shape(&self) -> &T {
        self
    }
    #[inline(always)]
    fn from_shape(value: T) -> T {
        value
    }
}
