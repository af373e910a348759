//! [`Layer`]: what a layer or a stack implements to run forward and
//! backward, and [`SameShape`], the check that turns a width mismatch into a
//! readable compile error.

/// A layer, or a stack of layers, that takes inputs of type `X`.
///
/// This is the trait layers implement; programs call its methods through
/// [`Forward`](crate::Forward) (`forward`, `forward_tape`, `backward`),
/// whose bounds are checked per call so that a mismatched stack is reported
/// as a shape mismatch naming both widths.
///
/// * [`eval`](Layer::eval) is inference: `&self`, keeps nothing.
/// * [`eval_tape`](Layer::eval_tape) is a training step's forward pass: it
///   also returns a [`Tape`](Layer::Tape) holding what the backward pass
///   needs, whose type is computed from the layer's type (so its size is
///   known at compile time and it lives on the stack). It takes `&mut self`
///   because some layers behave differently in training and update state
///   there: batch normalisation uses the batch's statistics and updates its
///   running ones; dropout draws a mask from its own RNG.
/// * [`backprop`](Layer::backprop) takes that tape and dL/d(output), *adds*
///   the parameter gradients into `grads` (a model-shaped accumulator, see
///   [`Model`](crate::Model)) and returns dL/d(input).
///
/// Stacks of layers are tuples; a tuple implements `Layer<X>` exactly when
/// each layer accepts the previous one's output.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::Layer;
///
/// let mut layer: Dense<2, 1> = Dense::from_weights([[1.0, -1.0]], [0.5]);
/// let (y, tape) = layer.eval_tape(&[2.0, 1.0]);
/// let mut grads = Dense::zeroed();
/// let dx: [f32; 2] = layer.backprop(&tape, &[1.0], &mut grads);
/// assert_eq!((y, dx), ([1.5], [1.0, -1.0]));
/// assert_eq!(grads.weight(), [[2.0, 1.0]]); // dL/dW = dy · xᵀ
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot take `{X}` as its input",
    label = "this layer or stack does not accept `{X}`",
    note = "each layer of a stack must accept the previous layer's output"
)]
pub trait Layer<X> {
    /// What the layer returns.
    type Output;
    /// What [`eval_tape`](Layer::eval_tape) keeps for
    /// [`backprop`](Layer::backprop).
    type Tape;

    /// Inference: computes the output and keeps nothing.
    fn eval(&self, x: &X) -> Self::Output;

    /// Training: computes the output (in training mode) and the tape for
    /// [`backprop`](Layer::backprop), updating any training state.
    fn eval_tape(&mut self, x: &X) -> (Self::Output, Self::Tape);

    /// Back-propagates `dy` (dL/d output) through the step recorded in
    /// `tape`: adds dL/dθ into `grads` and returns dL/dx.
    fn backprop(&self, tape: &Self::Tape, dy: &Self::Output, grads: &mut Self) -> X;
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
    note = "the previous layer's output width must equal this layer's input width"
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
