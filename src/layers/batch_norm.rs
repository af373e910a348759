//! Batch normalisation: [`BatchNorm1d`] (vectors `[F; C]` and 1-D feature
//! maps `[[F; L]; C]`) and [`BatchNorm2d`] (images `[[[F; W]; H]; C]`), one
//! implementation over the channels of any of them.

use core::fmt;

use rand::Rng;

use crate::layer::SameShape;
use crate::layers::moments::moments;
use crate::model::{Tensor, TensorMut, weight_and_bias, weight_and_bias_mut, write_array, write_float};
use crate::optim::check_positive;
use crate::state::{Segment, StateEntry, StateEntryMut, StatePath};
use crate::{
    Backprop, Batch, Float, Init, InvalidHyperparameter, Layer, Layout, Mode, Model, Module, ParamKind, Shape,
    SingleSampleMode,
};

/// Batch normalisation over `C` channels, as PyTorch's `BatchNorm1d(C)`:
/// y = (x − μ_c)/√(σ_c² + ε)·γ_c + β_c, for
///
/// * vectors of `C` features, `[F; C]` (PyTorch's `[N][C]`), and
/// * 1-D feature maps of `C` channels, `[[F; L]; C]` (PyTorch's `[N][C][L]`,
///   what a [`Conv1d`](crate::layers::Conv1d) returns): statistics per
///   channel over the batch *and* the positions.
///
/// Modes (see [`Mode`](crate::Mode)):
///
/// * **Training** ([`forward_tape`](crate::Forward::forward_tape)) needs a
///   [`Batch`]: μ_c and σ_c² are the mean and biased variance of channel
///   `c` over the batch and the positions (n = B·L values, summed in order
///   of sample, then position), and the running statistics are updated with
///   momentum m (0.1): `running_mean ← (1 − m)·running_mean + m·μ`, and the
///   same for the running variance with the *unbiased* batch variance, as
///   PyTorch does. n must be at least 2 (checked at compile time). A single
///   sample in training mode is a compile error: "a layer that needs a
///   batch to train was given one sample".
/// * **Inference** ([`forward`](crate::Forward::forward)) and **evaluation
///   mode** ([`forward_tape_eval`](crate::Forward::forward_tape_eval)), on
///   a sample or a batch: μ and σ² are the running statistics, so the layer
///   is a fixed affine map, and nothing changes.
///
/// γ (`weight`) and β (`bias`) are trained; the running statistics are
/// state, not parameters: they are not in [`tensors`](Model::tensors) and
/// optimisers do not touch them, but they are exported with the model.
///
/// A variance too large for the float type (in `f32`, from deviations of
/// about 10¹⁹) is handled by scaling, so the output stays normalised; an
/// input whose sum overflows gives NaN. The running variance is then ∞,
/// the correctly rounded value.
///
/// ```
/// use constnet::prelude::*;
///
/// let mut bn: BatchNorm1d<2, f64> = BatchNorm1d::default();
/// let (y, _) = bn.forward_tape(&Batch::new([[1.0, 10.0], [3.0, 30.0]]));
/// assert!((y[0][0] + 1.0).abs() < 1e-4 && (y[1][1] - 1.0).abs() < 1e-4);
/// // Running mean moved 10% of the way to the batch mean [2, 20].
/// assert!((bn.running_mean()[1] - 2.0).abs() < 1e-12);
///
/// // After a Conv1d: two samples of 2 channels × 3 positions, statistics
/// // per channel over both samples and all positions.
/// let mut bn: BatchNorm1d<2, f64> = BatchNorm1d::default();
/// let maps = Batch::new([[[1.0, 2.0, 3.0], [0.0; 3]], [[4.0, 5.0, 6.0], [1.0; 3]]]);
/// let (y, _) = bn.forward_tape(&maps);
/// assert!((bn.running_mean()[0] - 0.35).abs() < 1e-12); // 10% of the mean 3.5
/// assert!(y[1][1].iter().all(|&v| (v - 1.0).abs() < 1e-4));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct BatchNorm1d<const C: usize, F = f32> {
    weight: [F; C],
    bias: [F; C],
    running_mean: [F; C],
    running_var: [F; C],
    eps: F,
    momentum: F,
}

