//! Adapters between sequences and steps: [`LastStep`] and
//! [`MeanOverSteps`] reduce a [`Sequence`] to one step, [`PerStep`] applies
//! a layer to every step (Keras's `TimeDistributed`); and the element-wise
//! layers (activations, dropout) on sequences, which need no adapter.

use core::fmt;

use rand::Rng;

use crate::layer::{backprop_each, eval_each, eval_tape_each, eval_tape_each_into};
use crate::model::{Tensor, TensorMut};
use crate::{Backprop, Float, Init, Layer, Mode, Model, Module, PerSample, Sequence, Values};

/// The last step of a sequence: `Sequence<X, T>` → `X`, what a classifier
/// reads after a recurrent layer (`(Lstm<8, 32>, LastStep, Dense<32, 10>)`).
/// Its gradient reaches the last step only.
///
/// ```
/// use constnet::prelude::*;
/// assert_eq!(LastStep.forward(&Sequence::new([[1.0_f32, 2.0], [3.0, 4.0]])), [3.0, 4.0]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LastStep;

/// The mean over the steps of a sequence: `Sequence<X, T>` → `X`, each
/// value `(x₀ + x₁ + … + x_{T−1}) / T`, summed in step order (PyTorch's
/// `x.mean(dim=1)` for `batch_first` sequences). Its gradient is dy/T at
/// every step.
///
/// ```
/// use constnet::prelude::*;
/// assert_eq!(MeanOverSteps.forward(&Sequence::new([[1.0_f32, 2.0], [3.0, 6.0]])), [2.0, 4.0]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MeanOverSteps;

/// A batch of sequences, sequence by sequence.
impl PerSample for LastStep {}
/// A batch of sequences, sequence by sequence.
impl PerSample for MeanOverSteps {}
parameter_free_model!([] LastStep, LastStep, |_this, out| out.write_str("constnet::layers::LastStep"));
parameter_free_model!([] MeanOverSteps, MeanOverSteps, |_this, out| out.write_str("constnet::layers::MeanOverSteps"));

impl<X: Values, const T: usize> Layer<Sequence<X, T>> for LastStep {
    type Output = X;

    fn eval(&self, x: &Sequence<X, T>) -> X {
        const { assert!(T > 0, "LastStep needs a sequence of at least one step") };
        x.as_array().last().copied().unwrap_or(X::ZEROS)
    }
}

impl<X: Values, M: Mode, const T: usize> Backprop<Sequence<X, T>, M> for LastStep {
    /// Nothing: the gradient does not depend on the values.
    type Tape = ();

    fn eval_tape(&mut self, x: &Sequence<X, T>) -> (X, ()) {
        (self.eval(x), ())
    }

    fn backprop(&self, _tape: &(), dy: &X, _grads: &mut Self) -> Sequence<X, T> {
        let mut dx = Sequence([X::ZEROS; T]);
        if let Some(last) = dx.as_array_mut().last_mut() {
            *last = *dy;
        }
        dx
    }
}

impl<X: Values, const T: usize> Layer<Sequence<X, T>> for MeanOverSteps {
    type Output = X;

    fn eval(&self, x: &Sequence<X, T>) -> X {
        const { assert!(T > 0, "MeanOverSteps needs a sequence of at least one step") };
        let mut sum = X::ZEROS;
        for step in x {
            sum.zip_mut(step, &mut |s, v| *s = *s + v);
        }
        let steps = X::Scalar::from_usize(T);
        sum.for_each_mut(&mut |s| *s = *s / steps);
        sum
    }
}

impl<X: Values, M: Mode, const T: usize> Backprop<Sequence<X, T>, M> for MeanOverSteps {
    /// Nothing: the gradient does not depend on the values.
    type Tape = ();

    fn eval_tape(&mut self, x: &Sequence<X, T>) -> (X, ()) {
        (self.eval(x), ())
    }

    fn backprop(&self, _tape: &(), dy: &X, _grads: &mut Self) -> Sequence<X, T> {
        let steps = X::Scalar::from_usize(T);
        let mut share = *dy;
        share.for_each_mut(&mut |d| *d = *d / steps);
        Sequence([share; T])
    }
}

/// Applies `L` to every step of a sequence: `Sequence<X, T>` →
/// `Sequence<L::Output, T>`, Keras's `TimeDistributed` — a
/// [`Dense`](crate::layers::Dense) or a
/// [`LayerNorm`](crate::layers::LayerNorm) per time step. The steps share
/// `L`'s parameters, so their gradients add up, accumulated in step order.
/// A layer that is not element-wise never takes a sequence without it: a
/// `Dense` after a recurrent layer either reads one step
/// ([`LastStep`]) or every step (`PerStep<Dense<…>>`), never a guess.
///
/// ```
/// use constnet::prelude::*;
///
/// type Tagger = (Gru<4, 8>, PerStep<Dense<8, 3>>); // a label per step
/// let net = Tagger::init(&mut Xoshiro256PlusPlus::seed_from_u64(3));
/// let labels: Sequence<[f32; 3], 5> = net.forward(&Sequence::new([[0.25; 4]; 5]));
/// assert_eq!(labels.len(), 5);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PerStep<L> {
    /// The layer applied to every step.
    pub layer: L,
}

impl<L> PerStep<L> {
    /// `layer` applied to every step. A `const fn`, so a model can live in
    /// a `static`.
    pub const fn new(layer: L) -> Self {
        PerStep { layer }
    }
}

impl<L> Module for PerStep<L> {}

/// A batch of sequences, sequence by sequence.
impl<L> PerSample for PerStep<L> {}

