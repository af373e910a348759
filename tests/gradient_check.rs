//! Finite-difference gradient checks, in `f64`, for every layer and every
//! loss, on random stacks.
//!
//! For a stack `net`, an input `x` and a target `t`, the objective is the
//! scalar L = loss(net.forward(x), t). The analytic gradients come from
//! `forward_tape` → loss → `backward`; both dL/dx and every parameter's
//! dL/dθ are compared with a central finite difference of L.
//!
//! # The difference quotient
//!
//! The central difference D(s) = (L(θ+s) − L(θ−s)) / 2s is taken at
//! s = h, 2h and 4h and the three are combined by Richardson's
//! extrapolation, (512·D(h) − 160·D(2h) + 8·D(4h)) / 360, which cancels the
//! s² and s⁴ terms of their common error series. What is left is
//! ≈ h⁶·|L⁽⁷⁾| / 79 of truncation, so the step can be large, h = 10⁻³:
//!
//! * truncation: ≈ 10⁻²⁰·|L⁽⁷⁾|. A weight multiplying an activation of
//!   size a scales L⁽ⁿ⁾ by aⁿ, and hidden activations here reach 10.
//! * rounding: each evaluation of L is off by a few ulps of L, and the
//!   quotient multiplies that by Σ|weights| / h = 1.65/h: a few 10⁻¹³ for
//!   L ≈ 1.
//!
//! The alternatives, measured:
//!
//! * D(h) alone, the textbook quotient, cannot support 10⁻⁶. On random
//!   7-layer tanh/sigmoid stacks its median error was 8·10⁻¹¹ at
//!   h = 10⁻⁶ (rounding, ε·L/h) and 9·10⁻¹² at its best step, h ≈ 10⁻⁵
//!   (where h²·L‴/6 and ε·L/h balance): 10⁻⁶ could only be asked of
//!   gradients above ≈ 10⁻⁴. With one extrapolation (below) at h = 10⁻³
//!   the median was 10⁻¹³.
//! * One extrapolation, (4·D(h) − D(2h)) / 3, leaves h⁴·|L⁽⁵⁾| / 30. At
//!   h = 10⁻³ it failed cases of this file whose activations were ≈ 5
//!   (|a − n| = 1.5·10⁻¹¹ on a gradient of 1.5·10⁻⁵, shrinking 16-fold as
//!   h halves: truncation).
//!
//! # The criterion
//!
//! |a − n| / max(|a|, |n|, floor) < 10⁻⁶, where the floor is the smallest
//! gradient that the quotient resolves to 10⁻⁶: its rounding error,
//! 1.65·ULPS·ε·max(S, 1)/h, divided by 10⁻⁶. L's own rounding error is a
//! few ulps of S = |L| + Σ_k |y_k·dL/dy_k|: a few ulps of L, plus a few
//! ulps of each output y_k as the loss amplifies them (`bce` near p = 0.99
//! multiplies them by up to 100, large logits make them large). With
//! h = 10⁻³ and S ≤ 1 that floor is ≈ 6·10⁻⁶, so near zero the check demands
//! |a − n| < 6·10⁻¹². A floor of 10⁻⁸ would demand 10⁻¹⁴ of a difference
//! quotient whose rounding error alone is a few 10⁻¹³: it would fail on
//! correct code. A real error in a derivative
//! formula shows up at relative error ~1 on the many gradients far above
//! the floor. (Checked by mutation: an `mse` whose gradient is 1 + 3·10⁻⁶
//! times too large fails the `deep_mixed` check in the first case, and a
//! `softmax_cross_entropy` whose gradient is 10⁻⁹ off in one component
//! fails the `nested` check within a few dozen.)
//!
//! # Kinks
//!
//! ReLU, leaky ReLU and step are not differentiable at their kink, and a
//! finite difference whose stencil straddles one measures a mix of two
//! slopes. Tests of stacks with such layers pass a function that computes
//! every kinked unit's pre-activation minus its kink from the sub-layers:
//! a sample is rejected (and another drawn) when one is within 10⁻⁴ of its
//! kink, and a probe is skipped when one of its stencil points lies on the
//! other side of a kink from the sample.
//!
//! Set `PROPTEST_CASES` to run more cases than the default.

