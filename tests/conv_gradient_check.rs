//! Finite-difference gradient checks, in `f64`, for Conv1d, Conv2d,
//! MaxPool1d, MaxPool2d, AvgPool2d, Flatten, Residual and the activations on
//! feature maps, alone, batched and stacked into a small CNN.
//!
//! The objective is L = Σ y·dY for a fixed upstream dY (a loss for the
//! stack). The analytic gradients come from `forward_tape` → `backward`;
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
//!
//! Max pooling is piecewise linear: a probe whose stencil moves a window's
//! maximum to another position measures a mix of two slopes. Inputs here
//! are spaced values (no window has two values within 0.05 of each other),
//! and a probe is skipped if the tape's argmax positions differ anywhere on
//! its stencil.

use constnet::prelude::*;
use constnet::{Backprop, Mode, Model, Values};

mod support;
use support::values;

const H: f64 = 1e-3;
const REL_TOL: f64 = 1e-6;

/// A small deterministic generator of values in [−1, 1) (SplitMix64).
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }

    fn fill<X: Values<Scalar = f64>>(&mut self, mut x: X) -> X {
        x.for_each_mut(&mut |v| *v = self.next());
        x
    }
}

/// `x` with `s` added to its value number `index` (row-major).
fn nudged<X: Values<Scalar = f64>>(x: &X, index: usize, s: f64) -> X {
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
fn numeric(f: impl Fn(f64) -> f64) -> f64 {
    let d = |s: f64| (f(s) - f(-s)) / (2.0 * s);
    (512.0 * d(H) - 160.0 * d(2.0 * H) + 8.0 * d(4.0 * H)) / 360.0
}

/// Checks dL/dx and every dL/dθ of L = Σ net(x)·dy. `same_branch(a, b)`
/// says whether inputs `a` and `b` take the same piecewise-linear branch
/// (for max pooling); a probe whose stencil leaves the branch is skipped.
/// Returns how many gradients were compared.
fn check_gradients<L, X>(
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
fn check_gradients_in<M: Mode, L, X>(
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

fn always<X>(_: &X, _: &X) -> bool {
    true
}

fn init<M: Model<f64>>(seed: u64) -> M {
    M::init(&mut Xoshiro256PlusPlus::seed_from_u64(seed))
}

#[test]
fn conv1d_gradients() {
    let mut draw = Draw(1);
    type C = Conv1d<2, 3, 3, 4, 2, 1, f64>;
    let mut conv: C = init(1);
    conv.tensors_mut().nth(1).unwrap().storage.copy_from_slice(&[0.1, -0.2, 0.3]);
    let x = draw.fill([[0.0; 8]; 2]);
    let dy = draw.fill([[0.0; 4]; 3]);
    assert_eq!(check_gradients("conv1d", &conv, &x, &dy, always), 16 + 18 + 3);

    // A batch accumulates the per-sample parameter gradients.
    let xb = draw.fill(Batch([[[0.0; 9]; 2]; 2]));
    let dyb = draw.fill(Batch([[[0.0; 3]; 3]; 2]));
    let conv: Conv1d<2, 3, 3, 3, 3, 0, f64> = init(2);
    check_gradients("conv1d batched, stride 3", &conv, &xb, &dyb, always);
}

#[test]
fn conv2d_gradients() {
    let mut draw = Draw(2);
    let conv: Conv2d<2, 3, 3, 4, 4, 2, 1, f64> = init(3);
    let x = draw.fill([[[0.0; 7]; 7]; 2]);
    let dy = draw.fill([[[0.0; 4]; 4]; 3]);
    assert_eq!(check_gradients("conv2d s2 p1", &conv, &x, &dy, always), 98 + 54 + 3);

    // 6×6 input, kernel 2, padding 2: (6 + 4 − 2)/1 + 1 = 9.
    let conv: Conv2d<1, 2, 2, 9, 9, 1, 2, f64> = init(4);
    let xb = draw.fill(Batch([[[[0.0; 6]; 6]; 1]; 2]));
    let dyb = draw.fill(Batch([[[[0.0; 9]; 9]; 2]; 2]));
    check_gradients("conv2d batched, padding 2", &conv, &xb, &dyb, always);
}

/// Spaced values: a shuffled 0.05·k, k = 0, 1, …, so no two are within 0.05.
fn spaced<X: Values<Scalar = f64>>(mut x: X, seed: u64) -> X {
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

#[test]
fn pooling_gradients() {
    let mut draw = Draw(3);
    let same_2d = |a: &[[[f64; 6]; 6]; 2], b: &[[[f64; 6]; 6]; 2]| {
        MaxPool2d::<2, 3, 3>.forward_tape(a).1.layers() == MaxPool2d::<2, 3, 3>.forward_tape(b).1.layers()
    };
    let x = spaced([[[0.0; 6]; 6]; 2], 5);
    let dy = draw.fill([[[0.0; 3]; 3]; 2]);
    assert_eq!(check_gradients("maxpool2d", &MaxPool2d::<2, 3, 3>, &x, &dy, same_2d), 72);

    // Floor mode: the last row and column of a 7×7 input are dropped.
    let x = spaced([[[0.0; 7]; 7]; 1], 6);
    let dy = draw.fill([[[0.0; 3]; 3]; 1]);
    let same = |a: &[[[f64; 7]; 7]; 1], b: &[[[f64; 7]; 7]; 1]| {
        MaxPool2d::<2, 3, 3>.forward_tape(a).1.layers() == MaxPool2d::<2, 3, 3>.forward_tape(b).1.layers()
    };
    check_gradients("maxpool2d 7x7", &MaxPool2d::<2, 3, 3>, &x, &dy, same);

    let x = spaced([[0.0; 9]; 3], 7);
    let dy = draw.fill([[0.0; 3]; 3]);
    let same_1d = |a: &[[f64; 9]; 3], b: &[[f64; 9]; 3]| {
        MaxPool1d::<3, 3>.forward_tape(a).1.layers() == MaxPool1d::<3, 3>.forward_tape(b).1.layers()
    };
    assert_eq!(check_gradients("maxpool1d", &MaxPool1d::<3, 3>, &x, &dy, same_1d), 27);

    let x = draw.fill(Batch([[[[0.0; 7]; 6]; 2]; 2]));
    let dy = draw.fill(Batch([[[[0.0; 2]; 2]; 2]; 2]));
    check_gradients("avgpool2d k3 batched", &AvgPool2d::<3, 2, 2>, &x, &dy, always);
}

#[test]
fn flatten_gradients() {
    let mut draw = Draw(4);
    let x = draw.fill([[[0.0; 3]; 2]; 2]);
    let dy = draw.fill([0.0; 12]);
    assert_eq!(check_gradients("flatten chw", &Flatten::<12>, &x, &dy, always), 12);
    let x = draw.fill([[0.0; 5]; 2]);
    let dy = draw.fill([0.0; 10]);
    check_gradients("flatten cl", &Flatten::<10>, &x, &dy, always);
    let x = draw.fill(Batch([[[[0.0; 3]; 2]; 2]; 3]));
    let dy = draw.fill(Batch([[0.0; 12]; 3]));
    check_gradients("flatten batched", &Flatten::<12>, &x, &dy, always);
}

#[test]
fn residual_gradients() {
    let mut draw = Draw(5);
    type Block = Residual<(Dense<4, 4, f64>, Tanh, Dense<4, 4, f64>)>;
    let block: Block = init(6);
    let x = draw.fill([0.0; 4]);
    let dy = draw.fill([0.0; 4]);
    assert_eq!(check_gradients("residual", &block, &x, &dy, always), 4 + 40);
    let x = draw.fill(Batch([[0.0; 4]; 3]));
    let dy = draw.fill(Batch([[0.0; 4]; 3]));
    check_gradients("residual batched", &block, &x, &dy, always);

    // Around convolutions: a residual block on a feature map.
    type ConvBlock = Residual<(Conv2d<2, 2, 3, 5, 5, 1, 1, f64>, Tanh, Conv2d<2, 2, 3, 5, 5, 1, 1, f64>)>;
    let block: ConvBlock = init(7);
    let x = draw.fill([[[0.0; 5]; 5]; 2]);
    let dy = draw.fill([[[0.0; 5]; 5]; 2]);
    check_gradients("residual conv", &block, &x, &dy, always);
}

#[test]
fn small_cnn_gradients() {
    let mut draw = Draw(6);
    type Cnn2d = (Conv2d<1, 3, 3, 6, 6, 1, 1, f64>, Tanh, AvgPool2d<2, 3, 3>, Flatten<27>, Dense<27, 3, f64>);
    let net: Cnn2d = init(8);
    let x = draw.fill([[[0.0; 6]; 6]; 1]);
    let dy = draw.fill([0.0; 3]);
    check_gradients("cnn", &net, &x, &dy, always);
    let x = draw.fill(Batch([[[[0.0; 6]; 6]; 1]; 2]));
    let dy = draw.fill(Batch([[0.0; 3]; 2]));
    check_gradients("cnn batched", &net, &x, &dy, always);

    type Cnn1d = (Conv1d<2, 4, 3, 6, 1, 0, f64>, Sigmoid, MaxPool1d<2, 3>, Flatten<12>, Dense<12, 2, f64>);
    let net: Cnn1d = init(9);
    let x = spaced([[0.0; 8]; 2], 10);
    let dy = draw.fill([0.0; 2]);
    let same = |a: &[[f64; 8]; 2], b: &[[f64; 8]; 2]| {
        net.clone().forward_tape(a).1.layers().2 == net.clone().forward_tape(b).1.layers().2
    };
    check_gradients("cnn1d", &net, &x, &dy, same);
}

#[test]
fn batch_norm_2d_gradients() {
    let mut draw = Draw(7);
    let mut bn: BatchNorm2d<2, f64> = BatchNorm2d::default();
    bn.tensors_mut().next().unwrap().storage.copy_from_slice(&[1.5, -0.7]);
    bn.tensors_mut().nth(1).unwrap().storage.copy_from_slice(&[0.2, -0.1]);
    // Training on a batch: through the batch statistics. Every evaluation
    // trains a fresh clone (check_gradients clones), so the running
    // statistics never leak between evaluations.
    let x = draw.fill(Batch([[[[0.0; 3]; 2]; 2]; 3]));
    let dy = draw.fill(Batch([[[[0.0; 3]; 2]; 2]; 3]));
    assert_eq!(check_gradients("batchnorm2d train", &bn, &x, &dy, always), 36 + 4);
    // Evaluation mode, on a single sample and on a batch: the running
    // statistics, an affine map.
    let bn = bn.clone().with_eps(1e-3).unwrap();
    let x = draw.fill([[[0.0; 3]; 2]; 2]);
    let dy = draw.fill([[[0.0; 3]; 2]; 2]);
    check_gradients_in::<EvalMode, _, _>("batchnorm2d single, eval mode", &bn, &x, &dy, always);
    let x = draw.fill(Batch([[[[0.0; 3]; 2]; 2]; 3]));
    let dy = draw.fill(Batch([[[[0.0; 3]; 2]; 2]; 3]));
    check_gradients_in::<EvalMode, _, _>("batchnorm2d batch, eval mode", &bn, &x, &dy, always);
}
