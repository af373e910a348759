//! The general convolution ([`Conv`], [`ConvTranspose`] and their aliases)
//! against PyTorch: every convolution case of `tests/data/conv_seed0.json`
//! (groups, depthwise, dilation with stride, `same` padding with odd and
//! even kernels, non-square kernels and strides, transposed with padding
//! and output padding, causal dilated):
//!
//! * outputs, dX and every parameter gradient within 1e-12 in `f64`
//!   (absolute below 1, relative above), and within 1e-5 of each tensor's
//!   largest magnitude in `f32` (the case's values rounded to `f32`);
//! * a batch gives exactly the bits of per-sample passes;
//! * finite differences agree with every analytic gradient;
//! * the causal convolution, a two-block TCN and a TCN classifier (its
//!   last frame to a dense head) stepped frame by frame give exactly the
//!   whole-sequence bits, NaN and infinities included.
//!
//! The layers are filled through `Model::tensors_mut` by PyTorch's
//! state-dict names, so the check covers the names and shapes too. The
//! reference gradients are those of L = Σ y·dY for the stored dY, summed
//! over the batch.

use constnet::layers::{
    CausalConv1d, CausalPad, Conv, ConvTranspose, ConvTranspose1d, ConvTranspose2d, DepthwiseConv1d, DepthwiseConv2d,
    Geometry1d, Geometry2d, History, LastFrame, Pad, Same, TcnBlock, TcnState,
};
use constnet::prelude::*;
use constnet::{Backprop, Layer, Streaming, Values};
use serde_json::Value;

mod support;
use support::gradients::{always, check_gradients, init};
use support::{assert_close, case, flat, values};

static CONV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/conv_seed0.json"));

/// A JSON tensor as a value of type `X`, rounded to its float type.
fn load<X: Values>(v: &Value) -> X {
    let numbers: Vec<X::Scalar> = flat(v).into_iter().map(X::Scalar::from_f64).collect();
    X::from_slice(&numbers).expect("the tensor's size")
}

/// The layer of case `c`, every tensor filled by its state-dict name.
fn layer<F: Float, L: Model<F>>(c: &Value) -> L {
    let mut layer = L::ZERO;
    for t in layer.tensors_mut() {
        let want = flat(&c["params"][t.name]);
        assert_eq!(t.storage.len(), want.len(), "{}: the size of `{}`", c["name"], t.name);
        let shape: Vec<usize> = c["shapes"][format!("params.{}", t.name)]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(t.shape.dims(), shape, "{}: the shape of `{}`", c["name"], t.name);
        for (s, v) in t.storage.iter_mut().zip(want) {
            *s = F::from_f64(v);
        }
    }
    layer
}

