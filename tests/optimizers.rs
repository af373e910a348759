//! Optimisers and learning-rate schedules.
//!
//! * PyTorch parity: for every case of `tests/data/vectors_seed0.json`, the
//!   `sgd_momentum` trajectory (2 full-batch steps: gradient, velocity and
//!   parameters after each step, the loss before each step and after the
//!   last) and the `adam` trajectory (3 steps: gradient, m, v, parameters,
//!   losses), in `f64`, within |got − expected| ≤ 1e-12·max(1, |expected|).
//!   Each step is [`train_batch`]: the gradient is recomputed on the same
//!   batch at the current parameters, averaged, and one optimiser step taken.
//! * Nesterov momentum, AdamW against Adam, RMSprop and weight decay by hand.
//! * Schedules: the documented sequences, by hand.
//! * Every hyper-parameter outside its range is rejected, naming it.

use std::sync::LazyLock;

use constnet::optim::schedule::{Constant, Cyclic, ExponentialDecay, StepDecay, Warmup};
use constnet::prelude::*;
use constnet::{Backprop, InvalidHyperparameter, ParamKind};
use serde::Deserialize;

// ---------------------------------------------------------------------------
// The reference file (the parts these tests use).
// ---------------------------------------------------------------------------

static REFERENCE: LazyLock<Reference> = LazyLock::new(|| {
    let text = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/vectors_seed0.json"));
    serde_json::from_str(text).expect("tests/data/vectors_seed0.json parses")
});

#[derive(Deserialize)]
struct Reference {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    loss: String,
    inputs: Vec<Vec<f64>>,
    targets: Option<Vec<Vec<f64>>>,
    target_classes: Option<Vec<usize>>,
    params_initial: Vec<Params>,
    sgd_momentum: MomentumRun,
    adam: AdamRun,
}

/// One Dense layer's parameters (or gradients, or optimiser state): W is
/// `[out][in]`.
#[derive(Deserialize, Clone, Debug, PartialEq)]
struct Params {
    #[serde(rename = "W")]
    w: Vec<Vec<f64>>,
    b: Vec<f64>,
}

#[derive(Deserialize)]
struct MomentumRun {
    lr: f64,
    momentum: f64,
    dampening: f64,
    nesterov: bool,
    steps: Vec<MomentumStep>,
    loss_after: f64,
}

#[derive(Deserialize)]
struct MomentumStep {
    loss_before: f64,
    grads: Vec<Params>,
    velocity: Vec<Params>,
    params: Vec<Params>,
}

#[derive(Deserialize)]
struct AdamRun {
    lr: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    steps: Vec<AdamStep>,
    loss_after: f64,
}

#[derive(Deserialize)]
struct AdamStep {
    loss_before: f64,
    grads: Vec<Params>,
    m: Vec<Params>,
    v: Vec<Params>,
    params: Vec<Params>,
}

fn case(name: &str) -> &'static Case {
    REFERENCE.cases.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no case {name:?} in the reference file"))
}

// ---------------------------------------------------------------------------
// Comparison: |got − expected| ≤ 1e-12 · max(1, |expected|).
// ---------------------------------------------------------------------------

const TOL: f64 = 1e-12;

/// Collects mismatches and fails listing them all.
struct Checker {
    context: String,
    compared: usize,
    worst: f64,
    failures: Vec<String>,
}

impl Checker {
    fn new(context: impl Into<String>) -> Self {
        Checker { context: context.into(), compared: 0, worst: 0.0, failures: Vec::new() }
    }

    fn scalar(&mut self, quantity: &str, got: f64, expected: f64) {
        self.compared += 1;
        let diff = (got - expected).abs();
        let allowed = TOL * expected.abs().max(1.0);
        self.worst = self.worst.max(diff / allowed);
        // False for NaN, so a NaN fails.
        let within = diff <= allowed;
        if !within {
            self.failures.push(format!("{quantity}: got {got:e}, expected {expected:e} (|diff| = {diff:e})"));
        }
    }

    fn params(&mut self, quantity: &str, got: &[Params], expected: &[Params]) {
        assert_eq!(got.len(), expected.len(), "{}: {quantity}: layer count", self.context);
        for (l, (g, e)) in got.iter().zip(expected).enumerate() {
            assert_eq!(g.w.len(), e.w.len(), "{}: {quantity}: layer {l} rows", self.context);
            for (o, (g_row, e_row)) in g.w.iter().zip(&e.w).enumerate() {
                assert_eq!(g_row.len(), e_row.len(), "{}: {quantity}: layer {l} columns", self.context);
                for (i, (&gv, &ev)) in g_row.iter().zip(e_row).enumerate() {
                    self.scalar(&format!("{quantity}.layer{l}.W[{o}][{i}]"), gv, ev);
                }
            }
            assert_eq!(g.b.len(), e.b.len(), "{}: {quantity}: layer {l} bias", self.context);
            for (o, (&gv, &ev)) in g.b.iter().zip(&e.b).enumerate() {
                self.scalar(&format!("{quantity}.layer{l}.b[{o}]"), gv, ev);
            }
        }
    }

    fn finish(self) {
        assert!(self.compared > 0, "{}: nothing compared", self.context);
        assert!(
            self.failures.is_empty(),
            "{}: {} of {} values out of tolerance:\n{}",
            self.context,
            self.failures.len(),
            self.compared,
            self.failures.join("\n")
        );
        eprintln!("{}: {} values within 1e-12; worst |diff|/allowed = {:.1e}", self.context, self.compared, self.worst);
    }
}

// ---------------------------------------------------------------------------
// The reference architectures as typed f64 stacks (as in
// tests/reference_vectors.rs).
// ---------------------------------------------------------------------------

fn arr<const N: usize>(values: &[f64]) -> [f64; N] {
    assert_eq!(values.len(), N, "vector length");
    core::array::from_fn(|k| values[k])
}

fn dense<const I: usize, const O: usize>(p: &Params) -> Dense<I, O, f64> {
    assert_eq!(p.w.len(), O, "matrix rows");
    Dense::from_weights(core::array::from_fn(|o| arr(&p.w[o])), arr(&p.b))
}

fn dense_params<const I: usize, const O: usize>(layer: &Dense<I, O, f64>) -> Params {
    Params { w: layer.weight().iter().map(|row| row.to_vec()).collect(), b: layer.bias().to_vec() }
}

