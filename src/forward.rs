//! [`Forward`]: the methods programs call to run a model — inference,
//! training with a tape (in training or evaluation mode), and the backward
//! pass.

use core::fmt;
use core::marker::PhantomData;

use crate::{Backprop, EvalMode, Layer, Mode, TrainMode, Zeroed};

/// What [`Forward::forward_tape`] (or
/// [`forward_tape_eval`](Forward::forward_tape_eval)) records for
/// [`Forward::backward`]: the per-layer tapes of the stack, tagged with the
/// input type and the [`Mode`] they were recorded in, so that `backward`
/// knows which input it differentiates with respect to and in which mode.
///
/// Its size is known at compile time. [`Forward::forward_tape`] returns it
/// on the stack; [`Forward::forward_tape_into`] writes it where the caller
/// keeps it (a `static` starting as [`Zeroed::ZEROED`], see [`TapeOf`]), for
/// models whose tapes do not fit the stack.
pub struct Tape<X, M, T> {
    layers: T,
    input: PhantomData<fn() -> (X, M)>,
}

impl<X, M, T> Tape<X, M, T> {
    /// The per-layer tapes (for a stack, a tuple with one entry per layer).
    pub fn layers(&self) -> &T {
        &self.layers
    }
}

/// The [`Tape`] that `Net` records on an input `X` in mode `M`: the type to
/// name where the caller keeps one.
///
/// ```
/// use std::sync::Mutex;
/// use constnet::prelude::*;
///
/// type Net = (Dense<4, 8>, Tanh, Dense<8, 2>);
/// static TAPE: Mutex<TapeOf<Net, [f32; 4]>> = Mutex::new(Zeroed::ZEROED);
///
/// let mut net = Net::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
/// let mut tape = TAPE.lock().unwrap();
/// let y = net.forward_tape_into(&[0.1, 0.2, 0.3, 0.4], &mut tape);
/// let mut grads = Grads::<Net>::zeroed();
/// net.backward_params(&tape, &[1.0, 0.0], &mut grads);
///
/// // The bits of the tape kept on the stack.
/// let (y_stack, tape_stack) = net.forward_tape(&[0.1, 0.2, 0.3, 0.4]);
/// assert_eq!((y, tape.layers()), (y_stack, tape_stack.layers()));
/// ```
pub type TapeOf<Net, X, M = TrainMode> = Tape<X, M, <Net as Backprop<X, M>>::Tape>;

/// Every layer's tape zeroed: storage for a tape before any pass.
impl<X, M, T: Zeroed> Zeroed for Tape<X, M, T> {
    const ZEROED: Self = Tape { layers: T::ZEROED, input: PhantomData };
}

impl<X, M, T: Clone> Clone for Tape<X, M, T> {
    fn clone(&self) -> Self {
        Tape { layers: self.layers.clone(), input: PhantomData }
    }
}

impl<X, M, T: fmt::Debug> fmt::Debug for Tape<X, M, T> {
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
/// The bound (`Self: Layer<X>` or `Self: Backprop<X, M>`) sits on each
/// method rather than on an impl, so a stack whose widths do not chain is
/// reported at the call as "shape mismatch: a layer taking `[f32; 3]` was
/// given `[f32; 4]`".
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

    /// Training, in [`TrainMode`] (PyTorch's `model.train()`): computes the
    /// output and the [`Tape`] that [`backward`](Forward::backward) needs.
    /// `&mut self` because training updates some layers' state (batch-norm
    /// running statistics, dropout's generator);
    /// [`forward`](Forward::forward) is inference and changes nothing.
    #[inline]
    #[allow(clippy::type_complexity)]
    fn forward_tape<X>(
        &mut self,
        x: &X,
    ) -> (<Self as Layer<X>>::Output, Tape<X, TrainMode, <Self as Backprop<X, TrainMode>>::Tape>)
    where
        Self: Backprop<X, TrainMode>,
    {
        let (y, layers) = self.eval_tape(x);
        (y, Tape { layers, input: PhantomData })
    }

    /// [`forward_tape`](Forward::forward_tape), writing the tape into
    /// `tape` instead of returning it: the same output, tape bits and state
    /// updates, but each layer of a stack writes its tape straight into its
    /// part of `tape`, so the tapes never gather on the stack. Peak stack
    /// is then about one layer's tape and two activations, which is what
    /// lets a large model (LeNet-5, 40 KB of tapes) or a small
    /// microcontroller train with the tape in a `static` (see [`TapeOf`]).
    /// Whatever `tape` held before is overwritten.
    #[inline]
    fn forward_tape_into<X>(
        &mut self,
        x: &X,
        tape: &mut Tape<X, TrainMode, <Self as Backprop<X, TrainMode>>::Tape>,
    ) -> <Self as Layer<X>>::Output
    where
        Self: Backprop<X, TrainMode>,
    {
        self.eval_tape_into(x, &mut tape.layers)
    }

