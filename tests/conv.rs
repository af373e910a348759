//! Conv1d, Conv2d, MaxPool1d, MaxPool2d, AvgPool2d, Flatten and Residual
//! against PyTorch (`layers_seed0.json`, float64, tolerance 1e-12), and the
//! tiny CNN of the digits end to end.
//!
//! The reference gradients are those of L = Σ y·dY for a given upstream dY,
//! summed over the batch (no 1/N): each sample runs backward with
//! `dy = dY[n]` into one gradient accumulator. Every case also checks that
//! the batched pass gives exactly the bits of the per-sample passes.

use core::fmt::Debug;

use constnet::prelude::*;
use constnet::{Backprop, Model, Values};
use serde_json::Value;

mod support;
use support::{assert_close, flat, tensor, values};

static DATA: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/layers_seed0.json"));

fn case(name: &str) -> Value {
    support::case(DATA, name)
}

/// Fills a value of `zeros`'s type from a JSON tensor of the same size.
fn load<X: Values<Scalar = f64>>(_zeros: X, v: &Value) -> X {
    tensor(v)
}

fn concat<T: Values<Scalar = f64>>(items: &[T]) -> Vec<f64> {
    items.iter().flat_map(values).collect()
}

/// Runs `layer` on the case's batch `x` with upstream `dy`: checks y and dX
/// against the case, and that the batched forward and backward equal the
/// per-sample ones bit for bit. Returns the accumulated parameter
/// gradients.
fn check<L, X, Y, const B: usize>(name: &str, layer: &L, x: &Batch<X, B>, dy: &Batch<Y, B>) -> L
where
    L: Backprop<X, Output = Y> + Backprop<Batch<X, B>, Output = Batch<Y, B>> + Model<f64> + Clone + PartialEq + Debug,
    X: Values<Scalar = f64> + PartialEq + Debug,
    Y: Values<Scalar = f64> + PartialEq + Debug,
{
    let c = case(name);
    let mut grads = L::zeroed();
    let mut ys = Vec::new();
    let mut dxs = Vec::new();
    for (xn, dyn_) in x.iter().zip(dy) {
        let (y, tape) = layer.clone().forward_tape(xn);
        assert_eq!(y, layer.forward(xn), "{name}: training and inference agree");
        dxs.push(layer.backward(&tape, dyn_, &mut grads));
        ys.push(y);
    }
    assert_close(&format!("{name} y"), &concat(&ys), &flat(&c["outputs"]["y"]));
    assert_close(&format!("{name} dx"), &concat(&dxs), &flat(&c["grads"]["x"]));

    let batched_y = layer.forward(x);
    let (taped_y, tape) = layer.clone().forward_tape(x);
    let mut batched_grads = L::zeroed();
    let batched_dx = layer.backward(&tape, dy, &mut batched_grads);
    for n in 0..B {
        assert_eq!(batched_y[n], ys[n], "{name}: batched y[{n}]");
        assert_eq!(taped_y[n], ys[n], "{name}: batched taped y[{n}]");
        assert_eq!(batched_dx[n], dxs[n], "{name}: batched dx[{n}]");
    }
    assert_eq!(batched_grads, grads, "{name}: batched parameter gradients");
    grads
}

fn assert_params_close<L: Model<f64>>(name: &str, grads: &L, c: &Value, keys: &[&str]) {
    let tensors: Vec<Vec<f64>> = grads.tensors().map(|t| t.storage.to_vec()).collect();
    assert_eq!(tensors.len(), keys.len(), "{name}: tensor count");
    for (got, key) in tensors.iter().zip(keys) {
        assert_close(&format!("{name} d{key}"), got, &flat(&c["grads"][key]));
    }
}