/// A typed stack built from a reference case's parameters; `params` reads
/// a model-shaped value (parameters, gradients or optimiser state) back.
trait RefNet<const I: usize, const O: usize>: Model<f64> + Backprop<[f64; I], Output = [f64; O]> + Clone {
    fn from_params(params: &[Params]) -> Self;
    fn params(&self) -> Vec<Params>;
}

type TwoLayer<const I: usize, const H: usize, const O: usize, A1, A2> = (Dense<I, H, f64>, A1, Dense<H, O, f64>, A2);
type TwoLayerLogits<const I: usize, const H: usize, const O: usize, A1> = (Dense<I, H, f64>, A1, Dense<H, O, f64>);
type ThreeLayer<const I: usize, const H1: usize, const H2: usize, const O: usize, A1, A2, A3> =
    (Dense<I, H1, f64>, A1, Dense<H1, H2, f64>, A2, Dense<H2, O, f64>, A3);

impl<const I: usize, const H: usize, const O: usize, A1, A2> RefNet<I, O> for TwoLayer<I, H, O, A1, A2>
where
    A1: Default + Clone + Model<f64> + Backprop<[f64; H], Output = [f64; H]>,
    A2: Default + Clone + Model<f64> + Backprop<[f64; O], Output = [f64; O]>,
{
    fn from_params(p: &[Params]) -> Self {
        assert_eq!(p.len(), 2);
        (dense(&p[0]), A1::default(), dense(&p[1]), A2::default())
    }
    fn params(&self) -> Vec<Params> {
        vec![dense_params(&self.0), dense_params(&self.2)]
    }
}

impl<const I: usize, const H: usize, const O: usize, A1> RefNet<I, O> for TwoLayerLogits<I, H, O, A1>
where
    A1: Default + Clone + Model<f64> + Backprop<[f64; H], Output = [f64; H]>,
{
    fn from_params(p: &[Params]) -> Self {
        assert_eq!(p.len(), 2);
        (dense(&p[0]), A1::default(), dense(&p[1]))
    }
    fn params(&self) -> Vec<Params> {
        vec![dense_params(&self.0), dense_params(&self.2)]
    }
}

impl<const I: usize, const H1: usize, const H2: usize, const O: usize, A1, A2, A3> RefNet<I, O>
    for ThreeLayer<I, H1, H2, O, A1, A2, A3>
where
    A1: Default + Clone + Model<f64> + Backprop<[f64; H1], Output = [f64; H1]>,
    A2: Default + Clone + Model<f64> + Backprop<[f64; H2], Output = [f64; H2]>,
    A3: Default + Clone + Model<f64> + Backprop<[f64; O], Output = [f64; O]>,
{
    fn from_params(p: &[Params]) -> Self {
        assert_eq!(p.len(), 3);
        (dense(&p[0]), A1::default(), dense(&p[1]), A2::default(), dense(&p[2]), A3::default())
    }
    fn params(&self) -> Vec<Params> {
        vec![dense_params(&self.0), dense_params(&self.2), dense_params(&self.4)]
    }
}

type LossFn<const O: usize> = fn(&[f64; O], &[f64; O]) -> (f64, [f64; O]);

/// The case's loss, on the stack's output (logits for cross-entropy).
fn loss_fn<const O: usize>(c: &Case) -> LossFn<O> {
    match c.loss.as_str() {
        "mse" => mse,
        "bce" => bce,
        "cross_entropy" => softmax_cross_entropy,
        other => panic!("{}: unknown loss {other:?}", c.name),
    }
}

/// The case's batch, with one-hot targets for cross-entropy.
fn batch<const I: usize, const O: usize>(c: &Case) -> Vec<([f64; I], [f64; O])> {
    let ys: Vec<[f64; O]> = match (&c.targets, &c.target_classes) {
        (Some(t), None) => t.iter().map(|y| arr(y)).collect(),
        (None, Some(classes)) => classes.iter().map(|&k| one_hot(k).expect("class in range")).collect(),
        _ => panic!("{}: expected either targets or target_classes", c.name),
    };
    assert_eq!(ys.len(), c.inputs.len(), "{}: batch size", c.name);
    c.inputs.iter().map(|x| arr(x)).zip(ys).collect()
}

/// The batch-mean loss of `net` (inference only).
fn mean_loss<N: RefNet<I, O>, const I: usize, const O: usize>(
    net: &N,
    data: &[([f64; I], [f64; O])],
    loss: LossFn<O>,
) -> f64 {
    data.iter().map(|(x, y)| loss(&net.forward(x), y).0).sum::<f64>() / data.len() as f64
}

/// An optimiser that records the gradient of its last step, so the test
/// sees exactly what `train_batch` passed.
struct Recording<O, M> {
    inner: O,
    last_grads: Option<M>,
}

impl<O: LearningRate<f64>, M> LearningRate<f64> for Recording<O, M> {
    fn learning_rate(&self) -> f64 {
        self.inner.learning_rate()
    }
    fn set_learning_rate(&mut self, lr: f64) {
        self.inner.set_learning_rate(lr);
    }
}

impl<O: Optimizer<f64, M>, M: Model<f64> + Clone> Optimizer<f64, M> for Recording<O, M> {
    fn step(&mut self, model: &mut M, grads: &M) {
        self.last_grads = Some(grads.clone());
        self.inner.step(model, grads);
    }
}

// ---------------------------------------------------------------------------
// The trajectories.
// ---------------------------------------------------------------------------

fn check_momentum<N: RefNet<I, O>, const I: usize, const O: usize>(name: &str) {
    let c = case(name);
    let run = &c.sgd_momentum;
    assert_eq!((run.dampening, run.nesterov, run.steps.len()), (0.0, false, 2), "{name}: momentum settings");
    let mut check = Checker::new(format!("{name}: sgd_momentum"));
    let data = batch::<I, O>(c);
    let loss = loss_fn::<O>(c);

    let mut net = N::from_params(&c.params_initial);
    let opt = SgdMomentum::<f64, N>::new(run.lr, run.momentum).expect("hyper-parameters");
    assert!(!opt.has_started() && opt.velocity().params().iter().all(|p| p.b.iter().all(|&v| v == 0.0)));
    let mut opt = Recording { inner: opt, last_grads: None };
    for (t, step) in run.steps.iter().enumerate() {
        let mean = train_batch(&mut net, &mut opt, &data, loss).expect("train_batch");
        check.scalar(&format!("steps[{t}].loss_before"), mean, step.loss_before);
        let grads = opt.last_grads.take().expect("a step was taken");
        check.params(&format!("steps[{t}].grads"), &grads.params(), &step.grads);
        check.params(&format!("steps[{t}].velocity"), &opt.inner.velocity().params(), &step.velocity);
        check.params(&format!("steps[{t}].params"), &net.params(), &step.params);
    }
    check.scalar("loss_after", mean_loss(&net, &data, loss), run.loss_after);
    check.finish();
}

