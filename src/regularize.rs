//! Regularisation penalties on the parameters: L2 (ridge, "weight decay")
//! and L1 (lasso).
//!
//! A [`Penalty`] is used in one of two ways:
//!
//! * **as a term of the loss**: add [`Penalty::value`] to the data loss you
//!   report, and [`Penalty::add_gradient`] into the (batch-averaged)
//!   gradients before the optimiser step;
//! * **inside an optimiser**: `.penalty(p)` on [`Sgd`](crate::optim::Sgd),
//!   [`SgdMomentum`](crate::optim::SgdMomentum),
//!   [`Adam`](crate::optim::Adam) or [`RmsProp`](crate::optim::RmsProp)
//!   adds the same gradient term inside the update, without a second
//!   gradient buffer; `.weight_decay(λ)` is `.penalty(Penalty::l2(λ)?)`.
//!
//! The two give the same parameters (the optimisers add the term to the
//! gradient exactly as `add_gradient` does, before the update).
//!
//! ## Conventions and PyTorch equivalences
//!
//! | penalty | value | gradient | PyTorch |
//! |---|---|---|---|
//! | `Penalty::l2(λ)` | λ/2 · Σ w² | λ · w | `weight_decay=λ` in `SGD`, `Adam`, `RMSprop` (coupled) |
//! | `Penalty::l1(λ)` | λ · Σ \|w\| | λ · sign(w), 0 at w = 0 | `loss + λ * sum(p.abs())` (autograd's sign(0) = 0) |
//!
//! The ½ in the L2 value makes its gradient exactly λ·w, so an L2 penalty of
//! strength λ *is* PyTorch's `weight_decay=λ`. (A loss term written
//! `λ * sum(p**2)`, without the ½, is `Penalty::l2(2λ)`.) It is not
//! `AdamW`'s decoupled decay: with Adam, an L2 penalty's gradient is
//! rescaled by the adaptive denominator like the rest of the gradient.
//!
//! Biases are excluded by default ([`ParamKind::Bias`]); PyTorch's
//! `weight_decay` decays every parameter of its group, which
//! [`include_biases(true)`](Penalty::include_biases) reproduces.
//!
//! ```
//! use constnet::prelude::*;
//!
//! let net: (Dense<2, 1, f64>, Identity) = (Dense::from_weights([[3.0, -4.0]], [10.0]), Identity);
//! let l2 = Penalty::l2(0.1).unwrap();
//! assert!((l2.value(&net) - 0.05 * 25.0).abs() < 1e-12); // λ/2 · (9 + 16); the bias is excluded
//!
//! let mut grads = Grads::<(Dense<2, 1, f64>, Identity)>::zeroed();
//! l2.add_gradient(&net, &mut grads);
//! assert_eq!((grads.0.weight(), *grads.0.bias()), ([[0.1 * 3.0, 0.1 * -4.0]], [0.0]));
//! ```

use crate::optim::check_non_negative;
use crate::{Float, InvalidHyperparameter, Model, ParamKind};

/// Which norm a [`Penalty`] takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Norm {
    /// λ · Σ |w|: pushes small weights to exactly zero (sparsity).
    L1,
    /// λ/2 · Σ w²: shrinks every weight in proportion to its size.
    L2,
}

/// An L1 or L2 penalty on a model's parameters, weights only unless
/// [`include_biases`](Penalty::include_biases) says otherwise. See the
/// [module docs](self) for the conventions and their PyTorch equivalents.
///
/// ```
/// use constnet::prelude::*;
///
/// let l1 = Penalty::<f32>::l1(0.01).unwrap().include_biases(true);
/// assert!(l1.includes_biases());
/// assert_eq!(Penalty::<f32>::l2(-1.0).unwrap_err().name, "penalty strength");
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Penalty<F = f32> {
    norm: Norm,
    strength: F,
    include_biases: bool,
}