/// Batch normalisation over the `C` channels of images (CHW feature maps
/// `[[[F; W]; H]; C]`), as PyTorch's `BatchNorm2d(C)`:
/// y = (x − μ_c)/√(σ_c² + ε)·γ_c + β_c, with the statistics of each channel
/// over the batch and the positions (n = B·H·W values, summed in order of
/// `b`, `h`, `w`). Modes, running statistics and overflow behave as for
/// [`BatchNorm1d`]; training needs a [`Batch`] with B·H·W ≥ 2.
///
/// The channel count is checked through [`SameShape`]: a wrong one reads
/// "a layer taking `[[[f32; 8]; 8]; 3]` was given `[[[f32; 8]; 8]; 4]`".
///
/// ```
/// use constnet::prelude::*;
///
/// let mut bn: BatchNorm2d<1, f64> = BatchNorm2d::default();
/// let x = Batch::new([[[[1.0, 3.0]]], [[[5.0, 7.0]]]]); // two 1×1×2 samples
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

/// A sample whose outer axis is `C` channels, each a run of positions: the
/// shapes batch normalisation normalises channel by channel.
pub(crate) trait Channels<F, const C: usize>: Copy {
    /// The number of positions in each channel.
    const POSITIONS: usize;
    /// Every value zero.
    const ZERO: Self;
    /// The positions of channel `c`, in row-major order (empty if `c ≥ C`).
    fn channel(&self, c: usize) -> &[F];
    /// The positions of channel `c`, mutably.
    fn channel_mut(&mut self, c: usize) -> &mut [F];
}

impl<F: Float, const C: usize> Channels<F, C> for [F; C] {
    const POSITIONS: usize = 1;
    const ZERO: Self = [F::ZERO; C];
    fn channel(&self, c: usize) -> &[F] {
        self.get(c..=c).unwrap_or(&[])
    }
    fn channel_mut(&mut self, c: usize) -> &mut [F] {
        self.get_mut(c..=c).unwrap_or(&mut [])
    }
}

impl<F: Float, const L: usize, const C: usize> Channels<F, C> for [[F; L]; C] {
    const POSITIONS: usize = L;
    const ZERO: Self = [[F::ZERO; L]; C];
    fn channel(&self, c: usize) -> &[F] {
        self.get(c).map_or(&[], |row| &row[..])
    }
    fn channel_mut(&mut self, c: usize) -> &mut [F] {
        self.get_mut(c).map_or(&mut [], |row| &mut row[..])
    }
}

impl<F: Float, const W: usize, const H: usize, const C: usize> Channels<F, C> for [[[F; W]; H]; C] {
    const POSITIONS: usize = H * W;
    const ZERO: Self = [[[F::ZERO; W]; H]; C];
    fn channel(&self, c: usize) -> &[F] {
        self.get(c).map_or(&[], |plane| plane.as_flattened())
    }
    fn channel_mut(&mut self, c: usize) -> &mut [F] {
        self.get_mut(c).map_or(&mut [], |plane| plane.as_flattened_mut())
    }
}

// The loops over channels index several per-channel arrays and reach the
// channel's values through `Channels::channel(c)`, so they count `c`.
#[allow(clippy::needless_range_loop)]
impl<const C: usize, F: Float> BatchNorm1d<C, F> {
    /// Builds the layer from all its values, as exported by
    /// [`Model::write_rust`]. A `const fn`, so the layer can live in a
    /// `static`; it does not validate `eps` and `momentum` (use
    /// [`with_eps`](Self::with_eps) and [`with_momentum`](Self::with_momentum)
    /// for checked settings).
    pub const fn from_parts(
        weight: [F; C],
        bias: [F; C],
        running_mean: [F; C],
        running_var: [F; C],
        eps: F,
        momentum: F,
    ) -> Self {
        BatchNorm1d { weight, bias, running_mean, running_var, eps, momentum }
    }

