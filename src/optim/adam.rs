//! Adam and AdamW.

use crate::kernel::{Lanewise, Scalar, Vector, zip4_update};
use crate::optim::{
    LearningRate, Optimizer, check_learning_rate, check_non_negative, check_positive, check_unit, powu,
};
use crate::regularize::Penalty;
use crate::{Float, InvalidHyperparameter, Model, ParamKind};

/// The hyper-parameters Adam and AdamW share. β1, β2 and ε are kept in
/// `f64`, as PyTorch keeps them (Python floats): every constant a step
/// derives from them (1 − β, the bias corrections, the step size) is
/// computed in `f64` and rounded to the model's float type once, which is
/// what PyTorch's float32 optimiser does. Computing 1 − β2 in `f32` instead
/// gives 9.9998713·10⁻⁴ rather than 10⁻³, and a second moment 1.3·10⁻⁵ too
/// small, relative.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Hyper<F> {
    lr: F,
    beta1: f64,
    beta2: f64,
    eps: f64,
}

impl<F: Float> Hyper<F> {
    /// PyTorch's defaults: lr = 10⁻³, β = (0.9, 0.999), ε = 10⁻⁸.
    const DEFAULT: Self = Hyper { lr: F::THOUSANDTH, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

    fn new(lr: F) -> Result<Self, InvalidHyperparameter> {
        Ok(Hyper { lr: check_learning_rate(lr)?, ..Self::DEFAULT })
    }

    fn set_betas(&mut self, beta1: f64, beta2: f64) -> Result<(), InvalidHyperparameter> {
        // Both checked before either is set, so an error changes nothing.
        let (beta1, beta2) = (check_unit("beta1", beta1)?, check_unit("beta2", beta2)?);
        (self.beta1, self.beta2) = (beta1, beta2);
        Ok(())
    }

    fn set_eps(&mut self, eps: f64) -> Result<(), InvalidHyperparameter> {
        self.eps = check_positive("eps", eps)?;
        Ok(())
    }
}

/// The methods of Adam and AdamW for their shared [`Hyper`] field `hyper`:
/// the builders `betas` and `eps`, their in-place `set_` forms, and the
/// getters `beta` and `epsilon`.
macro_rules! hyper_methods {
    () => {
        /// Sets β1 and β2, each in [0, 1), as `f64` whatever the model's
        /// float type (PyTorch's Python floats; see the type's docs).
        pub fn betas(mut self, beta1: f64, beta2: f64) -> Result<Self, InvalidHyperparameter> {
            self.set_betas(beta1, beta2)?;
            Ok(self)
        }

        /// Sets ε, finite and > 0, as `f64` (rounded to the model's float
        /// type where it is added).
        pub fn eps(mut self, eps: f64) -> Result<Self, InvalidHyperparameter> {
            self.set_eps(eps)?;
            Ok(self)
        }

        /// [`betas`](Self::betas) in place; on error nothing changes.
        pub fn set_betas(&mut self, beta1: f64, beta2: f64) -> Result<(), InvalidHyperparameter> {
            self.hyper.set_betas(beta1, beta2)
        }

        /// [`eps`](Self::eps) in place; on error nothing changes.
        pub fn set_eps(&mut self, eps: f64) -> Result<(), InvalidHyperparameter> {
            self.hyper.set_eps(eps)
        }

        /// (β1, β2).
        pub fn beta(&self) -> (f64, f64) {
            (self.hyper.beta1, self.hyper.beta2)
        }

        /// ε.
        pub fn epsilon(&self) -> f64 {
            self.hyper.eps
        }
    };
}

/// The moment estimates Adam and AdamW keep, and the step count.
#[derive(Clone, Debug, PartialEq)]
struct Moments<M> {
    m: M,
    v: M,
    t: u64,
}

impl<M> Moments<M> {
    /// Zero moments, no steps taken.
    const fn zero<F: Float>() -> Self
    where
        M: Model<F>,
    {
        Moments { m: M::ZERO, v: M::ZERO, t: 0 }
    }

