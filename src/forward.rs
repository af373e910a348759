//! [`Forward`]: the methods programs call to run a model — inference,
//! training with a tape, and the backward pass.

use core::fmt;
use core::marker::PhantomData;

use crate::Layer;

/// What [`Forward::forward_tape`] records for [`Forward::backward`]: the
/// per-layer tapes of the stack, tagged with the input type so that
/// `backward` knows which input it differentiates with respect to.
///
/// Its size is known at compile time; it lives on the stack.
pub struct Tape<X, T> {
    layers: T,
    input: PhantomData<fn() -> X>,
}

impl<X, T> Tape<X, T> {
    /// The per-layer tapes (for a stack, a tuple with one entry per layer).
    pub fn layers(&self) -> &T {
        &self.layers
    }
}

impl<X, T: Clone> Clone for Tape<X, T> {
    fn clone(&self) -> Self {
        Tape { layers: self.layers.clone(), input: PhantomData }
    }
}

impl<X, T: fmt::Debug> fmt::Debug for Tape<X, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tape").field("layers", &self.layers).finish()
    }
}

/// Marks the types that are layers or stacks of layers, which gives them
/// the [`Forward`] methods. Every layer type implements it (an empty impl),
/// and so does every tuple of them; references do not, so that calls on a
/// `&mut Net` reach the `Net` itself.
pub trait Module {}

/// Running a model: the methods programs call on every [`Module`].
///
/// The bound `Self: Layer<X>` sits on each method rather than on an impl,
/// so a stack whose widths do not chain is reported at the call as
/// "shape mismatch: a layer taking `[f32; 3]` was given `[f32; 4]`".
///
/// ```
/// use constnet::prelude::*;
///
/// type Net = (Dense<2, 1>, Sigmoid);
/// let mut net: Net = (Dense::from_weights([[1.0, -1.0]], [0.0]), Sigmoid);
/// assert_eq!(net.forward(&[2.0, 2.0]), [0.5]);
///
/// let mut grads = Grads::<Net>::zeroed();
/// let (y, tape) = net.forward_tape(&[2.0, 2.0]);
/// let dx = net.backward(&tape, &[1.0], &mut grads);
/// // dσ/dz = 0.25 at z = 0, so dL/dx = 0.25 · W.
/// assert_eq!((y, dx), ([0.5], [0.25, -0.25]));
/// assert_eq!(*grads.0.bias(), [0.25]);
/// ```
pub trait Forward {
    /// Inference: computes the output and keeps nothing.
    #[inline]
    fn forward<X>(&self, x: &X) -> <Self as Layer<X>>::Output
    where
        Self: Layer<X>,
    {
        self.eval(x)
    }

    /// Training: computes the output in training mode and the [`Tape`] that
    /// [`backward`](Forward::backward) needs. `&mut self` because training
    /// updates some layers' state (batch-norm running statistics, dropout's
    /// RNG); [`forward`](Forward::forward) is inference and changes nothing.
    #[inline]
    fn forward_tape<X>(&mut self, x: &X) -> (<Self as Layer<X>>::Output, Tape<X, <Self as Layer<X>>::Tape>)
    where
        Self: Layer<X>,
    {
        let (y, layers) = self.eval_tape(x);
        (y, Tape { layers, input: PhantomData })
    }

    /// Back-propagates `dy` = dL/d(output) through the pass recorded in
    /// `tape`: *adds* dL/dθ into `grads` (a model-shaped accumulator, see
    /// [`Model`](crate::Model)) and returns dL/d(input).
    #[inline]
    fn backward<X>(
        &self,
        tape: &Tape<X, <Self as Layer<X>>::Tape>,
        dy: &<Self as Layer<X>>::Output,
        grads: &mut Self,
    ) -> X
    where
        Self: Layer<X> + Sized,
    {
        self.backprop(&tape.layers, dy, grads)
    }
}

impl<T: Module> Forward for T {}