fn check_adam<N: RefNet<I, O>, const I: usize, const O: usize>(name: &str) {
    let c = case(name);
    let run = &c.adam;
    assert_eq!(run.steps.len(), 3, "{name}: adam steps");
    let mut check = Checker::new(format!("{name}: adam"));
    let data = batch::<I, O>(c);
    let loss = loss_fn::<O>(c);

    let mut net = N::from_params(&c.params_initial);
    let opt = Adam::<f64, N>::new(run.lr)
        .and_then(|a| a.betas(run.beta1, run.beta2))
        .and_then(|a| a.eps(run.eps))
        .expect("hyper-parameters");
    // The file's settings are PyTorch's defaults, which are ours.
    assert_eq!((opt.beta(), opt.epsilon()), ((run.beta1, run.beta2), run.eps), "{name}: Adam defaults");
    let mut opt = Recording { inner: opt, last_grads: None };
    for (t, step) in run.steps.iter().enumerate() {
        let mean = train_batch(&mut net, &mut opt, &data, loss).expect("train_batch");
        assert_eq!(opt.inner.steps(), t as u64 + 1);
        check.scalar(&format!("steps[{t}].loss_before"), mean, step.loss_before);
        let grads = opt.last_grads.take().expect("a step was taken");
        check.params(&format!("steps[{t}].grads"), &grads.params(), &step.grads);
        let (m, v) = opt.inner.moments();
        check.params(&format!("steps[{t}].m"), &m.params(), &step.m);
        check.params(&format!("steps[{t}].v"), &v.params(), &step.v);
        check.params(&format!("steps[{t}].params"), &net.params(), &step.params);
    }
    check.scalar("loss_after", mean_loss(&net, &data, loss), run.loss_after);
    check.finish();
}

macro_rules! trajectories {
    ($momentum:ident, $adam:ident, $case:literal, $net:ty, $i:literal => $o:literal) => {
        #[test]
        fn $momentum() {
            check_momentum::<$net, $i, $o>($case);
        }

        #[test]
        fn $adam() {
            check_adam::<$net, $i, $o>($case);
        }
    };
}

trajectories!(
    momentum_worked_2_2_1_sigmoid_sigmoid_mse,
    adam_worked_2_2_1_sigmoid_sigmoid_mse,
    "worked_2_2_1_sigmoid_sigmoid_mse",
    TwoLayer<2, 2, 1, Sigmoid, Sigmoid>,
    2 => 1
);
trajectories!(
    momentum_xor_2_4_1_sigmoid_sigmoid_mse,
    adam_xor_2_4_1_sigmoid_sigmoid_mse,
    "xor_2_4_1_sigmoid_sigmoid_mse",
    TwoLayer<2, 4, 1, Sigmoid, Sigmoid>,
    2 => 1
);
trajectories!(
    momentum_2_4_1_tanh_sigmoid_bce,
    adam_2_4_1_tanh_sigmoid_bce,
    "2_4_1_tanh_sigmoid_bce",
    TwoLayer<2, 4, 1, Tanh, Sigmoid>,
    2 => 1
);
trajectories!(
    momentum_4_8_3_relu_softmax_ce,
    adam_4_8_3_relu_softmax_ce,
    "4_8_3_relu_softmax_ce",
    TwoLayerLogits<4, 8, 3, Relu>,
    4 => 3
);
trajectories!(
    momentum_64_32_10_tanh_softmax_ce,
    adam_64_32_10_tanh_softmax_ce,
    "64_32_10_tanh_softmax_ce",
    TwoLayerLogits<64, 32, 10, Tanh>,
    64 => 10
);
trajectories!(
    momentum_3_5_4_2_leakyrelu_relu_sigmoid_mse,
    adam_3_5_4_2_leakyrelu_relu_sigmoid_mse,
    "3_5_4_2_leakyrelu_relu_sigmoid_mse",
    ThreeLayer<3, 5, 4, 2, LeakyRelu<f64>, Relu, Sigmoid>,
    3 => 2
);

// ---------------------------------------------------------------------------
// Adam's state in f32: PyTorch's float32 optimiser computes its constants
// (1 − β, bias corrections, step size) in double and rounds each once.
// ---------------------------------------------------------------------------

/// Every value in PyTorch's parameter order (each layer's W row-major,
/// then b).
fn flat_params(params: &[Params]) -> Vec<f64> {
    params.iter().flat_map(|p| p.w.iter().flatten().chain(&p.b).copied()).collect()
}

/// The normwise error of `got` against `want`: the largest difference
/// relative to the largest |want|. Element-wise relative error is not an
/// honest criterion in f32 (a small gradient is the difference of larger
/// terms and carries their rounding; see `tests/reference_vectors.rs`),
/// but an error in every element, such as a wrong 1 − β2, shows at the
/// largest one.
fn normwise_error(got: &[f32], want: &[f64]) -> f64 {
    assert_eq!(got.len(), want.len());
    let scale = want.iter().fold(0.0_f64, |m, w| m.max(w.abs()));
    got.iter().zip(want).map(|(&g, &w)| (f64::from(g) - w).abs()).fold(0.0, f64::max) / scale
}

type F32Loss<const O: usize> = fn(&[f32; O], &[f32; O]) -> (f32, [f32; O]);