/// y, dX and the parameter gradients (in the case's order: weight, bias)
/// of case `name` with the layer type `L` in float type `F`, after checking
/// that the batch of two gives the bits of per-sample passes.
fn run<F, L, X, Y>(name: &str) -> Vec<(&'static str, Vec<f64>, Vec<f64>)>
where
    F: Float,
    L: Backprop<X, Output = Y> + Backprop<Batch<X, 2>, Output = Batch<Y, 2>> + Model<F>,
    X: Values<Scalar = F>,
    Y: Values<Scalar = F>,
{
    let c = case(CONV, name);
    let mut net: L = layer(&c);
    let xs: Batch<X, 2> = load(&c["inputs"]["x"]);
    let dys: Batch<Y, 2> = load(&c["upstream"]["dy"]);

    let mut grads = L::zeroed();
    let (mut y, mut dx) = (Vec::new(), Vec::new());
    for (x, dy) in xs.as_array().iter().zip(dys.as_array()) {
        let (out, tape) = Backprop::<X>::eval_tape(&mut net, x);
        y.extend(values(&out));
        let dx_one: X = net.backprop(&tape, dy, &mut grads);
        dx.extend(values(&dx_one));
    }

    let (batched, tape) = Backprop::<Batch<X, 2>>::eval_tape(&mut net, &xs);
    let mut batch_grads = L::zeroed();
    let batched_dx: Batch<X, 2> = net.backprop(&tape, &dys, &mut batch_grads);
    let bits = |v: Vec<F>| v.into_iter().map(|f| f.as_f64().to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(values(&batched)), bits(y.clone()), "{name}: batched y");
    assert_eq!(bits(values(&batched_dx)), bits(dx.clone()), "{name}: batched dx");
    assert_eq!(bits(values(&net.forward(&xs))), bits(y.clone()), "{name}: batched inference");
    for (a, b) in grads.tensors().zip(batch_grads.tensors()) {
        assert_eq!(bits(a.storage.to_vec()), bits(b.storage.to_vec()), "{name}: batched d{}", a.name);
    }

    let as_f64 = |v: Vec<F>| v.into_iter().map(Float::as_f64).collect::<Vec<_>>();
    let mut out = vec![("y", as_f64(y), flat(&c["outputs"]["y"])), ("dx", as_f64(dx), flat(&c["grads"]["x"]))];
    for t in grads.tensors() {
        let what = if t.name == "weight" { "dweight" } else { "dbias" };
        out.push((what, as_f64(t.storage.to_vec()), flat(&c["grads"][t.name])));
    }
    out
}

/// Every case with its layer type, in float type `F`.
macro_rules! cases {
    ($F:ty) => {{
        type F = $F;
        let mut all = Vec::new();
        let mut add = |name: &'static str, results: Vec<(&'static str, Vec<f64>, Vec<f64>)>| {
            for (what, got, want) in results {
                all.push((name, what, got, want));
            }
        };
        add(
            "conv1d_groups3_k3",
            run::<F, Conv<6, 3, 2, [F; 3], Geometry1d<8>, F>, [[F; 10]; 6], [[F; 8]; 3]>("conv1d_groups3_k3"),
        );
        add(
            "conv1d_depthwise_k5_same",
            run::<F, DepthwiseConv1d<4, 5, 11, 1, 1, Same, F>, [[F; 11]; 4], [[F; 11]; 4]>("conv1d_depthwise_k5_same"),
        );
        add(
            "conv1d_dilation3_k3_s2",
            run::<F, Conv<2, 3, 2, [F; 3], Geometry1d<6, 2, 3>, F>, [[F; 17]; 2], [[F; 6]; 3]>(
                "conv1d_dilation3_k3_s2",
            ),
        );
        add(
            "conv1d_same_even_k4",
            run::<F, Conv<2, 2, 2, [F; 4], Geometry1d<9, 1, 1, Same>, F>, [[F; 9]; 2], [[F; 9]; 2]>(
                "conv1d_same_even_k4",
            ),
        );
        add(
            "conv2d_k3x1_s2x1",
            run::<F, Conv<2, 3, 2, [[F; 1]; 3], Geometry2d<3, 5, 2, 1>, F>, [[[F; 5]; 7]; 2], [[[F; 5]; 3]; 3]>(
                "conv2d_k3x1_s2x1",
            ),
        );
        add(
            "conv2d_depthwise_k3_s2_p1",
            run::<F, DepthwiseConv2d<3, 3, 4, 4, 2, Pad<1>, F>, [[[F; 8]; 8]; 3], [[[F; 4]; 4]; 3]>(
                "conv2d_depthwise_k3_s2_p1",
            ),
        );
        add(
            "conv2d_dilation2_same",
            run::<
                F,
                Conv<2, 4, 2, [[F; 3]; 3], Geometry2d<6, 7, 1, 1, 2, 2, Same, Same>, F>,
                [[[F; 7]; 6]; 2],
                [[[F; 7]; 6]; 4],
            >("conv2d_dilation2_same"),
        );
        add(
            "conv_transpose1d_k4_s2_p1",
            run::<F, ConvTranspose1d<3, 2, 4, 12, 2, 1, F>, [[F; 6]; 3], [[F; 12]; 2]>("conv_transpose1d_k4_s2_p1"),
        );
        add(
            "conv_transpose2d_k3_s2_op1",
            run::<F, ConvTranspose2d<2, 3, 3, 8, 8, 2, 1, F>, [[[F; 4]; 4]; 2], [[[F; 8]; 8]; 3]>(
                "conv_transpose2d_k3_s2_op1",
            ),
        );
        add(
            "conv1d_causal_k3_d2",
            run::<F, CausalConv1d<2, 3, 3, 2, 12, F>, [[F; 12]; 2], [[F; 12]; 3]>("conv1d_causal_k3_d2"),
        );
        all
    }};
}

