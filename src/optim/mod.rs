//! Optimisers: they update a model's parameters from its (averaged)
//! gradients. Their state, where they have any, is model-shaped (it has the
//! model's own type, like [`Grads`](crate::Grads)) and lives inside the
//! optimiser, on the stack like the model itself: no heap.
//!
//! | optimiser | PyTorch | state |
//! |---|---|---|
//! | [`Sgd`] | `torch.optim.SGD(lr)` | none |
//! | [`SgdMomentum`] | `torch.optim.SGD(lr, momentum, nesterov=…)` | one model (velocity) |
//! | [`Adam`] | `torch.optim.Adam(lr, betas, eps)` | two models (m, v) |
//! | [`AdamW`] | `torch.optim.AdamW(lr, betas, eps, weight_decay)` | two models (m, v) |
//! | [`RmsProp`] | `torch.optim.RMSprop(lr, alpha, eps)` | one model (square average) |
//!
//! The updates follow PyTorch's formulas and their order of operations, so
//! that an `f64` run reproduces PyTorch's float64 trajectory to about 10⁻¹⁵.
//!
//! Every constructor and builder method validates its hyper-parameter and
//! returns [`InvalidHyperparameter`] naming it, so a bad value is rejected
//! when the optimiser is built, never discovered as NaN weights later:
//!
//! ```
//! use constnet::prelude::*;
//!
//! type Net = (Dense<2, 4>, Tanh, Dense<4, 1>, Sigmoid);
//! let opt = Adam::<f32, Net>::new(1e-3).unwrap().betas(0.9, 0.999).unwrap();
//! assert_eq!(opt.learning_rate(), 1e-3);
//!
//! let error = Adam::<f32, Net>::new(1e-3).unwrap().betas(0.9, 1.0).unwrap_err();
//! assert_eq!(error.name, "beta2");
//! ```
//!
//! ## Weight decay
//!
//! [`Sgd`], [`SgdMomentum`], [`Adam`] and [`RmsProp`] take PyTorch's
//! *coupled* weight decay, g ← g + λ·p before the update
//! (`.weight_decay(λ)`), which is the gradient of the L2 penalty
//! λ/2·‖w‖² (see [`Penalty`](crate::regularize::Penalty)); or any penalty,
//! L1 included (`.penalty(…)`). [`AdamW`] decouples it:
//! p ← p·(1 − lr·λ) before the Adam update.
//!
//! Unlike PyTorch's `weight_decay`, which decays every parameter of its
//! group, the decay here applies to weights only by default: decaying biases
//! rarely helps. `.penalty(Penalty::l2(λ)?.include_biases(true))` (or
//! [`AdamW::decay_biases`]) gives PyTorch's behaviour exactly.
//!
//! ## Gradient clipping
//!
//! [`clip_grad_norm`] and [`clip_grad_value`] clip a model-shaped gradient
//! as PyTorch's `clip_grad_norm_` and `clip_grad_value_` do;
//! [`Clipped`] makes any optimiser clip before each step (recurrent
//! networks need it).
//!
//! ## Learning rates
//!
//! Every optimiser implements [`LearningRate`], so a [`Schedule`] (step
//! decay, exponential decay, cyclic, warm-up: see [`schedule`]) can drive
//! it: wrap it in [`Scheduled`] to set the rate before every step, or call
//! [`Schedule::apply`] once per epoch.

