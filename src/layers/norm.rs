//! Normalisation layers: [`BatchNorm1d`] and [`LayerNorm`].

use core::fmt;

use rand::Rng;

use crate::layer::SameShape;
use crate::model::{Tensor, TensorMut, weight_and_bias, weight_and_bias_mut, write_array, write_float};
use crate::{Float, Init, InvalidHyperparameter, Layer, Model, Module};

/// PyTorch's default ε, added to the variance inside the square root.
const DEFAULT_EPS: f64 = 1e-5;
/// PyTorch's default running-statistics momentum.
const DEFAULT_MOMENTUM: f64 = 0.1;

/// Batch normalisation over `N` features, as PyTorch's `BatchNorm1d(N)`:
/// y = (x − μ)/√(σ² + ε)·γ + β.
///
/// * **Training** ([`forward_tape`](crate::Forward::forward_tape) on a batch
///   `[[F; N]; B]`): μ and σ² are the batch's mean and biased variance per
///   feature, and the running statistics are updated with momentum m (0.1):
///   `running_mean ← (1 − m)·running_mean + m·μ`, and the same for the
///   running variance with the *unbiased* batch variance, as PyTorch does.
///   A batch needs at least two samples (checked at compile time).
/// * **Inference** ([`forward`](crate::Forward::forward)), and any pass on a
///   single sample `[F; N]`: μ and σ² are the running statistics, so the
///   layer is a fixed affine map.
///
/// γ (`weight`) and β (`bias`) are trained; the running statistics are
/// state, not parameters: they are not in [`tensors`](Model::tensors) and
/// optimisers do not touch them, but they are exported with the model.
///
/// ```
/// use constnet::prelude::*;
///
/// let mut bn: BatchNorm1d<2, f64> = BatchNorm1d::default();
/// let (y, _) = bn.forward_tape(&[[1.0, 10.0], [3.0, 30.0]]);
/// assert!((y[0][0] + 1.0).abs() < 1e-4 && (y[1][1] - 1.0).abs() < 1e-4);
/// // Running mean moved 10% of the way to the batch mean [2, 20].
/// assert!((bn.running_mean()[1] - 2.0).abs() < 1e-12);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct BatchNorm1d<const N: usize, F = f32> {
    weight: [F; N],
    bias: [F; N],
    running_mean: [F; N],
    running_var: [F; N],
    eps: F,
    momentum: F,
}

impl<const N: usize, F: Float> BatchNorm1d<N, F> {
    /// Builds the layer from all its values, as exported by
    /// [`Model::write_rust`]. A `const fn`, so the layer can live in a
    /// `static`; it does not validate `eps` and `momentum` (use
    /// [`with_eps`](Self::with_eps) and [`with_momentum`](Self::with_momentum)
    /// for checked settings).
    pub const fn from_parts(
        weight: [F; N],
        bias: [F; N],
        running_mean: [F; N],
        running_var: [F; N],
        eps: F,
        momentum: F,
    ) -> Self {
        BatchNorm1d { weight, bias, running_mean, running_var, eps, momentum }
    }

    /// The same layer with ε (added to the variance) set to `eps`, which
    /// must be finite and > 0.
    pub fn with_eps(mut self, eps: F) -> Result<Self, InvalidHyperparameter> {
        self.eps = check_positive("batch-norm eps", eps)?;
        Ok(self)
    }

    /// The same layer with the running-statistics momentum set to
    /// `momentum`, which must be in [0, 1].
    pub fn with_momentum(mut self, momentum: F) -> Result<Self, InvalidHyperparameter> {
        if !(momentum >= F::zero() && momentum <= F::one()) {
            return Err(InvalidHyperparameter {
                name: "batch-norm momentum",
                value: momentum.as_f64(),
                expected: "a number in [0, 1]",
            });
        }
        self.momentum = momentum;
        Ok(self)
    }

    /// γ, the per-feature scale.
    pub const fn weight(&self) -> &[F; N] {
        &self.weight
    }
    /// β, the per-feature shift.
    pub const fn bias(&self) -> &[F; N] {
        &self.bias
    }
    /// The running mean used at inference.
    pub const fn running_mean(&self) -> &[F; N] {
        &self.running_mean
    }
    /// The running (unbiased) variance used at inference.
    pub const fn running_var(&self) -> &[F; N] {
        &self.running_var
    }

    /// 1/√(running_var + ε) per feature.
    fn running_inv_std(&self) -> [F; N] {
        core::array::from_fn(|j| F::one() / (self.running_var[j] + self.eps).sqrt())
    }

