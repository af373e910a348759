//! Finite-difference gradient checks, shared by the gradient-check suites.
//!
//! The objective is L = Σ y·dY for a fixed upstream dY (a loss for the
//! stack). The analytic gradients come from a training pass → `backprop`;
//! each input and each parameter is compared with a central difference of
//! L, D(s) = (L(θ+s) − L(θ−s)) / 2s, taken at s = h, 2h, 4h (h = 10⁻³) and
//! combined by Richardson's extrapolation, (512·D(h) − 160·D(2h) +
//! 8·D(4h)) / 360, which cancels the s² and s⁴ error terms (see
//! `tests/gradient_check.rs` for the derivation and measurements).
//!
//! Criterion: |a − n| / max(|a|, |n|, floor) < 10⁻⁶. The floor is the
//! smallest gradient that the quotient resolves to 10⁻⁶: L carries a
//! rounding error of a few ulps of S = Σ|y·dY|, which the quotient divides
//! by h, so floor = 10⁶ · 8·ε·max(S, 1) / h.

use constnet::prelude::*;
use constnet::{Backprop, Mode, Model, Values};

use super::values;

pub const H: f64 = 1e-3;
pub const REL_TOL: f64 = 1e-6;

/// A small deterministic generator of values in [−1, 1) (SplitMix64).
pub struct Draw(pub u64);

impl Draw {
    pub fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }

    pub fn fill<X: Values<Scalar = f64>>(&mut self, mut x: X) -> X {
        x.for_each_mut(&mut |v| *v = self.next());
        x
    }
}

/// `x` with `s` added to its value number `index` (row-major).
pub fn nudged<X: Values<Scalar = f64>>(x: &X, index: usize, s: f64) -> X {
    let mut x = *x;
    let mut k = 0;
    x.for_each_mut(&mut |v| {
        if k == index {
            *v += s;
        }
        k += 1;
    });
    x
}

/// Richardson-extrapolated central difference of `f` at 0.
pub fn numeric(f: impl Fn(f64) -> f64) -> f64 {
    let d = |s: f64| (f(s) - f(-s)) / (2.0 * s);
    (512.0 * d(H) - 160.0 * d(2.0 * H) + 8.0 * d(4.0 * H)) / 360.0
}

/// Checks dL/dx and every dL/dθ of L = Σ net(x)·dy. `same_branch(a, b)`
/// says whether inputs `a` and `b` take the same piecewise-linear branch
/// (for max pooling); a probe whose stencil leaves the branch is skipped.
/// Returns how many gradients were compared.
pub fn check_gradients<L, X>(
    name: &str,
    net: &L,
    x: &X,
    dy: &<L as constnet::Layer<X>>::Output,
    same_branch: impl Fn(&X, &X) -> bool,
) -> usize
where
    L: Backprop<X> + Model<f64> + Clone,
    X: Values<Scalar = f64>,
    <L as constnet::Layer<X>>::Output: Values<Scalar = f64>,
{
    check_gradients_in::<TrainMode, L, X>(name, net, x, dy, same_branch)
}

/// [`check_gradients`] for the training passes of mode `M`.
pub fn check_gradients_in<M: Mode, L, X>(
    name: &str,
    net: &L,
    x: &X,
    dy: &<L as constnet::Layer<X>>::Output,
    same_branch: impl Fn(&X, &X) -> bool,
) -> usize
where
    L: Backprop<X, M> + Model<f64> + Clone,
    X: Values<Scalar = f64>,
    <L as constnet::Layer<X>>::Output: Values<Scalar = f64>,
{
    let objective = |net: &L, x: &X| -> f64 {
        let (y, _) = Backprop::<X, M>::eval_tape(&mut net.clone(), x);
        values(&y).iter().zip(values(dy)).map(|(a, b)| a * b).sum()
    };
    let scale = {
        let (y, _) = Backprop::<X, M>::eval_tape(&mut net.clone(), x);
        values(&y).iter().zip(values(dy)).map(|(a, b)| (a * b).abs()).sum::<f64>().max(1.0)
    };
    let floor = 1e6 * 8.0 * f64::EPSILON * scale / H;
    let assert_gradient = |what: String, a: f64, n: f64| {
        let err = (a - n).abs() / a.abs().max(n.abs()).max(floor);
        assert!(err < REL_TOL, "{name} {what}: analytic {a}, numeric {n}, relative error {err:e}");
    };

    let (_, tape) = Backprop::<X, M>::eval_tape(&mut net.clone(), x);
    let mut grads = L::zeroed();
    let dx = net.backprop(&tape, dy, &mut grads);
    let mut compared = 0;

    let dx = values(&dx);
    for (i, &analytic) in dx.iter().enumerate() {
        if ![-4.0 * H, 4.0 * H].iter().all(|&s| same_branch(x, &nudged(x, i, s))) {
            continue;
        }
        let n = numeric(|s| objective(net, &nudged(x, i, s)));
        assert_gradient(format!("dx[{i}]"), analytic, n);
        compared += 1;
    }

    let analytic: Vec<Vec<f64>> = grads.tensors().map(|t| t.storage.to_vec()).collect();
    for (t, values) in analytic.iter().enumerate() {
        for (i, &a) in values.iter().enumerate() {
            let n = numeric(|s| {
                let mut shifted = net.clone();
                shifted.tensors_mut().nth(t).unwrap().storage[i] += s;
                objective(&shifted, x)
            });
            assert_gradient(format!("tensor {t}[{i}]"), a, n);
            compared += 1;
        }
    }
    compared
}

pub fn always<X>(_: &X, _: &X) -> bool {
    true
}

pub fn init<M: Model<f64>>(seed: u64) -> M {
    M::init(&mut Xoshiro256PlusPlus::seed_from_u64(seed))
}

/// Spaced values: a shuffled 0.05·k, k = 0, 1, …, so no two are within 0.05.
pub fn spaced<X: Values<Scalar = f64>>(mut x: X, seed: u64) -> X {
    let n = X::LEN;
    let mut order: Vec<usize> = (0..n).collect();
    let mut draw = Draw(seed);
    for i in (1..n).rev() {
        let j = ((draw.next() + 1.0) / 2.0 * (i + 1) as f64) as usize % (i + 1);
        order.swap(i, j);
    }
    let mut order = order.into_iter();
    x.for_each_mut(&mut |v| *v = 0.05 * order.next().unwrap_or(0) as f64 - 1.0);
    x
}