    /// Training in [`EvalMode`] (PyTorch's `model.eval()` followed by
    /// `backward()`), for fine-tuning: batch normalisation uses its running
    /// statistics and changes nothing, dropout is the identity; every
    /// parameter still gets its gradient. Works on single samples for every
    /// layer, batch normalisation included.
    ///
    /// ```
    /// use constnet::prelude::*;
    ///
    /// type Net = (Dense<2, 2>, BatchNorm1d<2>, Dropout);
    /// let mut net: Net = (Dense::from_weights([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0]), BatchNorm1d::default(), Dropout::new(0.5, 1).unwrap());
    /// let before = net.clone();
    /// let (y, tape) = net.forward_tape_eval(&[3.0, 4.0]);
    /// assert_eq!(y, net.forward(&[3.0, 4.0])); // inference's output
    /// let mut grads = Grads::<Net>::zeroed();
    /// net.backward(&tape, &[1.0, 1.0], &mut grads);
    /// assert_eq!(net, before); // running statistics and dropout's generator untouched
    /// ```
    #[inline]
    #[allow(clippy::type_complexity)]
    fn forward_tape_eval<X>(
        &mut self,
        x: &X,
    ) -> (<Self as Layer<X>>::Output, Tape<X, EvalMode, <Self as Backprop<X, EvalMode>>::Tape>)
    where
        Self: Backprop<X, EvalMode>,
    {
        let (y, layers) = self.eval_tape(x);
        (y, Tape { layers, input: PhantomData })
    }

    /// [`forward_tape_eval`](Forward::forward_tape_eval), writing the tape
    /// into `tape` as [`forward_tape_into`](Forward::forward_tape_into)
    /// does.
    #[inline]
    fn forward_tape_eval_into<X>(
        &mut self,
        x: &X,
        tape: &mut Tape<X, EvalMode, <Self as Backprop<X, EvalMode>>::Tape>,
    ) -> <Self as Layer<X>>::Output
    where
        Self: Backprop<X, EvalMode>,
    {
        self.eval_tape_into(x, &mut tape.layers)
    }

    /// Back-propagates `dy` = dL/d(output) through the pass recorded in
    /// `tape`, in the mode it was recorded in: *adds* dL/dθ into `grads` (a
    /// model-shaped accumulator, see [`Model`](crate::Model)) and returns
    /// dL/d(input).
    #[inline]
    fn backward<X, M: Mode>(
        &self,
        tape: &Tape<X, M, <Self as Backprop<X, M>>::Tape>,
        dy: &<Self as Layer<X>>::Output,
        grads: &mut Self,
    ) -> X
    where
        Self: Backprop<X, M> + Sized,
    {
        self.backprop(&tape.layers, dy, grads)
    }

    /// [`backward`](Forward::backward) for a training step, where nobody
    /// reads dL/d(input): adds dL/dθ into `grads` and returns nothing, so
    /// that the first layer skips its input gradient (for a [`Dense`]
    /// first layer, one dot product per input — in the digits MLP, 2,048 of
    /// the backward pass's 4,736 multiply-adds). The gradients are exactly
    /// those of `backward`.
    ///
    /// ```
    /// use constnet::prelude::*;
    ///
    /// type Net = (Dense<2, 1>, Sigmoid);
    /// let mut net: Net = (Dense::from_weights([[1.0, -1.0]], [0.0]), Sigmoid);
    /// let (mut with_dx, mut without) = (Grads::<Net>::zeroed(), Grads::<Net>::zeroed());
    /// let (_, tape) = net.forward_tape(&[2.0, 2.0]);
    /// net.backward(&tape, &[1.0], &mut with_dx);
    /// net.backward_params(&tape, &[1.0], &mut without);
    /// assert_eq!(with_dx, without);
    /// ```
    ///
    /// [`Dense`]: crate::layers::Dense
    #[inline]
    fn backward_params<X, M: Mode>(
        &self,
        tape: &Tape<X, M, <Self as Backprop<X, M>>::Tape>,
        dy: &<Self as Layer<X>>::Output,
        grads: &mut Self,
    ) where
        Self: Backprop<X, M> + Sized,
    {
        self.backprop_params(&tape.layers, dy, grads);
    }
}

impl<T: Module> Forward for T {}