    /// The inference map of one sample: returns (y, x̂).
    fn normalise_running(&self, x: &[F; N], inv_std: &[F; N]) -> ([F; N], [F; N]) {
        let x_hat: [F; N] = core::array::from_fn(|j| (x[j] - self.running_mean[j]) * inv_std[j]);
        (core::array::from_fn(|j| x_hat[j] * self.weight[j] + self.bias[j]), x_hat)
    }
}

impl<const N: usize, F: Float> Default for BatchNorm1d<N, F> {
    /// PyTorch's initial state: γ = 1, β = 0, running mean 0, running
    /// variance 1, ε = 10⁻⁵, momentum 0.1.
    fn default() -> Self {
        BatchNorm1d {
            weight: [F::one(); N],
            bias: [F::zero(); N],
            running_mean: [F::zero(); N],
            running_var: [F::one(); N],
            eps: F::from_f64(DEFAULT_EPS),
            momentum: F::from_f64(DEFAULT_MOMENTUM),
        }
    }
}

impl<const N: usize, F> Module for BatchNorm1d<N, F> {}

impl<const N: usize, F: Float> Model<F> for BatchNorm1d<N, F> {
    const PARAMS: usize = 2 * N;

    fn init_with<R: Rng + ?Sized>(_init: Init, _rng: &mut R) -> Self {
        Self::default()
    }
    fn zeroed() -> Self {
        BatchNorm1d { weight: [F::zero(); N], bias: [F::zero(); N], ..Self::default() }
    }
    fn tensors(&self) -> impl Iterator<Item = Tensor<'_, F>> {
        weight_and_bias(&self.weight, &self.bias)
    }
    fn tensors_mut(&mut self) -> impl Iterator<Item = TensorMut<'_, F>> {
        weight_and_bias_mut(&mut self.weight, &mut self.bias)
    }
    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        out.write_str("constnet::layers::BatchNorm1d::from_parts(")?;
        for values in [&self.weight, &self.bias, &self.running_mean, &self.running_var] {
            write_array(out, values)?;
            out.write_str(", ")?;
        }
        write_float(out, self.eps)?;
        out.write_str(", ")?;
        write_float(out, self.momentum)?;
        out.write_char(')')
    }
}

/// One sample: normalised with the running statistics (inference
/// behaviour, also when training on single samples).
impl<const N: usize, const M: usize, F: Float> Layer<[F; M]> for BatchNorm1d<N, F>
where
    [F; M]: SameShape<[F; N]>,
{
    type Output = [F; N];
    /// x̂, the normalised input.
    type Tape = [F; N];

    fn eval(&self, x: &[F; M]) -> [F; N] {
        self.normalise_running(x.as_shape(), &self.running_inv_std()).0
    }

    fn eval_tape(&mut self, x: &[F; M]) -> ([F; N], [F; N]) {
        self.normalise_running(x.as_shape(), &self.running_inv_std())
    }

    fn backprop(&self, x_hat: &[F; N], dy: &[F; N], grads: &mut Self) -> [F; M] {
        let inv_std = self.running_inv_std();
        for j in 0..N {
            grads.weight[j] = grads.weight[j] + dy[j] * x_hat[j];
            grads.bias[j] = grads.bias[j] + dy[j];
        }
        SameShape::from_shape(core::array::from_fn(|j| dy[j] * self.weight[j] * inv_std[j]))
    }
}

