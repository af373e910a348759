//! PyTorch parity: the six MLP cases and the activation table of
//! `tests/data/vectors_seed0.json` (a copy of the shared reference file,
//! produced by PyTorch in float64 and cross-checked against numpy).
//!
//! For every case, in `f64` and again in `f32`, this checks:
//!
//! * the layout (layer widths and activation names) against the typed stack;
//! * every layer's pre-activation `z` and activation `a` for every sample,
//!   the stack's output (`outputs`; for softmax cases the logits, and the
//!   probabilities as `Softmax` of the logits) and the predicted class;
//! * the per-sample losses and the batch loss (PyTorch's `reduction='mean'`);
//! * `delta_out`, dL/dz of the last layer;
//! * every parameter gradient, accumulated with `backward` over the batch and
//!   scaled by 1/batch;
//! * for the MSE cases, the `half_sum` and `mean_over_batch_of_half_sum` loss
//!   variants computed with `half_sse`, and their gradients (the stored
//!   gradients times the stated `grad_scale_vs_stored`);
//! * one SGD step (lr from the file, 0.1): the parameters after the step and
//!   `loss_after`, once with `Sgd::step` and once with `train_batch`.
//!
//! The momentum and Adam trajectories in the file are not checked here.
//!
//! Tolerances. Every value is checked with
//! `|got − expected| ≤ rel · max(|expected|, floor, group)`:
//!
//! * `f64`: rel = 1e-12, floor = 1, group = 0 — that is, 1e-12 absolute for
//!   values below 1 and 1e-12 relative above, element by element.
//! * `f32`: rel = 1e-5, floor = 1e-3, and group = the largest |expected| of
//!   the vector or tensor the value belongs to (one sample's z of one layer,
//!   one layer's W, one layer's b): a normwise relative error of 1e-5, about
//!   170 `f32` ulps of the group's scale. Element-wise relative error is not
//!   an honest criterion in `f32`: a z that is small because its 64 terms
//!   cancel (z = −0.0120 from Σ|w·x| + |b| = 2.2 in the 64-32-10 case) carries
//!   the absolute rounding error of its terms (1.3e-7 there: rounding the f64
//!   parameters and inputs to f32, and the f32 sum, each contribute errors of
//!   order 2.2 × 6e-8), which is 1e-5 of that small z but 6e-8 of its
//!   vector's scale (1.6).
//!
//! Each test prints how many values it compared and the worst
//! |got − expected| / allowed it saw (≤ 1 passes).

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::LazyLock;

use constnet::prelude::*;
use constnet::{Backprop, Model};
use serde::Deserialize;

// ---------------------------------------------------------------------------
// The reference file.
// ---------------------------------------------------------------------------

static REFERENCE: LazyLock<Reference> = LazyLock::new(|| {
    let text = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/vectors_seed0.json"));
    serde_json::from_str(text).expect("tests/data/vectors_seed0.json parses")
});

#[derive(Deserialize)]
struct Reference {
    dtype: String,
    activations: ActivationTable,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct ActivationTable {
    x: Vec<f64>,
    leaky_relu_slope: f64,
    sigmoid: Elementwise,
    tanh: Elementwise,
    relu: Elementwise,
    leaky_relu: Elementwise,
    softmax: Vec<SoftmaxEntry>,
}

#[derive(Deserialize)]
struct Elementwise {
    value: Vec<f64>,
    derivative: Vec<f64>,
}

#[derive(Deserialize)]
struct SoftmaxEntry {
    z: Vec<f64>,
    softmax: Vec<f64>,
    /// `[i][j]` = dp_i/dz_j.
    jacobian_dp_i_dz_j: Vec<Vec<f64>>,
    log_softmax: Vec<f64>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    batch_size: usize,
    layers: Vec<LayerInfo>,
    loss: String,
    inputs: Vec<Vec<f64>>,
    targets: Option<Vec<Vec<f64>>>,
    target_classes: Option<Vec<usize>>,
    targets_onehot: Option<Vec<Vec<f64>>>,
    predicted_class: Option<Vec<usize>>,
    params_initial: Vec<Params>,
    forward: Vec<LayerForward>,
    outputs: Vec<Vec<f64>>,
    logits: Option<Vec<Vec<f64>>>,
    loss_per_sample: Vec<f64>,
    loss_value: f64,
    loss_variants: BTreeMap<String, LossVariant>,
    delta_out: Vec<Vec<f64>>,
    grads: Vec<Params>,
    sgd: SgdRun,
}

#[derive(Deserialize)]
struct LayerInfo {
    #[serde(rename = "in")]
    inputs: usize,
    #[serde(rename = "out")]
    outputs: usize,
    activation: String,
}

/// One Dense layer's parameters (or gradients): W is `[out][in]`.
#[derive(Deserialize, Clone, Debug, PartialEq)]
struct Params {
    #[serde(rename = "W")]
    w: Vec<Vec<f64>>,
    b: Vec<f64>,
}

#[derive(Deserialize)]
struct LayerForward {
    /// `[sample][unit]`.
    z: Vec<Vec<f64>>,
    /// `[sample][unit]`.
    a: Vec<Vec<f64>>,
}

#[derive(Deserialize)]
struct LossVariant {
    value: f64,
    grad_scale_vs_stored: f64,
}

#[derive(Deserialize)]
struct SgdRun {
    lr: f64,
    steps: Vec<SgdStep>,
    loss_after: f64,
}

#[derive(Deserialize)]
struct SgdStep {
    loss_before: f64,
    grads: Vec<Params>,
    params: Vec<Params>,
}

fn case(name: &str) -> &'static Case {
    REFERENCE.cases.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no case {name:?} in the reference file"))
}