/// Three Adam steps in f32 on the case's batch: the first and second
/// moments after each step against the float64 reference, within 2·10⁻⁶
/// normwise (the f32 rounding of the gradients and of the moment
/// updates). Computing 1 − β2 in f32 made every second moment 1.3·10⁻⁵ too
/// small.
fn check_adam_state_f32<N, const I: usize, const O: usize>(name: &str) -> f64
where
    N: Model<f32> + Backprop<[f32; I], Output = [f32; O]>,
{
    let c = case(name);
    let run = &c.adam;
    let mut net = N::zeroed();
    let initial: Vec<f32> = flat_params(&c.params_initial).iter().map(|&v| v as f32).collect();
    net.read_parameters(&initial).expect("the case's parameters fit the model");
    let data: Vec<([f32; I], [f32; O])> =
        batch::<I, O>(c).iter().map(|(x, y)| (x.map(|v| v as f32), y.map(|v| v as f32))).collect();
    let loss: F32Loss<O> = match c.loss.as_str() {
        "mse" => mse,
        "bce" => bce,
        _ => softmax_cross_entropy,
    };
    let mut adam =
        Adam::<f32, N>::new(run.lr as f32).unwrap().betas(run.beta1, run.beta2).unwrap().eps(run.eps).unwrap();
    let mut worst = 0.0_f64;
    for (t, step) in run.steps.iter().enumerate() {
        train_batch(&mut net, &mut adam, &data, loss).expect("a finite step");
        let (m, v) = adam.moments();
        for (moment, want, label) in [(m, &step.m, "m"), (v, &step.v, "v")] {
            let mut got = vec![0.0_f32; N::PARAMS];
            moment.write_parameters(&mut got).unwrap();
            let error = normwise_error(&got, &flat_params(want));
            assert!(error < 2e-6, "{name}: step {t}: {label} off by {error:e} relative");
            worst = worst.max(error);
        }
    }
    worst
}

#[test]
fn adam_state_in_f32_matches_pytorchs_float64_trajectory() {
    type Two<const I: usize, const H: usize, const O: usize, A1, A2> = (Dense<I, H>, A1, Dense<H, O>, A2);
    let worst = [
        check_adam_state_f32::<Two<2, 2, 1, Sigmoid, Sigmoid>, 2, 1>("worked_2_2_1_sigmoid_sigmoid_mse"),
        check_adam_state_f32::<Two<2, 4, 1, Sigmoid, Sigmoid>, 2, 1>("xor_2_4_1_sigmoid_sigmoid_mse"),
        check_adam_state_f32::<Two<2, 4, 1, Tanh, Sigmoid>, 2, 1>("2_4_1_tanh_sigmoid_bce"),
        check_adam_state_f32::<(Dense<4, 8>, Relu, Dense<8, 3>), 4, 3>("4_8_3_relu_softmax_ce"),
        check_adam_state_f32::<(Dense<64, 32>, Tanh, Dense<32, 10>), 64, 10>("64_32_10_tanh_softmax_ce"),
        check_adam_state_f32::<(Dense<3, 5>, LeakyRelu, Dense<5, 4>, Relu, Dense<4, 2>, Sigmoid), 3, 2>(
            "3_5_4_2_leakyrelu_relu_sigmoid_mse",
        ),
    ];
    eprintln!("Adam f32 state: worst relative error per case {:?}", worst.map(|e| format!("{e:.1e}")));
}

#[test]
fn every_case_has_trajectory_tests() {
    let names: Vec<&str> = REFERENCE.cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "worked_2_2_1_sigmoid_sigmoid_mse",
            "xor_2_4_1_sigmoid_sigmoid_mse",
            "2_4_1_tanh_sigmoid_bce",
            "4_8_3_relu_softmax_ce",
            "64_32_10_tanh_softmax_ce",
            "3_5_4_2_leakyrelu_relu_sigmoid_mse",
        ]
    );
}

// ---------------------------------------------------------------------------
// Hand-worked updates on a one-input layer.
// ---------------------------------------------------------------------------

/// One weight and one bias.
type One = (Dense<1, 1, f64>, Identity);

fn one(w: f64, b: f64) -> One {
    (Dense::from_weights([[w]], [b]), Identity)
}

fn wb(net: &One) -> (f64, f64) {
    (net.0.weight()[0][0], net.0.bias()[0])
}

fn assert_close(got: f64, expected: f64, tol: f64, what: &str) {
    assert!((got - expected).abs() <= tol, "{what}: got {got:e}, expected {expected:e}");
}

#[test]
fn momentum_by_hand_classical_and_nesterov() {
    // Two steps, lr 0.1, μ 0.9; weight gradients 1 then −0.5, bias 0.5 twice.
    let grads = [one(1.0, 0.5), one(-0.5, 0.5)];

    // Classical: v1 = g1; p1 = p0 − lr·v1; v2 = μ·v1 + g2; p2 = p1 − lr·v2.
    //   w: v = 1, 0.4; w = 1 − 0.1 = 0.9, 0.9 − 0.04 = 0.86.
    //   b: v = 0.5, 0.95; b = −0.05, −0.05 − 0.095 = −0.145.
    let mut net = one(1.0, 0.0);
    let mut opt = SgdMomentum::new(0.1, 0.9).unwrap();
    let expected = [((0.9, -0.05), (1.0, 0.5)), ((0.86, -0.145), (0.4, 0.95))];
    for (g, ((w, b), (vw, vb))) in grads.iter().zip(expected) {
        opt.step(&mut net, g);
        assert_close(wb(&net).0, w, 1e-15, "classical w");
        assert_close(wb(&net).1, b, 1e-15, "classical b");
        assert_close(wb(opt.velocity()).0, vw, 1e-15, "classical v_w");
        assert_close(wb(opt.velocity()).1, vb, 1e-15, "classical v_b");
    }

    // Nesterov: the same velocity; the step is lr·(g + μ·v).
    //   w: step 1: 0.1·(1 + 0.9·1) = 0.19 → 0.81; step 2: 0.1·(−0.5 + 0.9·0.4) = −0.014 → 0.824.
    //   b: step 1: 0.1·(0.5 + 0.45) = 0.095 → −0.095; step 2: 0.1·(0.5 + 0.855) = 0.1355 → −0.2305.
    let mut net = one(1.0, 0.0);
    let mut opt = SgdMomentum::new(0.1, 0.9).unwrap().nesterov(true);
    assert!(opt.is_nesterov());
    let expected = [((0.81, -0.095), (1.0, 0.5)), ((0.824, -0.2305), (0.4, 0.95))];
    for (g, ((w, b), (vw, vb))) in grads.iter().zip(expected) {
        opt.step(&mut net, g);
        assert_close(wb(&net).0, w, 1e-15, "nesterov w");
        assert_close(wb(&net).1, b, 1e-15, "nesterov b");
        assert_close(wb(opt.velocity()).0, vw, 1e-15, "nesterov v_w");
        assert_close(wb(opt.velocity()).1, vb, 1e-15, "nesterov v_b");
    }

    // reset() forgets the velocity: the next step starts again from v = g.
    opt.reset();
    assert!(!opt.has_started());
    assert_eq!(wb(opt.velocity()), (0.0, 0.0));
    opt.step(&mut net, &grads[0]);
    assert_eq!(wb(opt.velocity()), (1.0, 0.5));
}

