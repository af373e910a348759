//! BatchNorm1d, LayerNorm and Dropout against PyTorch (`layers_seed0.json`,
//! float64, tolerance 1e-12), plus finite-difference gradient checks.
//!
//! The reference gradients are those of L = Σ y·dY for a given upstream dY,
//! summed over the batch (no 1/N), which is exactly what `backward` with
//! `dy = dY` accumulates.

use constnet::prelude::*;
use serde_json::Value;

static DATA: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/layers_seed0.json"));

fn reference() -> Value {
    serde_json::from_str(DATA).unwrap()
}

fn case(name: &str) -> Value {
    let all = reference();
    all["cases"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap().clone()
}

fn vector<const N: usize>(v: &Value) -> [f64; N] {
    let values: Vec<f64> = v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
    values.try_into().unwrap()
}

fn matrix<const N: usize, const B: usize>(v: &Value) -> [[f64; N]; B] {
    let rows: Vec<[f64; N]> = v.as_array().unwrap().iter().map(vector).collect();
    rows.try_into().unwrap()
}

/// |got − want| ≤ 1e-12·max(1, |want|) for every element.
fn assert_close(what: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= 1e-12 * w.abs().max(1.0), "{what}[{k}]: got {g}, want {w}");
    }
}

fn batch_norm_from(case: &Value) -> BatchNorm1d<5, f64> {
    BatchNorm1d::from_parts(
        vector(&case["params"]["weight"]),
        vector(&case["params"]["bias"]),
        vector(&case["state_before"]["running_mean"]),
        vector(&case["state_before"]["running_var"]),
        case["hyperparams"]["eps"].as_f64().unwrap(),
        case["hyperparams"]["momentum"].as_f64().unwrap(),
    )
}

#[test]
fn batch_norm_training_matches_pytorch() {
    let c = case("batchnorm1d_5_train");
    let mut bn = batch_norm_from(&c);
    let x: [[f64; 5]; 3] = matrix(&c["inputs"]["x"]);
    let dy: [[f64; 5]; 3] = matrix(&c["upstream"]["dy"]);

    let (y, tape) = bn.forward_tape(&x);
    assert_close("y", y.as_flattened(), matrix::<5, 3>(&c["outputs"]["y"]).as_flattened());
    assert_close("running_mean", bn.running_mean(), &vector::<5>(&c["state_after"]["running_mean"]));
    assert_close("running_var", bn.running_var(), &vector::<5>(&c["state_after"]["running_var"]));

    let mut grads = Grads::<BatchNorm1d<5, f64>>::zeroed();
    let dx = bn.backward(&tape, &dy, &mut grads);
    assert_close("dx", dx.as_flattened(), matrix::<5, 3>(&c["grads"]["x"]).as_flattened());
    assert_close("dweight", grads.weight(), &vector::<5>(&c["grads"]["weight"]));
    assert_close("dbias", grads.bias(), &vector::<5>(&c["grads"]["bias"]));
}

#[test]
fn batch_norm_inference_matches_pytorch_and_changes_nothing() {
    let c = case("batchnorm1d_5_eval");
    let bn = batch_norm_from(&c);
    let before = bn.clone();
    let x: [[f64; 5]; 3] = matrix(&c["inputs"]["x"]);
    let y = bn.forward(&x);
    assert_close("y", y.as_flattened(), matrix::<5, 3>(&c["outputs"]["y"]).as_flattened());
    assert_eq!(bn, before);

    // Single samples are normalised with the running statistics too, and
    // their gradient is the eval-mode one: dY·γ/√(running_var + ε).
    let dy: [[f64; 5]; 3] = matrix(&c["upstream"]["dy"]);
    let mut single = bn.clone();
    let mut grads = Grads::<BatchNorm1d<5, f64>>::zeroed();
    let mut dx = Vec::new();
    for (row, d) in x.iter().zip(&dy) {
        let (y_row, tape) = single.forward_tape(row);
        assert_eq!(y_row, bn.forward(row));
        dx.extend(single.backward(&tape, d, &mut grads));
    }
    assert_eq!(single, before, "a single-sample pass must not touch the running statistics");
    assert_close("dx", &dx, matrix::<5, 3>(&c["grads"]["x"]).as_flattened());
    assert_close("dweight", grads.weight(), &vector::<5>(&c["grads"]["weight"]));
    assert_close("dbias", grads.bias(), &vector::<5>(&c["grads"]["bias"]));
}