use std::fmt::Debug;

use constnet::Backprop;
use constnet::prelude::*;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use proptest::{array, collection};

type D<const I: usize, const O: usize> = Dense<I, O, f64>;
type Loss<const N: usize> = fn(&[f64; N], &[f64; N]) -> (f64, [f64; N]);

/// The largest relative error accepted between analytic and numeric.
const REL_TOL: f64 = 1e-6;
/// The finite-difference step (see the module docs).
const H: f64 = 1e-3;
/// The difference quotient: Σ w·(L(θ + k·h) − L(θ − k·h)) / (DENOMINATOR·h)
/// over these (k, w).
const STENCIL: [(f64, f64); 3] = [(1.0, 256.0), (2.0, -40.0), (4.0, 1.0)];
const DENOMINATOR: f64 = 360.0;
/// The error of one evaluation of L, in ulps of max(S, 1) (see the module
/// docs), assumed by the floor. Over 2 × 20 000 cases of every test,
/// |a − n| reached 0.38 of the resulting resolution once (the direct `bce`
/// check) and stayed below 0.17 everywhere else.
const EVAL_ULPS: f64 = 16.0;
/// Samples with a pre-activation this close to a kink are rejected.
const KINK_MARGIN: f64 = 1e-4;
/// Weights, biases and inputs are drawn uniformly from ±these.
const WEIGHT: f64 = 1.5;
const INPUT: f64 = 2.0;

/// What [`check`] computed, for tests that assert more than agreement.
struct Checked<M, const I: usize> {
    dx: [f64; I],
    grads: M,
    /// `None` where the probe was skipped because its stencil crossed a kink.
    numeric_dx: [Option<f64>; I],
    /// In the order of `Model::tensors`, flattened.
    numeric_params: Vec<Option<f64>>,
}

/// Checks a stack without kinks.
fn check<M, const I: usize, const O: usize>(
    net: &M,
    x: [f64; I],
    target: [f64; O],
    loss: Loss<O>,
) -> Result<Checked<M, I>, TestCaseError>
where
    M: Model<f64> + Backprop<[f64; I], Output = [f64; O]> + Clone,
{
    check_with(net, x, target, loss, H, |_, _| Vec::new())
}

/// Checks a stack with kinked units: `kinks(net, x)` returns each one's
/// pre-activation minus its kink.
fn check_kinked<M, const I: usize, const O: usize>(
    net: &M,
    x: [f64; I],
    target: [f64; O],
    loss: Loss<O>,
    kinks: impl Fn(&M, &[f64; I]) -> Vec<f64>,
) -> Result<Checked<M, I>, TestCaseError>
where
    M: Model<f64> + Backprop<[f64; I], Output = [f64; O]> + Clone,
{
    check_with(net, x, target, loss, H, kinks)
}