#[test]
fn momentum_zero_is_plain_sgd() {
    let mut a = one(1.0, -1.0);
    let mut b = a.clone();
    let mut sgd = Sgd::new(0.1).unwrap();
    let mut momentum = SgdMomentum::new(0.1, 0.0).unwrap();
    for g in [one(1.0, 0.5), one(-0.3, 0.25), one(2.0, -1.0)] {
        sgd.step(&mut a, &g);
        momentum.step(&mut b, &g);
        assert_eq!(a, b);
    }
}

#[test]
fn adamw_differs_from_adam_by_the_decoupled_decay() {
    // Gradients that do not depend on the parameters, so both optimisers see
    // the same gradients and keep the same moments; then at every step
    // AdamW's weight is its previous weight times (1 − lr·λ), moved by the
    // same Adam update as Adam's.
    let (lr, lambda) = (0.05, 0.2);
    let start = one(2.0, -1.5);
    let grads = [one(0.5, -2.0), one(-0.25, 1.0), one(1.0, 0.125), one(0.75, -0.5)];

    for decay_biases in [false, true] {
        let (mut a, mut b) = (start.clone(), start.clone());
        let mut adam = Adam::new(lr).unwrap();
        let mut adamw = AdamW::new(lr).unwrap().weight_decay(lambda).unwrap().decay_biases(decay_biases);
        assert_eq!((adamw.weight_decay_rate(), adamw.decays_biases()), (lambda, decay_biases));
        for g in &grads {
            let (a0, b0) = (wb(&a), wb(&b));
            adam.step(&mut a, g);
            adamw.step(&mut b, g);
            assert_eq!(adam.moments(), adamw.moments(), "the moments do not see the decay");
            let update = (wb(&a).0 - a0.0, wb(&a).1 - a0.1);
            let factor = 1.0 - lr * lambda;
            assert_close(wb(&b).0, b0.0 * factor + update.0, 1e-15, "AdamW weight");
            let bias_factor = if decay_biases { factor } else { 1.0 };
            assert_close(wb(&b).1, b0.1 * bias_factor + update.1, 1e-15, "AdamW bias");
        }
    }

    // After one step from the same start the difference is exactly the
    // decay, lr·λ·w.
    let (mut a, mut b) = (start.clone(), start.clone());
    Adam::new(lr).unwrap().step(&mut a, &grads[0]);
    AdamW::new(lr).unwrap().weight_decay(lambda).unwrap().step(&mut b, &grads[0]);
    assert_close(wb(&a).0 - wb(&b).0, lr * lambda * 2.0, 1e-15, "one-step difference");
    assert_eq!(wb(&a).1, wb(&b).1);

    // PyTorch's default λ, and λ = 0 is Adam bit for bit.
    assert_eq!(AdamW::<f64, One>::new(1e-3).unwrap().weight_decay_rate(), 0.01);
    let (mut a, mut b) = (start.clone(), start.clone());
    let mut adam = Adam::new(lr).unwrap();
    let mut adamw = AdamW::new(lr).unwrap().weight_decay(0.0).unwrap().decay_biases(true);
    for g in &grads {
        adam.step(&mut a, g);
        adamw.step(&mut b, g);
    }
    assert_eq!(a, b);
}

#[test]
fn adam_by_hand() {
    // Step 1 from m = v = 0 with g: m = 0.1·g, v = 0.001·g², and the step is
    // lr·m/(1 − 0.9) / (√v/√(1 − 0.999) + ε) = lr·g/(|g| + ε).
    let mut net = one(1.0, 1.0);
    let mut adam = Adam::new(0.01).unwrap();
    adam.step(&mut net, &one(4.0, 0.0));
    let (m, v) = adam.moments();
    assert_close(wb(m).0, 0.4, 1e-15, "m");
    assert_close(wb(v).0, 0.016, 1e-15, "v");
    assert_close(wb(&net).0, 1.0 - 0.01 * 4.0 / (4.0 + 1e-8), 1e-15, "w");
    // A zero gradient does not move its parameter (0 / ε = 0).
    assert_eq!(wb(&net).1, 1.0);
    // Step 2 with g = 2: m = 0.9·0.4 + 0.1·2 = 0.56, v = 0.999·0.016 + 0.001·4 = 0.019984;
    // step = 0.01/(1 − 0.81) · 0.56 / (√0.019984/√(1 − 0.998001) + 1e-8).
    adam.step(&mut net, &one(2.0, 0.0));
    let (m, v) = adam.moments();
    assert_close(wb(m).0, 0.56, 1e-15, "m");
    assert_close(wb(v).0, 0.019984, 1e-15, "v");
    let w1 = 1.0 - 0.01 * 4.0 / (4.0 + 1e-8);
    let step = 0.01 / 0.19 * 0.56 / (0.019984f64.sqrt() / 0.001999f64.sqrt() + 1e-8);
    assert_close(wb(&net).0, w1 - step, 1e-15, "w");
    assert_eq!(adam.steps(), 2);
    adam.reset();
    assert_eq!((adam.steps(), wb(adam.moments().0), wb(adam.moments().1)), (0, (0.0, 0.0), (0.0, 0.0)));
}

