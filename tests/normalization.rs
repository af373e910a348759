//! BatchNorm1d (on vectors and on `[N][C][L]` feature maps), LayerNorm and
//! Dropout against PyTorch (`layers_seed0.json`, `conv_seed0.json`,
//! float64, tolerance 1e-12), evaluation-mode training, finite-difference
//! gradient checks, and the overflow behaviour of the statistics.
//!
//! The reference gradients are those of L = Σ y·dY for a given upstream dY,
//! summed over the batch (no 1/N), which is exactly what `backward` with
//! `dy = dY` accumulates.

use constnet::prelude::*;
use constnet::{Backprop, Values};
use serde_json::Value;

mod support;
use support::{assert_close, flat, tensor, values};

static LAYERS: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/layers_seed0.json"));
static CONV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/conv_seed0.json"));

fn case(name: &str) -> Value {
    support::case(LAYERS, name)
}

/// A `BatchNorm1d` with the case's parameters and running statistics, and
/// its ε and momentum (PyTorch's defaults where the case does not say).
fn batch_norm_from<const C: usize>(case: &Value) -> BatchNorm1d<C, f64> {
    let setting = |name: &str, default: f64| case["hyperparams"][name].as_f64().unwrap_or(default);
    BatchNorm1d::from_parts(
        tensor(&case["params"]["weight"]),
        tensor(&case["params"]["bias"]),
        tensor(&case["state_before"]["running_mean"]),
        tensor(&case["state_before"]["running_var"]),
        setting("eps", 1e-5),
        setting("momentum", 0.1),
    )
}

/// Trains `bn` on the case's batch: output, running statistics, dX, dγ, dβ.
fn check_training<X, const C: usize, const B: usize>(name: &str, c: &Value)
where
    X: Values<Scalar = f64>,
    BatchNorm1d<C, f64>: Backprop<Batch<X, B>, Output = Batch<X, B>>,
{
    let mut bn = batch_norm_from::<C>(c);
    let x: Batch<X, B> = tensor(&c["inputs"]["x"]);
    let dy: Batch<X, B> = tensor(&c["upstream"]["dy"]);

    let (y, tape) = bn.forward_tape(&x);
    assert_close(&format!("{name} y"), &values(&y), &flat(&c["outputs"]["y"]));
    assert_close(&format!("{name} running_mean"), bn.running_mean(), &flat(&c["state_after"]["running_mean"]));
    assert_close(&format!("{name} running_var"), bn.running_var(), &flat(&c["state_after"]["running_var"]));

    let mut grads = Grads::<BatchNorm1d<C, f64>>::zeroed();
    let dx = bn.backward(&tape, &dy, &mut grads);
    assert_close(&format!("{name} dx"), &values(&dx), &flat(&c["grads"]["x"]));
    assert_close(&format!("{name} dweight"), grads.weight(), &flat(&c["grads"]["weight"]));
    assert_close(&format!("{name} dbias"), grads.bias(), &flat(&c["grads"]["bias"]));
}

#[test]
fn batch_norm_training_matches_pytorch() {
    check_training::<[f64; 5], 5, 3>("batchnorm1d_5_train", &case("batchnorm1d_5_train"));
}

/// PyTorch's `BatchNorm1d` on `[N][C][L]`: statistics per channel over the
/// batch and the length — what a `Conv1d`'s output in a `Batch` gets.
#[test]
fn batch_norm_on_feature_maps_matches_pytorch() {
    let name = "batchnorm1d_3_train_ncl";
    check_training::<[[f64; 5]; 3], 3, 2>(name, &support::case(CONV, name));
}

/// A stack `(Conv1d<1, 4, 1, 4>, BatchNorm1d<4>)` on a batch normalises
/// each of the four channels over the batch and the positions, as PyTorch
/// does, rather than treating the channels as samples.
#[test]
fn batch_norm_after_conv1d_normalises_channels_over_batch_and_length() {
    type Net = (Conv1d<1, 4, 1, 4, 1, 0, f64>, BatchNorm1d<4, f64>);
    let mut net: Net =
        (Conv1d::from_weights([[[1.0]], [[2.0]], [[-1.0]], [[0.5]]], [0.0, 1.0, 2.0, 3.0]), BatchNorm1d::default());
    let x = Batch::new([[[1.0, 2.0, 3.0, 4.0]], [[0.0, -1.0, 5.0, 2.0]]]);
    let (y, _) = net.forward_tape(&x);
    for c in 0..4 {
        let channel: Vec<f64> = (0..2).flat_map(|n| y[n][c]).collect();
        let mean = channel.iter().sum::<f64>() / 8.0;
        let var = channel.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / 8.0;
        assert!(mean.abs() < 1e-12 && (var - 1.0).abs() < 1e-4, "channel {c}: mean {mean}, variance {var}");
    }
}