#[test]
fn every_convolution_case_matches_pytorch_in_f64() {
    let all = cases!(f64);
    assert_eq!(all.len(), 10 * 4, "ten cases, four tensors each");
    for (name, what, got, want) in &all {
        assert_close(&format!("{name} {what}"), got, want);
    }
}

/// In `f32`, relative to each tensor's largest magnitude: an output that
/// cancels (one of 1e-3 summed from terms of order 1) carries the rounding
/// of its inputs to `f32`, 6e-8 of the terms, whichever order sums them, so
/// element-wise relative error is no measure of the kernel there.
#[test]
fn every_convolution_case_matches_pytorch_in_f32() {
    for (name, what, got, want) in cases!(f32) {
        let scale = want.iter().fold(0.0_f64, |m, w| m.max(w.abs()));
        let mut worst = (0.0_f64, 0);
        for (k, (g, w)) in got.iter().zip(&want).enumerate() {
            let error = (g - w).abs() / scale;
            if error > worst.0 || error.is_nan() {
                worst = (error, k);
            }
        }
        println!("f32 {name} {what}: worst error {:.2e} of the largest magnitude, at [{}]", worst.0, worst.1);
        assert!(worst.0 <= 1e-5, "{name} f32 {what}[{}]: got {}, want {}", worst.1, got[worst.1], want[worst.1]);
    }
}

/// Finite differences for every kind of convolution, at seeded weights and
/// inputs of the reference cases' shapes, with a random upstream gradient.
#[test]
fn finite_differences_agree_with_every_gradient() {
    fn check<L, X>(name: &str, seed: u64) -> usize
    where
        L: Backprop<X> + Model<f64> + Clone,
        X: Values<Scalar = f64>,
        <L as Layer<X>>::Output: Values<Scalar = f64>,
    {
        let net: L = init(seed);
        let x = support::gradients::Draw(seed + 1).fill(X::ZEROS);
        let dy = support::gradients::Draw(seed + 2).fill(<L as Layer<X>>::Output::ZEROS);
        let compared = check_gradients(name, &net, &x, &dy, always);
        assert_eq!(compared, X::LEN + L::PARAMS, "{name}: every dx and every parameter");
        compared
    }
    let compared = check::<Conv<6, 3, 2, [f64; 3], Geometry1d<8>, f64>, [[f64; 10]; 6]>("groups", 1)
        + check::<DepthwiseConv1d<4, 5, 11, 1, 1, Same, f64>, [[f64; 11]; 4]>("depthwise same", 2)
        + check::<Conv<2, 3, 2, [f64; 3], Geometry1d<6, 2, 3>, f64>, [[f64; 17]; 2]>("dilated strided", 3)
        + check::<Conv<2, 2, 2, [f64; 4], Geometry1d<9, 1, 1, Same>, f64>, [[f64; 9]; 2]>("same even", 4)
        + check::<Conv<2, 3, 2, [[f64; 1]; 3], Geometry2d<3, 5, 2, 1>, f64>, [[[f64; 5]; 7]; 2]>("k3x1", 5)
        + check::<DepthwiseConv2d<3, 3, 4, 4, 2, Pad<1>, f64>, [[[f64; 8]; 8]; 3]>("depthwise 2-D", 6)
        + check::<Conv<2, 4, 2, [[f64; 3]; 3], Geometry2d<6, 7, 1, 1, 2, 2, Same, Same>, f64>, [[[f64; 7]; 6]; 2]>(
            "dilated same 2-D",
            7,
        )
        + check::<Conv<4, 6, 2, [[f64; 2]; 3], Geometry2d<3, 5, 2, 1, 1, 2, Pad<1>, Same>, f64>, [[[f64; 5]; 5]; 4]>(
            "grouped non-square mixed",
            8,
        )
        + check::<ConvTranspose1d<3, 2, 4, 12, 2, 1, f64>, [[f64; 6]; 3]>("transposed 1-D", 9)
        + check::<ConvTranspose2d<2, 3, 3, 8, 8, 2, 1, f64>, [[[f64; 4]; 4]; 2]>("transposed 2-D", 10)
        + check::<
            ConvTranspose<4, 6, 3, [[f64; 3]; 2], Geometry2d<4, 8, 1, 2, 2, 1, Pad<0>, Pad<1>>, f64>,
            [[[f64; 4]; 2]; 4],
        >("transposed grouped dilated", 11)
        + check::<CausalConv1d<2, 3, 3, 2, 12, f64>, [[f64; 12]; 2]>("causal", 12);
    println!("{compared} gradients compared with finite differences");
}

