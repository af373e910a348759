//! Gradient clipping, by global norm and by value, as PyTorch's
//! `clip_grad_norm_` and `clip_grad_value_`: functions on a model-shaped
//! gradient, and [`Clipped`], which makes any optimiser clip before it
//! steps.

use crate::optim::{LearningRate, Optimizer, check_positive};
use crate::{Float, InvalidHyperparameter, Model};

/// Clips `grads` by their global 2-norm, as PyTorch's
/// `torch.nn.utils.clip_grad_norm_(params, max_norm)`: the total norm is
/// the 2-norm of the tensors' 2-norms, √(Σₜ ‖gₜ‖²), and if
/// max_norm / (total + 10⁻⁶) is below 1 every gradient is multiplied by it.
/// Returns the total norm before clipping (NaN or ∞ if a gradient is; the
/// gradients then become NaN, as PyTorch's do with
/// `error_if_nonfinite=False`).
///
/// ```
/// use constnet::prelude::*;
/// use constnet::optim::clip_grad_norm;
///
/// let mut grads: Dense<1, 2, f64> = Dense::from_weights([[3.0], [0.0]], [4.0, 0.0]);
/// assert_eq!(clip_grad_norm(&mut grads, 1.0), 5.0);
/// assert!((grads.weight()[0][0] - 0.6).abs() < 1e-6); // 3 · 1/(5 + 1e-6)
/// ```
pub fn clip_grad_norm<F: Float, M: Model<F>>(grads: &mut M, max_norm: F) -> F {
    let total = grads
        .tensors()
        .map(|tensor| tensor.storage.iter().fold(F::zero(), |s, &g| s + g * g).sqrt())
        .fold(F::zero(), |s, norm| s + norm * norm)
        .sqrt();
    let coefficient = max_norm / (total + F::from_f64(1e-6));
    // `coefficient < 1` is false for NaN: PyTorch clamps it at 1 the same
    // way, and multiplies by the NaN otherwise.
    if coefficient < F::one() || coefficient.is_nan() {
        grads.scale_params(coefficient);
    }
    total
}

/// Clamps every gradient to [−clip, clip], as PyTorch's
/// `torch.nn.utils.clip_grad_value_(params, clip)`; NaN stays NaN.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::optim::clip_grad_value;
///
/// let mut grads: Dense<1, 2> = Dense::from_weights([[3.0], [-0.5]], [-4.0, 0.25]);
/// clip_grad_value(&mut grads, 1.0);
/// assert_eq!((grads.weight(), *grads.bias()), ([[1.0], [-0.5]], [-1.0, 0.25]));
/// ```
pub fn clip_grad_value<F: Float, M: Model<F>>(grads: &mut M, clip: F) {
    for tensor in grads.tensors_mut() {
        for g in tensor.storage.iter_mut() {
            if *g > clip {
                *g = clip;
            } else if *g < -clip {
                *g = -clip;
            }
        }
    }
}

/// How [`Clipped`] clips.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Clip<F> {
    /// By the global 2-norm, [`clip_grad_norm`].
    Norm(F),
    /// Each gradient to [−clip, clip], [`clip_grad_value`].
    Value(F),
}

/// Any optimiser, clipping the gradients before each step: the training
/// helpers call [`Optimizer::prepare`] on the batch's averaged gradients
/// before [`Optimizer::step`], which is where the clipping happens (in a
/// loop of your own, call `prepare` too, or the functions directly).
///
/// ```
/// use constnet::prelude::*;
/// use constnet::optim::{Clip, Clipped};
///
/// type Net = (Lstm<2, 4>, LastStep, Dense<4, 1>);
/// let mut net = Net::init(&mut Xoshiro256PlusPlus::seed_from_u64(1));
/// let mut adam = Clipped::new(Adam::new(1e-2).unwrap(), Clip::Norm(1.0)).unwrap();
/// let data = [(Sequence::new([[1.0, 0.0]; 3]), [1.0]), (Sequence::new([[0.0, 1.0]; 3]), [0.0])];
/// let first = train_epoch(&mut net, &mut adam, &data, 2, mse).unwrap();
/// for _ in 0..100 {
///     train_epoch(&mut net, &mut adam, &data, 2, mse).unwrap();
/// }
/// assert!(train_epoch(&mut net, &mut adam, &data, 2, mse).unwrap() < first);
/// assert!(adam.last_norm() > 0.0);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Clipped<O, F> {
    optimizer: O,
    clip: Clip<F>,
    last_norm: F,
}

impl<O, F: Float> Clipped<O, F> {
    /// `optimizer`, clipping with `clip` (its bound finite and > 0).
    pub fn new(optimizer: O, clip: Clip<F>) -> Result<Self, InvalidHyperparameter> {
        match clip {
            Clip::Norm(bound) => check_positive("max_norm", bound)?,
            Clip::Value(bound) => check_positive("clip value", bound)?,
        };
        Ok(Clipped { optimizer, clip, last_norm: F::zero() })
    }

    /// The wrapped optimiser.
    pub fn inner(&self) -> &O {
        &self.optimizer
    }

    /// The total norm [`clip_grad_norm`] returned for the last step (0
    /// before the first one, and with [`Clip::Value`]).
    pub fn last_norm(&self) -> F {
        self.last_norm
    }
}

impl<O: LearningRate<F>, F: Float> LearningRate<F> for Clipped<O, F> {
    fn learning_rate(&self) -> F {
        self.optimizer.learning_rate()
    }
    fn set_learning_rate(&mut self, lr: F) {
        self.optimizer.set_learning_rate(lr);
    }
}

impl<F: Float, M: Model<F>, O: Optimizer<F, M>> Optimizer<F, M> for Clipped<O, F> {
    /// Clips `grads`, then lets the wrapped optimiser prepare them too.
    fn prepare(&mut self, grads: &mut M) {
        match self.clip {
            Clip::Norm(max_norm) => self.last_norm = clip_grad_norm(grads, max_norm),
            Clip::Value(clip) => clip_grad_value(grads, clip),
        }
        self.optimizer.prepare(grads);
    }

    fn step(&mut self, model: &mut M, grads: &M) {
        self.optimizer.step(model, grads);
    }
}