#[test]
fn conv1d_matches_pytorch() {
    fn run<const S: usize, const P: usize, const LO: usize>(name: &str) {
        let c = case(name);
        let conv: Conv1d<2, 3, 3, LO, S, P, f64> = Conv1d::from_weights(
            load([[[0.0; 3]; 2]; 3], &c["params"]["weight"]),
            load([0.0; 3], &c["params"]["bias"]),
        );
        let x: Batch<[[f64; 8]; 2], 2> = load(Batch([[[0.0; 8]; 2]; 2]), &c["inputs"]["x"]);
        let dy: Batch<[[f64; LO]; 3], 2> = load(Batch([[[0.0; LO]; 3]; 2]), &c["upstream"]["dy"]);
        let grads = check(name, &conv, &x, &dy);
        // Conv1d stores the weight in PyTorch's layout: tensors() is [CO][CI][K].
        assert_params_close(name, &grads, &c, &["weight", "bias"]);
        assert_eq!(grads.weight().as_flattened().as_flattened(), grads.tensors().next().unwrap().storage);
    }
    run::<1, 0, 6>("conv1d_in2_out3_k3_s1_p0");
    run::<2, 1, 4>("conv1d_in2_out3_k3_s2_p1");
}

#[test]
fn conv2d_matches_pytorch() {
    let name = "conv2d_in1_out4_k3_s1_p0_8x8";
    let c = case(name);
    let conv: Conv2d<1, 4, 3, 6, 6, 1, 0, f64> = Conv2d::from_weights(
        load([[[[0.0; 3]; 3]; 1]; 4], &c["params"]["weight"]),
        load([0.0; 4], &c["params"]["bias"]),
    );
    let x = load(Batch([[[[0.0; 8]; 8]; 1]; 2]), &c["inputs"]["x"]);
    let dy = load(Batch([[[[0.0; 6]; 6]; 4]; 2]), &c["upstream"]["dy"]);
    let grads = check(name, &conv, &x, &dy);
    assert_params_close(name, &grads, &c, &["weight", "bias"]);

    let name = "conv2d_in2_out3_k3_s2_p1_7x7";
    let c = case(name);
    let conv: Conv2d<2, 3, 3, 4, 4, 2, 1, f64> = Conv2d::from_weights(
        load([[[[0.0; 3]; 3]; 2]; 3], &c["params"]["weight"]),
        load([0.0; 3], &c["params"]["bias"]),
    );
    let x = load(Batch([[[[0.0; 7]; 7]; 2]; 2]), &c["inputs"]["x"]);
    let dy = load(Batch([[[[0.0; 4]; 4]; 3]; 2]), &c["upstream"]["dy"]);
    let grads = check(name, &conv, &x, &dy);
    assert_params_close(name, &grads, &c, &["weight", "bias"]);
    assert_eq!(grads.weight().as_flattened().as_flattened().as_flattened(), grads.tensors().next().unwrap().storage);
}

#[test]
fn pools_match_pytorch() {
    let name = "maxpool2d_k2_s2_6x6";
    let c = case(name);
    let x = load(Batch([[[[0.0; 6]; 6]; 2]; 2]), &c["inputs"]["x"]);
    let dy = load(Batch([[[[0.0; 3]; 3]; 2]; 2]), &c["upstream"]["dy"]);
    check(name, &MaxPool2d::<2, 3, 3>, &x, &dy);
    // The tape holds PyTorch's `return_indices`: h·W + w in each plane.
    let (_, tape) = MaxPool2d::<2, 3, 3>.forward_tape(&x);
    let indices: Vec<f64> =
        tape.layers().iter().flat_map(|t| t.indices().as_flattened().as_flattened()).map(|&i| i as f64).collect();
    assert_eq!(indices, flat(&c["outputs"]["indices"]));

    let name = "maxpool1d_k2_len8";
    let c = case(name);
    let x = load(Batch([[[0.0; 8]; 3]; 2]), &c["inputs"]["x"]);
    let dy = load(Batch([[[0.0; 4]; 3]; 2]), &c["upstream"]["dy"]);
    check(name, &MaxPool1d::<2, 4>, &x, &dy);
    let (_, tape) = MaxPool1d::<2, 4>.forward_tape(&x);
    let indices: Vec<f64> = tape.layers().iter().flat_map(|t| t.indices().as_flattened()).map(|&i| i as f64).collect();
    assert_eq!(indices, flat(&c["outputs"]["indices"]));

    let name = "avgpool2d_k2_s2_6x6";
    let c = case(name);
    let x = load(Batch([[[[0.0; 6]; 6]; 2]; 2]), &c["inputs"]["x"]);
    let dy = load(Batch([[[[0.0; 3]; 3]; 2]; 2]), &c["upstream"]["dy"]);
    check(name, &AvgPool2d::<2, 3, 3>, &x, &dy);
}