    fn reset<F: Float>(&mut self)
    where
        M: Model<F>,
    {
        self.m.zero_params();
        self.v.zero_params();
        self.t = 0;
    }
}

/// How the parameters are decayed, besides the gradient.
enum Decay<F> {
    /// Coupled: the penalty's gradient is added to g (Adam).
    Coupled(Option<Penalty<F>>),
    /// Decoupled: p ← p·factor before the update, for weights and, when
    /// the flag is set, biases (AdamW).
    Decoupled { factor: F, active: bool, biases: bool },
}

impl<F: Float> Decay<F> {
    fn applies_to(&self, kind: ParamKind) -> bool {
        match self {
            Decay::Coupled(penalty) => penalty.is_some_and(|p| p.applies_to(kind)),
            Decay::Decoupled { active, biases, .. } => *active && (kind == ParamKind::Weight || *biases),
        }
    }
}

/// One Adam step, in PyTorch's order of operations
/// (`torch.optim._single_tensor_adam`, `amsgrad=False`).
fn adam_step<F: Float, M: Model<F>>(
    hyper: &Hyper<F>,
    decay: &Decay<F>,
    state: &mut Moments<M>,
    model: &mut M,
    grads: &M,
) {
    let Hyper { lr, beta1, beta2, eps } = *hyper;
    state.t = state.t.saturating_add(1);
    // The scalars in f64, each rounded once to F where it meets a tensor,
    // as PyTorch's `_single_tensor_adam` computes them in Python floats.
    let bias_correction1 = 1.0 - powu(beta1, state.t);
    let bias_correction2 = 1.0 - powu(beta2, state.t);
    let neg_step_size = F::from_f64(-(lr.as_f64() / bias_correction1));
    let bias_correction2_sqrt = F::from_f64(libm::sqrt(bias_correction2));
    let (w1, w2) = (F::from_f64(1.0 - beta1), F::from_f64(1.0 - beta2));
    let (beta2, eps) = (F::from_f64(beta2), F::from_f64(eps));

    let update = Update {
        w1,
        one_minus_w1: F::one() - w1,
        lerp_from_start: w1.abs() < F::from_f64(0.5),
        beta2,
        w2,
        bias_correction2_sqrt,
        eps,
        neg_step_size,
    };
    let moments = state.m.tensors_mut().zip(state.v.tensors_mut());
    for ((param, grad), (m, v)) in model.tensors_mut().zip(grads.tensors()).zip(moments) {
        let decays = decay.applies_to(param.kind);
        match decay {
            Decay::Coupled(Some(penalty)) if decays => {
                let elements =
                    param.storage.iter_mut().zip(grad.storage).zip(m.storage.iter_mut().zip(v.storage.iter_mut()));
                for ((p, &g), (m, v)) in elements {
                    let g = g + penalty.gradient_at(*p);
                    let (new_p, new_m, new_v) = update.apply(Scalar(*p), Scalar(g), Scalar(*m), Scalar(*v));
                    (*p, *m, *v) = (new_p.0, new_m.0, new_v.0);
                }
            }
            _ => {
                if let Decay::Decoupled { factor, .. } = decay
                    && decays
                {
                    for p in param.storage.iter_mut() {
                        *p = *p * *factor;
                    }
                }
                zip4_update(param.storage, grad.storage, m.storage, v.storage, update);
            }
        }
    }
}

/// The element-wise part of an Adam step, with the step's scalars already
/// in `F`: from (p, g, m, v) the new (p, m, v). Written once over
/// [`Vector`], it runs in vector registers where the build has them (the
/// square root and the division are then the correctly rounded vector
/// instructions, so the bits are the scalar code's) and one value at a time
/// for the rest: scalar, it took about 4 ns per parameter.
#[derive(Clone, Copy)]
struct Update<F> {
    w1: F,
    one_minus_w1: F,
    /// Which of the two formulas of PyTorch's `torch.lerp(start, end,
    /// weight)` on the CPU, whose rounding Adam's first moment inherits
    /// (`m.lerp_(g, 1 − β1)`), the weight selects: `start + weight·(end −
    /// start)` below ½, else `end − (end − start)·(1 − weight)`.
    lerp_from_start: bool,
    beta2: F,
    w2: F,
    bias_correction2_sqrt: F,
    eps: F,
    neg_step_size: F,
}

impl<F: Float> Lanewise<F> for Update<F> {
    #[inline(always)]
    fn apply<V: Vector<F>>(self, p: V, g: V, m: V, v: V) -> (V, V, V) {
        // m.lerp_(g, 1 − β1), as torch.lerp computes it.
        let m = if self.lerp_from_start {
            m.add(V::splat(self.w1).mul(g.sub(m)))
        } else {
            g.sub(g.sub(m).mul(V::splat(self.one_minus_w1)))
        };
        let v = v.mul(V::splat(self.beta2)).add(V::splat(self.w2).mul(g).mul(g));
        let denom = v.sqrt().div(V::splat(self.bias_correction2_sqrt)).add(V::splat(self.eps));
        let p = p.add(V::splat(self.neg_step_size).mul(m).div(denom));
        (p, m, v)
    }
}

/// Adam (Kingma & Ba, 2015), as `torch.optim.Adam` with `amsgrad=False`.
///
/// With gradient g (plus any coupled weight decay) at step t = 1, 2, …:
///
/// * m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g² (both start at 0);
/// * p ← p − lr/(1 − β1ᵗ) · m / (√v/√(1 − β2ᵗ) + ε).
///
/// ε is added *after* the bias correction of √v, as PyTorch does; the
/// textbook form p ← p − lr·m̂/(√v̂ + ε) is the same formula. Defaults are
/// PyTorch's: β = (0.9, 0.999), ε = 10⁻⁸, no weight decay.
///
/// The moments are values of the model's own type `M`, held in the
/// optimiser (no heap); [`moments`](Adam::moments) reads them.
///
/// ```
/// use constnet::prelude::*;
///
/// type Net = (Dense<1, 1, f64>, Identity);
/// let mut net: Net = (Dense::from_weights([[1.0]], [0.0]), Identity);
/// let grads: Net = (Dense::from_weights([[0.5]], [-2.0]), Identity);
/// let mut adam = Adam::new(0.01).unwrap().betas(0.9, 0.999).unwrap().eps(1e-8).unwrap();
/// adam.step(&mut net, &grads);
/// // The first step moves every parameter by about lr against its gradient's sign.
/// assert!((net.0.weight()[0][0] - 0.99).abs() < 1e-9);
/// assert!((net.0.bias()[0] - 0.01).abs() < 1e-9);
/// let (m, v) = adam.moments();
/// assert!((m.0.weight()[0][0] - 0.05).abs() < 1e-15 && (v.0.weight()[0][0] - 0.00025).abs() < 1e-15);
/// assert_eq!(adam.steps(), 1);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Adam<F, M> {
    hyper: Hyper<F>,
    penalty: Option<Penalty<F>>,
    state: Moments<M>,
}