/// Compares dL/dx and every dL/dθ from `backward` with the difference
/// quotient of step `h`.
fn check_with<M, const I: usize, const O: usize>(
    net: &M,
    x: [f64; I],
    target: [f64; O],
    loss: Loss<O>,
    h: f64,
    kinks: impl Fn(&M, &[f64; I]) -> Vec<f64>,
) -> Result<Checked<M, I>, TestCaseError>
where
    M: Model<f64> + Backprop<[f64; I], Output = [f64; O]> + Clone,
{
    let distances = kinks(net, &x);
    prop_assume!(distances.iter().all(|d| d.abs() > KINK_MARGIN), "too close to a kink");
    let side = |m: &M, x: &[f64; I]| kinks(m, x).iter().map(|&d| d > 0.0).collect::<Vec<_>>();
    let sample_side = side(net, &x);

    // The analytic gradients. (A clone runs the training pass, so that any
    // training-mode state change cannot touch the net being checked.)
    let (y, tape) = net.clone().forward_tape(&x);
    prop_assert_eq!(y, net.forward(&x), "forward and forward_tape disagree");
    let (l, dy) = loss(&y, &target);
    prop_assume!(l.is_finite());
    let mut grads = M::zeroed();
    let dx = net.backward(&tape, &dy, &mut grads);

    // L at a perturbed point, or `None` if a kink lies in between.
    let objective = |m: &M, x: &[f64; I]| (side(m, x) == sample_side).then(|| loss(&m.forward(x), &target).0);
    // L's rounding: a few ulps of L itself, and of each output, times how
    // much the loss amplifies it.
    let scale = l.abs() + y.iter().zip(&dy).map(|(y, d)| (y * d).abs()).sum::<f64>();
    let floor = resolution(scale, h) / REL_TOL;

    let numeric_dx: [Option<f64>; I] = core::array::from_fn(|i| {
        derivative(h, |step| {
            let mut probe = x;
            probe[i] += step;
            objective(net, &probe)
        })
    });
    for (i, (&a, &n)) in dx.iter().zip(&numeric_dx).enumerate() {
        if let Some(n) = n {
            agree(&format!("dL/dx[{i}]"), a, n, floor)?;
        }
    }

    let mut shape = net.clone();
    prop_assert_eq!(grads.tensors().count(), shape.tensors_mut().count());
    prop_assert_eq!(grads.tensors().map(|t| t.storage.len()).sum::<usize>(), M::PARAMS);
    let mut numeric_params = Vec::with_capacity(M::PARAMS);
    for (index, (g, param)) in grads.tensors().zip(shape.tensors_mut()).enumerate() {
        prop_assert_eq!((g.name, g.kind, g.storage.len()), (param.name, param.kind, param.storage.len()));
        for (k, &a) in g.storage.iter().enumerate() {
            let numeric = derivative(h, |step| {
                let mut probe = net.clone();
                probe.tensors_mut().nth(index)?.storage[k] += step;
                objective(&probe, &x)
            });
            if let Some(n) = numeric {
                agree(&format!("dL/d{}[{k}] of parameter tensor {index}", g.name), a, n, floor)?;
            }
            numeric_params.push(numeric);
        }
    }
    Ok(Checked { dx, grads, numeric_dx, numeric_params })
}

/// The Richardson-extrapolated central difference of `f` at 0 (see the
/// module docs), or `None` if `f` is `None` at a stencil point.
fn derivative(h: f64, f: impl Fn(f64) -> Option<f64>) -> Option<f64> {
    let mut sum = 0.0;
    for (k, w) in STENCIL {
        sum += w * (f(k * h)? - f(-k * h)?);
    }
    Some(sum / (DENOMINATOR * h))
}

/// The rounding error of [`derivative`] when each evaluation of L is off by
/// [`EVAL_ULPS`] ulps of max(`scale`, 1).
fn resolution(scale: f64, h: f64) -> f64 {
    let gain: f64 = STENCIL.iter().map(|(_, w)| 2.0 * w.abs()).sum::<f64>() / DENOMINATOR;
    gain * EVAL_ULPS * f64::EPSILON * scale.max(1.0) / h
}

/// The criterion of the module docs.
fn agree(what: &str, analytic: f64, numeric: f64, floor: f64) -> Result<(), TestCaseError> {
    let error = (analytic - numeric).abs() / analytic.abs().max(numeric.abs()).max(floor);
    prop_assert!(
        error < REL_TOL,
        "{what}: analytic {analytic:e}, numeric {numeric:e}, relative error {error:.1e} (floor {floor:.1e})"
    );
    Ok(())
}