#[test]
fn layer_norm_matches_pytorch() {
    for (name, rows) in [("layernorm_6", 3), ("layernorm_6_3d_input", 6)] {
        let c = case(name);
        // A 3-D input [N][T][6] is normalised per position: the same as its
        // N·T rows as one batch.
        let flat = |v: &Value| -> Vec<[f64; 6]> {
            let mut out = Vec::new();
            fn walk(v: &Value, out: &mut Vec<[f64; 6]>) {
                let items = v.as_array().unwrap();
                if items[0].is_number() {
                    out.push(vector(v));
                } else {
                    items.iter().for_each(|item| walk(item, out));
                }
            }
            walk(v, &mut out);
            out
        };
        let ln: LayerNorm<6, f64> = LayerNorm::from_parts(
            vector(&c["params"]["weight"]),
            vector(&c["params"]["bias"]),
            c["hyperparams"]["eps"].as_f64().unwrap(),
        );
        let (x, dy, want_y, want_dx) =
            (flat(&c["inputs"]["x"]), flat(&c["upstream"]["dy"]), flat(&c["outputs"]["y"]), flat(&c["grads"]["x"]));
        assert_eq!(x.len(), rows);
        let mut grads = Grads::<LayerNorm<6, f64>>::zeroed();
        let (mut y, mut dx) = (Vec::new(), Vec::new());
        for (row, d) in x.iter().zip(&dy) {
            let (out, tape) = ln.clone().forward_tape(row);
            assert_eq!(out, ln.forward(row), "{name}: training and inference agree");
            y.push(out);
            dx.push(ln.backward(&tape, d, &mut grads));
        }
        assert_close(&format!("{name} y"), y.as_flattened(), want_y.as_flattened());
        assert_close(&format!("{name} dx"), dx.as_flattened(), want_dx.as_flattened());
        assert_close(&format!("{name} dweight"), grads.weight(), &vector::<6>(&c["grads"]["weight"]));
        assert_close(&format!("{name} dbias"), grads.bias(), &vector::<6>(&c["grads"]["bias"]));
    }
}

#[test]
fn layer_norm_batched_equals_row_by_row() {
    let ln: LayerNorm<4, f64> = LayerNorm::from_parts([1.0, 2.0, 0.5, -1.0], [0.1, 0.0, -0.2, 0.3], 1e-5);
    let x = [[1.0, -2.0, 3.0, 0.5], [0.1, 0.2, -0.3, 4.0]];
    let dy = [[0.5, 1.0, -1.0, 2.0], [1.0, -0.5, 0.25, 1.5]];
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

/// PyTorch's convention (the `dropout` block): kept elements are multiplied
/// by the precomputed scale 1/(1 − p), bit for bit; dX = dY·mask·scale;
/// inference is the identity.
#[test]
fn dropout_follows_pytorchs_convention() {
    let all = reference();
    let example = &all["dropout"]["example_with_explicit_mask"];
    let p = example["p"].as_f64().unwrap();
    let scale = example["scale"].as_f64().unwrap();
    assert_eq!(1.0 / (1.0 - p), scale);
    let x: [[f64; 4]; 2] = matrix(&example["x"]);
    let dy: [[f64; 4]; 2] = matrix(&example["dY"]);

    let mut dropout = Dropout::<f64>::new(p, 7).unwrap();
    assert_eq!(dropout.forward(&x), matrix::<4, 2>(&example["y_eval"]));
    let (y, mask) = dropout.forward_tape(&x);
    let dx = dropout.backward(&mask, &dy, &mut Dropout::zeroed());
    for b in 0..2 {
        for k in 0..4 {
            let m = mask.layers()[b][k];
            assert!(m == 0.0 || m == scale, "mask values are 0 or exactly 1/(1 − p)");
            assert_eq!(y[b][k].to_bits(), (x[b][k] * m).to_bits());
            assert_eq!(dx[b][k].to_bits(), (dy[b][k] * m).to_bits());
        }
    }
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

#[test]
fn batch_norm_training_gradients_match_finite_differences() {
    let c = case("batchnorm1d_5_train");
    let bn = batch_norm_from(&c);
    let x: [[f64; 5]; 3] = matrix(&c["inputs"]["x"]);
    let dy: [[f64; 5]; 3] = matrix(&c["upstream"]["dy"]);
    // Every evaluation trains a fresh copy, so the running statistics of
    // one evaluation never leak into another.
    let objective = |net: &BatchNorm1d<5, f64>, x: &[[f64; 5]; 3]| -> f64 {
        let (y, _) = net.clone().forward_tape(x);
        y.as_flattened().iter().zip(dy.as_flattened()).map(|(a, b)| a * b).sum()
    };
    let (_, tape) = bn.clone().forward_tape(&x);
    let mut grads = Grads::<BatchNorm1d<5, f64>>::zeroed();
    let dx = bn.backward(&tape, &dy, &mut grads);
    for b in 0..3 {
        for j in 0..5 {
            let n = numeric(|h| {
                let mut shifted = x;
                shifted[b][j] += h;
                objective(&bn, &shifted)
            });
            assert_gradient(&format!("dx[{b}][{j}]"), dx[b][j], n);
        }
    }
    let analytic: Vec<f64> = grads.tensors().flat_map(|t| t.data.to_vec()).collect();
    let mut k = 0;
    for t in 0..2 {
        for i in 0..5 {
            let n = numeric(|h| {
                let mut shifted = bn.clone();
                shifted.tensors_mut().nth(t).unwrap().data[i] += h;
                objective(&shifted, &x)
            });
            assert_gradient(&format!("param {t}[{i}]"), analytic[k], n);
            k += 1;
        }
    }
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
    let analytic: Vec<Vec<f64>> = grads.tensors().map(|t| t.data.to_vec()).collect();
    for (t, values) in analytic.iter().enumerate() {
        for (i, &a) in values.iter().enumerate() {
            let n = numeric(|h| {
                let mut shifted = net.clone();
                shifted.tensors_mut().nth(t).unwrap().data[i] += h;
                objective(&shifted, &x)
            });
            assert_gradient(&format!("tensor {t}[{i}]"), a, n);
        }
    }
}