#[test]
fn max_pool_ties_and_nan_follow_pytorch() {
    // A tie goes to the first maximum in row-major window order.
    let x = [[[1.0, 2.0], [2.0, 0.0]]];
    let (y, tape) = MaxPool2d::<2, 1, 1>.forward_tape(&x);
    assert_eq!((y, *tape.layers().indices()), ([[[2.0]]], [[[1]]]));
    let dx = MaxPool2d::<2, 1, 1>.backward(&tape, &[[[5.0]]], &mut MaxPool2d);
    assert_eq!(dx, [[[0.0, 5.0], [0.0, 0.0]]]);
    // A NaN is the maximum and propagates.
    let y = MaxPool1d::<3, 1>.forward(&[[1.0, f64::NAN, 3.0]]);
    assert!(y[0][0].is_nan());
}

#[test]
fn flatten_matches_pytorch() {
    let name = "flatten_2x3x2x2";
    let c = case(name);
    let x = load(Batch([[[[0.0; 2]; 2]; 3]; 2]), &c["inputs"]["x"]);
    let dy = load(Batch([[0.0; 12]; 2]), &c["upstream"]["dy"]);
    check(name, &Flatten::<12>, &x, &dy);
    // 1-D feature maps flatten channel by channel.
    assert_eq!(Flatten::<6>.forward(&[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
}

#[test]
fn residual_block_matches_pytorch() {
    // y = relu(x + dense2(relu(dense1(x)))).
    type Block = (Dense<6, 6, f64>, Relu, Dense<6, 6, f64>);
    type Net = (Residual<Block>, Relu);
    let name = "residual_dense_6";
    let c = case(name);
    let p = &c["params"];
    let net: Net = (
        Residual::new((
            Dense::from_weights(load([[0.0; 6]; 6], &p["dense1.weight"]), load([0.0; 6], &p["dense1.bias"])),
            Relu,
            Dense::from_weights(load([[0.0; 6]; 6], &p["dense2.weight"]), load([0.0; 6], &p["dense2.bias"])),
        )),
        Relu,
    );
    let x = load(Batch([[0.0; 6]; 3]), &c["inputs"]["x"]);
    let dy = load(Batch([[0.0; 6]; 3]), &c["upstream"]["dy"]);
    let grads = check(name, &net, &x, &dy);
    let (d1, d2) = (&grads.0.block.0, &grads.0.block.2);
    assert_close("ddense1.weight", d1.weight().as_flattened(), &flat(&c["grads"]["dense1.weight"]));
    assert_close("ddense1.bias", d1.bias(), &flat(&c["grads"]["dense1.bias"]));
    assert_close("ddense2.weight", d2.weight().as_flattened(), &flat(&c["grads"]["dense2.weight"]));
    assert_close("ddense2.bias", d2.bias(), &flat(&c["grads"]["dense2.bias"]));
    assert_eq!(<Net as Model<f64>>::PARAMS, 84);
}

#[test]
fn tiny_cnn_matches_pytorch_end_to_end() {
    type Cnn = (Conv2d<1, 4, 3, 6, 6, 1, 0, f64>, Relu, MaxPool2d<2, 3, 3>, Flatten<36>, Dense<36, 10, f64>);
    let c = case("tiny_cnn_digits");
    let p = &c["params"];
    let net: Cnn = (
        Conv2d::from_weights(load([[[[0.0; 3]; 3]; 1]; 4], &p["conv.weight"]), load([0.0; 4], &p["conv.bias"])),
        Relu,
        MaxPool2d,
        Flatten,
        Dense::from_weights(load([[0.0; 36]; 10], &p["fc.weight"]), load([0.0; 10], &p["fc.bias"])),
    );
    let x = load(Batch([[[[0.0; 8]; 8]; 1]; 3]), &c["inputs"]["x"]);
    let targets: Vec<usize> = flat(&c["inputs"]["target"]).iter().map(|&t| t as usize).collect();

    // The mean cross-entropy over the batch: each sample's gradient is
    // scaled by 1/3 before it goes backward.
    let mut grads = Grads::<Cnn>::zeroed();
    let (mut logits, mut losses, mut dxs) = (Vec::new(), Vec::new(), Vec::new());
    for (xn, &t) in x.iter().zip(&targets) {
        let (z, tape) = net.clone().forward_tape(xn);
        let (loss, dz) = softmax_cross_entropy(&z, &one_hot(t).unwrap());
        let dz = dz.map(|d| d / 3.0);
        dxs.push(net.backward(&tape, &dz, &mut grads));
        logits.push(z);
        losses.push(loss);
    }
    assert_close("logits", logits.as_flattened(), &flat(&c["outputs"]["logits"]));
    assert_close("loss_per_sample", &losses, &flat(&c["outputs"]["loss_per_sample"]));
    assert_close("loss", &[losses.iter().sum::<f64>() / 3.0], &flat(&c["outputs"]["loss"]));
    assert_close("dx", &concat(&dxs), &flat(&c["grads"]["x"]));
    assert_close(
        "dconv.weight",
        grads.0.weight().as_flattened().as_flattened().as_flattened(),
        &flat(&c["grads"]["conv.weight"]),
    );
    assert_close("dconv.bias", grads.0.bias(), &flat(&c["grads"]["conv.bias"]));
    assert_close("dfc.weight", grads.4.weight().as_flattened(), &flat(&c["grads"]["fc.weight"]));
    assert_close("dfc.bias", grads.4.bias(), &flat(&c["grads"]["fc.bias"]));
    assert_eq!(net.forward(&x).as_array().as_flattened(), logits.as_flattened(), "batched inference");
}

type ExportedCnn = (
    Conv2d<1, 2, 2, 4, 4, 1, 1>,
    BatchNorm2d<2>,
    Relu,
    MaxPool2d<2, 2, 2>,
    AvgPool2d<2, 1, 1>,
    Flatten<2>,
    Residual<(Dense<2, 2>, Tanh)>,
);
type ExportedCnn1d = (Conv1d<1, 2, 2, 3>, MaxPool1d<3, 1>, Flatten<2>);

/// Written by `write_rust` from seeded models (the 2-D one after a training
/// pass, so that its batch-norm statistics are not the defaults), kept in
/// `static`s as firmware would.
static CNN: ExportedCnn = include!("data/cnn_weights.rs");
static CNN_1D: ExportedCnn1d = include!("data/cnn1d_weights.rs");

#[test]
fn exported_cnns_are_statics_and_reproduce_their_source_exactly() {
    let mut source = String::new();
    CNN.write_rust(&mut source).unwrap();
    assert_eq!(source, include_str!("data/cnn_weights.rs").trim_end());
    let mut source = String::new();
    CNN_1D.write_rust(&mut source).unwrap();
    assert_eq!(source, include_str!("data/cnn1d_weights.rs").trim_end());

    assert_eq!(<ExportedCnn as Model>::PARAMS, 2 * 4 + 2 + 4 + 6);
    assert_eq!(CNN.tensors().map(|t| t.storage.len()).sum::<usize>(), <ExportedCnn as Model>::PARAMS);
    assert_eq!(CNN.0.weight()[1][0][1], [-0.52294445, -0.67797446]);
    let [a, b] = CNN.forward(&[[[0.1_f32, 0.5, -0.3], [1.0, 0.2, 0.7], [-0.4, 0.0, 0.9]]]);
    assert!(a.is_finite() && b.is_finite());
    let y = CNN_1D.forward(&[[1.0_f32, -2.0, 0.5, 3.0]]);
    // Conv1d weights [[-0.389, -0.295]], [[-0.796, 0.654]]: the max of three positions.
    let w = CNN_1D.0.weight();
    let conv =
        |o: usize, i: usize| w[o][0][0] * [1.0_f32, -2.0, 0.5, 3.0][i] + w[o][0][1] * [1.0_f32, -2.0, 0.5, 3.0][i + 1];
    assert_eq!(
        y,
        [(0..3).map(|i| conv(0, i)).fold(f32::MIN, f32::max), (0..3).map(|i| conv(1, i)).fold(f32::MIN, f32::max)]
    );
}

#[test]
fn batch_norm_2d_training_matches_pytorch() {
    let name = "batchnorm2d_3_train_4x4";
    let c = case(name);
    let mut bn: BatchNorm2d<3, f64> = BatchNorm2d::from_parts(
        load([0.0; 3], &c["params"]["weight"]),
        load([0.0; 3], &c["params"]["bias"]),
        load([0.0; 3], &c["state_before"]["running_mean"]),
        load([0.0; 3], &c["state_before"]["running_var"]),
        c["hyperparams"]["eps"].as_f64().unwrap(),
        c["hyperparams"]["momentum"].as_f64().unwrap(),
    );
    let x = load(Batch([[[[0.0; 4]; 4]; 3]; 2]), &c["inputs"]["x"]);
    let dy = load(Batch([[[[0.0; 4]; 4]; 3]; 2]), &c["upstream"]["dy"]);
    let before = bn.clone();

    let (y, tape) = bn.forward_tape(&x);
    assert_close("y", &values(&y), &flat(&c["outputs"]["y"]));
    assert_close("running_mean", bn.running_mean(), &flat(&c["state_after"]["running_mean"]));
    assert_close("running_var", bn.running_var(), &flat(&c["state_after"]["running_var"]));
    let mut grads = Grads::<BatchNorm2d<3, f64>>::zeroed();
    let dx = before.backward(&tape, &dy, &mut grads);
    assert_close("dx", &values(&dx), &flat(&c["grads"]["x"]));
    assert_close("dweight", grads.weight(), &flat(&c["grads"]["weight"]));
    assert_close("dbias", grads.bias(), &flat(&c["grads"]["bias"]));

    // Inference (and evaluation-mode training, on a batch or a single
    // sample) use the running statistics and change nothing; a batch in
    // inference is sample by sample, bit for bit.
    let frozen = bn.clone();
    let y_eval = bn.forward(&x);
    let (y_eval_tape, _) = bn.forward_tape_eval(&x);
    assert_eq!(y_eval_tape, y_eval);
    for n in 0..2 {
        assert_eq!(y_eval[n], bn.forward(&x[n]));
        let (y_single, _) = bn.forward_tape_eval(&x[n]);
        assert_eq!(y_single, y_eval[n]);
        let want = |k: usize, v: f64| {
            (v - bn.running_mean()[k]) / (bn.running_var()[k] + 1e-5).sqrt() * bn.weight()[k] + bn.bias()[k]
        };
        for k in 0..3 {
            for (got, &v) in y_eval[n][k].as_flattened().iter().zip(x[n][k].as_flattened()) {
                assert!((got - want(k, v)).abs() < 1e-12);
            }
        }
    }
    assert_eq!(bn, frozen);
}
