//! Learning-rate schedules.
//!
//! A [`Schedule`] is a pure function from a count `t` = 0, 1, 2, … to a
//! learning rate. What `t` counts is the caller's choice, and the two usual
//! choices each have a tool:
//!
//! * **optimiser steps** (mini-batches): wrap the optimiser in
//!   [`Scheduled`], which sets the rate to `schedule.rate(t)` before its
//!   `t`-th step. Cyclic rates and warm-up are usually counted this way;
//! * **epochs**: call [`schedule.apply(&mut optimizer, epoch)`](Schedule::apply)
//!   at the start of each epoch. Step decay is usually counted this way
//!   (PyTorch's `StepLR` with `scheduler.step()` once per epoch).
//!
//! Rates are absolute, not factors of the optimiser's own rate: the
//! schedule's rate replaces it. Every schedule validates its parameters when
//! built and, when they are valid, produces finite rates ≥ 0 for every `t`
//! (a decay that underflows reaches 0 and stays there).
//!
//! | schedule | rate at t | PyTorch |
//! |---|---|---|
//! | [`Constant`] | lr | — |
//! | [`StepDecay`] | lr · γ^⌊t / step_size⌋ | `StepLR` |
//! | [`ExponentialDecay`] | lr · γᵗ | `ExponentialLR` |
//! | [`Cyclic`] | triangle wave between base and max | `CyclicLR(mode='triangular')` |
//! | [`Warmup`] | linear ramp, then another schedule | `LinearLR` then the schedule, as `SequentialLR` |
//!
//! ```
//! use constnet::prelude::*;
//! use constnet::optim::schedule::{StepDecay, Warmup};
//!
//! // Warm up over 2 steps from a quarter of the rate, then halve it every 3 steps.
//! let schedule = Warmup::linear(StepDecay::new(0.1, 3, 0.5).unwrap(), 2, 0.25).unwrap();
//! let rates: Vec<f64> = (0..8).map(|t| schedule.rate(t)).collect();
//! assert_eq!(rates, [0.025, 0.0625, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05]);
//! ```

use crate::optim::{LearningRate, Optimizer, check_factor, check_learning_rate, powu};
use crate::{Float, InvalidHyperparameter, Model};

/// A learning rate as a function of a count `t` (optimiser steps or epochs,
/// see the [module docs](self)), starting at 0.
pub trait Schedule<F: Float> {
    /// The learning rate at count `t`.
    fn rate(&self, t: usize) -> F;

    /// Sets `optimizer`'s learning rate to the rate at `t` and returns it:
    /// call it once per epoch to schedule by epochs.
    ///
    /// ```
    /// use constnet::prelude::*;
    /// use constnet::optim::schedule::StepDecay;
    ///
    /// let schedule = StepDecay::new(0.5_f32, 10, 0.1).unwrap();
    /// let mut sgd = Sgd::new(0.5).unwrap();
    /// for epoch in 0..25 {
    ///     schedule.apply(&mut sgd, epoch);
    ///     // … train_epoch(&mut net, &mut sgd, …) …
    /// }
    /// assert_eq!(sgd.learning_rate(), 0.5 * 0.1 * 0.1);
    /// ```
    fn apply<O: LearningRate<F> + ?Sized>(&self, optimizer: &mut O, t: usize) -> F {
        let lr = self.rate(t);
        optimizer.set_learning_rate(lr);
        lr
    }
}

impl<F: Float, S: Schedule<F> + ?Sized> Schedule<F> for &S {
    fn rate(&self, t: usize) -> F {
        (**self).rate(t)
    }
}

/// `t` as a `u64` exponent (saturating on a target whose `usize` is wider).
fn exponent(t: usize) -> u64 {
    u64::try_from(t).unwrap_or(u64::MAX)
}

/// The same rate at every `t`: the base of a [`Warmup`] to a fixed rate.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::optim::schedule::Constant;
///
/// assert_eq!(Constant::new(0.1_f32).unwrap().rate(1000), 0.1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Constant<F = f32> {
    lr: F,
}