    /// PyTorch's initial state, as a constant: γ = 1, β = 0, running mean
    /// 0, running variance 1, ε = 10⁻⁵, momentum 0.1.
    pub const DEFAULT: Self = BatchNorm1d {
        weight: [F::ONE; C],
        bias: [F::ZERO; C],
        running_mean: [F::ZERO; C],
        running_var: [F::ONE; C],
        eps: F::NORM_EPS,
        momentum: F::TENTH,
    };

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

    /// γ, the per-channel scale (PyTorch's `weight`).
    pub const fn weight(&self) -> &[F; C] {
        &self.weight
    }
    /// β, the per-channel shift (PyTorch's `bias`).
    pub const fn bias(&self) -> &[F; C] {
        &self.bias
    }
    /// The running mean used at inference.
    pub const fn running_mean(&self) -> &[F; C] {
        &self.running_mean
    }
    /// The running (unbiased) variance used at inference.
    pub const fn running_var(&self) -> &[F; C] {
        &self.running_var
    }

    /// Replaces γ and β (PyTorch's `weight` and `bias`).
    pub fn set_weights(&mut self, weight: &[F; C], bias: &[F; C]) {
        (self.weight, self.bias) = (*weight, *bias);
    }

    /// Replaces the running statistics (PyTorch's `running_mean` and
    /// `running_var` buffers).
    pub fn set_running_statistics(&mut self, mean: &[F; C], var: &[F; C]) {
        (self.running_mean, self.running_var) = (*mean, *var);
    }

    /// Back to PyTorch's initial state, keeping ε and the momentum.
    fn reset(&mut self) {
        *self = BatchNorm1d { eps: self.eps, momentum: self.momentum, ..Self::DEFAULT };
    }

    /// 1/√(running_var + ε) per channel.
    fn running_inv_std(&self) -> [F; C] {
        core::array::from_fn(|c| F::one() / (self.running_var[c] + self.eps).sqrt())
    }

    /// The affine map of the running statistics on one sample: (y, x̂).
    fn normalise_running<X: Channels<F, C>>(&self, x: &X, inv_std: &[F; C]) -> (X, X) {
        let (mut y, mut x_hat) = (X::ZERO, X::ZERO);
        for c in 0..C {
            let (mean, scale, gamma, beta) = (self.running_mean[c], inv_std[c], self.weight[c], self.bias[c]);
            let positions = x.channel(c).iter().zip(x_hat.channel_mut(c));
            for ((&v, h), out) in positions.zip(y.channel_mut(c)) {
                *h = (v - mean) * scale;
                *out = *h * gamma + beta;
            }
        }
        (y, x_hat)
    }

    /// The gradient of the affine map (evaluation mode) on one sample:
    /// dγ += dy·x̂, dβ += dy, dx = dy·γ/√(running_var + ε).
    fn backprop_affine<X: Channels<F, C>>(&self, x_hat: &X, dy: &X, inv_std: &[F; C], grads: &mut Self) -> X {
        let mut dx = X::ZERO;
        for c in 0..C {
            let factor = self.weight[c] * inv_std[c];
            let positions = dy.channel(c).iter().zip(x_hat.channel(c));
            for ((&d, &h), out) in positions.zip(dx.channel_mut(c)) {
                grads.weight[c] = grads.weight[c] + d * h;
                grads.bias[c] = grads.bias[c] + d;
                *out = d * factor;
            }
        }
        dx
    }

    /// Inference on a batch: the affine map, sample by sample.
    fn eval_batch<X: Channels<F, C>, const B: usize>(&self, x: &Batch<X, B>) -> Batch<X, B> {
        let inv_std = self.running_inv_std();
        x.map(|sample| self.normalise_running(&sample, &inv_std).0)
    }