/// The loss's own gradient: `Identity` passes the loss input through, so
/// dL/dx is the gradient with respect to the loss input.
fn check_loss<const N: usize>(y: [f64; N], target: [f64; N], loss: Loss<N>) -> Result<(), TestCaseError> {
    let checked = check(&Identity, y, target, loss)?;
    prop_assert_eq!(checked.dx, loss(&y, &target).1);
    Ok(())
}

// ---------------------------------------------------------------------------
// Strategies.

/// Runs `PROPTEST_CASES` cases if set, else a few, so that the file runs in
/// seconds in a debug build.
fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 32;
    }
    config
}

/// `base` with every parameter drawn from ±[`WEIGHT`]; hyper-parameters
/// (a leaky ReLU's slope, a step's threshold) are kept.
fn random<M: Model<f64> + Clone + Debug>(base: M) -> impl Strategy<Value = M> {
    collection::vec(-WEIGHT..WEIGHT, M::PARAMS).prop_map(move |values| {
        let mut net = base.clone();
        for (param, value) in net.tensors_mut().flat_map(|t| t.storage).zip(values) {
            *param = value;
        }
        net
    })
}

/// A random `M` with default hyper-parameters.
fn net<M: Model<f64> + Clone + Debug>() -> impl Strategy<Value = M> {
    random(M::zeroed())
}

fn vector<const N: usize>(bound: f64) -> impl Strategy<Value = [f64; N]> {
    array::uniform(-bound..bound)
}

/// Targets for a classifier: non-negative, summing to 1.
fn soft_target<const N: usize>() -> impl Strategy<Value = [f64; N]> {
    array::uniform(0.01..1.0).prop_map(|w: [f64; N]| {
        let sum: f64 = w.iter().sum();
        w.map(|v| v / sum)
    })
}

fn one_hot_target<const N: usize>() -> impl Strategy<Value = [f64; N]> {
    (0..N).prop_map(|class| one_hot(class).unwrap())
}

/// Targets for binary cross-entropy: 0, 1 or anything in between.
fn binary_target<const N: usize>() -> impl Strategy<Value = [f64; N]> {
    array::uniform(prop_oneof![Just(0.0), Just(1.0), 0.0..=1.0])
}

/// Probabilities strictly inside (0.01, 0.99).
fn probabilities<const N: usize>() -> impl Strategy<Value = [f64; N]> {
    array::uniform((0.01..0.99).prop_filter("strictly inside", |&p: &f64| p > 0.01))
}

/// `f(x) - kink` for every element, for kinked activations used alone.
fn minus<const N: usize>(x: &[f64; N], kink: f64) -> Vec<f64> {
    x.iter().map(|v| v - kink).collect()
}

// ---------------------------------------------------------------------------
// Dense.

proptest! {
    #![proptest_config(config())]

    #[test]
    fn dense_1x1(net in net::<D<1, 1>>(), x in vector::<1>(INPUT), t in vector::<1>(1.0)) {
        check(&net, x, t, mse)?;
    }

    #[test]
    fn dense_3x2(net in net::<D<3, 2>>(), x in vector::<3>(INPUT), t in vector::<2>(1.0)) {
        check(&net, x, t, mse)?;
    }

    /// More inputs than outputs.
    #[test]
    fn dense_9x3(net in net::<D<9, 3>>(), x in vector::<9>(INPUT), t in vector::<3>(1.0)) {
        check(&net, x, t, half_sse)?;
    }

    /// Seventeen outputs: dL/dx's dot products run over two 8-lane blocks
    /// and a tail, and the forward pass over two 8-output blocks and one
    /// single output.
    #[test]
    fn dense_4x17(net in net::<D<4, 17>>(), x in vector::<4>(INPUT), t in vector::<17>(1.0)) {
        check(&net, x, t, mse)?;
    }

    /// 41 = 32 + 8 + 1 outputs: every block size of the forward pass.
    #[test]
    fn dense_2x41(net in net::<D<2, 41>>(), x in vector::<2>(INPUT), t in vector::<41>(1.0)) {
        check(&net, x, t, half_sse)?;
    }

    #[test]
    fn dense_chain(net in net::<(D<2, 5>, D<5, 3>, D<3, 1>)>(), x in vector::<2>(INPUT), t in vector::<1>(1.0)) {
        check(&net, x, t, mse)?;
    }
}