/// The frames of a 1-D feature map, one per step.
fn frames<const C: usize, const L: usize, F: Float>(x: &[[F; L]; C]) -> [[F; C]; L] {
    core::array::from_fn(|t| core::array::from_fn(|c| x[c][t]))
}

fn bits<X: Values>(x: &X) -> Vec<u64> {
    values(x).into_iter().map(|v| v.as_f64().to_bits()).collect()
}

#[test]
fn a_causal_convolution_streams_with_the_whole_pass_bits() {
    let c = case(CONV, "conv1d_causal_k3_d2");
    fn stream<F: Float>(c: &Value) {
        let conv: CausalConv1d<2, 3, 3, 2, 12, F> = layer(c);
        let xs: [[[F; 12]; 2]; 2] = load(&c["inputs"]["x"]);
        for x in &xs {
            let whole = frames(&conv.forward(x));
            let mut history = History::<2, 4, F>::EMPTY;
            for (t, frame) in frames(x).iter().enumerate() {
                // The inherent method and the trait give the same.
                let mut again = history;
                assert_eq!(bits(&conv.stream(frame, &mut again)), bits(&whole[t]), "step {t}");
                assert_eq!(bits(&conv.step(frame, &mut history)), bits(&whole[t]), "step {t}");
                assert_eq!(history, again);
            }
            assert_eq!(history.seen(), 12);
        }
    }
    stream::<f64>(&c);
    stream::<f32>(&c);
}

#[test]
fn a_grouped_causal_convolution_streams_past_its_declared_length() {
    // Groups of two channels, dilation 3, kernel 4: a history of 9 frames.
    // The type's L only declares the whole pass; a stream can run longer,
    // and its every frame is the whole pass over the frames so far.
    type Long = Conv<4, 2, 2, [f64; 4], Geometry1d<40, 1, 3, CausalPad>, f64>;
    type Short = Conv<4, 2, 2, [f64; 4], Geometry1d<17, 1, 3, CausalPad>, f64>;
    let long: Long = init(20);
    let mut short = Short::ZERO;
    short.set_weights(long.weight(), long.bias());
    let x: [[f64; 40]; 4] = support::gradients::Draw(21).fill(Values::ZEROS);
    let whole = frames(&long.forward(&x));
    let mut history = History::<4, 9, f64>::EMPTY;
    for (t, frame) in frames(&x).iter().enumerate() {
        assert_eq!(bits(&short.step(frame, &mut history)), bits(&whole[t]), "step {t}");
    }
}

#[test]
fn a_two_block_tcn_streams_with_the_whole_pass_bits() {
    type Tcn = (TcnBlock<3, 3, 1, 32, f64>, TcnBlock<3, 3, 4, 32, f64>);
    type State = (TcnState<3, 2, f64>, TcnState<3, 8, f64>);
    let tcn: Tcn = init(30);
    let x: [[f64; 32]; 3] = support::gradients::Draw(31).fill(Values::ZEROS);
    let whole = frames(&tcn.forward(&x));
    let mut state = State::default();
    for (t, frame) in frames(&x).iter().enumerate() {
        assert_eq!(bits(&tcn.stream(frame, &mut state)), bits(&whole[t]), "step {t}");
    }

    // The same in f32, from the f64 weights rounded.
    type Tcn32 = (TcnBlock<3, 3, 1, 32>, TcnBlock<3, 3, 4, 32>);
    let mut tcn32 = Tcn32::ZERO;
    for (a, b) in tcn32.tensors_mut().zip(tcn.tensors()) {
        for (s, &v) in a.storage.iter_mut().zip(b.storage) {
            *s = v as f32;
        }
    }
    let x32: [[f32; 32]; 3] = x.map(|row| row.map(|v| v as f32));
    let whole = frames(&tcn32.forward(&x32));
    let mut state = <(TcnState<3, 2>, TcnState<3, 8>)>::default();
    for (t, frame) in frames(&x32).iter().enumerate() {
        assert_eq!(bits(&tcn32.stream(frame, &mut state)), bits(&whole[t]), "f32 step {t}");
    }
}