    /// A training-mode pass over a batch: the statistics of each channel
    /// over the batch and the positions, the running statistics updated.
    /// Returns y and the tape (x̂, 1/√(σ² + ε) per channel).
    fn train_batch<X: Channels<F, C>, const B: usize>(
        &mut self,
        x: &Batch<X, B>,
    ) -> (Batch<X, B>, BatchTape<X, F, B, C>) {
        let n = B * X::POSITIONS;
        let count = F::from_usize(n);
        let mut x_hat = Batch([X::ZERO; B]);
        let mut y = Batch([X::ZERO; B]);
        let mut inv_std = [F::zero(); C];
        let keep = F::one() - self.momentum;
        let unbias = count / (count - F::one());
        for c in 0..C {
            let stats = moments(n, self.eps, || x.iter().flat_map(|sample| sample.channel(c).iter().copied()));
            inv_std[c] = stats.inv_std;
            for ((sample, h), out) in x.iter().zip(x_hat.iter_mut()).zip(y.iter_mut()) {
                let positions = sample.channel(c).iter().zip(h.channel_mut(c));
                for ((&v, h), out) in positions.zip(out.channel_mut(c)) {
                    *h = (v - stats.mean) * stats.inv_std;
                    *out = *h * self.weight[c] + self.bias[c];
                }
            }
            self.running_mean[c] = keep * self.running_mean[c] + self.momentum * stats.mean;
            self.running_var[c] = keep * self.running_var[c] + self.momentum * stats.variance * unbias;
        }
        (y, (x_hat, inv_std))
    }

    /// The training-mode gradient, through the batch statistics:
    /// dx = (1/√(σ² + ε))·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) with dx̂ = dy·γ,
    /// the means over the batch and the positions of each channel.
    fn backprop_batch<X: Channels<F, C>, const B: usize>(
        &self,
        (x_hat, inv_std): &BatchTape<X, F, B, C>,
        dy: &Batch<X, B>,
        grads: &mut Self,
    ) -> Batch<X, B> {
        let count = F::from_usize(B * X::POSITIONS);
        let mut dx = Batch([X::ZERO; B]);
        for c in 0..C {
            let gamma = self.weight[c];
            let (mut mean_d, mut mean_d_x) = (F::zero(), F::zero());
            for (d_sample, h_sample) in dy.iter().zip(x_hat) {
                for (&d, &h) in d_sample.channel(c).iter().zip(h_sample.channel(c)) {
                    let d_hat = d * gamma;
                    mean_d = mean_d + d_hat;
                    mean_d_x = mean_d_x + d_hat * h;
                    grads.weight[c] = grads.weight[c] + d * h;
                    grads.bias[c] = grads.bias[c] + d;
                }
            }
            (mean_d, mean_d_x) = (mean_d / count, mean_d_x / count);
            for ((d_sample, h_sample), out) in dy.iter().zip(x_hat).zip(dx.iter_mut()) {
                let positions = d_sample.channel(c).iter().zip(h_sample.channel(c));
                for ((&d, &h), out) in positions.zip(out.channel_mut(c)) {
                    *out = inv_std[c] * (d * gamma - mean_d - h * mean_d_x);
                }
            }
        }
        dx
    }

    /// The tape of an evaluation-mode pass over a batch: x̂ from the running
    /// statistics, and their 1/√(running_var + ε).
    fn eval_batch_tape<X: Channels<F, C>, const B: usize>(
        &self,
        x: &Batch<X, B>,
    ) -> (Batch<X, B>, BatchTape<X, F, B, C>) {
        let inv_std = self.running_inv_std();
        let passes = x.map(|sample| self.normalise_running(&sample, &inv_std));
        (passes.map(|(y, _)| y), (passes.map(|(_, x_hat)| x_hat), inv_std))
    }