#[test]
fn rmsprop_by_hand() {
    // PyTorch's defaults: α = 0.99, ε = 1e-8. lr = 0.01.
    // Step 1, g = 10: s = 0.01·100 = 1; w = 1 − 0.01·10/(1 + 1e-8) = 0.900000001 (to 1e-15).
    // Step 2, g = 1:  s = 0.99·1 + 0.01·1 = 1; w = 0.900000001 − 0.01/(1 + 1e-8) = 0.8900000011.
    // The bias has g = 0 throughout: s = 0, and 0/(0 + ε) = 0 leaves it.
    let mut net = one(1.0, 0.5);
    let mut opt = RmsProp::new(0.01).unwrap();
    assert_eq!((opt.smoothing(), opt.epsilon()), (0.99, 1e-8));
    opt.step(&mut net, &one(10.0, 0.0));
    assert_close(wb(opt.square_avg()).0, 1.0, 1e-14, "s1");
    assert_close(wb(&net).0, 0.900000001, 1e-15, "w1");
    opt.step(&mut net, &one(1.0, 0.0));
    assert_close(wb(opt.square_avg()).0, 1.0, 1e-14, "s2");
    assert_close(wb(&net).0, 0.8900000011, 1e-15, "w2");
    assert_eq!(wb(&net).1, 0.5);
    assert_eq!(wb(opt.square_avg()).1, 0.0);
    opt.reset();
    assert_eq!(wb(opt.square_avg()), (0.0, 0.0));
}

// ---------------------------------------------------------------------------
// Weight decay inside the optimisers is the penalty's gradient.
// ---------------------------------------------------------------------------

/// A net with several weights and biases, and gradients for it.
type Small = (Dense<2, 3, f64>, Tanh, Dense<3, 1, f64>, Sigmoid);

fn small() -> (Small, Small) {
    let net = (
        Dense::from_weights([[0.5, -1.0], [0.0, 2.0], [-0.25, 0.75]], [0.1, -0.2, 0.3]),
        Tanh,
        Dense::from_weights([[1.5, -0.5, 0.0]], [-0.4]),
        Sigmoid,
    );
    let grads = (
        Dense::from_weights([[0.1, 0.2], [-0.3, 0.4], [0.0, -0.1]], [0.05, -0.05, 0.2]),
        Tanh,
        Dense::from_weights([[-0.2, 0.3, 0.1]], [0.15]),
        Sigmoid,
    );
    (net, grads)
}

/// Runs `with` (an optimiser with a penalty inside) and `without` (the same
/// without) on grads + `penalty.add_gradient`, three steps, and checks that
/// the parameters are the same bits.
fn check_penalty_inside<O1, O2>(mut with: O1, mut without: O2, penalty: Penalty<f64>)
where
    O1: Optimizer<f64, Small>,
    O2: Optimizer<f64, Small>,
{
    let (start, grads) = small();
    let (mut a, mut b) = (start.clone(), start);
    for _ in 0..3 {
        with.step(&mut a, &grads);
        let mut g = grads.clone();
        penalty.add_gradient(&b, &mut g);
        without.step(&mut b, &g);
        assert_eq!(a, b);
    }
}

#[test]
fn weight_decay_is_the_l2_penalty_gradient() {
    let l2 = Penalty::l2(0.1).unwrap();
    let l2_all = l2.include_biases(true);
    let l1 = Penalty::l1(0.05).unwrap();

    check_penalty_inside(Sgd::new(0.1).unwrap().weight_decay(0.1).unwrap(), Sgd::new(0.1).unwrap(), l2);
    check_penalty_inside(Sgd::new(0.1).unwrap().penalty(l1), Sgd::new(0.1).unwrap(), l1);
    check_penalty_inside(
        SgdMomentum::new(0.1, 0.9).unwrap().weight_decay(0.1).unwrap(),
        SgdMomentum::new(0.1, 0.9).unwrap(),
        l2,
    );
    check_penalty_inside(
        SgdMomentum::new(0.1, 0.9).unwrap().nesterov(true).penalty(l2_all),
        SgdMomentum::new(0.1, 0.9).unwrap().nesterov(true),
        l2_all,
    );
    check_penalty_inside(Adam::new(0.01).unwrap().weight_decay(0.1).unwrap(), Adam::new(0.01).unwrap(), l2);
    check_penalty_inside(Adam::new(0.01).unwrap().penalty(l1), Adam::new(0.01).unwrap(), l1);
    check_penalty_inside(RmsProp::new(0.01).unwrap().weight_decay(0.1).unwrap(), RmsProp::new(0.01).unwrap(), l2);
    check_penalty_inside(RmsProp::new(0.01).unwrap().penalty(l2_all), RmsProp::new(0.01).unwrap(), l2_all);
}

#[test]
fn weight_decay_spares_biases_by_default() {
    // SGD, λ = 0.5, lr = 0.1 on a zero gradient: w ← w·(1 − 0.05), b unchanged;
    // with biases included, b ← b·(1 − 0.05) too.
    let zero = one(0.0, 0.0);
    let mut net = one(2.0, 4.0);
    Sgd::new(0.1).unwrap().weight_decay(0.5).unwrap().step(&mut net, &zero);
    assert_eq!(wb(&net), (1.9, 4.0));
    let mut net = one(2.0, 4.0);
    Sgd::new(0.1).unwrap().penalty(Penalty::l2(0.5).unwrap().include_biases(true)).step(&mut net, &zero);
    assert_eq!(wb(&net), (1.9, 3.8));
}

// ---------------------------------------------------------------------------
// Schedules.
// ---------------------------------------------------------------------------

fn rates<S: Schedule<f64>>(schedule: &S, n: usize) -> Vec<f64> {
    (0..n).map(|t| schedule.rate(t)).collect()
}

fn assert_rates(got: &[f64], expected: &[f64], what: &str) {
    assert_eq!(got.len(), expected.len());
    for (t, (&g, &e)) in got.iter().zip(expected).enumerate() {
        assert_close(g, e, 1e-15, &format!("{what}: rate({t})"));
    }
}

#[test]
fn step_decay_sequence() {
    // lr · γ^⌊t/3⌋ with lr = 0.4, γ = 0.5.
    let s = StepDecay::new(0.4, 3, 0.5).unwrap();
    assert_rates(&rates(&s, 8), &[0.4, 0.4, 0.4, 0.2, 0.2, 0.2, 0.1, 0.1], "step decay");
    // γ = 1 is constant.
    assert_rates(&rates(&StepDecay::new(0.4, 1, 1.0).unwrap(), 3), &[0.4; 3], "step decay γ = 1");
}

#[test]
fn exponential_decay_sequence() {
    let s = ExponentialDecay::new(1.0, 0.9).unwrap();
    assert_rates(&rates(&s, 4), &[1.0, 0.9, 0.81, 0.729], "exponential decay");
    // Far along it underflows to zero, never NaN.
    assert_eq!(ExponentialDecay::new(1.0_f32, 0.5).unwrap().rate(1 << 20), 0.0);
    assert_eq!(s.rate(usize::MAX), 0.0);
}

