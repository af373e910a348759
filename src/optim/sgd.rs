//! Stochastic gradient descent, plain and with momentum.

use crate::kernel::zip_update;
use crate::optim::{LearningRate, Optimizer, check_learning_rate, check_unit};
use crate::regularize::Penalty;
use crate::{Float, InvalidHyperparameter, Model};

/// Stochastic gradient descent: p ← p − lr·g, as `torch.optim.SGD` without
/// momentum. It keeps no state, so one `Sgd` serves any model.
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
///
/// With `weight_decay(λ)` the gradient becomes g + λ·p first, for weights
/// only (see the [module docs](crate::optim#weight-decay)):
///
/// ```
/// use constnet::prelude::*;
///
/// let mut layer: Dense<1, 1, f64> = Dense::from_weights([[2.0]], [1.0]);
/// let grads: Dense<1, 1, f64> = Dense::from_weights([[0.5]], [0.5]);
/// let mut sgd = Sgd::new(0.1).unwrap().weight_decay(0.25).unwrap();
/// sgd.step(&mut layer, &grads);
/// // w: 2 − 0.1·(0.5 + 0.25·2) = 1.9; the bias is not decayed: 1 − 0.1·0.5.
/// assert_eq!((layer.weight(), *layer.bias()), ([[1.9]], [0.95]));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sgd<F = f32> {
    lr: F,
    penalty: Option<Penalty<F>>,
}

impl<F: Float> Sgd<F> {
    /// SGD with learning rate `lr`, which must be finite and positive.
    pub fn new(lr: F) -> Result<Self, InvalidHyperparameter> {
        Ok(Sgd { lr: check_learning_rate(lr)?, penalty: None })
    }

    coupled_penalty_methods!();

    /// The learning rate. (Also [`LearningRate::learning_rate`].)
    pub fn learning_rate(&self) -> F {
        self.lr
    }

    /// Sets the learning rate. (Also [`LearningRate::set_learning_rate`].)
    pub fn set_learning_rate(&mut self, lr: F) {
        self.lr = lr;
    }
}

impl<F: Float> LearningRate<F> for Sgd<F> {
    fn learning_rate(&self) -> F {
        self.lr
    }

    fn set_learning_rate(&mut self, lr: F) {
        self.lr = lr;
    }
}

impl<F: Float, M: Model<F>> Optimizer<F, M> for Sgd<F> {
    fn step(&mut self, model: &mut M, grads: &M) {
        for (param, grad) in model.tensors_mut().zip(grads.tensors()) {
            let lr = self.lr;
            match self.penalty.filter(|p| p.applies_to(param.kind)) {
                Some(penalty) => zip_update(param.storage, grad.storage, |p, g| p - lr * (g + penalty.gradient_at(p))),
                None => zip_update(param.storage, grad.storage, |p, g| p - lr * g),
            }
        }
    }
}

/// SGD with momentum, as `torch.optim.SGD(lr, momentum, nesterov=…)` with
/// `dampening=0`.
///
/// With gradient g (plus any weight decay), velocity v and momentum μ:
///
/// * v ← g on the first step (PyTorch copies the gradient into the fresh
///   buffer), v ← μ·v + g afterwards — no (1 − μ) factor on g;
/// * p ← p − lr·v, or with Nesterov momentum p ← p − lr·(g + μ·v).
///
/// The velocity is a value of the model's own type `M`, held in the
/// optimiser (no heap); [`velocity`](SgdMomentum::velocity) reads it.
///
/// ```
/// use constnet::prelude::*;
///
/// type Net = (Dense<1, 1, f64>, Identity);
/// let mut net: Net = (Dense::from_weights([[1.0]], [0.0]), Identity);
/// let grads: Net = (Dense::from_weights([[1.0]], [0.5]), Identity);
/// let mut opt = SgdMomentum::new(0.1, 0.9).unwrap();
/// opt.step(&mut net, &grads); // v = g = 1; w = 1 − 0.1·1
/// opt.step(&mut net, &grads); // v = 0.9·1 + 1 = 1.9; w = 0.9 − 0.1·1.9
/// assert_eq!(opt.velocity().0.weight(), [[1.9]]);
/// assert!((net.0.weight()[0][0] - 0.71).abs() < 1e-15);
///
/// assert_eq!(SgdMomentum::<f64, Net>::new(0.1, 1.0).unwrap_err().name, "momentum");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct SgdMomentum<F, M> {
    lr: F,
    momentum: F,
    nesterov: bool,
    penalty: Option<Penalty<F>>,
    velocity: M,
    started: bool,
}