    /// `Model::tensors` of the per-channel parameters.
    fn parameter_views(&self) -> impl Iterator<Item = Tensor<'_, F>> {
        let vector = Shape::new(const { &[C] });
        weight_and_bias((vector, Layout::PyTorch), vector, &self.weight, &self.bias)
    }

    /// `Model::tensors_mut` of the per-channel parameters.
    fn parameter_views_mut(&mut self) -> impl Iterator<Item = TensorMut<'_, F>> {
        let vector = Shape::new(const { &[C] });
        weight_and_bias_mut((vector, Layout::PyTorch), vector, &mut self.weight, &mut self.bias)
    }

    /// Writes `constnet::layers::$name::from_parts(…)`.
    fn write_parts<W: fmt::Write>(&self, name: &str, out: &mut W) -> fmt::Result {
        write!(out, "constnet::layers::{name}::from_parts(")?;
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

/// What a batch pass keeps: x̂ for every sample, and 1/√(σ² + ε) per
/// channel (of the batch in training mode, of the running statistics in
/// evaluation mode).
type BatchTape<X, F, const B: usize, const C: usize> = (Batch<X, B>, [F; C]);

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

    /// PyTorch's initial state, as a constant: γ = 1, β = 0, running mean
    /// 0, running variance 1, ε = 10⁻⁵, momentum 0.1.
    pub const DEFAULT: Self = BatchNorm2d { channels: BatchNorm1d::DEFAULT };

    /// The same layer with ε set to `eps`, which must be finite and > 0.
    pub fn with_eps(self, eps: F) -> Result<Self, InvalidHyperparameter> {
        Ok(BatchNorm2d { channels: self.channels.with_eps(eps)? })
    }

    /// The same layer with the running-statistics momentum set to
    /// `momentum`, which must be in [0, 1].
    pub fn with_momentum(self, momentum: F) -> Result<Self, InvalidHyperparameter> {
        Ok(BatchNorm2d { channels: self.channels.with_momentum(momentum)? })
    }

    /// γ, the per-channel scale (PyTorch's `weight`).
    pub const fn weight(&self) -> &[F; C] {
        self.channels.weight()
    }
    /// β, the per-channel shift (PyTorch's `bias`).
    pub const fn bias(&self) -> &[F; C] {
        self.channels.bias()
    }
    /// The running mean used at inference.
    pub const fn running_mean(&self) -> &[F; C] {
        self.channels.running_mean()
    }
    /// The running (unbiased) variance used at inference.
    pub const fn running_var(&self) -> &[F; C] {
        self.channels.running_var()
    }

    /// Replaces γ and β (PyTorch's `weight` and `bias`).
    pub fn set_weights(&mut self, weight: &[F; C], bias: &[F; C]) {
        self.channels.set_weights(weight, bias);
    }

    /// Replaces the running statistics (PyTorch's `running_mean` and
    /// `running_var` buffers).
    pub fn set_running_statistics(&mut self, mean: &[F; C], var: &[F; C]) {
        self.channels.set_running_statistics(mean, var);
    }
}

/// The per-channel state of a batch-norm layer: a `BatchNorm1d` itself, or
/// the one inside a `BatchNorm2d`.
trait PerChannel<const C: usize, F> {
    fn stats(&self) -> &BatchNorm1d<C, F>;
    fn stats_mut(&mut self) -> &mut BatchNorm1d<C, F>;
}

impl<const C: usize, F> PerChannel<C, F> for BatchNorm1d<C, F> {
    fn stats(&self) -> &BatchNorm1d<C, F> {
        self
    }
    fn stats_mut(&mut self) -> &mut BatchNorm1d<C, F> {
        self
    }
}

impl<const C: usize, F> PerChannel<C, F> for BatchNorm2d<C, F> {
    fn stats(&self) -> &BatchNorm1d<C, F> {
        &self.channels
    }
    fn stats_mut(&mut self) -> &mut BatchNorm1d<C, F> {
        &mut self.channels
    }
}