impl<F: Float, L: Model<F>> Model<F> for PerStep<L> {
    const PARAMS: usize = L::PARAMS;
    const TENSORS: usize = L::TENSORS;
    const ZERO: Self = PerStep { layer: L::ZERO };

    /// Position 0 (one layer from outside); the type is the inner layer's.
    fn tensor_owner(index: usize) -> Option<(usize, &'static str)> {
        L::tensor_owner(index).map(|(_, layer_type)| (0, layer_type))
    }
    fn initialize_with<R: Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
        self.layer.initialize_with(init, rng);
    }
    fn tensors(&self) -> impl Iterator<Item = Tensor<'_, F>> {
        self.layer.tensors()
    }
    fn tensors_mut(&mut self) -> impl Iterator<Item = TensorMut<'_, F>> {
        self.layer.tensors_mut()
    }
    crate::state::transparent_state!(layer);
    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        out.write_str("constnet::layers::PerStep::new(")?;
        self.layer.write_rust(out)?;
        out.write_char(')')
    }
}

impl<L: Layer<X>, X, const T: usize> Layer<Sequence<X, T>> for PerStep<L> {
    type Output = Sequence<L::Output, T>;

    fn eval(&self, x: &Sequence<X, T>) -> Self::Output {
        Sequence(eval_each(&self.layer, &x.0))
    }
}

impl<L, X, M: Mode, const T: usize> Backprop<Sequence<X, T>, M> for PerStep<L>
where
    L: Backprop<X, M>,
    L::Output: Copy,
{
    /// Every step's tape.
    type Tape = [L::Tape; T];

    fn eval_tape(&mut self, x: &Sequence<X, T>) -> (Self::Output, Self::Tape) {
        let (y, tapes) = eval_tape_each(&mut self.layer, &x.0);
        (Sequence(y), tapes)
    }

    fn eval_tape_into(&mut self, x: &Sequence<X, T>, tape: &mut Self::Tape) -> Self::Output {
        Sequence(eval_tape_each_into(&mut self.layer, &x.0, tape))
    }

    /// In step order, so the shared parameters' gradients add up in one
    /// fixed order.
    fn backprop(&self, tape: &Self::Tape, dy: &Self::Output, grads: &mut Self) -> Sequence<X, T> {
        Sequence(backprop_each(&self.layer, tape, &dy.0, &mut grads.layer))
    }
}

/// Implements `Layer` and `Backprop` on sequences for an element-wise layer
/// `$layer` (with generics `$g`): step by step, which for a function of
/// each value alone is the function on every value.
macro_rules! elementwise_on_sequences {
    ($layer:ty $(, $g:ident)?) => {
        /// A sequence, step by step (element-wise: no axis is read).
        impl<$($g: Float,)? X, const T: usize> Layer<Sequence<X, T>> for $layer
        where
            Self: Layer<X>,
        {
            type Output = Sequence<<Self as Layer<X>>::Output, T>;

            fn eval(&self, x: &Sequence<X, T>) -> Self::Output {
                Sequence(eval_each(self, &x.0))
            }
        }

        impl<$($g: Float,)? X, M: Mode, const T: usize> Backprop<Sequence<X, T>, M> for $layer
        where
            Self: Backprop<X, M>,
            <Self as Layer<X>>::Output: Copy,
        {
            /// Every step's tape.
            type Tape = [<Self as Backprop<X, M>>::Tape; T];

            fn eval_tape(&mut self, x: &Sequence<X, T>) -> (Self::Output, Self::Tape) {
                let (y, tapes) = eval_tape_each(self, &x.0);
                (Sequence(y), tapes)
            }

            fn eval_tape_into(&mut self, x: &Sequence<X, T>, tape: &mut Self::Tape) -> Self::Output {
                Sequence(eval_tape_each_into(self, &x.0, tape))
            }

            fn backprop(&self, tape: &Self::Tape, dy: &Self::Output, grads: &mut Self) -> Sequence<X, T> {
                Sequence(backprop_each(self, tape, &dy.0, grads))
            }
        }

        /// Step by step, as on a whole sequence.
        impl<$($g: Float,)? X, const T: usize> crate::Incremental<X, T> for $layer
        where
            Self: Layer<X>,
        {
            type Step = <Self as Layer<X>>::Output;
            type Cache = ();
            const EMPTY: () = ();

            fn step(&self, x: &X, _position: crate::Position<T>, _cache: &mut ()) -> Self::Step {
                self.eval(x)
            }
        }

        /// Frame by frame, as on a whole feature map.
        impl<$($g: Float,)? X> crate::Streaming<X, ()> for $layer
        where
            Self: Layer<X>,
        {
            type Frame = <Self as Layer<X>>::Output;

            #[inline]
            fn stream(&self, x: &X, _state: &mut ()) -> Self::Frame {
                self.eval(x)
            }
        }
    };
}

elementwise_on_sequences!(crate::layers::Sigmoid);
elementwise_on_sequences!(crate::layers::Tanh);
elementwise_on_sequences!(crate::layers::Relu);
elementwise_on_sequences!(crate::layers::Identity);
elementwise_on_sequences!(crate::layers::LeakyRelu<F>, F);
elementwise_on_sequences!(crate::layers::Step<F>, F);
elementwise_on_sequences!(crate::layers::Dropout<F>, F);
elementwise_on_sequences!(crate::layers::Elu<F>, F);
elementwise_on_sequences!(crate::layers::Silu);
elementwise_on_sequences!(crate::layers::Gelu);
elementwise_on_sequences!(crate::layers::GeluTanh);
elementwise_on_sequences!(crate::layers::Hardswish);
elementwise_on_sequences!(crate::layers::Softplus<F>, F);
elementwise_on_sequences!(crate::layers::SharedPRelu<F>, F);