/// A batch: training uses the batch's statistics and updates the running
/// ones; inference uses the running ones.
impl<const N: usize, const M: usize, const B: usize, F: Float> Layer<[[F; M]; B]> for BatchNorm1d<N, F>
where
    [F; M]: SameShape<[F; N]>,
{
    type Output = [[F; N]; B];
    /// x̂ for every sample, and 1/√(σ² + ε) per feature.
    type Tape = ([[F; N]; B], [F; N]);

    fn eval(&self, x: &[[F; M]; B]) -> [[F; N]; B] {
        let inv_std = self.running_inv_std();
        core::array::from_fn(|b| self.normalise_running(x[b].as_shape(), &inv_std).0)
    }

    fn eval_tape(&mut self, x: &[[F; M]; B]) -> ([[F; N]; B], Self::Tape) {
        const { assert!(B > 1, "BatchNorm1d needs at least two samples per batch to train (as in PyTorch)") };
        let x: [[F; N]; B] = core::array::from_fn(|b| *x[b].as_shape());
        let n = F::from_usize(B);
        let mut mean = [F::zero(); N];
        let mut var = [F::zero(); N];
        for row in &x {
            for j in 0..N {
                mean[j] = mean[j] + row[j];
            }
        }
        for m in mean.iter_mut() {
            *m = *m / n;
        }
        for row in &x {
            for j in 0..N {
                let d = row[j] - mean[j];
                var[j] = var[j] + d * d;
            }
        }
        for v in var.iter_mut() {
            *v = *v / n;
        }
        let inv_std: [F; N] = core::array::from_fn(|j| F::one() / (var[j] + self.eps).sqrt());
        let x_hat: [[F; N]; B] = core::array::from_fn(|b| core::array::from_fn(|j| (x[b][j] - mean[j]) * inv_std[j]));
        let y = core::array::from_fn(|b| core::array::from_fn(|j| x_hat[b][j] * self.weight[j] + self.bias[j]));

        let keep = F::one() - self.momentum;
        let unbias = n / (n - F::one());
        for j in 0..N {
            self.running_mean[j] = keep * self.running_mean[j] + self.momentum * mean[j];
            self.running_var[j] = keep * self.running_var[j] + self.momentum * var[j] * unbias;
        }
        (y, (x_hat, inv_std))
    }

    /// dx = (1/√(σ² + ε))·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) with dx̂ = dy·γ,
    /// the gradient through the batch statistics.
    fn backprop(&self, tape: &Self::Tape, dy: &[[F; N]; B], grads: &mut Self) -> [[F; M]; B] {
        let (x_hat, inv_std) = tape;
        let n = F::from_usize(B);
        let mut mean_d = [F::zero(); N];
        let mut mean_d_x = [F::zero(); N];
        for b in 0..B {
            for j in 0..N {
                let d_hat = dy[b][j] * self.weight[j];
                mean_d[j] = mean_d[j] + d_hat;
                mean_d_x[j] = mean_d_x[j] + d_hat * x_hat[b][j];
                grads.weight[j] = grads.weight[j] + dy[b][j] * x_hat[b][j];
                grads.bias[j] = grads.bias[j] + dy[b][j];
            }
        }
        for j in 0..N {
            mean_d[j] = mean_d[j] / n;
            mean_d_x[j] = mean_d_x[j] / n;
        }
        core::array::from_fn(|b| {
            SameShape::from_shape(core::array::from_fn(|j| {
                inv_std[j] * (dy[b][j] * self.weight[j] - mean_d[j] - x_hat[b][j] * mean_d_x[j])
            }))
        })
    }
}

/// Layer normalisation over `N` features, as PyTorch's `LayerNorm(N)`: each
/// sample is normalised by its own mean and biased variance,
/// y = (x − μ)/√(σ² + ε)·γ + β. The same in training and inference; a batch
/// is normalised row by row.
///
/// ```
/// use constnet::prelude::*;
///
/// let ln: LayerNorm<4, f64> = LayerNorm::default();
/// let y = ln.forward(&[1.0, 2.0, 3.0, 4.0]);
/// assert!(y.iter().sum::<f64>().abs() < 1e-12);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct LayerNorm<const N: usize, F = f32> {
    weight: [F; N],
    bias: [F; N],
    eps: F,
}

impl<const N: usize, F: Float> LayerNorm<N, F> {
    /// Builds the layer from γ, β and ε, as exported by
    /// [`Model::write_rust`]; a `const fn` that does not validate ε (see
    /// [`with_eps`](Self::with_eps)).
    pub const fn from_parts(weight: [F; N], bias: [F; N], eps: F) -> Self {
        LayerNorm { weight, bias, eps }
    }

    /// The same layer with ε set to `eps`, which must be finite and > 0.
    pub fn with_eps(mut self, eps: F) -> Result<Self, InvalidHyperparameter> {
        self.eps = check_positive("layer-norm eps", eps)?;
        Ok(self)
    }

    /// γ, the per-feature scale.
    pub const fn weight(&self) -> &[F; N] {
        &self.weight
    }
    /// β, the per-feature shift.
    pub const fn bias(&self) -> &[F; N] {
        &self.bias
    }

    /// Returns (y, x̂, 1/√(σ² + ε)) for one sample.
    fn normalise(&self, x: &[F; N]) -> ([F; N], [F; N], F) {
        let n = F::from_usize(N);
        let mean = x.iter().fold(F::zero(), |s, &v| s + v) / n;
        let var = x.iter().fold(F::zero(), |s, &v| s + (v - mean) * (v - mean)) / n;
        let inv_std = F::one() / (var + self.eps).sqrt();
        let x_hat: [F; N] = core::array::from_fn(|j| (x[j] - mean) * inv_std);
        (core::array::from_fn(|j| x_hat[j] * self.weight[j] + self.bias[j]), x_hat, inv_std)
    }
}

