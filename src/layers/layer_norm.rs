//! [`LayerNorm`]: each sample normalised by its own statistics.

use core::fmt;

use rand::Rng;

use crate::layer::SameShape;
use crate::layers::moments::moments;
use crate::model::{Tensor, TensorMut, weight_and_bias, weight_and_bias_mut, write_array, write_float};
use crate::optim::check_positive;
use crate::{Backprop, Float, Init, InvalidHyperparameter, Layer, Layout, Mode, Model, Module, PerSample, Shape};

/// Layer normalisation over `N` features, as PyTorch's `LayerNorm(N)`: each
/// sample is normalised by its own mean and biased variance,
/// y = (x − μ)/√(σ² + ε)·γ + β. The same in training and inference, in
/// either [mode](crate::Mode); a [`Batch`](crate::Batch) is normalised
/// sample by sample. A variance too large for the float type is handled as
/// in [`BatchNorm1d`](crate::layers::BatchNorm1d): the output stays
/// normalised, and an input whose sum overflows gives NaN.
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

    /// Replaces γ and β (PyTorch's `weight` and `bias`).
    pub fn set_weights(&mut self, weight: &[F; N], bias: &[F; N]) {
        (self.weight, self.bias) = (*weight, *bias);
    }

    /// Returns (y, x̂, 1/√(σ² + ε)) for one sample.
    fn normalise(&self, x: &[F; N]) -> ([F; N], [F; N], F) {
        let stats = moments(N, self.eps, || x.iter().copied());
        let x_hat: [F; N] = core::array::from_fn(|j| (x[j] - stats.mean) * stats.inv_std);
        (core::array::from_fn(|j| x_hat[j] * self.weight[j] + self.bias[j]), x_hat, stats.inv_std)
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
        let vector = Shape::new(const { &[N] });
        weight_and_bias((vector, Layout::PyTorch), vector, &self.weight, &self.bias)
    }
    fn tensors_mut(&mut self) -> impl Iterator<Item = TensorMut<'_, F>> {
        let vector = Shape::new(const { &[N] });
        weight_and_bias_mut((vector, Layout::PyTorch), vector, &mut self.weight, &mut self.bias)
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

/// A batch is normalised sample by sample.
impl<const N: usize, F> PerSample for LayerNorm<N, F> {}

impl<const N: usize, const M: usize, F: Float> Layer<[F; M]> for LayerNorm<N, F>
where
    [F; M]: SameShape<[F; N]>,
{
    type Output = [F; N];

    fn eval(&self, x: &[F; M]) -> [F; N] {
        self.normalise(x.as_shape()).0
    }
}

impl<const N: usize, const M: usize, F: Float, Md: Mode> Backprop<[F; M], Md> for LayerNorm<N, F>
where
    [F; M]: SameShape<[F; N]>,
{
    /// x̂ and 1/√(σ² + ε).
    type Tape = ([F; N], F);

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