#[test]
fn batch_norm_inference_matches_pytorch_and_changes_nothing() {
    let c = case("batchnorm1d_5_eval");
    let bn = batch_norm_from::<5>(&c);
    let before = bn.clone();
    let x: Batch<[f64; 5], 3> = tensor(&c["inputs"]["x"]);
    let y = bn.forward(&x);
    assert_close("y", &values(&y), &flat(&c["outputs"]["y"]));
    assert_eq!(bn, before);
}

/// Evaluation-mode training (PyTorch's `model.eval()` then `backward()`):
/// the gradients of the eval-mode formula y = (x − μ_run)/√(σ²_run + ε)·γ + β
/// — dX = dY·γ/√(σ²_run + ε), dγ = Σ dY·x̂, dβ = Σ dY — on a batch and on
/// single samples, with the running statistics untouched.
#[test]
fn evaluation_mode_gradients_match_pytorch() {
    let c = case("batchnorm1d_5_eval");
    let x: Batch<[f64; 5], 3> = tensor(&c["inputs"]["x"]);
    let dy: Batch<[f64; 5], 3> = tensor(&c["upstream"]["dy"]);
    let mut bn = batch_norm_from::<5>(&c);
    let before = bn.clone();

    let (y, tape) = bn.forward_tape_eval(&x);
    assert_eq!(y, bn.forward(&x));
    let mut batch_grads = Grads::<BatchNorm1d<5, f64>>::zeroed();
    let dx = bn.backward(&tape, &dy, &mut batch_grads);
    assert_close("dx", &values(&dx), &flat(&c["grads"]["x"]));
    assert_close("dweight", batch_grads.weight(), &flat(&c["grads"]["weight"]));
    assert_close("dbias", batch_grads.bias(), &flat(&c["grads"]["bias"]));

    let mut single_grads = Grads::<BatchNorm1d<5, f64>>::zeroed();
    for (row, d) in x.iter().zip(&dy) {
        let (y_row, tape) = bn.forward_tape_eval(row);
        assert_eq!(y_row, bn.forward(row));
        let dx_row = bn.backward(&tape, d, &mut single_grads);
        assert_eq!(dx_row, dx[x.iter().position(|r| r == row).unwrap()]);
    }
    assert_eq!(single_grads, batch_grads, "single samples accumulate the batch's gradients, bit for bit");
    assert_eq!(bn, before, "evaluation mode must not touch the running statistics");
}

/// Fine-tuning a batch-normalised network in evaluation mode, one sample at
/// a time: the loss falls and the running statistics stay as trained.
#[test]
fn a_batch_normalised_network_fine_tunes_in_evaluation_mode() {
    type Net = (Dense<3, 4, f64>, BatchNorm1d<4, f64>, Tanh, Dense<4, 1, f64>);
    let mut net = Net::init(&mut Xoshiro256PlusPlus::seed_from_u64(4));
    let data = [([0.5, -1.0, 2.0], [1.0]), ([1.5, 0.3, -0.7], [-1.0]), ([-0.2, 0.8, 0.1], [0.5])];
    // Give the running statistics something to hold.
    let inputs: Batch<_, 3> = Batch::from_fn(|b| data[b].0);
    let targets: Batch<_, 3> = Batch::from_fn(|b| data[b].1);
    let mut sgd = Sgd::new(0.05).unwrap();
    train_batched(&mut net, &mut sgd, &inputs, &targets, mse).unwrap();
    let statistics = (*net.1.running_mean(), *net.1.running_var());

    let loss = |net: &Net| data.iter().map(|(x, y)| mse(&net.forward(x), y).0).sum::<f64>();
    let first = loss(&net);
    for _ in 0..50 {
        let mut grads = Grads::<Net>::zeroed();
        for (x, y) in &data {
            let (out, tape) = net.forward_tape_eval(x);
            net.backward(&tape, &mse(&out, y).1, &mut grads);
        }
        sgd.step(&mut net, &grads);
    }
    assert!(loss(&net) < first / 2.0, "{} → {}", first, loss(&net));
    assert_eq!((*net.1.running_mean(), *net.1.running_var()), statistics);
}