impl<F: Float, M: Model<F>> Adam<F, M> {
    /// Adam with PyTorch's defaults — learning rate 10⁻³, β = (0.9, 0.999),
    /// ε = 10⁻⁸, no weight decay — and zero moments, as a constant: it can
    /// initialise a `static`, for optimiser state larger than the stack (see
    /// [`Model::ZERO`]). Change it in place with the `set_` methods.
    ///
    /// ```
    /// use std::sync::Mutex;
    /// use constnet::prelude::*;
    ///
    /// type Net = (Dense<784, 256>, Relu, Dense<256, 10>);
    /// // Two model-sized moments, 1.6 MB, never on a stack.
    /// static ADAM: Mutex<Adam<f32, Net>> = Mutex::new(Adam::DEFAULT);
    ///
    /// let mut adam = ADAM.lock().unwrap();
    /// adam.set_learning_rate(3e-4);
    /// adam.set_betas(0.9, 0.99).unwrap();
    /// assert_eq!((adam.learning_rate(), adam.beta()), (3e-4, (0.9, 0.99)));
    /// ```
    pub const DEFAULT: Self = Adam { hyper: Hyper::DEFAULT, penalty: None, state: Moments::zero() };

    /// Adam with learning rate `lr` (finite, > 0) and PyTorch's defaults:
    /// β = (0.9, 0.999), ε = 10⁻⁸, no weight decay.
    pub fn new(lr: F) -> Result<Self, InvalidHyperparameter> {
        Ok(Adam { hyper: Hyper::new(lr)?, ..Self::DEFAULT })
    }

    hyper_methods!();

    coupled_penalty_methods!();

    /// The first and second moment estimates (m, v) — PyTorch's `exp_avg`
    /// and `exp_avg_sq` — before bias correction, in the model's shape.
    pub fn moments(&self) -> (&M, &M) {
        (&self.state.m, &self.state.v)
    }

    /// The number of steps taken, t (PyTorch's `step`).
    pub fn steps(&self) -> u64 {
        self.state.t
    }

    /// Forgets the moments and the step count.
    pub fn reset(&mut self) {
        self.state.reset();
    }
}

impl<F: Float, M: Model<F>> LearningRate<F> for Adam<F, M> {
    fn learning_rate(&self) -> F {
        self.hyper.lr
    }

    fn set_learning_rate(&mut self, lr: F) {
        self.hyper.lr = lr;
    }
}

impl<F: Float, M: Model<F>> Optimizer<F, M> for Adam<F, M> {
    fn step(&mut self, model: &mut M, grads: &M) {
        adam_step(&self.hyper, &Decay::Coupled(self.penalty), &mut self.state, model, grads);
    }
}

