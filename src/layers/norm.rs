//! Normalisation layers: [`BatchNorm1d`] and [`LayerNorm`].

use core::fmt;

use rand::Rng;

use crate::layer::SameShape;
use crate::model::{Tensor, TensorMut, weight_and_bias, weight_and_bias_mut, write_array, write_float};
use crate::{Float, Init, InvalidHyperparameter, Layer, Model, Module};

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

impl<const N: usize, F: Float> BatchNorm1d<N, F> {
    /// PyTorch's initial state, as a constant: γ = 1, β = 0, running mean
    /// 0, running variance 1, ε = 10⁻⁵, momentum 0.1.
    pub const DEFAULT: Self = BatchNorm1d {
        weight: [F::ONE; N],
        bias: [F::ZERO; N],
        running_mean: [F::ZERO; N],
        running_var: [F::ONE; N],
        eps: F::NORM_EPS,
        momentum: F::TENTH,
    };

    /// Back to PyTorch's initial state, keeping ε and the momentum.
    fn reset(&mut self) {
        *self = BatchNorm1d { eps: self.eps, momentum: self.momentum, ..Self::DEFAULT };
    }
}

impl<const N: usize, F: Float> Default for BatchNorm1d<N, F> {
    /// [`BatchNorm1d::DEFAULT`], PyTorch's initial state.
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl<const N: usize, F> Module for BatchNorm1d<N, F> {}

impl<const N: usize, F: Float> Model<F> for BatchNorm1d<N, F> {
    const PARAMS: usize = 2 * N;
    const TENSORS: usize = 2;

    const ZERO: Self = BatchNorm1d { weight: [F::ZERO; N], ..Self::DEFAULT };