#[test]
fn layer_norm_matches_pytorch() {
    for name in ["layernorm_6", "layernorm_6_3d_input"] {
        let c = case(name);
        // A 3-D input [N][T][6] is normalised per position: the same as its
        // N·T rows, one sample each.
        let rows = |v: &Value| -> Vec<[f64; 6]> {
            flat(v).chunks(6).map(|row| <[f64; 6]>::from_slice(row).unwrap()).collect()
        };
        let ln: LayerNorm<6, f64> = LayerNorm::from_parts(
            tensor(&c["params"]["weight"]),
            tensor(&c["params"]["bias"]),
            c["hyperparams"]["eps"].as_f64().unwrap(),
        );
        let (x, dy) = (rows(&c["inputs"]["x"]), rows(&c["upstream"]["dy"]));
        let mut grads = Grads::<LayerNorm<6, f64>>::zeroed();
        let (mut y, mut dx) = (Vec::new(), Vec::new());
        for (row, d) in x.iter().zip(&dy) {
            let (out, tape) = ln.clone().forward_tape(row);
            assert_eq!(out, ln.forward(row), "{name}: training and inference agree");
            y.extend(out);
            dx.extend(ln.backward(&tape, d, &mut grads));
        }
        assert_close(&format!("{name} y"), &y, &flat(&c["outputs"]["y"]));
        assert_close(&format!("{name} dx"), &dx, &flat(&c["grads"]["x"]));
        assert_close(&format!("{name} dweight"), grads.weight(), &flat(&c["grads"]["weight"]));
        assert_close(&format!("{name} dbias"), grads.bias(), &flat(&c["grads"]["bias"]));
    }
}

#[test]
fn layer_norm_batched_equals_sample_by_sample() {
    let ln: LayerNorm<4, f64> = LayerNorm::from_parts([1.0, 2.0, 0.5, -1.0], [0.1, 0.0, -0.2, 0.3], 1e-5);
    let x = Batch::new([[1.0, -2.0, 3.0, 0.5], [0.1, 0.2, -0.3, 4.0]]);
    let dy = Batch::new([[0.5, 1.0, -1.0, 2.0], [1.0, -0.5, 0.25, 1.5]]);
    let (y, tape) = ln.clone().forward_tape(&x);
    let mut batched = Grads::<LayerNorm<4, f64>>::zeroed();
    let dx = ln.backward(&tape, &dy, &mut batched);
    let mut single = Grads::<LayerNorm<4, f64>>::zeroed();
    for b in 0..2 {
        let (y_row, tape) = ln.clone().forward_tape(&x[b]);
        assert_eq!(y_row, y[b]);
        assert_eq!(ln.backward(&tape, &dy[b], &mut single), dx[b]);
    }
    assert_eq!(batched, single);
}

/// A variance beyond the float type's range (f32, deviations of 10¹⁹ and
/// more) must not silently make the output β: the values stay normalised.
/// An input whose sum overflows gives NaN, never a plausible number.
#[test]
fn normalisation_survives_a_variance_beyond_f32() {
    let ln: LayerNorm<4> = LayerNorm::default();
    let y = ln.forward(&[2e19_f32, -2e19, 6e19, -6e19]);
    let want = [0.4472136, -0.4472136, 1.3416408, -1.3416408];
    for (got, want) in y.iter().zip(want) {
        assert!((got - want).abs() < 1e-6, "{y:?}");
    }
    let y = ln.forward(&[3e38_f32, 3e38, -1.0, 1.0]);
    assert!(y.iter().all(|v| v.is_nan()), "{y:?}");

    let mut bn: BatchNorm1d<2> = BatchNorm1d::default();
    let (y, _) = bn.forward_tape(&Batch::new([[2e19_f32, 1.0], [-2e19, -1.0]]));
    assert!((y[0][0] - 1.0).abs() < 1e-6 && (y[1][0] + 1.0).abs() < 1e-6, "{y:?}");
    assert_eq!(bn.running_var()[0], f32::INFINITY, "the unbiased variance 8e38 overflows f32");
    let (y, _) = bn.forward_tape(&Batch::new([[3e38_f32, 1.0], [3e38, -1.0]]));
    assert!(y[0][0].is_nan() && y[1][0].is_nan(), "{y:?}");
}