/// `Default`, `Module` and `Model` for a batch-norm layer; `$zero` is its
/// `ZERO` (PyTorch's initial state with γ = 0).
macro_rules! batch_norm_model {
    ($name:ident, $zero:expr) => {
        impl<const C: usize, F: Float> Default for $name<C, F> {
            /// PyTorch's initial state (`DEFAULT`).
            fn default() -> Self {
                Self::DEFAULT
            }
        }

        impl<const C: usize, F> Module for $name<C, F> {}

        impl<const C: usize, F: Float> Model<F> for $name<C, F> {
            const PARAMS: usize = 2 * C;
            const TENSORS: usize = 2;

            const ZERO: Self = $zero;

            /// PyTorch's initial state (γ = 1, β = 0, fresh running
            /// statistics), keeping ε and the momentum; draws nothing from
            /// `rng`.
            fn initialize_with<R: Rng + ?Sized>(&mut self, _init: Init, _rng: &mut R) {
                self.stats_mut().reset();
            }
            fn tensors(&self) -> impl Iterator<Item = Tensor<'_, F>> {
                self.stats().parameter_views()
            }
            fn tensors_mut(&mut self) -> impl Iterator<Item = TensorMut<'_, F>> {
                self.stats_mut().parameter_views_mut()
            }
            /// γ and β, then the buffers `running_mean`, `running_var` and
            /// `num_batches_tracked`, which this layer does not count.
            fn visit_state<V>(&self, prefix: Option<&StatePath<'_>>, visit: &mut V)
            where
                V: FnMut(&StatePath<'_>, &'static str, StateEntry<'_, F>) + ?Sized,
            {
                let layer = core::any::type_name::<Self>();
                let stats = self.stats();
                let vector = Shape::new(const { &[C] });
                let buffer = |name, storage| Tensor {
                    name,
                    kind: ParamKind::Buffer,
                    shape: vector,
                    layout: Layout::PyTorch,
                    storage,
                };
                let buffers =
                    [buffer("running_mean", &stats.running_mean[..]), buffer("running_var", &stats.running_var[..])];
                for tensor in stats.parameter_views().chain(buffers) {
                    visit(&StatePath::new(prefix, Segment::Name(tensor.name)), layer, StateEntry::Tensor(tensor));
                }
                let name = "num_batches_tracked";
                visit(&StatePath::new(prefix, Segment::Name(name)), layer, StateEntry::Untracked { name });
            }
            fn visit_state_mut<V>(&mut self, prefix: Option<&StatePath<'_>>, visit: &mut V)
            where
                V: FnMut(&StatePath<'_>, &'static str, StateEntryMut<'_, F>) + ?Sized,
            {
                let layer = core::any::type_name::<Self>();
                let stats = self.stats_mut();
                let vector = Shape::new(const { &[C] });
                for tensor in stats.parameter_views_mut() {
                    visit(&StatePath::new(prefix, Segment::Name(tensor.name)), layer, StateEntryMut::TensorMut(tensor));
                }
                let buffer = |name, storage| TensorMut {
                    name,
                    kind: ParamKind::Buffer,
                    shape: vector,
                    layout: Layout::PyTorch,
                    storage,
                };
                let buffers = [
                    buffer("running_mean", &mut stats.running_mean[..]),
                    buffer("running_var", &mut stats.running_var[..]),
                ];
                for tensor in buffers {
                    visit(&StatePath::new(prefix, Segment::Name(tensor.name)), layer, StateEntryMut::TensorMut(tensor));
                }
                let name = "num_batches_tracked";
                visit(&StatePath::new(prefix, Segment::Name(name)), layer, StateEntryMut::Untracked { name });
            }
            fn write_rust<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
                self.stats().write_parts(stringify!($name), out)
            }
        }
    };
}

batch_norm_model!(BatchNorm1d, BatchNorm1d { weight: [F::ZERO; C], ..Self::DEFAULT });
batch_norm_model!(BatchNorm2d, BatchNorm2d { channels: BatchNorm1d::ZERO });

/// `Layer` and `Backprop` of a batch-norm layer for one kind of sample,
/// `$sample` (with const parameters `$g`), which must be the same type as
/// `$canonical`, the kind with exactly `C` channels: on one sample
/// (inference, and evaluation mode) and on a [`Batch`] (inference, and
/// training in either mode).
macro_rules! batch_norm_layer {
    ($name:ident, [$(const $g:ident),*], $sample:ty, $canonical:ty) => {
        /// One sample: the affine map of the running statistics.
        impl<const C: usize, $(const $g: usize,)* F: Float> Layer<$sample> for $name<C, F>
        where
            $sample: SameShape<$canonical>,
        {
            type Output = $canonical;

            fn eval(&self, x: &$sample) -> $canonical {
                let stats = self.stats();
                stats.normalise_running(x.as_shape(), &stats.running_inv_std()).0
            }
        }

        /// One sample, trained in evaluation mode only: training mode needs
        /// the statistics of a [`Batch`].
        impl<const C: usize, $(const $g: usize,)* F: Float, Md: SingleSampleMode<$sample>> Backprop<$sample, Md>
            for $name<C, F>
        where
            $sample: SameShape<$canonical>,
        {
            /// x̂, the normalised input.
            type Tape = $canonical;

            fn eval_tape(&mut self, x: &$sample) -> ($canonical, $canonical) {
                let stats = self.stats();
                stats.normalise_running(x.as_shape(), &stats.running_inv_std())
            }

            fn backprop(&self, x_hat: &$canonical, dy: &$canonical, grads: &mut Self) -> $sample {
                let stats = self.stats();
                SameShape::from_shape(stats.backprop_affine(x_hat, dy, &stats.running_inv_std(), grads.stats_mut()))
            }
        }

        /// A batch at inference: the affine map, sample by sample.
        impl<const C: usize, $(const $g: usize,)* const B: usize, F: Float> Layer<Batch<$sample, B>> for $name<C, F>
        where
            Batch<$sample, B>: SameShape<Batch<$canonical, B>>,
        {
            type Output = Batch<$canonical, B>;

            fn eval(&self, x: &Batch<$sample, B>) -> Batch<$canonical, B> {
                self.stats().eval_batch(x.as_shape())
            }
        }

        /// A batch in training: the batch's statistics in
        /// [`TrainMode`](crate::TrainMode), the running ones in
        /// [`EvalMode`](crate::EvalMode).
        impl<const C: usize, $(const $g: usize,)* const B: usize, F: Float, Md: Mode> Backprop<Batch<$sample, B>, Md>
            for $name<C, F>
        where
            Batch<$sample, B>: SameShape<Batch<$canonical, B>>,
        {
            /// x̂ for every sample, and 1/√(σ² + ε) per channel.
            type Tape = BatchTape<$canonical, F, B, C>;

            fn eval_tape(&mut self, x: &Batch<$sample, B>) -> (Batch<$canonical, B>, Self::Tape) {
                const {
                    assert!(
                        !Md::TRAINING || B * <$canonical as Channels<F, C>>::POSITIONS > 1,
                        concat!(
                            stringify!($name),
                            " needs at least two values per channel (samples × positions) to train, as in PyTorch"
                        )
                    )
                };
                if Md::TRAINING {
                    self.stats_mut().train_batch(x.as_shape())
                } else {
                    self.stats().eval_batch_tape(x.as_shape())
                }
            }

            fn backprop(&self, tape: &Self::Tape, dy: &Batch<$canonical, B>, grads: &mut Self) -> Batch<$sample, B> {
                let (stats, grads) = (self.stats(), grads.stats_mut());
                let dx = if Md::TRAINING {
                    stats.backprop_batch(tape, dy, grads)
                } else {
                    let (x_hat, inv_std) = tape;
                    Batch::from_fn(|b| stats.backprop_affine(&x_hat[b], &dy[b], inv_std, grads))
                };
                SameShape::from_shape(dx)
            }
        }
    };
}

batch_norm_layer!(BatchNorm1d, [const M], [F; M], [F; C]);
batch_norm_layer!(BatchNorm1d, [const L, const CC], [[F; L]; CC], [[F; L]; C]);
batch_norm_layer!(BatchNorm2d, [const W, const H, const CC], [[[F; W]; H]; CC], [[[F; W]; H]; C]);