#[test]
fn a_tcn_classifier_streams_a_classification_of_every_frame() {
    // Causal layers, the last frame, a dense head: each streamed frame's
    // output is the head on the whole pass's features at that frame (the
    // whole pass over the frames so far, by causality), and the last one
    // has the whole pass's bits.
    type Features = (CausalConv1d<2, 3, 3, 1, 16, f64>, Relu, TcnBlock<3, 3, 2, 16, f64>);
    type Classifier =
        (CausalConv1d<2, 3, 3, 1, 16, f64>, Relu, TcnBlock<3, 3, 2, 16, f64>, LastFrame, Dense<3, 4, f64>);
    type State = (History<2, 2, f64>, (), TcnState<3, 4, f64>, (), ());
    let net: Classifier = init(40);
    let features: Features = (net.0.clone(), Relu, net.2.clone());
    let x: [[f64; 16]; 2] = support::gradients::Draw(41).fill(Values::ZEROS);
    let whole = frames(&features.forward(&x));
    let mut state = State::default();
    let mut last = [0.0; 4];
    for (t, frame) in frames(&x).iter().enumerate() {
        last = net.stream(frame, &mut state);
        assert_eq!(bits(&last), bits(&net.4.forward(&whole[t])), "step {t}");
    }
    assert_eq!(bits(&last), bits(&net.forward(&x)));
}

#[test]
fn nan_and_infinities_propagate_through_the_stream_without_a_panic() {
    let conv: CausalConv1d<1, 1, 2, 3, 10, f64> = CausalConv1d::from_weights([[[1.0, 1.0]]], [0.0]);
    let mut x = [[1.0; 10]];
    x[0][2] = f64::NAN;
    x[0][6] = f64::INFINITY;
    let whole = conv.forward(&x);
    let mut history = History::<1, 3, f64>::EMPTY;
    let streamed: Vec<f64> = (0..10).map(|t| conv.step(&[x[0][t]], &mut history)[0]).collect();
    for t in 0..10 {
        assert_eq!(streamed[t].to_bits(), whole[0][t].to_bits(), "step {t}");
    }
    // NaN at its own step and, through the tap three back, three later.
    assert!(streamed[2].is_nan() && streamed[5].is_nan());
    assert!(streamed[3].is_finite() && streamed[4].is_finite());
    assert_eq!((streamed[6], streamed[9]), (f64::INFINITY, f64::INFINITY));
}

#[test]
fn state_names_shapes_and_rust_source() {
    type Grouped = Conv<4, 6, 2, [[f32; 2]; 3], Geometry2d<3, 5, 2, 1, 1, 2, Pad<1>, Same>>;
    let conv: Grouped = Grouped::init(&mut rand::rngs::SmallRng::seed_from_u64(3));
    let shapes: Vec<(&str, Vec<usize>)> = conv.tensors().map(|t| (t.name, t.shape.dims().to_vec())).collect();
    assert_eq!(shapes, [("weight", vec![6, 2, 3, 2]), ("bias", vec![6])]);
    assert_eq!(<Grouped as Model>::PARAMS, 6 * 2 * 6 + 6);

    type Up = ConvTranspose<4, 6, 3, [f32; 3], Geometry1d<9, 2>>;
    let up: Up = Up::init(&mut rand::rngs::SmallRng::seed_from_u64(4));
    let shapes: Vec<(&str, Vec<usize>)> = up.tensors().map(|t| (t.name, t.shape.dims().to_vec())).collect();
    assert_eq!(shapes, [("weight", vec![4, 3, 3]), ("bias", vec![6])]);

    // The source is a `const` expression of the same type and the same bits.
    let mut source = String::new();
    conv.write_rust(&mut source).unwrap();
    assert!(source.starts_with("constnet::layers::Conv::from_weights([[[["), "{source}");
    let mut source = String::new();
    up.write_rust(&mut source).unwrap();
    assert!(source.starts_with("constnet::layers::ConvTranspose::from_weights([[["), "{source}");
    static WRITTEN: Conv<1, 2, 1, [f32; 2], Geometry1d<3, 1, 2, CausalPad>> =
        constnet::layers::Conv::from_weights([[[0.5, -0.25]], [[1.0, 2.0]]], [0.125, -1.0]);
    let mut source = String::new();
    WRITTEN.write_rust(&mut source).unwrap();
    assert_eq!(source, "constnet::layers::Conv::from_weights([[[0.5, -0.25]], [[1.0, 2.0]]], [0.125, -1.0])");
}