impl<F: Float> Constant<F> {
    /// The constant rate `lr`, finite and > 0.
    pub fn new(lr: F) -> Result<Self, InvalidHyperparameter> {
        Ok(Constant { lr: check_learning_rate(lr)? })
    }
}

impl<F: Float> Schedule<F> for Constant<F> {
    fn rate(&self, _t: usize) -> F {
        self.lr
    }
}

/// Step decay: the rate is multiplied by γ every `step_size` counts,
/// lr · γ^⌊t / step_size⌋, as PyTorch's `StepLR`.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::optim::schedule::StepDecay;
///
/// let schedule = StepDecay::new(0.1_f64, 2, 0.5).unwrap();
/// let rates: Vec<f64> = (0..6).map(|t| schedule.rate(t)).collect();
/// assert_eq!(rates, [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
///
/// assert_eq!(StepDecay::new(0.1_f64, 0, 0.5).unwrap_err().name, "step size");
/// assert_eq!(StepDecay::new(0.1_f64, 2, 1.5).unwrap_err().name, "gamma");
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepDecay<F = f32> {
    lr: F,
    step_size: usize,
    gamma: F,
}

impl<F: Float> StepDecay<F> {
    /// Starts at `lr` (finite, > 0) and multiplies it by `gamma` (in
    /// (0, 1]) every `step_size` (≥ 1) counts.
    pub fn new(lr: F, step_size: usize, gamma: F) -> Result<Self, InvalidHyperparameter> {
        if step_size == 0 {
            return Err(InvalidHyperparameter { name: "step size", value: 0.0, expected: "an integer >= 1" });
        }
        Ok(StepDecay { lr: check_learning_rate(lr)?, step_size, gamma: check_factor("gamma", gamma)? })
    }
}

impl<F: Float> Schedule<F> for StepDecay<F> {
    fn rate(&self, t: usize) -> F {
        self.lr * powu(self.gamma, exponent(t / self.step_size))
    }
}

/// Exponential decay: lr · γᵗ, as PyTorch's `ExponentialLR`.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::optim::schedule::ExponentialDecay;
///
/// let schedule = ExponentialDecay::new(0.1_f64, 0.5).unwrap();
/// let rates: Vec<f64> = (0..4).map(|t| schedule.rate(t)).collect();
/// assert_eq!(rates, [0.1, 0.05, 0.025, 0.0125]);
/// assert_eq!(schedule.rate(usize::MAX), 0.0); // underflows to 0, never NaN
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExponentialDecay<F = f32> {
    lr: F,
    gamma: F,
}

impl<F: Float> ExponentialDecay<F> {
    /// Starts at `lr` (finite, > 0) and multiplies it by `gamma` (in
    /// (0, 1]) at every count.
    pub fn new(lr: F, gamma: F) -> Result<Self, InvalidHyperparameter> {
        Ok(ExponentialDecay { lr: check_learning_rate(lr)?, gamma: check_factor("gamma", gamma)? })
    }
}

impl<F: Float> Schedule<F> for ExponentialDecay<F> {
    fn rate(&self, t: usize) -> F {
        self.lr * powu(self.gamma, exponent(t))
    }
}

/// Cyclic learning rates, triangular policy (Smith, 2017, "Cyclical
/// Learning Rates for Training Neural Networks"), as PyTorch's
/// `CyclicLR(mode='triangular')`: the rate rises linearly from `base_lr` to
/// `max_lr` over `step_size_up` counts, falls back over `step_size_down`
/// counts (by default the same), and repeats.
///
/// With period P = up + down and position k = t mod P, the rate is
/// base + (max − base)·k/up while k ≤ up, and base + (max − base)·(P − k)/down
/// after. Smith's formula, x = |t/up − 2·cycle + 1|, lr = base +
/// (max − base)·max(0, 1 − x), is the symmetric case. Smith counts `t` in
/// mini-batches and suggests an up-phase of 2 to 10 epochs.
///
/// ```
/// use constnet::prelude::*;
/// use constnet::optim::schedule::Cyclic;
///
/// let schedule = Cyclic::triangular(0.1_f64, 0.5, 2).unwrap();
/// let rates: Vec<f64> = (0..6).map(|t| schedule.rate(t)).collect();
/// assert_eq!(rates, [0.1, 0.30000000000000004, 0.5, 0.30000000000000004, 0.1, 0.30000000000000004]);
///
/// assert_eq!(Cyclic::triangular(0.5_f64, 0.1, 2).unwrap_err().name, "max learning rate");
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cyclic<F = f32> {
    base_lr: F,
    max_lr: F,
    up: usize,
    down: usize,
}