// ---------------------------------------------------------------------------
// Activations, alone (dL/dx only) and after a dense layer.

proptest! {
    #![proptest_config(config())]

    #[test]
    fn sigmoid(net in net::<(D<3, 4>, Sigmoid)>(), x in vector::<3>(INPUT), t in vector::<4>(1.0)) {
        check(&Sigmoid, x, [0.5; 3], mse)?;
        check(&net, x, t, mse)?;
    }

    #[test]
    fn tanh(net in net::<(D<3, 4>, Tanh)>(), x in vector::<3>(INPUT), t in vector::<4>(1.0)) {
        check(&Tanh, x, [0.5; 3], mse)?;
        check(&net, x, t, mse)?;
    }

    #[test]
    fn identity(net in net::<(D<3, 4>, Identity)>(), x in vector::<3>(INPUT), t in vector::<4>(1.0)) {
        check(&Identity, x, [0.5; 3], mse)?;
        check(&net, x, t, mse)?;
    }

    #[test]
    fn relu(net in net::<(D<3, 5>, Relu, D<5, 2>)>(), x in vector::<3>(INPUT), t in vector::<2>(1.0)) {
        check_kinked(&Relu, x, [0.5; 3], mse, |_, x| minus(x, 0.0))?;
        check_kinked(&net, x, t, mse, |n, x| minus(&n.0.forward(x), 0.0))?;
    }

    #[test]
    fn leaky_relu_default(
        net in net::<(D<3, 5>, LeakyRelu<f64>, D<5, 2>)>(),
        x in vector::<3>(INPUT),
        t in vector::<2>(1.0),
    ) {
        prop_assert_eq!(net.1.slope, 0.01);
        check_kinked(&LeakyRelu::<f64>::default(), x, [0.5; 3], mse, |_, x| minus(x, 0.0))?;
        check_kinked(&net, x, t, mse, |n, x| minus(&n.0.forward(x), 0.0))?;
    }

    #[test]
    fn leaky_relu_custom_slopes(
        slope in prop_oneof![Just(-0.3), Just(0.2), -2.0..2.0],
        weights in net::<(D<3, 5>, D<5, 2>)>(),
        x in vector::<3>(INPUT),
        t in vector::<2>(1.0),
    ) {
        let net = (weights.0, LeakyRelu::new(slope), weights.1);
        check_kinked(&net.1, x, [0.5; 3], mse, |_, x| minus(x, 0.0))?;
        check_kinked(&net, x, t, mse, |n, x| minus(&n.0.forward(x), 0.0))?;
    }

    /// Softmax inside a stack, followed by a loss on probabilities and by a
    /// dense layer.
    #[test]
    fn softmax(
        net in net::<(D<3, 4>, Softmax, D<4, 2>)>(),
        x in vector::<3>(INPUT),
        z in vector::<4>(INPUT),
        p in soft_target::<4>(),
        t in vector::<2>(1.0),
    ) {
        check(&Softmax, z, p, mse)?;
        check(&(net.0.clone(), Softmax), x, p, mse)?;
        check(&net, x, t, half_sse)?;
    }

    /// The step's derivative is zero: nothing flows back through it, exactly,
    /// and away from the threshold the difference quotient is exactly zero
    /// too. The dense layer after it still learns.
    #[test]
    fn step(
        threshold in prop_oneof![Just(0.0), -1.0..1.0],
        weights in net::<(D<3, 4>, D<4, 2>)>(),
        x in vector::<3>(INPUT),
        t in vector::<2>(1.0),
    ) {
        let alone = check_kinked(&Step::new(threshold), x, [0.5; 3], mse, |s, x| minus(x, s.threshold))?;
        prop_assert_eq!(alone.dx, [0.0; 3]);
        prop_assert!(alone.numeric_dx.iter().flatten().all(|&n| n == 0.0));

        let net = (weights.0, Step::new(threshold), weights.1);
        let checked = check_kinked(&net, x, t, mse, |n, x| minus(&n.0.forward(x), n.1.threshold))?;
        prop_assert_eq!(checked.dx, [0.0; 3]);
        prop_assert!(checked.numeric_dx.iter().flatten().all(|&n| n == 0.0));
        prop_assert!(checked.grads.0.tensors().all(|g| g.storage.iter().all(|&v| v == 0.0)));
        let before_step = <D<3, 4> as Model<f64>>::PARAMS;
        prop_assert!(checked.numeric_params[..before_step].iter().flatten().all(|&n| n == 0.0));
    }
}