/// PyTorch's convention (the `dropout` block): kept elements are multiplied
/// by the precomputed scale 1/(1 − p), bit for bit; dX = dY·mask·scale;
/// inference and evaluation mode are the identity. With the reference's own
/// mask, every output and gradient matches it exactly.
#[test]
fn dropout_follows_pytorchs_convention() {
    let all: Value = serde_json::from_str(LAYERS).unwrap();
    let example = &all["dropout"]["example_with_explicit_mask"];
    let p = example["p"].as_f64().unwrap();
    let scale = example["scale"].as_f64().unwrap();
    assert_eq!(1.0 / (1.0 - p), scale);
    let x: Batch<[f64; 4], 2> = tensor(&example["x"]);
    let dy: Batch<[f64; 4], 2> = tensor(&example["dY"]);
    let keep: Batch<[f64; 4], 2> = tensor(&example["mask"]);

    let mut dropout = Dropout::<f64>::new(p, 7).unwrap();
    assert_eq!(values(&dropout.forward(&x)), flat(&example["y_eval"]));

    // The reference's mask, sample by sample: y and dX bit for bit.
    let (mut y, mut dx) = (Vec::new(), Vec::new());
    for b in 0..2 {
        let (y_b, mask) = dropout.with_mask(&x[b], &keep[b]).unwrap();
        y.extend(y_b);
        dx.extend(<Dropout<f64> as Backprop<[f64; 4]>>::backprop(&dropout, &mask, &dy[b], &mut Dropout::zeroed()));
    }
    let bits = |v: Vec<f64>| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(y), bits(flat(&example["y_train"])));
    assert_eq!(bits(dx), bits(flat(&example["dX_train"])));

    // Evaluation mode: the identity, dX = dY exactly.
    let (y, tape) = dropout.forward_tape_eval(&x);
    assert_eq!(values(&y), flat(&example["y_eval"]));
    assert_eq!(values(&dropout.backward(&tape, &dy, &mut Dropout::zeroed())), flat(&example["dX_eval"]));

    // The layer's own masks follow the same convention.
    let (y, tape) = dropout.forward_tape(&x);
    let dx = dropout.backward(&tape, &dy, &mut Dropout::zeroed());
    for b in 0..2 {
        for k in 0..4 {
            let m = tape.layers()[b][k];
            assert!(m == 0.0 || m == scale, "mask values are 0 or exactly 1/(1 − p)");
            assert_eq!(y[b][k].to_bits(), (x[b][k] * m).to_bits());
            assert_eq!(dx[b][k].to_bits(), (dy[b][k] * m).to_bits());
        }
    }
    assert!(dropout.with_mask(&x[0], &[1.0, 0.5, 0.0, 1.0]).is_err());
}

#[test]
fn dropout_keeps_the_expected_fraction_reproducibly() {
    let mut dropout = Dropout::<f32>::new(0.25, 11).unwrap();
    let mut replay = dropout.clone();
    let mut kept = 0;
    for _ in 0..100 {
        let (y, _) = dropout.forward_tape(&[1.0_f32; 100]);
        let (again, _) = replay.forward_tape(&[1.0_f32; 100]);
        assert_eq!(y, again, "same seed, same masks");
        kept += y.iter().filter(|&&v| v != 0.0).count();
    }
    // 10,000 Bernoulli(0.75) draws: mean 7,500, standard deviation ≈ 43.
    assert!((7_300..=7_700).contains(&kept), "kept {kept} of 10000");
    assert!(Dropout::<f32>::new(-0.1, 0).is_err() && Dropout::<f32>::new(f32::NAN, 0).is_err());
}

/// Central differences with Richardson extrapolation, on L = Σ y·dY.
fn numeric(f: impl Fn(f64) -> f64) -> f64 {
    let d = |h: f64| (f(h) - f(-h)) / (2.0 * h);
    let (h, h2) = (d(1e-3), d(5e-4));
    (4.0 * h2 - h) / 3.0
}