// ---------------------------------------------------------------------------
// Comparison.
// ---------------------------------------------------------------------------

/// `|got − expected| ≤ rel · max(|expected|, floor, group)`, where `group`
/// is the largest |expected| of the value's vector or tensor when
/// `normwise`, else 0; see the module docs.
#[derive(Clone, Copy, Debug)]
struct Tol {
    rel: f64,
    floor: f64,
    normwise: bool,
}

/// f64: 1e-12 absolute below 1, 1e-12 relative above, element-wise.
const F64_TOL: Tol = Tol { rel: 1e-12, floor: 1.0, normwise: false };
/// f32: 1e-5 relative to the larger of the value and its vector's or
/// tensor's largest value, and never tighter than 1e-8 absolute.
const F32_TOL: Tol = Tol { rel: 1e-5, floor: 1e-3, normwise: true };

impl Tol {
    /// The largest error allowed for `expected` in a group whose largest
    /// magnitude is `group`.
    fn allowed(self, expected: f64, group: f64) -> f64 {
        let group = if self.normwise { group } else { 0.0 };
        self.rel * expected.abs().max(self.floor).max(group)
    }
}

fn max_abs<'a>(values: impl IntoIterator<Item = &'a f64>) -> f64 {
    values.into_iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// Collects every mismatch of one test, then fails listing them, so a
/// failure shows the whole picture: case, quantity, index, got, expected.
struct Checker {
    context: String,
    tol: Tol,
    compared: usize,
    /// The largest |got − expected| / allowed, and where.
    worst: (f64, String),
    failures: Vec<String>,
}

impl Checker {
    fn new(context: impl Into<String>, tol: Tol) -> Self {
        Checker { context: context.into(), tol, compared: 0, worst: (0.0, String::new()), failures: Vec::new() }
    }

    /// Checks one value whose group (vector or tensor) has largest
    /// magnitude `group`.
    fn value(&mut self, quantity: &str, index: impl Debug, got: f64, expected: f64, group: f64) {
        self.compared += 1;
        let diff = (got - expected).abs();
        let allowed = self.tol.allowed(expected, group);
        let ratio = diff / allowed;
        if ratio > self.worst.0 {
            self.worst = (ratio, format!("{quantity}{index:?}"));
        }
        // False when either side is NaN, so a NaN fails.
        let within = diff <= allowed;
        if !within {
            self.failures.push(format!(
                "{}: {quantity}{index:?}: got {got:e}, expected {expected:e} (|diff| = {diff:e}, allowed {allowed:e})",
                self.context
            ));
        }
    }

    /// Checks a scalar (its own group).
    fn scalar(&mut self, quantity: &str, index: impl Debug, got: f64, expected: f64) {
        self.value(quantity, index, got, expected, expected.abs());
    }

    /// Checks a vector (one group), at `prefix` in its quantity.
    fn vector(&mut self, quantity: &str, prefix: &[usize], got: &[f64], expected: &[f64]) {
        self.vector_in(quantity, prefix, got, expected, max_abs(expected));
    }

    /// Checks a vector that is part of a group of largest magnitude `group`.
    fn vector_in(&mut self, quantity: &str, prefix: &[usize], got: &[f64], expected: &[f64], group: f64) {
        assert_eq!(got.len(), expected.len(), "{}: {quantity}{prefix:?}: length", self.context);
        for (k, (&g, &e)) in got.iter().zip(expected).enumerate() {
            let mut index = prefix.to_vec();
            index.push(k);
            self.value(quantity, index, g, e, group);
        }
    }

    /// Checks every Dense layer's W (one group per layer) and b (one group
    /// per layer).
    fn params(&mut self, quantity: &str, got: &[Params], expected: &[Params]) {
        assert_eq!(got.len(), expected.len(), "{}: {quantity}: layer count", self.context);
        for (layer, (g, e)) in got.iter().zip(expected).enumerate() {
            assert_eq!(g.w.len(), e.w.len(), "{}: {quantity} layer {layer}: rows", self.context);
            let group = max_abs(e.w.iter().flatten());
            for (o, (g_row, e_row)) in g.w.iter().zip(&e.w).enumerate() {
                self.vector_in(&format!("{quantity}.layer{layer}.W"), &[o], g_row, e_row, group);
            }
            self.vector(&format!("{quantity}.layer{layer}.b"), &[], &g.b, &e.b);
        }
    }

    fn finish(self) {
        assert!(self.compared > 0, "{}: nothing compared", self.context);
        if !self.failures.is_empty() {
            const SHOWN: usize = 40;
            let mut message = format!(
                "{}: {} of {} values out of tolerance ({:?})\n",
                self.context,
                self.failures.len(),
                self.compared,
                self.tol
            );
            for line in self.failures.iter().take(SHOWN) {
                message.push_str(line);
                message.push('\n');
            }
            if self.failures.len() > SHOWN {
                message.push_str(&format!("... and {} more\n", self.failures.len() - SHOWN));
            }
            panic!("{message}");
        }
        eprintln!(
            "{}: {} values within {:?}; worst |diff|/allowed = {:.1e} at {}",
            self.context, self.compared, self.tol, self.worst.0, self.worst.1
        );
    }
}

// ---------------------------------------------------------------------------
// Conversions between the file's nested vectors and typed arrays.
// ---------------------------------------------------------------------------

fn arr<F: Float, const N: usize>(values: &[f64]) -> [F; N] {
    assert_eq!(values.len(), N, "vector length");
    core::array::from_fn(|k| F::from_f64(values[k]))
}

fn mat<F: Float, const R: usize, const C: usize>(rows: &[Vec<f64>]) -> [[F; C]; R] {
    assert_eq!(rows.len(), R, "matrix rows");
    core::array::from_fn(|r| arr(&rows[r]))
}

fn to_f64<F: Float>(values: &[F]) -> Vec<f64> {
    values.iter().map(|v| v.as_f64()).collect()
}

fn dense<F: Float, const I: usize, const O: usize>(p: &Params) -> Dense<I, O, F> {
    Dense::from_weights(mat(&p.w), arr(&p.b))
}

fn dense_params<F: Float, const I: usize, const O: usize>(layer: &Dense<I, O, F>) -> Params {
    Params { w: layer.weight().iter().map(|row| to_f64(row)).collect(), b: to_f64(layer.bias()) }
}

// ---------------------------------------------------------------------------
// The three architectures of the file, as typed stacks.
// ---------------------------------------------------------------------------

/// An activation layer with the name the reference file gives it.
trait Activation: Default + Clone {
    const NAME: &'static str;
}
impl Activation for Sigmoid {
    const NAME: &'static str = "sigmoid";
}
impl Activation for Tanh {
    const NAME: &'static str = "tanh";
}
impl Activation for Relu {
    const NAME: &'static str = "relu";
}
impl<F: Float> Activation for LeakyRelu<F> {
    const NAME: &'static str = "leaky_relu";
}

/// A typed stack built from a reference case: its layout, its parameters
/// in and out, and a per-layer trace of the forward pass.
trait ReferenceNet<F: Float, const I: usize, const O: usize>: Model<F> + Backprop<[F; I], Output = [F; O]> + Clone {
    /// Whether the stack ends with logits (softmax cases: the file's last
    /// activation is `softmax`, applied outside the stack).
    const LOGITS: bool;
    /// (in, out, activation) per Dense layer.
    fn layout() -> Vec<(usize, usize, &'static str)>;
    /// The stack with the given parameters, rounded to `F`.
    fn from_params(params: &[Params]) -> Self;
    /// The parameters (or gradients) of every Dense layer, in f64.
    fn params(&self) -> Vec<Params>;
    /// (z, a) for every Dense layer and its activation, layer by layer.
    fn trace(&self, x: &[F; I]) -> Vec<(Vec<f64>, Vec<f64>)>;
    /// dL/dz of the last Dense layer, given dL/d(stack output) at input `x`.
    fn delta_out(&self, x: &[F; I], d_output: &[F; O]) -> [F; O];
}

/// dL/dz of an activation at `z`, given dL/da: its backward pass.
fn activation_backward<F: Float, A, const N: usize>(act: &A, z: &[F; N], da: &[F; N]) -> [F; N]
where
    A: Backprop<[F; N], Output = [F; N]> + Forward + Clone,
{
    let (_, tape) = act.clone().forward_tape(z);
    act.backward(&tape, da, &mut act.clone())
}

/// Dense, activation, Dense, activation.
type TwoLayer<const I: usize, const H: usize, const O: usize, A1, A2, F> = (Dense<I, H, F>, A1, Dense<H, O, F>, A2);
/// Dense, activation, Dense (the logits).
type TwoLayerLogits<const I: usize, const H: usize, const O: usize, A1, F> = (Dense<I, H, F>, A1, Dense<H, O, F>);
/// Three Dense layers, each followed by its activation.
type ThreeLayer<const I: usize, const H1: usize, const H2: usize, const O: usize, A1, A2, A3, F> =
    (Dense<I, H1, F>, A1, Dense<H1, H2, F>, A2, Dense<H2, O, F>, A3);

impl<F, const I: usize, const H: usize, const O: usize, A1, A2> ReferenceNet<F, I, O> for TwoLayer<I, H, O, A1, A2, F>
where
    F: Float,
    A1: Activation + Model<F> + Backprop<[F; H], Output = [F; H]>,
    A2: Activation + Model<F> + Backprop<[F; O], Output = [F; O]>,
{
    const LOGITS: bool = false;
    fn layout() -> Vec<(usize, usize, &'static str)> {
        vec![(I, H, A1::NAME), (H, O, A2::NAME)]
    }
    fn from_params(p: &[Params]) -> Self {
        assert_eq!(p.len(), 2);
        (dense(&p[0]), A1::default(), dense(&p[1]), A2::default())
    }
    fn params(&self) -> Vec<Params> {
        vec![dense_params(&self.0), dense_params(&self.2)]
    }
    fn trace(&self, x: &[F; I]) -> Vec<(Vec<f64>, Vec<f64>)> {
        let z0 = self.0.forward(x);
        let a0 = self.1.forward(&z0);
        let z1 = self.2.forward(&a0);
        let a1 = self.3.forward(&z1);
        vec![(to_f64(&z0), to_f64(&a0)), (to_f64(&z1), to_f64(&a1))]
    }
    fn delta_out(&self, x: &[F; I], d_output: &[F; O]) -> [F; O] {
        let z1 = self.2.forward(&self.1.forward(&self.0.forward(x)));
        activation_backward(&self.3, &z1, d_output)
    }
}

impl<F, const I: usize, const H: usize, const O: usize, A1> ReferenceNet<F, I, O> for TwoLayerLogits<I, H, O, A1, F>
where
    F: Float,
    A1: Activation + Model<F> + Backprop<[F; H], Output = [F; H]>,
{
    const LOGITS: bool = true;
    fn layout() -> Vec<(usize, usize, &'static str)> {
        vec![(I, H, A1::NAME), (H, O, "softmax")]
    }
    fn from_params(p: &[Params]) -> Self {
        assert_eq!(p.len(), 2);
        (dense(&p[0]), A1::default(), dense(&p[1]))
    }
    fn params(&self) -> Vec<Params> {
        vec![dense_params(&self.0), dense_params(&self.2)]
    }
    fn trace(&self, x: &[F; I]) -> Vec<(Vec<f64>, Vec<f64>)> {
        let z0 = self.0.forward(x);
        let a0 = self.1.forward(&z0);
        let z1 = self.2.forward(&a0);
        let a1 = Softmax.forward(&z1);
        vec![(to_f64(&z0), to_f64(&a0)), (to_f64(&z1), to_f64(&a1))]
    }
    fn delta_out(&self, _x: &[F; I], d_logits: &[F; O]) -> [F; O] {
        *d_logits
    }
}

impl<F, const I: usize, const H1: usize, const H2: usize, const O: usize, A1, A2, A3> ReferenceNet<F, I, O>
    for ThreeLayer<I, H1, H2, O, A1, A2, A3, F>
where
    F: Float,
    A1: Activation + Model<F> + Backprop<[F; H1], Output = [F; H1]>,
    A2: Activation + Model<F> + Backprop<[F; H2], Output = [F; H2]>,
    A3: Activation + Model<F> + Backprop<[F; O], Output = [F; O]>,
{
    const LOGITS: bool = false;
    fn layout() -> Vec<(usize, usize, &'static str)> {
        vec![(I, H1, A1::NAME), (H1, H2, A2::NAME), (H2, O, A3::NAME)]
    }
    fn from_params(p: &[Params]) -> Self {
        assert_eq!(p.len(), 3);
        (dense(&p[0]), A1::default(), dense(&p[1]), A2::default(), dense(&p[2]), A3::default())
    }
    fn params(&self) -> Vec<Params> {
        vec![dense_params(&self.0), dense_params(&self.2), dense_params(&self.4)]
    }
    fn trace(&self, x: &[F; I]) -> Vec<(Vec<f64>, Vec<f64>)> {
        let z0 = self.0.forward(x);
        let a0 = self.1.forward(&z0);
        let z1 = self.2.forward(&a0);
        let a1 = self.3.forward(&z1);
        let z2 = self.4.forward(&a1);
        let a2 = self.5.forward(&z2);
        vec![(to_f64(&z0), to_f64(&a0)), (to_f64(&z1), to_f64(&a1)), (to_f64(&z2), to_f64(&a2))]
    }
    fn delta_out(&self, x: &[F; I], d_output: &[F; O]) -> [F; O] {
        let z2 = self.4.forward(&self.3.forward(&self.2.forward(&self.1.forward(&self.0.forward(x)))));
        activation_backward(&self.5, &z2, d_output)
    }
}

// ---------------------------------------------------------------------------
// The check of one case, generic over the float type and the stack.
// ---------------------------------------------------------------------------

type LossFn<F, const O: usize> = fn(&[F; O], &[F; O]) -> (F, [F; O]);

/// The case's loss, on the stack's output (logits for cross-entropy).
fn loss_fn<F: Float, const O: usize>(c: &Case) -> LossFn<F, O> {
    match c.loss.as_str() {
        "mse" => mse,
        "bce" => bce,
        "cross_entropy" => softmax_cross_entropy,
        other => panic!("{}: unknown loss {other:?}", c.name),
    }
}

/// The targets as the loss takes them: one-hot vectors for cross-entropy.
fn targets<F: Float, const O: usize>(c: &Case) -> Vec<[F; O]> {
    match (&c.targets, &c.target_classes) {
        (Some(t), None) => t.iter().map(|y| arr(y)).collect(),
        (None, Some(classes)) => {
            let onehot = c.targets_onehot.as_ref().expect("targets_onehot");
            classes
                .iter()
                .zip(onehot)
                .map(|(&k, expected)| {
                    let y = one_hot::<F, O>(k).expect("class in range");
                    assert_eq!(to_f64(&y), *expected, "{}: one_hot({k})", c.name);
                    y
                })
                .collect()
        }
        _ => panic!("{}: expected either targets or target_classes", c.name),
    }
}

/// The batch-mean loss of `net` on the case's batch.
fn mean_loss<F: Float, N, const I: usize, const O: usize>(
    net: &N,
    xs: &[[F; I]],
    ys: &[[F; O]],
    loss: LossFn<F, O>,
) -> f64
where
    N: ReferenceNet<F, I, O>,
{
    let total = xs.iter().zip(ys).fold(F::zero(), |s, (x, y)| s + loss(&net.forward(x), y).0);
    (total / F::from_usize(xs.len())).as_f64()
}

fn check_case<F: Float, N, const I: usize, const O: usize>(name: &str, tol: Tol)
where
    N: ReferenceNet<F, I, O>,
{
    let c = case(name);
    let mut check = Checker::new(format!("{name} [{}]", F::RUST_NAME), tol);
    let batch = c.batch_size;
    assert_eq!(REFERENCE.dtype, "float64");

    // The layout in the file is the one of the typed stack.
    let layout: Vec<_> = c.layers.iter().map(|l| (l.inputs, l.outputs, l.activation.as_str())).collect();
    assert_eq!(layout, N::layout(), "{name}: layer layout");
    assert_eq!(c.inputs.len(), batch, "{name}: batch size");

    let mut net = N::from_params(&c.params_initial);
    if F::RUST_NAME == "f64" {
        // from_weights/weight() round-trip the [out][in] layout exactly.
        assert_eq!(net.params(), c.params_initial, "{name}: parameters round trip");
    }
    let xs: Vec<[F; I]> = c.inputs.iter().map(|x| arr(x)).collect();
    let ys: Vec<[F; O]> = targets(c);
    let loss = loss_fn::<F, O>(c);
    let scale = F::one() / F::from_usize(batch);

    // Forward, per layer and per sample.
    assert_eq!(c.forward.len(), c.layers.len(), "{name}: forward layers");
    for (n, x) in xs.iter().enumerate() {
        for (l, (z, a)) in net.trace(x).iter().enumerate() {
            check.vector(&format!("forward[{l}].z"), &[n], z, &c.forward[l].z[n]);
            check.vector(&format!("forward[{l}].a"), &[n], a, &c.forward[l].a[n]);
        }
        let out = net.forward(x);
        let probabilities = if N::LOGITS {
            let logits = c.logits.as_ref().expect("logits");
            check.vector("logits", &[n], &to_f64(&out), &logits[n]);
            Softmax.forward(&out)
        } else {
            out
        };
        check.vector("outputs", &[n], &to_f64(&probabilities), &c.outputs[n]);
        if let Some(predicted) = &c.predicted_class {
            let argmax = (0..O).fold(0, |m, k| if probabilities[k] > probabilities[m] { k } else { m });
            assert_eq!(argmax, predicted[n], "{name} [{}]: predicted_class[{n}]", F::RUST_NAME);
        }
    }

    // Losses, delta_out and gradients: forward_tape, loss, backward per
    // sample, then the mean over the batch.
    let mut grads = N::zeroed();
    let mut total = F::zero();
    for (n, (x, y)) in xs.iter().zip(&ys).enumerate() {
        let (out, tape) = net.forward_tape(x);
        let (value, d_output) = loss(&out, y);
        check.scalar("loss_per_sample", [n], value.as_f64(), c.loss_per_sample[n]);
        total = total + value;
        let delta = net.delta_out(x, &d_output).map(|d| d * scale);
        check.vector("delta_out", &[n], &to_f64(&delta), &c.delta_out[n]);
        net.backward(&tape, &d_output, &mut grads);
    }
    check.scalar("loss_value", (), (total * scale).as_f64(), c.loss_value);
    grads.scale_params(scale);
    check.params("grads", &grads.params(), &c.grads);

    // Loss variants with half_sse (MSE cases): ½·Σ over the batch and its
    // mean over the batch; their gradients are the stored ones times the
    // stated scale.
    if c.loss == "mse" {
        for (variant, batch_factor) in [("half_sum", F::one()), ("mean_over_batch_of_half_sum", scale)] {
            let expected = &c.loss_variants[variant];
            let mut g = N::zeroed();
            let mut sum = F::zero();
            for (x, y) in xs.iter().zip(&ys) {
                let (out, tape) = net.forward_tape(x);
                let (value, d_output) = half_sse(&out, y);
                sum = sum + value;
                net.backward(&tape, &d_output, &mut g);
            }
            g.scale_params(batch_factor);
            check.scalar(&format!("loss_variants.{variant}.value"), (), (sum * batch_factor).as_f64(), expected.value);
            let scaled: Vec<Params> = c
                .grads
                .iter()
                .map(|p| Params {
                    w: p.w.iter().map(|row| row.iter().map(|v| v * expected.grad_scale_vs_stored).collect()).collect(),
                    b: p.b.iter().map(|v| v * expected.grad_scale_vs_stored).collect(),
                })
                .collect();
            check.params(&format!("loss_variants.{variant}.grads"), &g.params(), &scaled);
        }
    }

    // One SGD step on the full batch.
    assert_eq!(c.sgd.steps.len(), 1, "{name}: one SGD step");
    let step = &c.sgd.steps[0];
    assert_eq!(step.loss_before, c.loss_value, "{name}: sgd loss_before");
    check.params("sgd.steps[0].grads", &grads.params(), &step.grads);
    let lr = F::from_f64(c.sgd.lr);

    let mut stepped = net.clone();
    Sgd::new(lr).expect("lr").step(&mut stepped, &grads);
    check.params("sgd.steps[0].params (Sgd::step)", &stepped.params(), &step.params);
    check.scalar("sgd.loss_after (Sgd::step)", (), mean_loss(&stepped, &xs, &ys, loss), c.sgd.loss_after);

    let mut trained = net.clone();
    let data: Vec<([F; I], [F; O])> = xs.iter().copied().zip(ys.iter().copied()).collect();
    let mean = train_batch(&mut trained, &mut Sgd::new(lr).expect("lr"), &data, loss).expect("train_batch");
    check.scalar("train_batch loss", (), mean.as_f64(), c.loss_value);
    check.params("sgd.steps[0].params (train_batch)", &trained.params(), &step.params);
    check.scalar("sgd.loss_after (train_batch)", (), mean_loss(&trained, &xs, &ys, loss), c.sgd.loss_after);

    check.finish();
}

/// One `#[test]` per case and float type. `$net` is a type alias whose one
/// parameter is the float type.
macro_rules! reference_case {
    ($test_f64:ident, $test_f32:ident, $case:literal, $net:ident, $i:literal => $o:literal) => {
        #[test]
        fn $test_f64() {
            check_case::<f64, $net<f64>, $i, $o>($case, F64_TOL);
        }

        #[test]
        fn $test_f32() {
            check_case::<f32, $net<f32>, $i, $o>($case, F32_TOL);
        }
    };
}

type Worked<F> = TwoLayer<2, 2, 1, Sigmoid, Sigmoid, F>;
type Xor<F> = TwoLayer<2, 4, 1, Sigmoid, Sigmoid, F>;
type TanhBce<F> = TwoLayer<2, 4, 1, Tanh, Sigmoid, F>;
type ReluSoftmax<F> = TwoLayerLogits<4, 8, 3, Relu, F>;
type TanhSoftmax<F> = TwoLayerLogits<64, 32, 10, Tanh, F>;
type Deep<F> = ThreeLayer<3, 5, 4, 2, LeakyRelu<F>, Relu, Sigmoid, F>;

reference_case!(
    worked_2_2_1_sigmoid_sigmoid_mse_f64,
    worked_2_2_1_sigmoid_sigmoid_mse_f32,
    "worked_2_2_1_sigmoid_sigmoid_mse",
    Worked,
    2 => 1
);
reference_case!(
    xor_2_4_1_sigmoid_sigmoid_mse_f64,
    xor_2_4_1_sigmoid_sigmoid_mse_f32,
    "xor_2_4_1_sigmoid_sigmoid_mse",
    Xor,
    2 => 1
);
reference_case!(
    case_2_4_1_tanh_sigmoid_bce_f64,
    case_2_4_1_tanh_sigmoid_bce_f32,
    "2_4_1_tanh_sigmoid_bce",
    TanhBce,
    2 => 1
);
reference_case!(
    case_4_8_3_relu_softmax_ce_f64,
    case_4_8_3_relu_softmax_ce_f32,
    "4_8_3_relu_softmax_ce",
    ReluSoftmax,
    4 => 3
);
reference_case!(
    case_64_32_10_tanh_softmax_ce_f64,
    case_64_32_10_tanh_softmax_ce_f32,
    "64_32_10_tanh_softmax_ce",
    TanhSoftmax,
    64 => 10
);
reference_case!(
    case_3_5_4_2_leakyrelu_relu_sigmoid_mse_f64,
    case_3_5_4_2_leakyrelu_relu_sigmoid_mse_f32,
    "3_5_4_2_leakyrelu_relu_sigmoid_mse",
    Deep,
    3 => 2
);

#[test]
fn every_case_in_the_file_has_a_test() {
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
// The activation table, f64 within 1e-12.
// ---------------------------------------------------------------------------

/// The table's x: −20 … 20, 11 points.
const TABLE_LEN: usize = 11;

/// Values and derivatives (backward with dy = 1 for every element) of an
/// element-wise activation on the table's x.
fn check_elementwise<A>(name: &str, act: A, expected: &Elementwise)
where
    A: Backprop<[f64; TABLE_LEN], Output = [f64; TABLE_LEN]> + Forward + Clone,
{
    let table = &REFERENCE.activations;
    let x: [f64; TABLE_LEN] = arr(&table.x);
    assert_eq!((x[0], x[TABLE_LEN - 1]), (-20.0, 20.0));
    let mut check = Checker::new(format!("activations.{name}"), F64_TOL);

    let value = act.forward(&x);
    check.vector("value", &[], &value, &expected.value);

    let (taped_value, tape) = act.clone().forward_tape(&x);
    assert_eq!(taped_value, value, "activations.{name}: forward_tape and forward agree");
    let derivative = act.backward(&tape, &[1.0; TABLE_LEN], &mut act.clone());
    check.vector("derivative", &[], &derivative, &expected.derivative);
    check.finish();
}

#[test]
fn activation_table_sigmoid() {
    check_elementwise("sigmoid", Sigmoid, &REFERENCE.activations.sigmoid);
}

#[test]
fn activation_table_tanh() {
    check_elementwise("tanh", Tanh, &REFERENCE.activations.tanh);
}

#[test]
fn activation_table_relu() {
    check_elementwise("relu", Relu, &REFERENCE.activations.relu);
}

#[test]
fn activation_table_leaky_relu() {
    let slope = REFERENCE.activations.leaky_relu_slope;
    assert_eq!(slope, 0.01);
    // The default slope is PyTorch's, and is the table's.
    assert_eq!(LeakyRelu::<f64>::default(), LeakyRelu::new(slope));
    check_elementwise("leaky_relu", LeakyRelu::<f64>::new(slope), &REFERENCE.activations.leaky_relu);
}

/// One softmax entry: the probabilities, the Jacobian and log-softmax.
fn check_softmax<const N: usize>(index: usize, entry: &SoftmaxEntry) {
    let z: [f64; N] = arr(&entry.z);
    let mut check = Checker::new(format!("activations.softmax[{index}] (z = {:?})", entry.z), F64_TOL);

    let p = Softmax.forward(&z);
    assert!(p.iter().all(|v| v.is_finite()), "softmax({z:?}) = {p:?} is not finite");
    check.vector("softmax", &[], &p, &entry.softmax);

    // backward(dy) = Jᵀ·dy with J[i][j] = dp_i/dz_j. With dy = e_i it is
    // Jᵀ·e_i, the i-th column of Jᵀ: (dp_i/dz_j for every j), row i of J.
    let (_, tape) = Softmax.forward_tape(&z);
    for i in 0..N {
        let e_i: [f64; N] = core::array::from_fn(|k| if k == i { 1.0 } else { 0.0 });
        let row = Softmax.backward(&tape, &e_i, &mut Softmax);
        check.vector("jacobian_dp_i_dz_j", &[i], &row, &entry.jacobian_dp_i_dz_j[i]);
    }

    // Cross-entropy with a one-hot target on class k is −log_softmax(z)_k,
    // and its gradient is p − e_k.
    for k in 0..N {
        let target = one_hot::<f64, N>(k).expect("class in range");
        let (loss, grad) = softmax_cross_entropy(&z, &target);
        assert!(loss.is_finite() && grad.iter().all(|g| g.is_finite()), "CE({z:?}, class {k}) is not finite");
        check.scalar("log_softmax (−CE with one_hot)", [k], -loss, entry.log_softmax[k]);
        let expected_grad: Vec<f64> = (0..N).map(|j| entry.softmax[j] - target[j]).collect();
        check.vector(&format!("CE gradient, class {k}"), &[], &grad, &expected_grad);
    }
    check.finish();
}

#[test]
fn activation_table_softmax() {
    let entries = &REFERENCE.activations.softmax;
    assert_eq!(entries.len(), 5);
    // The stability cases are in the table.
    assert!(entries.iter().any(|e| e.z == [1000.0, 1001.0, 1002.0]));
    assert!(entries.iter().any(|e| e.z == [-1000.0, 0.0, 1000.0]));
    for (index, entry) in entries.iter().enumerate() {
        match entry.z.len() {
            3 => check_softmax::<3>(index, entry),
            4 => check_softmax::<4>(index, entry),
            5 => check_softmax::<5>(index, entry),
            n => panic!("activations.softmax[{index}]: no check for width {n}"),
        }
    }
}