#[test]
fn cyclic_triangular_sequence() {
    // base 0.1, max 0.5, 2 up and 2 down: 0.1 0.3 0.5 0.3 | 0.1 0.3 0.5 0.3 | 0.1
    let s = Cyclic::triangular(0.1, 0.5, 2).unwrap();
    assert_eq!(s.period(), 4);
    assert_rates(&rates(&s, 9), &[0.1, 0.3, 0.5, 0.3, 0.1, 0.3, 0.5, 0.3, 0.1], "triangular");
    // Smith's formula for the symmetric case.
    for t in 0..40 {
        let step = 3.0;
        let cycle = (1.0 + t as f64 / (2.0 * step)).floor();
        let x = (t as f64 / step - 2.0 * cycle + 1.0).abs();
        let smith = 0.1 + (0.5 - 0.1) * (1.0 - x).max(0.0);
        assert_close(Cyclic::triangular(0.1, 0.5, 3).unwrap().rate(t), smith, 1e-15, "Smith's formula");
    }
    // Asymmetric: 2 up, 4 down: 0.1 0.3 0.5 0.4 0.3 0.2 | 0.1
    let s = Cyclic::triangular(0.1, 0.5, 2).unwrap().step_size_down(4).unwrap();
    assert_rates(&rates(&s, 7), &[0.1, 0.3, 0.5, 0.4, 0.3, 0.2, 0.1], "asymmetric triangular");
    // No overflow at the end of the count.
    assert!(s.rate(usize::MAX).is_finite());
}

#[test]
fn warmup_sequence() {
    // 4 warm-up counts from 0.25 of 0.4: 0.1 0.175 0.25 0.325, then the step
    // decay from its count 0: 0.4 0.4 0.2 0.2 0.1.
    let s = Warmup::linear(StepDecay::new(0.4, 2, 0.5).unwrap(), 4, 0.25).unwrap();
    assert_rates(&rates(&s, 9), &[0.1, 0.175, 0.25, 0.325, 0.4, 0.4, 0.2, 0.2, 0.1], "warm-up + step decay");
    // No warm-up, and a start factor of 1, are the inner schedule.
    let inner = ExponentialDecay::new(1.0, 0.5).unwrap();
    assert_eq!(rates(&Warmup::linear(inner, 0, 0.1).unwrap(), 5), rates(&inner, 5));
    assert_eq!(rates(&Warmup::linear(Constant::new(0.3).unwrap(), 3, 1.0).unwrap(), 5), [0.3; 5]);
}

#[test]
fn scheduled_sets_the_rate_before_every_step() {
    // Gradient −1 on the weight: each step adds that step's rate.
    let grads = one(-1.0, 0.0);
    let schedule = Warmup::linear(Constant::new(0.4).unwrap(), 4, 0.25).unwrap();
    let mut opt = Scheduled::new(Sgd::new(1.0).unwrap(), schedule);
    assert_eq!(opt.learning_rate(), 0.1);
    let mut net = one(0.0, 0.0);
    let mut expected = 0.0;
    for (t, rate) in [0.1, 0.175, 0.25, 0.325, 0.4, 0.4].into_iter().enumerate() {
        assert_eq!(opt.steps(), t);
        assert_close(opt.learning_rate(), rate, 1e-15, "next rate");
        opt.step(&mut net, &grads);
        assert_close(opt.optimizer().learning_rate(), rate, 1e-15, "rate used");
        expected += rate;
        assert_close(wb(&net).0, expected, 1e-15, "weight");
    }
    opt.restart();
    assert_eq!(opt.steps(), 0);

    // It drives stateful optimisers too, through train_epoch: a 4-sample
    // data set in batches of 2 is 2 steps per epoch.
    let data = [([1.0], [2.0]), ([2.0], [4.0]), ([-1.0], [-2.0]), ([0.5], [1.0])];
    let mut net = one(0.0, 0.0);
    let schedule = Cyclic::triangular(0.01, 0.05, 3).unwrap();
    let mut opt = Scheduled::new(Adam::new(0.01).unwrap(), schedule);
    for _ in 0..3 {
        train_epoch(&mut net, &mut opt, &data, 2, mse).unwrap();
    }
    assert_eq!((opt.steps(), opt.optimizer().steps()), (6, 6));
    assert_close(opt.optimizer().learning_rate(), schedule.rate(5), 0.0, "last rate");
}

#[test]
fn schedule_apply_per_epoch() {
    let schedule = StepDecay::new(0.1, 2, 0.1).unwrap();
    let mut opt = SgdMomentum::<f64, One>::new(0.5, 0.9).unwrap();
    let mut seen = Vec::new();
    for epoch in 0..5 {
        seen.push(schedule.apply(&mut opt, epoch));
        assert_eq!(opt.learning_rate(), seen[epoch]);
    }
    assert_rates(&seen, &[0.1, 0.1, 0.01, 0.01, 0.001], "apply");
}

// ---------------------------------------------------------------------------
// Invalid hyper-parameters.
// ---------------------------------------------------------------------------

fn rejected<T: std::fmt::Debug>(result: Result<T, InvalidHyperparameter>, name: &str) {
    let error = result.expect_err(name);
    assert_eq!(error.name, name, "{error}");
    assert!(error.to_string().contains(name), "{error}");
}