impl<F: Float> Cyclic<F> {
    /// A triangle wave from `base_lr` (finite, > 0) up to `max_lr` (finite,
    /// ≥ `base_lr`) in `step_size_up` (≥ 1) counts and back down in as many.
    pub fn triangular(base_lr: F, max_lr: F, step_size_up: usize) -> Result<Self, InvalidHyperparameter> {
        let base_lr = check_learning_rate(base_lr)?;
        if !(max_lr.is_finite() && max_lr >= base_lr) {
            return Err(InvalidHyperparameter {
                name: "max learning rate",
                value: max_lr.as_f64(),
                expected: "a finite number >= the base learning rate",
            });
        }
        let up = check_count("step size up", step_size_up)?;
        Ok(Cyclic { base_lr, max_lr, up, down: up })
    }

    /// Makes the down-phase `step_size_down` (≥ 1) counts long, for an
    /// asymmetric cycle.
    pub fn step_size_down(mut self, step_size_down: usize) -> Result<Self, InvalidHyperparameter> {
        self.down = check_count("step size down", step_size_down)?;
        Ok(self)
    }

    /// The length of one cycle, up and down, in counts.
    pub fn period(&self) -> usize {
        self.up.saturating_add(self.down)
    }
}

fn check_count(name: &'static str, count: usize) -> Result<usize, InvalidHyperparameter> {
    if count >= 1 { Ok(count) } else { Err(InvalidHyperparameter { name, value: 0.0, expected: "an integer >= 1" }) }
}

impl<F: Float> Schedule<F> for Cyclic<F> {
    fn rate(&self, t: usize) -> F {
        let k = t % self.period();
        let fraction = if k <= self.up {
            F::from_usize(k) / F::from_usize(self.up)
        } else {
            F::from_usize(self.period() - k) / F::from_usize(self.down)
        };
        self.base_lr + (self.max_lr - self.base_lr) * fraction
    }
}

/// Linear warm-up, then another schedule: for the first `warmup` counts the
/// rate rises linearly from `start_factor` times the inner schedule's first
/// rate towards that rate; from count `warmup` on it is the inner schedule,
/// counted from 0 then:
///
/// * t < warmup: inner.rate(0) · (start_factor + (1 − start_factor) · t / warmup);
/// * t ≥ warmup: inner.rate(t − warmup).
///
/// The ramp is PyTorch's `LinearLR(start_factor, total_iters=warmup)`; the
/// hand-over to the inner schedule is PyTorch's `SequentialLR`. Warm-up is
/// usually counted in optimiser steps (see [`Scheduled`]).
///
/// ```
/// use constnet::prelude::*;
/// use constnet::optim::schedule::{Constant, Warmup};
///
/// let schedule = Warmup::linear(Constant::new(0.1_f64).unwrap(), 4, 0.25).unwrap();
/// let rates: Vec<f64> = (0..6).map(|t| schedule.rate(t)).collect();
/// assert_eq!(rates, [0.025, 0.043750000000000004, 0.0625, 0.08125, 0.1, 0.1]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Warmup<S, F = f32> {
    inner: S,
    warmup: usize,
    start_factor: F,
}

impl<F: Float, S: Schedule<F>> Warmup<S, F> {
    /// Warms up to `inner` over `warmup` counts (0 means no warm-up),
    /// starting from `start_factor` (in (0, 1]) times its first rate.
    pub fn linear(inner: S, warmup: usize, start_factor: F) -> Result<Self, InvalidHyperparameter> {
        Ok(Warmup { inner, warmup, start_factor: check_factor("start factor", start_factor)? })
    }