fn assert_gradient(what: &str, analytic: f64, numeric: f64) {
    let scale = analytic.abs().max(numeric.abs()).max(1e-6);
    assert!((analytic - numeric).abs() / scale < 1e-6, "{what}: analytic {analytic}, numeric {numeric}");
}

/// Finite differences through the batch statistics, for a batch of vectors
/// and a batch of feature maps.
fn check_training_gradients<X, const C: usize, const B: usize>(name: &str, c: &Value)
where
    X: Values<Scalar = f64>,
    BatchNorm1d<C, f64>: Backprop<Batch<X, B>, Output = Batch<X, B>>,
{
    let bn = batch_norm_from::<C>(c);
    let x: Batch<X, B> = tensor(&c["inputs"]["x"]);
    let dy: Batch<X, B> = tensor(&c["upstream"]["dy"]);
    // Every evaluation trains a fresh copy, so the running statistics of
    // one evaluation never leak into another.
    let objective = |net: &BatchNorm1d<C, f64>, x: &Batch<X, B>| -> f64 {
        let (y, _) = net.clone().forward_tape(x);
        values(&y).iter().zip(values(&dy)).map(|(a, b)| a * b).sum()
    };
    let (_, tape) = bn.clone().forward_tape(&x);
    let mut grads = Grads::<BatchNorm1d<C, f64>>::zeroed();
    let dx = values(&bn.backward(&tape, &dy, &mut grads));
    let x_values = values(&x);
    for (i, &analytic) in dx.iter().enumerate() {
        let n = numeric(|h| {
            let mut shifted = x_values.clone();
            shifted[i] += h;
            objective(&bn, &Batch::from_slice(&shifted).unwrap())
        });
        assert_gradient(&format!("{name} dx[{i}]"), analytic, n);
    }
    let analytic: Vec<f64> = grads.tensors().flat_map(|t| t.storage.to_vec()).collect();
    for (k, &a) in analytic.iter().enumerate() {
        let n = numeric(|h| {
            let mut shifted = bn.clone();
            shifted.tensors_mut().nth(k / C).unwrap().storage[k % C] += h;
            objective(&shifted, &x)
        });
        assert_gradient(&format!("{name} param {k}"), a, n);
    }
}

#[test]
fn batch_norm_training_gradients_match_finite_differences() {
    check_training_gradients::<[f64; 5], 5, 3>("vectors", &case("batchnorm1d_5_train"));
    check_training_gradients::<[[f64; 5]; 3], 3, 2>("feature maps", &support::case(CONV, "batchnorm1d_3_train_ncl"));
}

#[test]
fn layer_norm_and_dropout_gradients_match_finite_differences_in_a_stack() {
    type Net = (Dense<3, 6, f64>, LayerNorm<6, f64>, Tanh, Dropout<f64>, Dense<6, 2, f64>);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
    let mut net = Net::init(&mut rng);
    net.1 = LayerNorm::from_parts([1.5, 0.5, -1.0, 2.0, 1.0, 0.7], [0.1, -0.2, 0.3, 0.0, 0.5, -0.1], 1e-5);
    net.3 = Dropout::new(0.3, 5).unwrap();
    let x = [0.3, -1.2, 0.8];
    let target = [0.5, -0.5];
    // Cloning the net before each training pass replays the same dropout
    // mask, so the objective is a fixed function of the parameters.
    let objective = |net: &Net, x: &[f64; 3]| mse(&net.clone().forward_tape(x).0, &target).0;
    let (y, tape) = net.clone().forward_tape(&x);
    let (_, dy) = mse(&y, &target);
    let mut grads = Grads::<Net>::zeroed();
    let dx = net.backward(&tape, &dy, &mut grads);
    for i in 0..3 {
        let n = numeric(|h| {
            let mut shifted = x;
            shifted[i] += h;
            objective(&net, &shifted)
        });
        assert_gradient(&format!("dx[{i}]"), dx[i], n);
    }
    let analytic: Vec<Vec<f64>> = grads.tensors().map(|t| t.storage.to_vec()).collect();
    for (t, values) in analytic.iter().enumerate() {
        for (i, &a) in values.iter().enumerate() {
            let n = numeric(|h| {
                let mut shifted = net.clone();
                shifted.tensors_mut().nth(t).unwrap().storage[i] += h;
                objective(&shifted, &x)
            });
            assert_gradient(&format!("tensor {t}[{i}]"), a, n);
        }
    }
}
