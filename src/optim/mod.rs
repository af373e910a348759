//! Optimisers: they update a model's parameters from its (averaged)
//! gradients. Their state, where they have any, is model-shaped and lives on
//! the stack like the model itself.

mod sgd;

pub use sgd::Sgd;

use crate::{Float, Model};

/// An update rule for the parameters of a model `M`.
pub trait Optimizer<F: Float, M: Model<F>> {
    /// Applies one update using `grads`, the gradient of the loss (already
    /// averaged over the batch) in the model's own shape.
    fn step(&mut self, model: &mut M, grads: &M);
}

/// Checks that a learning rate is finite and positive.
pub(crate) fn check_learning_rate<F: Float>(lr: F) -> Result<F, crate::InvalidHyperparameter> {
    if lr.is_finite() && lr > F::zero() {
        Ok(lr)
    } else {
        Err(crate::InvalidHyperparameter { name: "learning rate", value: lr.as_f64(), expected: "a finite number > 0" })
    }
}