// ---------------------------------------------------------------------------
// Losses, on their own input and at the end of a random stack.

type Body = (D<3, 5>, Tanh, D<5, 4>);

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mse_loss(net in net::<Body>(), x in vector::<3>(INPUT), y in vector::<4>(3.0), t in vector::<4>(1.0)) {
        check_loss(y, t, mse)?;
        check(&net, x, t, mse)?;
    }

    #[test]
    fn half_sse_loss(net in net::<Body>(), x in vector::<3>(INPUT), y in vector::<4>(3.0), t in vector::<4>(1.0)) {
        check_loss(y, t, half_sse)?;
        check(&net, x, t, half_sse)?;
    }

    /// On probabilities in (0.01, 0.99): ln p bends on the scale of p, so the
    /// direct check takes a step of 1/100 of the smallest distance to 0 or 1
    /// (and its floor grows as the step shrinks). In the stack the loss sees
    /// σ(z), and ln σ(z) is smooth on the scale of z, so the usual step does.
    #[test]
    fn bce_loss(
        net in net::<(D<3, 5>, Tanh, D<5, 4>, Sigmoid)>(),
        x in vector::<3>(INPUT),
        p in probabilities::<4>(),
        t in binary_target::<4>(),
    ) {
        let h = 1e-2 * p.iter().map(|&p| p.min(1.0 - p)).fold(f64::INFINITY, f64::min);
        let checked = check_with(&Identity, p, t, bce, h, |_, _| Vec::new())?;
        prop_assert_eq!(checked.dx, bce(&p, &t).1);

        prop_assume!(net.forward(&x).iter().all(|&p| 0.01 < p && p < 0.99));
        check(&net, x, t, bce)?;
    }

    #[test]
    fn bce_with_logits_loss(
        net in net::<Body>(),
        x in vector::<3>(INPUT),
        z in vector::<4>(8.0),
        t in binary_target::<4>(),
    ) {
        check_loss(z, t, bce_with_logits)?;
        check(&net, x, t, bce_with_logits)?;
    }

    #[test]
    fn softmax_cross_entropy_one_hot(
        net in net::<Body>(),
        x in vector::<3>(INPUT),
        z in vector::<4>(8.0),
        t in one_hot_target::<4>(),
    ) {
        check_loss(z, t, softmax_cross_entropy)?;
        check(&net, x, t, softmax_cross_entropy)?;
    }

    #[test]
    fn softmax_cross_entropy_soft(
        net in net::<Body>(),
        x in vector::<3>(INPUT),
        z in vector::<4>(8.0),
        t in soft_target::<4>(),
    ) {
        check_loss(z, t, softmax_cross_entropy)?;
        check(&net, x, t, softmax_cross_entropy)?;
    }

    /// Targets that do not sum to 1: the gradient is softmax(z)·Σy − y.
    #[test]
    fn softmax_cross_entropy_unnormalised(z in vector::<4>(8.0), t in array::uniform::<_, 4>(0.0..2.0)) {
        check_loss(z, t, softmax_cross_entropy)?;
    }
}