#[test]
fn invalid_hyperparameters_are_rejected_by_name() {
    type M = One;
    for lr in [0.0, -0.1, f64::NAN, f64::INFINITY] {
        rejected(Sgd::new(lr), "learning rate");
        rejected(SgdMomentum::<f64, M>::new(lr, 0.9), "learning rate");
        rejected(Adam::<f64, M>::new(lr), "learning rate");
        rejected(AdamW::<f64, M>::new(lr), "learning rate");
        rejected(RmsProp::<f64, M>::new(lr), "learning rate");
        rejected(Constant::new(lr), "learning rate");
        rejected(StepDecay::new(lr, 1, 0.5), "learning rate");
        rejected(ExponentialDecay::new(lr, 0.5), "learning rate");
        rejected(Cyclic::triangular(lr, 1.0, 2), "learning rate");
    }
    for bad in [-0.1, 1.0, 1.5, f64::NAN] {
        rejected(SgdMomentum::<f64, M>::new(0.1, bad), "momentum");
        rejected(Adam::<f64, M>::new(0.1).unwrap().betas(bad, 0.999), "beta1");
        rejected(Adam::<f64, M>::new(0.1).unwrap().betas(0.9, bad), "beta2");
        rejected(AdamW::<f64, M>::new(0.1).unwrap().betas(bad, 0.999), "beta1");
        rejected(AdamW::<f64, M>::new(0.1).unwrap().betas(0.9, bad), "beta2");
        rejected(RmsProp::<f64, M>::new(0.1).unwrap().alpha(bad), "alpha");
    }
    for bad in [0.0, -1e-8, f64::NAN, f64::INFINITY] {
        rejected(Adam::<f64, M>::new(0.1).unwrap().eps(bad), "eps");
        rejected(AdamW::<f64, M>::new(0.1).unwrap().eps(bad), "eps");
        rejected(RmsProp::<f64, M>::new(0.1).unwrap().eps(bad), "eps");
    }
    for bad in [-0.01, f64::NAN, f64::INFINITY] {
        rejected(Sgd::new(0.1).unwrap().weight_decay(bad), "weight decay");
        rejected(SgdMomentum::<f64, M>::new(0.1, 0.9).unwrap().weight_decay(bad), "weight decay");
        rejected(Adam::<f64, M>::new(0.1).unwrap().weight_decay(bad), "weight decay");
        rejected(AdamW::<f64, M>::new(0.1).unwrap().weight_decay(bad), "weight decay");
        rejected(RmsProp::<f64, M>::new(0.1).unwrap().weight_decay(bad), "weight decay");
        rejected(Penalty::l1(bad), "penalty strength");
        rejected(Penalty::l2(bad), "penalty strength");
    }
    for bad in [0.0, -0.5, 1.5, f64::NAN] {
        rejected(StepDecay::new(0.1, 1, bad), "gamma");
        rejected(ExponentialDecay::new(0.1, bad), "gamma");
        rejected(Warmup::linear(Constant::new(0.1).unwrap(), 5, bad), "start factor");
    }
    rejected(StepDecay::new(0.1, 0, 0.5), "step size");
    rejected(Cyclic::triangular(0.1, 0.05, 2), "max learning rate");
    rejected(Cyclic::triangular(0.1, f64::INFINITY, 2), "max learning rate");
    rejected(Cyclic::triangular(0.1, f64::NAN, 2), "max learning rate");
    rejected(Cyclic::triangular(0.1, 0.5, 0), "step size up");
    rejected(Cyclic::triangular(0.1, 0.5, 2).unwrap().step_size_down(0), "step size down");

    // The boundaries that are valid.
    assert!(SgdMomentum::<f64, M>::new(0.1, 0.0).is_ok());
    assert!(Adam::<f64, M>::new(0.1).unwrap().betas(0.0, 0.0).is_ok());
    assert!(Sgd::new(0.1).unwrap().weight_decay(0.0).is_ok());
    assert!(Cyclic::triangular(0.1, 0.1, 1).is_ok());
    assert!(StepDecay::new(0.1, 1, 1.0).is_ok());
}

// ---------------------------------------------------------------------------
// f32, and learning.
// ---------------------------------------------------------------------------

#[test]
fn every_optimizer_learns_xor_in_f32() {
    type Xor = (Dense<2, 4>, Tanh, Dense<4, 1>, Sigmoid);
    const XOR: [([f32; 2], [f32; 1]); 4] =
        [([0.0, 0.0], [0.0]), ([0.0, 1.0], [1.0]), ([1.0, 0.0], [1.0]), ([1.0, 1.0], [0.0])];

    fn train<O: Optimizer<f32, Xor>>(mut opt: O, epochs: usize) -> f32 {
        let mut net = Xor::init(&mut Xoshiro256PlusPlus::seed_from_u64(3));
        for _ in 0..epochs {
            train_epoch(&mut net, &mut opt, &XOR, 4, mse).unwrap();
        }
        XOR.iter().map(|(x, y)| mse(&net.forward(x), y).0).sum::<f32>() / 4.0
    }

    let losses = [
        ("sgd momentum", train(SgdMomentum::new(0.5, 0.9).unwrap(), 1000)),
        ("nesterov", train(SgdMomentum::new(0.5, 0.9).unwrap().nesterov(true), 1000)),
        ("adam", train(Adam::new(0.05).unwrap(), 1000)),
        ("adamw", train(AdamW::new(0.05).unwrap(), 1000)),
        ("rmsprop", train(RmsProp::new(0.01).unwrap(), 1000)),
        (
            "scheduled adam",
            train(Scheduled::new(Adam::new(0.05).unwrap(), ExponentialDecay::new(0.05, 0.999).unwrap()), 1000),
        ),
    ];
    for (name, loss) in losses {
        assert!(loss < 0.02, "{name}: final XOR loss {loss}");
    }
}

#[test]
fn optimizer_state_is_model_shaped_and_on_the_stack() {
    type Net = (Dense<64, 32, f64>, Tanh, Dense<32, 10, f64>);
    const P: usize = <Net as Model<f64>>::PARAMS;
    // The state is the model's own type: Adam holds two models, momentum one
    // (a model is its parameters, plus on this host each dense layer's
    // padding to its 64-byte alignment), and a few scalars.
    let model = std::mem::size_of::<Net>();
    assert!((P * 8..P * 8 + 2 * 64).contains(&model));
    assert!(std::mem::size_of::<Adam<f64, Net>>() >= 2 * model);
    assert!(std::mem::size_of::<Adam<f64, Net>>() <= 2 * model + 128);
    assert!(std::mem::size_of::<SgdMomentum<f64, Net>>() <= model + 64);
    assert!(std::mem::size_of::<Sgd<f64>>() <= 64);
    let count = |m: &Net| m.tensors().map(|t| t.storage.len()).sum::<usize>();
    let adam = Adam::<f64, Net>::new(1e-3).unwrap();
    assert_eq!((count(adam.moments().0), count(adam.moments().1)), (P, P));
    // Tensor kinds line up with the model's.
    let kinds: Vec<ParamKind> = adam.moments().0.tensors().map(|t| t.kind).collect();
    assert_eq!(kinds, [ParamKind::Weight, ParamKind::Bias, ParamKind::Weight, ParamKind::Bias]);
}