impl<F: Float, M: Model<F>> SgdMomentum<F, M> {
    /// SGD with learning rate 10⁻³ (PyTorch's default), momentum 0.9
    /// (PyTorch's default is 0, which is plain [`Sgd`]; 0.9 is the usual
    /// choice), classical momentum, no weight decay, and a zero velocity, as
    /// a constant that can initialise a `static` (see
    /// [`Adam::DEFAULT`](crate::optim::Adam::DEFAULT)).
    pub const DEFAULT: Self = SgdMomentum {
        lr: F::THOUSANDTH,
        momentum: F::NINE_TENTHS,
        nesterov: false,
        penalty: None,
        velocity: M::ZERO,
        started: false,
    };

    /// SGD with learning rate `lr` (finite, > 0) and momentum `momentum`
    /// (in [0, 1)); classical (not Nesterov) momentum, no weight decay.
    pub fn new(lr: F, momentum: F) -> Result<Self, InvalidHyperparameter> {
        let lr = check_learning_rate(lr)?;
        Ok(SgdMomentum { lr, momentum: check_unit("momentum", momentum)?, ..Self::DEFAULT })
    }

    /// Whether to use Nesterov momentum: p ← p − lr·(g + μ·v), with v
    /// already updated (PyTorch's `nesterov=True`).
    #[must_use]
    pub fn nesterov(mut self, nesterov: bool) -> Self {
        self.set_nesterov(nesterov);
        self
    }

    coupled_penalty_methods!();

    /// Sets the momentum μ, in [0, 1), in place; on error nothing changes.
    pub fn set_momentum(&mut self, momentum: F) -> Result<(), InvalidHyperparameter> {
        self.momentum = check_unit("momentum", momentum)?;
        Ok(())
    }

    /// [`nesterov`](SgdMomentum::nesterov) in place.
    pub fn set_nesterov(&mut self, nesterov: bool) {
        self.nesterov = nesterov;
    }

    /// The momentum μ.
    pub fn momentum(&self) -> F {
        self.momentum
    }

    /// Whether Nesterov momentum is on.
    pub fn is_nesterov(&self) -> bool {
        self.nesterov
    }

    /// The velocity (PyTorch's `momentum_buffer`), in the model's shape:
    /// zero before the first step.
    pub fn velocity(&self) -> &M {
        &self.velocity
    }

    /// Whether a step has been taken since construction or the last
    /// [`reset`](SgdMomentum::reset).
    pub fn has_started(&self) -> bool {
        self.started
    }

    /// Forgets the velocity, as a fresh optimiser with the same
    /// hyper-parameters.
    pub fn reset(&mut self) {
        self.velocity.zero_params();
        self.started = false;
    }
}

impl<F: Float, M: Model<F>> LearningRate<F> for SgdMomentum<F, M> {
    fn learning_rate(&self) -> F {
        self.lr
    }

    fn set_learning_rate(&mut self, lr: F) {
        self.lr = lr;
    }
}

impl<F: Float, M: Model<F>> Optimizer<F, M> for SgdMomentum<F, M> {
    fn step(&mut self, model: &mut M, grads: &M) {
        let SgdMomentum { lr, momentum, nesterov, penalty, velocity, started } = self;
        let (lr, mu, nesterov, started_before) = (*lr, *momentum, *nesterov, *started);
        for ((param, grad), vel) in model.tensors_mut().zip(grads.tensors()).zip(velocity.tensors_mut()) {
            let penalty = penalty.filter(|p| p.applies_to(param.kind));
            for ((p, &g), v) in param.storage.iter_mut().zip(grad.storage).zip(vel.storage.iter_mut()) {
                let g = match &penalty {
                    Some(penalty) => g + penalty.gradient_at(*p),
                    None => g,
                };
                *v = if started_before { *v * mu + g } else { g };
                let d = if nesterov { g + mu * *v } else { *v };
                *p = *p - lr * d;
            }
        }
        *started = true;
    }
}