/// The coupled-penalty methods of an optimiser with a field
/// `penalty: Option<Penalty<F>>` that its step adds to the gradient:
/// `weight_decay` and `penalty` (builders), their in-place `set_` forms, and
/// `penalty_term`. Expanded inside each optimiser's `impl` (defined before
/// the `mod` items so that they see it).
macro_rules! coupled_penalty_methods {
    () => {
        /// Adds PyTorch-style (coupled) weight decay, the optimiser's
        /// `weight_decay` in `torch.optim`: g ← g + λ·p before the update, on
        /// weights only. `lambda` must be finite and ≥ 0. The same as
        /// `.penalty(Penalty::l2(lambda)?)`; for decoupled decay use
        /// [`AdamW`](crate::optim::AdamW).
        pub fn weight_decay(mut self, lambda: F) -> Result<Self, InvalidHyperparameter> {
            self.set_weight_decay(lambda)?;
            Ok(self)
        }

        /// Adds `penalty`'s gradient to the gradient before each update
        /// (replacing any earlier weight decay or penalty).
        #[must_use]
        pub fn penalty(mut self, penalty: Penalty<F>) -> Self {
            self.set_penalty(Some(penalty));
            self
        }

        /// [`weight_decay`](Self::weight_decay) in place; on error nothing
        /// changes.
        pub fn set_weight_decay(&mut self, lambda: F) -> Result<(), InvalidHyperparameter> {
            self.penalty = Some(Penalty::weight_decay(lambda)?);
            Ok(())
        }

        /// [`penalty`](Self::penalty) in place; `None` removes any penalty or
        /// weight decay.
        pub fn set_penalty(&mut self, penalty: Option<Penalty<F>>) {
            self.penalty = penalty;
        }

        /// The penalty (weight decay) added to the gradient, if any.
        pub fn penalty_term(&self) -> Option<&Penalty<F>> {
            self.penalty.as_ref()
        }
    };
}

mod adam;
mod clip;
mod rmsprop;
pub mod schedule;
mod sgd;

pub use adam::{Adam, AdamW};
pub use clip::{Clip, Clipped, clip_grad_norm, clip_grad_value};
pub use rmsprop::RmsProp;
pub use schedule::{Schedule, Scheduled};
pub use sgd::{Sgd, SgdMomentum};

use crate::{Float, InvalidHyperparameter, Model};

/// An optimiser whose learning rate can be read and changed, which is what a
/// [`Schedule`] needs.
///
/// It is a trait of its own, a supertrait of [`Optimizer`], because it does
/// not depend on the model type: [`Sgd`] is an optimiser for *every* model,
/// and `sgd.set_learning_rate(lr)` must not need to name one.
///
/// ```
/// use constnet::prelude::*;
///
/// let mut sgd = Sgd::new(0.1_f32).unwrap();
/// sgd.set_learning_rate(0.05);
/// assert_eq!(sgd.learning_rate(), 0.05);
/// ```
pub trait LearningRate<F: Float> {
    /// The learning rate the next step uses.
    fn learning_rate(&self) -> F;

    /// Sets the learning rate of the following steps.
    ///
    /// The value is used as given: schedules, which call this, validate
    /// their own parameters, and the rates they produce are finite and ≥ 0
    /// (a rate of 0, reached when a decay underflows, makes a step leave the
    /// parameters unchanged). A NaN rate would make the parameters NaN, as
    /// it would in PyTorch.
    fn set_learning_rate(&mut self, lr: F);
}

/// An update rule for the parameters of a model `M`.
///
/// The learning rate is read and set through the supertrait
/// [`LearningRate`].
///
/// ```
/// use constnet::prelude::*;
/// use constnet::optim::schedule::ExponentialDecay;
///
/// type Net = (Dense<2, 4>, Tanh, Dense<4, 1>, Sigmoid);
/// const XOR: [([f32; 2], [f32; 1]); 4] =
///     [([0.0, 0.0], [0.0]), ([0.0, 1.0], [1.0]), ([1.0, 0.0], [1.0]), ([1.0, 1.0], [0.0])];
///
/// /// Trains with any optimiser and returns the final loss.
/// fn fit<O: Optimizer<f32, Net>>(optimizer: &mut O) -> f32 {
///     let mut net = Net::init(&mut Xoshiro256PlusPlus::seed_from_u64(3));
///     let mut loss = f32::INFINITY;
///     for _ in 0..500 {
///         loss = train_epoch(&mut net, optimizer, &XOR, 4, mse).unwrap();
///     }
///     loss
/// }
///
/// assert!(fit(&mut SgdMomentum::new(0.5, 0.9).unwrap()) < 0.05);
/// assert!(fit(&mut Adam::new(0.05).unwrap()) < 0.05);
/// let decay = ExponentialDecay::new(0.05, 0.999).unwrap();
/// assert!(fit(&mut Scheduled::new(AdamW::new(0.05).unwrap(), decay)) < 0.05);
/// ```
pub trait Optimizer<F: Float, M: Model<F>>: LearningRate<F> {
    /// Applies one update using `grads`, the gradient of the loss (already
    /// averaged over the batch) in the model's own shape.
    fn step(&mut self, model: &mut M, grads: &M);

