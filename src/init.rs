//! Weight initialisation schemes, deterministic for a seeded RNG.

use rand::Rng;

use crate::Float;

/// How a layer's weights are drawn when a model is created with
/// [`Model::init_with`](crate::Model::init_with). Biases start at zero.
///
/// `fan_in` and `fan_out` are the layer's input and output widths. The
/// formulas are PyTorch's `torch.nn.init` ones with gain 1 (Xavier) and the
/// ReLU gain √2 (He).
///
/// The draws use only the RNG's raw `u64` output and this crate's own
/// conversions, so a given seed gives the same weights on every target — if
/// the RNG itself does: prefer `Xoshiro256PlusPlus` to `SmallRng`, whose
/// algorithm depends on the pointer width.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Init {
    /// Glorot & Bengio: U(−a, a) with a = √(6 / (fan_in + fan_out)). Suits
    /// tanh and sigmoid layers. The default.
    #[default]
    XavierUniform,
    /// Glorot & Bengio: N(0, σ²) with σ = √(2 / (fan_in + fan_out)).
    XavierNormal,
    /// He et al. (Kaiming): U(−a, a) with a = √(6 / fan_in). Suits ReLU layers.
    HeUniform,
    /// He et al. (Kaiming): N(0, σ²) with σ = √(2 / fan_in).
    HeNormal,
}

impl Init {
    /// Draws one weight for a layer with the given fan-in and fan-out.
    pub fn sample<F: Float, R: Rng + ?Sized>(self, fan_in: usize, fan_out: usize, rng: &mut R) -> F {
        let (fan_in, fan_out) = (fan_in as f64, fan_out as f64);
        let value = match self {
            Init::XavierUniform => uniform_symmetric(rng, libm::sqrt(6.0 / (fan_in + fan_out))),
            Init::XavierNormal => standard_normal(rng) * libm::sqrt(2.0 / (fan_in + fan_out)),
            Init::HeUniform => uniform_symmetric(rng, libm::sqrt(6.0 / fan_in)),
            Init::HeNormal => standard_normal(rng) * libm::sqrt(2.0 / fan_in),
        };
        F::from_f64(value)
    }

    /// Fills a matrix stored transposed — `columns[i]` holds input `i`'s
    /// weight to every output, flat (`flat` views one column) — with draws
    /// for PyTorch's `[outputs][inputs]` shape, in PyTorch's row-major
    /// order, so that a seed means the same matrix whatever the storage.
    pub(crate) fn fill_transposed<F: Float, C, R: Rng + ?Sized>(
        self,
        columns: &mut [C],
        flat: impl Fn(&mut C) -> &mut [F],
        rng: &mut R,
    ) {
        let inputs = columns.len();
        let outputs = columns.first_mut().map_or(0, |column| flat(column).len());
        for o in 0..outputs {
            for column in columns.iter_mut() {
                if let Some(w) = flat(column).get_mut(o) {
                    *w = self.sample(inputs, outputs, rng);
                }
            }
        }
    }
}

/// A uniform draw in [0, 1) with 53 random bits.
fn unit<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform draw in [−bound, bound).
fn uniform_symmetric<R: Rng + ?Sized>(rng: &mut R, bound: f64) -> f64 {
    (2.0 * unit(rng) - 1.0) * bound
}

/// A standard normal draw by the Box–Muller transform (one of the pair is
/// used, which keeps the draw stateless).
fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    // 1 − unit is in (0, 1], so the logarithm is finite.
    let radius = libm::sqrt(-2.0 * libm::log(1.0 - unit(rng)));
    radius * libm::cos(core::f64::consts::TAU * unit(rng))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::Xoshiro256PlusPlus;

    fn draws<const N: usize>(init: Init, fan_in: usize, fan_out: usize) -> [f64; N] {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        core::array::from_fn(|_| init.sample(fan_in, fan_out, &mut rng))
    }

    fn mean_and_var(xs: &[f64]) -> (f64, f64) {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        (mean, xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n)
    }

    #[test]
    #[cfg_attr(miri, ignore = "statistics over 20,000 draws, not memory safety: run natively")]
    fn uniform_schemes_stay_in_their_bounds_with_the_right_variance() {
        for (init, bound) in
            [(Init::XavierUniform, (6.0_f64 / 48.0).sqrt()), (Init::HeUniform, (6.0_f64 / 16.0).sqrt())]
        {
            let xs = draws::<20_000>(init, 16, 32);
            assert!(xs.iter().all(|x| x.abs() <= bound), "{init:?}");
            let (mean, var) = mean_and_var(&xs);
            assert!(mean.abs() < 0.02 * bound, "{init:?}: mean {mean}");
            assert!((var / (bound * bound / 3.0) - 1.0).abs() < 0.03, "{init:?}: var {var}");
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "statistics over 20,000 draws, not memory safety: run natively")]
    fn normal_schemes_have_the_right_variance() {
        for (init, sigma2) in [(Init::XavierNormal, 2.0 / 48.0), (Init::HeNormal, 2.0 / 16.0)] {
            let (mean, var) = mean_and_var(&draws::<20_000>(init, 16, 32));
            assert!(mean.abs() < 0.01, "{init:?}: mean {mean}");
            assert!((var / sigma2 - 1.0).abs() < 0.03, "{init:?}: var {var} vs {sigma2}");
        }
    }

    #[test]
    fn same_seed_same_weights() {
        assert_eq!(draws::<500>(Init::HeNormal, 3, 4), draws::<500>(Init::HeNormal, 3, 4));
    }
}