impl<const N: usize, F: Float> Default for LayerNorm<N, F> {
    /// PyTorch's initial state: γ = 1, β = 0, ε = 10⁻⁵.
    fn default() -> Self {
        LayerNorm { weight: [F::one(); N], bias: [F::zero(); N], eps: F::from_f64(DEFAULT_EPS) }
    }
}

impl<const N: usize, F> Module for LayerNorm<N, F> {}

impl<const N: usize, F: Float> Model<F> for LayerNorm<N, F> {
    const PARAMS: usize = 2 * N;

    fn init_with<R: Rng + ?Sized>(_init: Init, _rng: &mut R) -> Self {
        Self::default()
    }
    fn zeroed() -> Self {
        LayerNorm { weight: [F::zero(); N], bias: [F::zero(); N], ..Self::default() }
    }
    fn tensors(&self) -> impl Iterator<Item = Tensor<'_, F>> {
        weight_and_bias(&self.weight, &self.bias)
    }
    fn tensors_mut(&mut self) -> impl Iterator<Item = TensorMut<'_, F>> {
        weight_and_bias_mut(&mut self.weight, &mut self.bias)
    }
    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        out.write_str("constnet::layers::LayerNorm::from_parts(")?;
        write_array(out, &self.weight)?;
        out.write_str(", ")?;
        write_array(out, &self.bias)?;
        out.write_str(", ")?;
        write_float(out, self.eps)?;
        out.write_char(')')
    }
}

impl<const N: usize, const M: usize, F: Float> Layer<[F; M]> for LayerNorm<N, F>
where
    [F; M]: SameShape<[F; N]>,
{
    type Output = [F; N];
    /// x̂ and 1/√(σ² + ε).
    type Tape = ([F; N], F);

    fn eval(&self, x: &[F; M]) -> [F; N] {
        self.normalise(x.as_shape()).0
    }

    fn eval_tape(&mut self, x: &[F; M]) -> ([F; N], Self::Tape) {
        let (y, x_hat, inv_std) = self.normalise(x.as_shape());
        (y, (x_hat, inv_std))
    }

    /// dx = (1/√(σ² + ε))·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) with dx̂ = dy·γ.
    fn backprop(&self, tape: &Self::Tape, dy: &[F; N], grads: &mut Self) -> [F; M] {
        let (x_hat, inv_std) = tape;
        let n = F::from_usize(N);
        let mut mean_d = F::zero();
        let mut mean_d_x = F::zero();
        for j in 0..N {
            let d_hat = dy[j] * self.weight[j];
            mean_d = mean_d + d_hat;
            mean_d_x = mean_d_x + d_hat * x_hat[j];
            grads.weight[j] = grads.weight[j] + dy[j] * x_hat[j];
            grads.bias[j] = grads.bias[j] + dy[j];
        }
        let (mean_d, mean_d_x) = (mean_d / n, mean_d_x / n);
        SameShape::from_shape(core::array::from_fn(|j| {
            *inv_std * (dy[j] * self.weight[j] - mean_d - x_hat[j] * mean_d_x)
        }))
    }
}

/// A batch is normalised row by row.
impl<const N: usize, const M: usize, const B: usize, F: Float> Layer<[[F; M]; B]> for LayerNorm<N, F>
where
    [F; M]: SameShape<[F; N]>,
{
    type Output = [[F; N]; B];
    type Tape = [([F; N], F); B];

    fn eval(&self, x: &[[F; M]; B]) -> [[F; N]; B] {
        core::array::from_fn(|b| self.normalise(x[b].as_shape()).0)
    }

    fn eval_tape(&mut self, x: &[[F; M]; B]) -> ([[F; N]; B], Self::Tape) {
        let rows: [([F; N], [F; N], F); B] = core::array::from_fn(|b| self.normalise(x[b].as_shape()));
        (core::array::from_fn(|b| rows[b].0), core::array::from_fn(|b| (rows[b].1, rows[b].2)))
    }

    fn backprop(&self, tape: &Self::Tape, dy: &[[F; N]; B], grads: &mut Self) -> [[F; M]; B] {
        core::array::from_fn(|b| Layer::<[F; N]>::backprop(self, &tape[b], &dy[b], grads)).map(SameShape::from_shape)
    }
}

/// Checks that a setting such as ε is finite and positive.
fn check_positive<F: Float>(name: &'static str, value: F) -> Result<F, InvalidHyperparameter> {
    if value.is_finite() && value > F::zero() {
        Ok(value)
    } else {
        Err(InvalidHyperparameter { name, value: value.as_f64(), expected: "a finite number > 0" })
    }
}