    /// The schedule after the warm-up.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// The number of warm-up counts.
    pub fn warmup(&self) -> usize {
        self.warmup
    }
}

impl<F: Float, S: Schedule<F>> Schedule<F> for Warmup<S, F> {
    fn rate(&self, t: usize) -> F {
        if t < self.warmup {
            let progress = F::from_usize(t) / F::from_usize(self.warmup);
            self.inner.rate(0) * (self.start_factor + (F::one() - self.start_factor) * progress)
        } else {
            self.inner.rate(t - self.warmup)
        }
    }
}

/// An optimiser driven by a schedule, counted in optimiser steps: before its
/// `t`-th [`step`](Optimizer::step) (t = 0, 1, …) it sets the inner
/// optimiser's rate to `schedule.rate(t)`. It is itself an [`Optimizer`],
/// so it goes wherever one does ([`train_epoch`](crate::train::train_epoch),
/// for example).
///
/// ```
/// use constnet::prelude::*;
/// use constnet::optim::schedule::Cyclic;
///
/// type Net = (Dense<1, 1, f64>, Identity);
/// let mut net: Net = (Dense::from_weights([[0.0]], [0.0]), Identity);
/// let grads: Net = (Dense::from_weights([[-1.0]], [0.0]), Identity);
/// let schedule = Cyclic::triangular(0.1, 0.3, 2).unwrap();
/// let mut opt = Scheduled::new(Sgd::new(0.1).unwrap(), schedule);
/// for _ in 0..4 {
///     opt.step(&mut net, &grads); // rates 0.1, 0.2, 0.3, 0.2
/// }
/// assert!((net.0.weight()[0][0] - 0.8).abs() < 1e-15);
/// assert_eq!(opt.steps(), 4);
/// assert_eq!(opt.learning_rate(), 0.1); // the rate of the next step
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Scheduled<O, S> {
    optimizer: O,
    schedule: S,
    steps: usize,
}

impl<O, S> Scheduled<O, S> {
    /// `optimizer`, with its rate set by `schedule` before every step,
    /// starting at count 0.
    pub fn new(optimizer: O, schedule: S) -> Self {
        Scheduled { optimizer, schedule, steps: 0 }
    }

    /// The inner optimiser (to read its state).
    pub fn optimizer(&self) -> &O {
        &self.optimizer
    }

    /// The inner optimiser, mutably.
    pub fn optimizer_mut(&mut self) -> &mut O {
        &mut self.optimizer
    }

    /// The schedule.
    pub fn schedule(&self) -> &S {
        &self.schedule
    }

    /// The number of steps taken: the count the next step's rate is taken
    /// at.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// Restarts the schedule at count 0 (the inner optimiser's state is
    /// kept).
    pub fn restart(&mut self) {
        self.steps = 0;
    }

    /// The inner optimiser and the schedule.
    pub fn into_parts(self) -> (O, S) {
        (self.optimizer, self.schedule)
    }
}

impl<F: Float, O: LearningRate<F>, S: Schedule<F>> LearningRate<F> for Scheduled<O, S> {
    /// The rate the next step will use: `schedule.rate(steps())`.
    fn learning_rate(&self) -> F {
        self.schedule.rate(self.steps)
    }

    /// Sets the inner optimiser's rate; the schedule replaces it at the next
    /// step, so to change the rates, change the schedule.
    fn set_learning_rate(&mut self, lr: F) {
        self.optimizer.set_learning_rate(lr);
    }
}

impl<F: Float, M: Model<F>, O: Optimizer<F, M>, S: Schedule<F>> Optimizer<F, M> for Scheduled<O, S> {
    fn prepare(&mut self, grads: &mut M) {
        self.optimizer.prepare(grads);
    }

    fn step(&mut self, model: &mut M, grads: &M) {
        self.optimizer.set_learning_rate(self.schedule.rate(self.steps));
        self.optimizer.step(model, grads);
        self.steps = self.steps.saturating_add(1);
    }
}
