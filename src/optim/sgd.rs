//! Plain stochastic gradient descent.

use crate::optim::{Optimizer, check_learning_rate};
use crate::{Float, InvalidHyperparameter, Model};

/// Stochastic gradient descent: p ← p − lr·g, as `torch.optim.SGD` without
/// momentum.
///
/// ```
/// use constnet::prelude::*;
///
/// let mut layer: Dense<1, 1> = Dense::from_weights([[1.0]], [0.0]);
/// let grads: Dense<1, 1> = Dense::from_weights([[0.5]], [-1.0]);
/// let mut sgd = Sgd::new(0.1).unwrap();
/// sgd.step(&mut layer, &grads);
/// assert_eq!((layer.weight(), *layer.bias()), ([[0.95]], [0.1]));
///
/// assert!(Sgd::<f32>::new(-1.0).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sgd<F = f32> {
    lr: F,
}

impl<F: Float> Sgd<F> {
    /// SGD with learning rate `lr`, which must be finite and positive.
    pub fn new(lr: F) -> Result<Self, InvalidHyperparameter> {
        Ok(Sgd { lr: check_learning_rate(lr)? })
    }

    /// The learning rate.
    pub fn learning_rate(&self) -> F {
        self.lr
    }
}

impl<F: Float, M: Model<F>> Optimizer<F, M> for Sgd<F> {
    fn step(&mut self, model: &mut M, grads: &M) {
        for (param, grad) in model.tensors_mut().zip(grads.tensors()) {
            for (p, &g) in param.data.iter_mut().zip(grad.data) {
                *p = *p - self.lr * g;
            }
        }
    }
}