    /// Transforms the batch's averaged gradients before
    /// [`step`](Optimizer::step) — [`Clipped`] clips them here. The training
    /// helpers call it on every batch; the default does nothing.
    fn prepare(&mut self, grads: &mut M) {
        let _ = grads;
    }
}

/// Checks that a learning rate is finite and positive.
pub(crate) fn check_learning_rate<F: Float>(lr: F) -> Result<F, InvalidHyperparameter> {
    check_positive("learning rate", lr)
}

/// Checks that a value is finite and > 0.
pub(crate) fn check_positive<F: Float>(name: &'static str, value: F) -> Result<F, InvalidHyperparameter> {
    if value.is_finite() && value > F::zero() {
        Ok(value)
    } else {
        Err(InvalidHyperparameter { name, value: value.as_f64(), expected: "a finite number > 0" })
    }
}

/// Checks that a value is finite and ≥ 0.
pub(crate) fn check_non_negative<F: Float>(name: &'static str, value: F) -> Result<F, InvalidHyperparameter> {
    if value.is_finite() && value >= F::zero() {
        Ok(value)
    } else {
        Err(InvalidHyperparameter { name, value: value.as_f64(), expected: "a finite number >= 0" })
    }
}

/// Checks that a value is in [0, 1) (momentum, betas, RMSprop's alpha).
pub(crate) fn check_unit<F: Float>(name: &'static str, value: F) -> Result<F, InvalidHyperparameter> {
    if value >= F::zero() && value < F::one() {
        Ok(value)
    } else {
        Err(InvalidHyperparameter { name, value: value.as_f64(), expected: "a number in [0, 1)" })
    }
}

/// Checks that a value is in (0, 1] (decay factors, warm-up start factor).
pub(crate) fn check_factor<F: Float>(name: &'static str, value: F) -> Result<F, InvalidHyperparameter> {
    if value > F::zero() && value <= F::one() {
        Ok(value)
    } else {
        Err(InvalidHyperparameter { name, value: value.as_f64(), expected: "a number in (0, 1]" })
    }
}

/// `base` to the power `n`, by repeated squaring: at most about 2·log₂(n)
/// roundings, the same on every target (no `powi` intrinsic, whose
/// implementation varies).
pub(crate) fn powu<F: Float>(base: F, mut n: u64) -> F {
    let mut result = F::one();
    let mut square = base;
    while n > 0 {
        if n & 1 == 1 {
            result = result * square;
        }
        n >>= 1;
        if n > 0 {
            square = square * square;
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::powu;

    #[test]
    fn powu_small_and_large() {
        assert_eq!(powu(0.9_f64, 0), 1.0);
        assert_eq!(powu(0.9_f64, 1), 0.9);
        assert_eq!(powu(0.9_f64, 2), 0.9 * 0.9);
        assert_eq!(powu(2.0_f64, 10), 1024.0);
        assert_eq!(powu(0.5_f32, u64::MAX), 0.0);
        assert_eq!(powu(1.0_f32, u64::MAX), 1.0);
        // Squaring doubles the relative error already present, so repeated
        // squaring to the power n is within about n·2⁻⁵³ (1.1e-13 here) of
        // the exact power; libm's pow is within an ulp. (std's `powi` is no
        // reference: LLVM folds it exactly at some optimisation levels and
        // by repeated squaring at others.)
        let p = powu(0.999_f64, 1000);
        let reference = libm::pow(0.999, 1000.0);
        assert!(((p - reference) / reference).abs() < 1000.0 * f64::EPSILON / 2.0, "{p} vs {reference}");
    }
}