impl<F: Float> Penalty<F> {
    /// An L1 penalty λ·Σ|w|. `strength` (λ) must be finite and ≥ 0.
    pub fn l1(strength: F) -> Result<Self, InvalidHyperparameter> {
        Self::new(Norm::L1, strength)
    }

    /// An L2 penalty λ/2·Σw², whose gradient λ·w is PyTorch's
    /// `weight_decay=λ`. `strength` (λ) must be finite and ≥ 0.
    pub fn l2(strength: F) -> Result<Self, InvalidHyperparameter> {
        Self::new(Norm::L2, strength)
    }

    /// A penalty of the given norm; `strength` must be finite and ≥ 0.
    pub fn new(norm: Norm, strength: F) -> Result<Self, InvalidHyperparameter> {
        Ok(Penalty { norm, strength: check_non_negative("penalty strength", strength)?, include_biases: false })
    }

    /// An L2 penalty for an optimiser's `weight_decay(λ)`: the same as
    /// [`l2`](Penalty::l2), with the error naming "weight decay".
    pub(crate) fn weight_decay(lambda: F) -> Result<Self, InvalidHyperparameter> {
        Ok(Penalty { norm: Norm::L2, strength: check_non_negative("weight decay", lambda)?, include_biases: false })
    }

    /// Whether biases are penalised too (by default they are not).
    #[must_use]
    pub fn include_biases(mut self, include: bool) -> Self {
        self.include_biases = include;
        self
    }

    /// The norm.
    pub fn norm(&self) -> Norm {
        self.norm
    }

    /// The strength λ.
    pub fn strength(&self) -> F {
        self.strength
    }

    /// Whether biases are penalised.
    pub fn includes_biases(&self) -> bool {
        self.include_biases
    }

    /// Whether the penalty acts on tensors of this kind. A penalty of
    /// strength 0 acts on nothing, so that it changes no bit of an update
    /// (as PyTorch skips `weight_decay=0`).
    pub fn applies_to(&self, kind: ParamKind) -> bool {
        self.strength != F::zero() && (kind == ParamKind::Weight || self.include_biases)
    }

    /// The penalty's gradient with respect to one parameter of value `p`
    /// (of a kind it [applies to](Penalty::applies_to)): λ·p for L2,
    /// λ·sign(p) for L1 with sign(0) = 0. NaN gives NaN.
    #[inline]
    pub fn gradient_at(&self, p: F) -> F {
        match self.norm {
            Norm::L2 => self.strength * p,
            Norm::L1 => {
                let sign = if p > F::zero() {
                    F::one()
                } else if p < F::zero() {
                    -F::one()
                } else if p == F::zero() {
                    F::zero()
                } else {
                    p // NaN
                };
                self.strength * sign
            }
        }
    }

    /// The penalty's value on `model`: λ/2·Σw² (L2) or λ·Σ|w| (L1) over the
    /// tensors it applies to, summed in the model's tensor order.
    pub fn value<M: Model<F>>(&self, model: &M) -> F {
        let mut sum = F::zero();
        for tensor in model.tensors().filter(|t| self.applies_to(t.kind)) {
            for &w in tensor.storage {
                sum = sum
                    + match self.norm {
                        Norm::L2 => w * w,
                        Norm::L1 => w.abs(),
                    };
            }
        }
        match self.norm {
            Norm::L2 => self.strength * sum * F::from_f64(0.5),
            Norm::L1 => self.strength * sum,
        }
    }

    /// Adds the penalty's gradient at `model` into `grads`, a model-shaped
    /// gradient accumulator: call it after averaging the data gradient over
    /// the batch, since the penalty is counted once per step, not per sample.
    pub fn add_gradient<M: Model<F>>(&self, model: &M, grads: &mut M) {
        for (param, grad) in model.tensors().zip(grads.tensors_mut()) {
            if self.applies_to(param.kind) {
                for (&p, g) in param.storage.iter().zip(grad.storage.iter_mut()) {
                    *g = *g + self.gradient_at(p);
                }
            }
        }
    }
}
