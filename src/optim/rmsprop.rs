//! RMSprop.

use crate::optim::{LearningRate, Optimizer, check_learning_rate, check_positive, check_unit};
use crate::regularize::Penalty;
use crate::{Float, InvalidHyperparameter, Model};

/// RMSprop (Hinton, 2012), as `torch.optim.RMSprop` with `momentum=0` and
/// `centered=False`.
///
/// With gradient g (plus any coupled weight decay) and smoothing α:
///
/// * s ← α·s + (1 − α)·g² (s starts at 0, no bias correction);
/// * p ← p − lr · g / (√s + ε), ε added after the square root.
///
/// Defaults are PyTorch's: α = 0.99, ε = 10⁻⁸ (PyTorch's default learning
/// rate is 10⁻²). The square average is a value of the model's own type `M`,
/// held in the optimiser; [`square_avg`](RmsProp::square_avg) reads it.
///
/// ```
/// use constnet::prelude::*;
///
/// type Net = (Dense<1, 1, f64>, Identity);
/// let mut net: Net = (Dense::from_weights([[1.0]], [0.0]), Identity);
/// let grads: Net = (Dense::from_weights([[2.0]], [0.0]), Identity);
/// let mut opt = RmsProp::new(0.01).unwrap().alpha(0.75).unwrap();
/// opt.step(&mut net, &grads);
/// // s = 0.25 · 2² = 1; w = 1 − 0.01 · 2 / (1 + 1e-8)
/// assert_eq!(opt.square_avg().0.weight(), [[1.0]]);
/// assert!((net.0.weight()[0][0] - 0.98).abs() < 1e-9);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RmsProp<F, M> {
    lr: F,
    /// α and ε in `f64`, as PyTorch keeps them: 1 − α is computed there
    /// and rounded to `F` once (see [`Adam`](crate::optim::Adam)).
    alpha: f64,
    eps: f64,
    penalty: Option<Penalty<F>>,
    square_avg: M,
}

impl<F: Float, M: Model<F>> RmsProp<F, M> {
    /// RMSprop with PyTorch's defaults — learning rate 10⁻², α = 0.99,
    /// ε = 10⁻⁸, no weight decay — and a zero square average, as a constant
    /// that can initialise a `static` (see [`Adam::DEFAULT`](crate::optim::Adam::DEFAULT)).
    pub const DEFAULT: Self = RmsProp { lr: F::HUNDREDTH, alpha: 0.99, eps: 1e-8, penalty: None, square_avg: M::ZERO };

    /// RMSprop with learning rate `lr` (finite, > 0), α = 0.99, ε = 10⁻⁸ and
    /// no weight decay.
    pub fn new(lr: F) -> Result<Self, InvalidHyperparameter> {
        Ok(RmsProp { lr: check_learning_rate(lr)?, ..Self::DEFAULT })
    }

    /// Sets the smoothing constant α, in [0, 1).
    pub fn alpha(mut self, alpha: f64) -> Result<Self, InvalidHyperparameter> {
        self.set_alpha(alpha)?;
        Ok(self)
    }

    /// Sets ε, finite and > 0.
    pub fn eps(mut self, eps: f64) -> Result<Self, InvalidHyperparameter> {
        self.set_eps(eps)?;
        Ok(self)
    }

    coupled_penalty_methods!();

    /// [`alpha`](RmsProp::alpha) in place; on error nothing changes.
    pub fn set_alpha(&mut self, alpha: f64) -> Result<(), InvalidHyperparameter> {
        self.alpha = check_unit("alpha", alpha)?;
        Ok(())
    }

    /// [`eps`](RmsProp::eps) in place; on error nothing changes.
    pub fn set_eps(&mut self, eps: f64) -> Result<(), InvalidHyperparameter> {
        self.eps = check_positive("eps", eps)?;
        Ok(())
    }

    /// The smoothing constant α.
    pub fn smoothing(&self) -> f64 {
        self.alpha
    }

    /// ε.
    pub fn epsilon(&self) -> f64 {
        self.eps
    }

    /// The running average of squared gradients (PyTorch's `square_avg`), in
    /// the model's shape.
    pub fn square_avg(&self) -> &M {
        &self.square_avg
    }

    /// Forgets the square average.
    pub fn reset(&mut self) {
        self.square_avg.zero_params();
    }
}

impl<F: Float, M: Model<F>> LearningRate<F> for RmsProp<F, M> {
    fn learning_rate(&self) -> F {
        self.lr
    }

    fn set_learning_rate(&mut self, lr: F) {
        self.lr = lr;
    }
}

impl<F: Float, M: Model<F>> Optimizer<F, M> for RmsProp<F, M> {
    fn step(&mut self, model: &mut M, grads: &M) {
        let RmsProp { lr, alpha, eps, penalty, square_avg } = self;
        let (neg_lr, w) = (-*lr, F::from_f64(1.0 - *alpha));
        let (alpha, eps) = (F::from_f64(*alpha), F::from_f64(*eps));
        for ((param, grad), avg) in model.tensors_mut().zip(grads.tensors()).zip(square_avg.tensors_mut()) {
            let penalty = penalty.filter(|p| p.applies_to(param.kind));
            for ((p, &g), s) in param.storage.iter_mut().zip(grad.storage).zip(avg.storage.iter_mut()) {
                let g = match &penalty {
                    Some(penalty) => g + penalty.gradient_at(*p),
                    None => g,
                };
                *s = *s * alpha + w * g * g;
                let denom = s.sqrt() + eps;
                *p = *p + neg_lr * g / denom;
            }
        }
    }
}