    /// PyTorch's initial state (γ = 1, β = 0, fresh running statistics),
    /// keeping ε and the momentum; draws nothing from `rng`.
    fn initialize_with<R: Rng + ?Sized>(&mut self, _init: Init, _rng: &mut R) {
        self.reset();
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

impl<const N: usize, F: Float> LayerNorm<N, F> {
    /// PyTorch's initial state, as a constant: γ = 1, β = 0, ε = 10⁻⁵.
    pub const DEFAULT: Self = LayerNorm { weight: [F::ONE; N], bias: [F::ZERO; N], eps: F::NORM_EPS };
}

impl<const N: usize, F: Float> Default for LayerNorm<N, F> {
    /// [`LayerNorm::DEFAULT`], PyTorch's initial state.
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl<const N: usize, F> Module for LayerNorm<N, F> {}

impl<const N: usize, F: Float> Model<F> for LayerNorm<N, F> {
    const PARAMS: usize = 2 * N;
    const TENSORS: usize = 2;

    const ZERO: Self = LayerNorm { weight: [F::ZERO; N], ..Self::DEFAULT };

    /// γ = 1, β = 0, keeping ε; draws nothing from `rng`.
    fn initialize_with<R: Rng + ?Sized>(&mut self, _init: Init, _rng: &mut R) {
        *self = LayerNorm { eps: self.eps, ..Self::DEFAULT };
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

/// Batch normalisation over the `C` channels of CHW feature maps, as
/// PyTorch's `BatchNorm2d(C)`: y = (x − μ_c)/√(σ_c² + ε)·γ_c + β_c.
///
/// * **Training** ([`forward_tape`](crate::Forward::forward_tape) on a batch
///   `[[[[F; W]; H]; C]; B]`): μ_c and σ_c² are the mean and biased variance
///   of channel `c` over the batch and the positions (n = B·H·W values,
///   summed in order of `b`, `h`, `w`), and the running statistics are
///   updated with momentum m (0.1) and the *unbiased* variance, as PyTorch
///   does. n must be at least 2 (checked at compile time).
/// * **Inference** ([`forward`](crate::Forward::forward)), and any pass on a
///   single sample `[[[F; W]; H]; C]`: the running statistics, as for
///   [`BatchNorm1d`].
///
/// The channel count is checked through [`SameShape`]: a wrong one reads
/// "a layer taking `[[[f32; 8]; 8]; 3]` was given `[[[f32; 8]; 8]; 4]`".
///
/// ```
/// use constnet::prelude::*;
///
/// let mut bn: BatchNorm2d<1, f64> = BatchNorm2d::default();
/// let x = [[[[1.0, 3.0]]], [[[5.0, 7.0]]]]; // two 1×1×2 samples
/// let (y, _) = bn.forward_tape(&x);
/// assert!((y[0][0][0][0] + 1.3416).abs() < 1e-4);
/// // Running mean moved 10% of the way to the batch mean 4.
/// assert!((bn.running_mean()[0] - 0.4).abs() < 1e-12);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct BatchNorm2d<const C: usize, F = f32> {
    /// The per-channel values, stored as a `BatchNorm1d` over the channels.
    channels: BatchNorm1d<C, F>,
}

impl<const C: usize, F: Float> BatchNorm2d<C, F> {
    /// Builds the layer from all its values, as exported by
    /// [`Model::write_rust`]. A `const fn`; it does not validate `eps` and
    /// `momentum` (use [`with_eps`](Self::with_eps) and
    /// [`with_momentum`](Self::with_momentum) for checked settings).
    pub const fn from_parts(
        weight: [F; C],
        bias: [F; C],
        running_mean: [F; C],
        running_var: [F; C],
        eps: F,
        momentum: F,
    ) -> Self {
        BatchNorm2d { channels: BatchNorm1d::from_parts(weight, bias, running_mean, running_var, eps, momentum) }
    }

    /// The same layer with ε set to `eps`, which must be finite and > 0.
    pub fn with_eps(self, eps: F) -> Result<Self, InvalidHyperparameter> {
        Ok(BatchNorm2d { channels: self.channels.with_eps(eps)? })
    }

    /// The same layer with the running-statistics momentum set to
    /// `momentum`, which must be in [0, 1].
    pub fn with_momentum(self, momentum: F) -> Result<Self, InvalidHyperparameter> {
        Ok(BatchNorm2d { channels: self.channels.with_momentum(momentum)? })
    }

    /// γ, the per-channel scale.
    pub const fn weight(&self) -> &[F; C] {
        &self.channels.weight
    }
    /// β, the per-channel shift.
    pub const fn bias(&self) -> &[F; C] {
        &self.channels.bias
    }
    /// The running mean used at inference.
    pub const fn running_mean(&self) -> &[F; C] {
        &self.channels.running_mean
    }
    /// The running (unbiased) variance used at inference.
    pub const fn running_var(&self) -> &[F; C] {
        &self.channels.running_var
    }

    /// The inference map of one sample: returns (y, x̂).
    #[allow(clippy::type_complexity)]
    fn normalise_running<const H: usize, const W: usize>(
        &self,
        x: &[[[F; W]; H]; C],
        inv_std: &[F; C],
    ) -> ([[[F; W]; H]; C], [[[F; W]; H]; C]) {
        let bn = &self.channels;
        let mut y = [[[F::zero(); W]; H]; C];
        let mut x_hat = [[[F::zero(); W]; H]; C];
        for c in 0..C {
            for h in 0..H {
                for w in 0..W {
                    x_hat[c][h][w] = (x[c][h][w] - bn.running_mean[c]) * inv_std[c];
                    y[c][h][w] = x_hat[c][h][w] * bn.weight[c] + bn.bias[c];
                }
            }
        }
        (y, x_hat)
    }
}

impl<const C: usize, F: Float> BatchNorm2d<C, F> {
    /// PyTorch's initial state, as a constant: γ = 1, β = 0, running mean
    /// 0, running variance 1, ε = 10⁻⁵, momentum 0.1.
    pub const DEFAULT: Self = BatchNorm2d { channels: BatchNorm1d::DEFAULT };
}

impl<const C: usize, F: Float> Default for BatchNorm2d<C, F> {
    /// [`BatchNorm2d::DEFAULT`], PyTorch's initial state.
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl<const C: usize, F> Module for BatchNorm2d<C, F> {}

impl<const C: usize, F: Float> Model<F> for BatchNorm2d<C, F> {
    const PARAMS: usize = 2 * C;
    const TENSORS: usize = 2;

    const ZERO: Self = BatchNorm2d { channels: BatchNorm1d::ZERO };

    /// PyTorch's initial state (γ = 1, β = 0, fresh running statistics),
    /// keeping ε and the momentum; draws nothing from `rng`.
    fn initialize_with<R: Rng + ?Sized>(&mut self, _init: Init, _rng: &mut R) {
        self.channels.reset();
    }
    fn tensors(&self) -> impl Iterator<Item = Tensor<'_, F>> {
        let bn = &self.channels;
        weight_and_bias(&bn.weight, &bn.bias)
    }
    fn tensors_mut(&mut self) -> impl Iterator<Item = TensorMut<'_, F>> {
        let bn = &mut self.channels;
        weight_and_bias_mut(&mut bn.weight, &mut bn.bias)
    }
    fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        let bn = &self.channels;
        out.write_str("constnet::layers::BatchNorm2d::from_parts(")?;
        for values in [&bn.weight, &bn.bias, &bn.running_mean, &bn.running_var] {
            write_array(out, values)?;
            out.write_str(", ")?;
        }
        write_float(out, bn.eps)?;
        out.write_str(", ")?;
        write_float(out, bn.momentum)?;
        out.write_char(')')
    }
}

/// One CHW sample: normalised with the running statistics (inference
/// behaviour, also when training on single samples).
impl<const C: usize, const CC: usize, const H: usize, const W: usize, F: Float> Layer<[[[F; W]; H]; CC]>
    for BatchNorm2d<C, F>
where
    [[[F; W]; H]; CC]: SameShape<[[[F; W]; H]; C]>,
{
    type Output = [[[F; W]; H]; C];
    /// x̂, the normalised input.
    type Tape = [[[F; W]; H]; C];

    fn eval(&self, x: &[[[F; W]; H]; CC]) -> [[[F; W]; H]; C] {
        self.normalise_running(x.as_shape(), &self.channels.running_inv_std()).0
    }

    fn eval_tape(&mut self, x: &[[[F; W]; H]; CC]) -> ([[[F; W]; H]; C], [[[F; W]; H]; C]) {
        self.normalise_running(x.as_shape(), &self.channels.running_inv_std())
    }

    fn backprop(&self, x_hat: &[[[F; W]; H]; C], dy: &[[[F; W]; H]; C], grads: &mut Self) -> [[[F; W]; H]; CC] {
        let bn = &self.channels;
        let inv_std = bn.running_inv_std();
        let g = &mut grads.channels;
        let mut dx = [[[F::zero(); W]; H]; C];
        for c in 0..C {
            for h in 0..H {
                for w in 0..W {
                    g.weight[c] = g.weight[c] + dy[c][h][w] * x_hat[c][h][w];
                    g.bias[c] = g.bias[c] + dy[c][h][w];
                    dx[c][h][w] = dy[c][h][w] * bn.weight[c] * inv_std[c];
                }
            }
        }
        SameShape::from_shape(dx)
    }
}

/// A batch of CHW samples: training uses the statistics of each channel
/// over the batch and the positions, and updates the running ones;
/// inference uses the running ones.
impl<const C: usize, const CC: usize, const H: usize, const W: usize, const B: usize, F: Float>
    Layer<[[[[F; W]; H]; CC]; B]> for BatchNorm2d<C, F>
where
    [[[F; W]; H]; CC]: SameShape<[[[F; W]; H]; C]>,
{
    type Output = [[[[F; W]; H]; C]; B];
    /// x̂ for every sample, and 1/√(σ² + ε) per channel.
    type Tape = ([[[[F; W]; H]; C]; B], [F; C]);

    fn eval(&self, x: &[[[[F; W]; H]; CC]; B]) -> [[[[F; W]; H]; C]; B] {
        let inv_std = self.channels.running_inv_std();
        core::array::from_fn(|b| self.normalise_running(x[b].as_shape(), &inv_std).0)
    }

    fn eval_tape(&mut self, x: &[[[[F; W]; H]; CC]; B]) -> ([[[[F; W]; H]; C]; B], Self::Tape) {
        const {
            assert!(
                B * H * W > 1,
                "BatchNorm2d needs at least two values per channel (B·H·W > 1) to train (as in PyTorch)"
            )
        };
        let bn = &mut self.channels;
        let n = F::from_usize(B * H * W);
        let mut mean = [F::zero(); C];
        let mut var = [F::zero(); C];
        for c in 0..C {
            for sample in x {
                for row in &sample.as_shape()[c] {
                    for &v in row {
                        mean[c] = mean[c] + v;
                    }
                }
            }
            mean[c] = mean[c] / n;
            for sample in x {
                for row in &sample.as_shape()[c] {
                    for &v in row {
                        let d = v - mean[c];
                        var[c] = var[c] + d * d;
                    }
                }
            }
            var[c] = var[c] / n;
        }
        let inv_std: [F; C] = core::array::from_fn(|c| F::one() / (var[c] + bn.eps).sqrt());
        let mut x_hat = [[[[F::zero(); W]; H]; C]; B];
        let mut y = [[[[F::zero(); W]; H]; C]; B];
        for b in 0..B {
            let xb = x[b].as_shape();
            for c in 0..C {
                for h in 0..H {
                    for w in 0..W {
                        x_hat[b][c][h][w] = (xb[c][h][w] - mean[c]) * inv_std[c];
                        y[b][c][h][w] = x_hat[b][c][h][w] * bn.weight[c] + bn.bias[c];
                    }
                }
            }
        }
        let keep = F::one() - bn.momentum;
        let unbias = n / (n - F::one());
        for c in 0..C {
            bn.running_mean[c] = keep * bn.running_mean[c] + bn.momentum * mean[c];
            bn.running_var[c] = keep * bn.running_var[c] + bn.momentum * var[c] * unbias;
        }
        (y, (x_hat, inv_std))
    }

    /// dx = (1/√(σ² + ε))·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) with dx̂ = dy·γ,
    /// the means over the batch and the positions of each channel.
    fn backprop(&self, tape: &Self::Tape, dy: &[[[[F; W]; H]; C]; B], grads: &mut Self) -> [[[[F; W]; H]; CC]; B] {
        let (x_hat, inv_std) = tape;
        let bn = &self.channels;
        let g = &mut grads.channels;
        let n = F::from_usize(B * H * W);
        let mut mean_d = [F::zero(); C];
        let mut mean_d_x = [F::zero(); C];
        for b in 0..B {
            for c in 0..C {
                for h in 0..H {
                    for w in 0..W {
                        let d = dy[b][c][h][w];
                        let d_hat = d * bn.weight[c];
                        mean_d[c] = mean_d[c] + d_hat;
                        mean_d_x[c] = mean_d_x[c] + d_hat * x_hat[b][c][h][w];
                        g.weight[c] = g.weight[c] + d * x_hat[b][c][h][w];
                        g.bias[c] = g.bias[c] + d;
                    }
                }
            }
        }
        for c in 0..C {
            mean_d[c] = mean_d[c] / n;
            mean_d_x[c] = mean_d_x[c] / n;
        }
        core::array::from_fn(|b| {
            let mut dx = [[[F::zero(); W]; H]; C];
            for c in 0..C {
                for h in 0..H {
                    for w in 0..W {
                        dx[c][h][w] =
                            inv_std[c] * (dy[b][c][h][w] * bn.weight[c] - mean_d[c] - x_hat[b][c][h][w] * mean_d_x[c]);
                    }
                }
            }
            SameShape::from_shape(dx)
        })
    }
}