/// AdamW (Loshchilov & Hutter, 2019), as `torch.optim.AdamW`: Adam with
/// *decoupled* weight decay, p ← p·(1 − lr·λ) before the Adam update, which
/// does not see the decay in its gradient.
///
/// Defaults are PyTorch's: β = (0.9, 0.999), ε = 10⁻⁸, λ = 0.01 — but the
/// decay applies to weights only unless
/// [`decay_biases(true)`](AdamW::decay_biases), which gives PyTorch's
/// default behaviour of decaying every parameter.
///
/// ```
/// use constnet::prelude::*;
///
/// type Net = (Dense<1, 1, f64>, Identity);
/// let start: Net = (Dense::from_weights([[2.0]], [1.0]), Identity);
/// let grads: Net = (Dense::from_weights([[0.5]], [-2.0]), Identity);
///
/// let (mut a, mut b) = (start.clone(), start.clone());
/// Adam::new(0.1).unwrap().step(&mut a, &grads);
/// AdamW::new(0.1).unwrap().weight_decay(0.5).unwrap().step(&mut b, &grads);
/// // The decay took lr·λ·w = 0.1 · 0.5 · 2 = 0.1 more off the weight.
/// assert!((a.0.weight()[0][0] - b.0.weight()[0][0] - 0.1).abs() < 1e-15);
/// assert_eq!(a.0.bias(), b.0.bias()); // biases are not decayed by default
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct AdamW<F, M> {
    hyper: Hyper<F>,
    weight_decay: F,
    decay_biases: bool,
    state: Moments<M>,
}

impl<F: Float, M: Model<F>> AdamW<F, M> {
    /// AdamW with PyTorch's defaults — learning rate 10⁻³, β = (0.9, 0.999),
    /// ε = 10⁻⁸, weight decay λ = 0.01 (on weights) — and zero moments, as a
    /// constant that can initialise a `static` (see [`Adam::DEFAULT`]).
    pub const DEFAULT: Self =
        AdamW { hyper: Hyper::DEFAULT, weight_decay: F::HUNDREDTH, decay_biases: false, state: Moments::zero() };

    /// AdamW with learning rate `lr` (finite, > 0) and PyTorch's defaults:
    /// β = (0.9, 0.999), ε = 10⁻⁸, weight decay λ = 0.01 (on weights).
    pub fn new(lr: F) -> Result<Self, InvalidHyperparameter> {
        Ok(AdamW { hyper: Hyper::new(lr)?, ..Self::DEFAULT })
    }

    hyper_methods!();

    /// Sets the decoupled weight decay λ, finite and ≥ 0 (0 turns it off).
    pub fn weight_decay(mut self, lambda: F) -> Result<Self, InvalidHyperparameter> {
        self.set_weight_decay(lambda)?;
        Ok(self)
    }

    /// Whether biases are decayed too (by default they are not; PyTorch
    /// decays them).
    #[must_use]
    pub fn decay_biases(mut self, decay: bool) -> Self {
        self.set_decay_biases(decay);
        self
    }

    /// [`weight_decay`](AdamW::weight_decay) in place; on error nothing
    /// changes.
    pub fn set_weight_decay(&mut self, lambda: F) -> Result<(), InvalidHyperparameter> {
        self.weight_decay = check_non_negative("weight decay", lambda)?;
        Ok(())
    }

    /// [`decay_biases`](AdamW::decay_biases) in place.
    pub fn set_decay_biases(&mut self, decay: bool) {
        self.decay_biases = decay;
    }

    /// The decoupled weight decay λ.
    pub fn weight_decay_rate(&self) -> F {
        self.weight_decay
    }

    /// Whether biases are decayed.
    pub fn decays_biases(&self) -> bool {
        self.decay_biases
    }

    /// The first and second moment estimates (m, v), before bias
    /// correction, in the model's shape.
    pub fn moments(&self) -> (&M, &M) {
        (&self.state.m, &self.state.v)
    }

    /// The number of steps taken, t.
    pub fn steps(&self) -> u64 {
        self.state.t
    }

    /// Forgets the moments and the step count.
    pub fn reset(&mut self) {
        self.state.reset();
    }
}

impl<F: Float, M: Model<F>> LearningRate<F> for AdamW<F, M> {
    fn learning_rate(&self) -> F {
        self.hyper.lr
    }

    fn set_learning_rate(&mut self, lr: F) {
        self.hyper.lr = lr;
    }
}

impl<F: Float, M: Model<F>> Optimizer<F, M> for AdamW<F, M> {
    fn step(&mut self, model: &mut M, grads: &M) {
        let decay = Decay::Decoupled {
            factor: F::from_f64(1.0 - self.hyper.lr.as_f64() * self.weight_decay.as_f64()),
            active: self.weight_decay != F::zero(),
            biases: self.decay_biases,
        };
        adam_step(&self.hyper, &decay, &mut self.state, model, grads);
    }
}