// ---------------------------------------------------------------------------
// Deep stacks.

/// Every activation, twelve layers.
type Deep =
    (D<3, 6>, Tanh, D<6, 6>, Relu, D<6, 5>, LeakyRelu<f64>, D<5, 5>, Sigmoid, D<5, 4>, Identity, Softmax, D<4, 2>);

/// The pre-activations of `Deep`'s ReLU and leaky ReLU, from its sub-layers.
fn deep_kinks(n: &Deep, x: &[f64; 3]) -> Vec<f64> {
    let relu_in = n.2.forward(&n.1.forward(&n.0.forward(x)));
    let leaky_in = n.4.forward(&n.3.forward(&relu_in));
    relu_in.iter().chain(&leaky_in).copied().collect()
}

type Nested = ((D<3, 4>, Tanh), (D<4, 4>, Sigmoid), D<4, 2>);

/// Nested two levels deep, with kinked layers inside the nesting.
type NestedKinked = ((D<3, 5>, Relu), ((D<5, 5>, LeakyRelu<f64>), (D<5, 4>, Tanh)), D<4, 3>);

fn nested_kinks(n: &NestedKinked, x: &[f64; 3]) -> Vec<f64> {
    let relu_in = n.0.0.forward(x);
    let leaky_in = n.1.0.0.forward(&n.0.1.forward(&relu_in));
    relu_in.iter().chain(&leaky_in).copied().collect()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn deep_mixed(
        weights in net::<Deep>(),
        slope in prop_oneof![Just(0.01), Just(-0.3)],
        x in vector::<3>(INPUT),
        t in vector::<2>(1.0),
    ) {
        let mut net = weights;
        net.5 = LeakyRelu::new(slope);
        check_kinked(&net, x, t, mse, deep_kinks)?;
    }

    #[test]
    fn nested(net in net::<Nested>(), x in vector::<3>(INPUT), t in soft_target::<2>()) {
        check(&net, x, t, softmax_cross_entropy)?;
    }

    #[test]
    fn nested_kinked(net in net::<NestedKinked>(), x in vector::<3>(INPUT), t in one_hot_target::<3>()) {
        check_kinked(&net, x, t, softmax_cross_entropy, nested_kinks)?;
    }
}

// ---------------------------------------------------------------------------
// Accumulation.

proptest! {
    #![proptest_config(config())]

    /// `backward` adds into `grads`: twice on one sample gives exactly twice
    /// the gradients (x + x = 2x is exact), and onto a non-zero accumulator it
    /// gives exactly accumulator + gradient.
    #[test]
    fn backward_accumulates(
        net in net::<Deep>(),
        start in net::<Deep>(),
        x in vector::<3>(INPUT),
        t in vector::<2>(1.0),
    ) {
        let (y, tape) = net.clone().forward_tape(&x);
        let (_, dy) = mse(&y, &t);
        let flat = |m: &Deep| -> Vec<f64> { m.tensors().flat_map(|t| t.storage.iter().copied()).collect::<Vec<_>>() };

        let mut once = Grads::<Deep>::zeroed();
        let dx = net.backward(&tape, &dy, &mut once);
        let mut twice = Grads::<Deep>::zeroed();
        prop_assert_eq!(net.backward(&tape, &dy, &mut twice), dx);
        prop_assert_eq!(net.backward(&tape, &dy, &mut twice), dx);
        let doubled: Vec<f64> = flat(&once).iter().map(|g| 2.0 * g).collect();
        prop_assert_eq!(flat(&twice), doubled);
        prop_assert!(flat(&once).iter().any(|&g| g != 0.0));

        let mut onto = start.clone();
        net.backward(&tape, &dy, &mut onto);
        let sums: Vec<f64> = flat(&start).iter().zip(flat(&once)).map(|(s, g)| s + g).collect();
        prop_assert_eq!(flat(&onto), sums);
    }
}
