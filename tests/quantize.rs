//! Post-training quantisation of the library's own models
//! (`constnet::quant::{calibrate, quantize}`): the digits MLP and CNN
//! trained by the library lose at most one point of test accuracy as int8,
//! the sine model stays within 0.05 of its float self on [0, 2π], and the
//! formulas, the CHW → NHWC flatten permutation, extreme inputs and
//! non-finite values behave as documented.

// The recipes are shared with the examples; `support` allows the dead code
// of the parts this test does not use.
#[path = "../examples/support/mod.rs"]
mod support;

use constnet::Layer;
use constnet::layers::{Conv, Geometry2d, Pad, Same};
use constnet::prelude::*;
use constnet::quant::{Order, QDense, QLookup, QParams, Quantize, QuantizeErrorKind, Range, calibrate, quantize};
use support::{cnn_digits, digits};

/// The argmax of int8 logits (the same as of their dequantised values: the
/// dequantisation is increasing).
fn argmax_i8<const N: usize>(logits: &[i8; N]) -> usize {
    argmax(&logits.map(f32::from))
}

#[test]
fn digits_mlp_loses_at_most_one_point() {
    let data = digits::load().unwrap();
    let split = digits::split(data.samples.len(), 0).unwrap();
    let net = digits::train(&data, &split, 0, |_| {}).unwrap();
    let float = digits::measure(&net, &data, &split.test).accuracy;

    let seen = calibrate(&net, split.train.iter().map(|&i| &data.samples[i].0));
    let q = quantize(&net, &seen).unwrap();
    let _: &(QDense<64, 32>, QLookup, QDense<32, 10>) = &q.model;
    let correct = split
        .test
        .iter()
        .filter(|&&i| argmax_i8(&q.model.forward(&q.input.quantize_array(&data.samples[i].0))) == data.labels[i])
        .count();
    let int8 = correct as f32 / split.test.len() as f32;
    println!("digits MLP: f32 {:.2}%, int8 {:.2}%", 100.0 * float, 100.0 * int8);
    assert!(float - int8 <= 0.01, "int8 {int8} against f32 {float}");
    extremes_never_panic(&q.model, [0_i8; 64]);
}

#[test]
fn digits_cnn_loses_at_most_one_point() {
    let data = digits::load().unwrap();
    let images = cnn_digits::images(&data);
    let split = digits::split(data.samples.len(), 0).unwrap();
    let net = cnn_digits::train(&images, &data.labels, &split, 0, |_| {}).unwrap();
    let float = cnn_digits::measure(&net, &images, &data.labels, &split.test).accuracy;

    let seen = calibrate(&net, split.train.iter().map(|&i| &images[i].0));
    let q = quantize(&net, &seen).unwrap();
    let correct = split
        .test
        .iter()
        .filter(|&&i| argmax_i8(&q.model.forward(&q.input.quantize_image(&images[i].0))) == data.labels[i])
        .count();
    let int8 = correct as f32 / split.test.len() as f32;
    println!("digits CNN: f32 {:.2}%, int8 {:.2}%", 100.0 * float, 100.0 * int8);
    assert!(float - int8 <= 0.01, "int8 {int8} against f32 {float}");
    extremes_never_panic(&q.model, [[[0_i8; 1]; 8]; 8]);
}

/// The sine example's model (`examples/sine.rs`), as it trains it: the
/// firmware's copy, which `cargo run --release --example sine -- --write`
/// reproduces byte for byte.
type Sine = (Dense<1, 16>, Relu, Dense<16, 16>, Relu, Dense<16, 1>);
static SINE: Sine = include!("../firmware/src/models/sine.rs");

#[test]
fn sine_stays_within_005_of_the_float_model() {
    const POINTS: usize = 1000;
    let grid: Vec<[f32; 1]> =
        (0..POINTS).map(|k| [(k as f64 * std::f64::consts::TAU / (POINTS - 1) as f64) as f32]).collect();
    let q = quantize(&SINE, &calibrate(&SINE, &grid)).unwrap();
    // A denser grid than the calibration's, over the same interval.
    let worst = (0..=10 * POINTS)
        .map(|k| {
            let x = [(k as f64 * std::f64::consts::TAU / (10 * POINTS) as f64) as f32];
            let [y] = SINE.forward(&x);
            let [y8] = q.output.dequantize_array(&q.model.forward(&q.input.quantize_array(&x)));
            (y - y8).abs()
        })
        .fold(0.0, f32::max);
    println!("sine: largest |f32 − int8| on [0, 2π] {worst:.4}");
    assert!(worst <= 0.05, "largest error {worst}");
    extremes_never_panic(&q.model, [0_i8; 1]);
}

/// The model on inputs all −128 and all 127 (a debug build: overflow
/// checks on), which must not panic.
fn extremes_never_panic<M: Layer<X>, X: Copy + AsMutI8>(model: &M, shape: X) {
    for v in [i8::MIN, i8::MAX] {
        let mut x = shape;
        x.fill(v);
        let _ = model.eval(&x);
    }
}

/// Int8 tensors that can be filled with one value.
trait AsMutI8 {
    fn fill(&mut self, v: i8);
}

impl<const N: usize> AsMutI8 for [i8; N] {
    fn fill(&mut self, v: i8) {
        *self = [v; N];
    }
}

impl<const A: usize, const B: usize, const C: usize> AsMutI8 for [[[i8; A]; B]; C] {
    fn fill(&mut self, v: i8) {
        *self = [[[v; A]; B]; C];
    }
}

#[test]
fn activation_ranges_include_zero() {
    let p = |min, max| QParams::from_range(Range::new(min, max)).unwrap();
    // [2, 5] widens to [0, 5]: 0 is −128.
    assert_eq!((p(2.0, 5.0).scale(), p(2.0, 5.0).zero_point()), (5.0 / 255.0, -128));
    // [−5, −2] widens to [−5, 0]: 0 is 127.
    assert_eq!((p(-5.0, -2.0).scale(), p(-5.0, -2.0).zero_point()), (5.0 / 255.0, 127));
    // [−1, 3]: scale 4/255, zero point round(−128 + 63.75) = −64.
    assert_eq!((p(-1.0, 3.0).scale(), p(-1.0, 3.0).zero_point()), (4.0 / 255.0, -64));
    // [−1, 1]: −128 + 127.5 = −0.5 rounds away from zero to −1 (from either end).
    assert_eq!(p(-1.0, 1.0).zero_point(), -1);
    // Every value 0: TFLite's special case, scale 1.
    assert_eq!((p(0.0, 0.0).scale(), p(0.0, 0.0).zero_point()), (1.0, -128));
    // The real 0 is exact: it quantises to the zero point and back to 0.
    for params in [p(-1.0, 3.0), p(-0.3, 7.1), p(-1e-3, 2e3)] {
        assert_eq!(params.dequantize(params.quantize(0.0)), 0.0);
    }
}

#[test]
fn quantize_and_dequantize_round_and_saturate_as_tflite() {
    let p = QParams::new(0.5, 3).unwrap();
    assert_eq!(p.quantize(0.25), 4); // 0.5 → 1 (half away from zero), + 3
    assert_eq!(p.quantize(-0.25), 2); // −0.5 → −1
    assert_eq!(p.quantize(-0.24), 3);
    assert_eq!(p.quantize(1e9), 127);
    assert_eq!(p.quantize(f32::NEG_INFINITY), -128);
    assert_eq!(p.quantize(f32::NAN), 3);
    assert_eq!(p.dequantize(-128), -65.5);
    assert!(QParams::new(0.0, 0).is_none() && QParams::new(f32::NAN, 0).is_none());
}

#[test]
fn dense_weights_are_symmetric_per_channel_and_biases_rounded() {
    let net = Dense::<2, 2>::from_weights([[1.0, -0.5], [0.0, 0.254]], [0.3, -0.02]);
    let edge_input = QParams::new(0.1, -5).unwrap();
    let edge = constnet::quant::Edge { params: edge_input, order: Order::Natural, layer: 0 };
    let (q, out) = net.quantize_layer(&Range::new(-1.0, 1.0), edge, None).unwrap();
    // Channel 0: scale 1/127, so 1 → 127 and −0.5 → −63.5 → −64. Channel 1: scale 0.002, 0.254 → 127.
    assert_eq!(q.weight(), &[[127, -64], [0, 127]]);
    // Bias 0: 0.3 / (0.1/127) = 381; bias 1: −0.02 / (0.1·0.002) = −100.
    let bias = q.bias();
    assert_eq!([bias[0], bias[1]], [381, -100]);
    assert_eq!(q.input_zero_point(), -5);
    assert_eq!(out.params, QParams::from_range(Range::new(-1.0, 1.0)).unwrap());
    assert_eq!(out.layer, 1);
}

/// A tiny convolution, flatten and dense model: the int8 model sees the
/// image NHWC and flattens it in that order, so the dense layer's columns
/// must be permuted; its dequantised outputs match the float model's.
#[test]
fn flatten_of_an_image_permutes_the_next_dense_columns() {
    // 1×1 convolution 1 → 2 channels on a 2×3 image, flatten to 12, dense to 3.
    type Net = (Conv2d<1, 2, 1, 2, 3>, Flatten<12>, Dense<12, 3>);
    let dense: [[f32; 12]; 3] =
        core::array::from_fn(|o| core::array::from_fn(|k| ((k * 7 + o * 5) % 11) as f32 / 5.0 - 1.0));
    let net: Net =
        (Conv2d::from_weights([[[[1.0]]], [[[-0.5]]]], [0.1, 0.2]), Flatten, Dense::from_weights(dense, [0.0; 3]));
    let images: Vec<[[[f32; 3]; 2]; 1]> = (0..20)
        .map(|s| [core::array::from_fn(|r| core::array::from_fn(|c| ((s * 3 + r * 5 + c * 2) % 9) as f32 / 8.0))])
        .collect();
    let q = quantize(&net, &calibrate(&net, &images)).unwrap();
    for x in &images {
        let y = net.forward(x);
        let y8 = q.output.dequantize_array(&q.model.forward(&q.input.quantize_image(x)));
        for (a, b) in y.iter().zip(&y8) {
            assert!((a - b).abs() < 0.05, "{y:?} against {y8:?}");
        }
    }

    // Flatten alone on a 2-channel 1×2 image, then a dense layer that picks
    // float element 1 (channel 0, pixel 1): int8 element 2 in NHWC.
    let pick: (Flatten<4>, Dense<4, 1>) = (Flatten, Dense::from_weights([[0.0, 1.0, 0.0, 0.0]], [0.0]));
    let x = [[[0.25, 0.75]], [[0.5, 1.0]]];
    let seen = calibrate(&pick, [&x, &[[[0.0, 0.0]], [[0.0, 0.0]]]]);
    let q = quantize(&pick, &seen).unwrap();
    assert_eq!(q.model.1.weight(), &[[0, 0, 127, 0]]);
    let [y] = q.output.dequantize_array(&q.model.forward(&q.input.quantize_image(&x)));
    assert!((y - 0.75).abs() < 0.01, "{y}");
}

/// `Same` and `Pad<1>` (3×3, stride 1) become TFLite's `SAME`, and a
/// depthwise convolution (one input channel per group) the grouped int8
/// convolution: the dequantised outputs match the float ones.
#[test]
fn padded_and_depthwise_convolutions_match_the_float_ones() {
    type Same3 = Conv<2, 2, 2, [[f32; 3]; 3], Geometry2d<4, 4, 1, 1, 1, 1, Same, Same>>;
    type Pad1 = Conv2d<2, 3, 3, 4, 4, 1, 1>;
    type Depthwise = Conv<3, 6, 1, [[f32; 3]; 3], Geometry2d<2, 2, 1, 1, 1, 1, Pad<0>, Pad<0>>>;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let net = (Same3::init(&mut rng), Relu, Pad1::init(&mut rng), Tanh, Depthwise::init(&mut rng));
    let images: Vec<[[[f32; 4]; 4]; 2]> = (0..30)
        .map(|s| {
            core::array::from_fn(|c| {
                core::array::from_fn(|r| {
                    core::array::from_fn(|k| ((s + 3 * c + 5 * r + 7 * k) % 13) as f32 / 6.0 - 1.0)
                })
            })
        })
        .collect();
    let q = quantize(&net, &calibrate(&net, &images)).unwrap();
    let mut worst = 0.0_f32;
    for x in &images {
        let y = net.forward(x);
        let y8 = q.output.dequantize_image(&q.model.forward(&q.input.quantize_image(x)));
        for (a, b) in y.as_flattened().as_flattened().iter().zip(y8.as_flattened().as_flattened()) {
            worst = worst.max((a - b).abs());
        }
    }
    let scale = q.output.scale();
    assert!(worst < 4.0 * scale, "largest error {worst}, output scale {scale}");
}

#[test]
fn non_finite_values_and_missing_calibration_are_errors() {
    let good = (
        Dense::<2, 2>::from_weights([[1.0, 0.5], [0.25, -1.0]], [0.0, 0.1]),
        Tanh,
        Dense::<2, 1>::from_weights([[1.0, 1.0]], [0.0]),
    );
    let inputs = [[0.5, -0.5], [1.0, 0.0]];

    // No calibration samples.
    let err = quantize(&good, &calibrate(&good, &[] as &[[f32; 2]])).unwrap_err();
    assert_eq!((err.layer(), err.kind()), (0, QuantizeErrorKind::Uncalibrated));

    // A NaN weight in the last layer: calibration sees NaN outputs there.
    let mut nan_weight = good.clone();
    nan_weight.2.set_weights(&[[f32::NAN, 1.0]], &[0.0]);
    let seen = calibrate(&nan_weight, &inputs);
    assert!(seen.layers.2.min().is_nan());
    let err = quantize(&nan_weight, &seen).unwrap_err();
    assert_eq!((err.layer(), err.kind()), (2, QuantizeErrorKind::NonFiniteRange));
    // With ranges that are fine, the weight itself is the error.
    let fine = calibrate(&good, &inputs);
    let err = quantize(&nan_weight, &fine).unwrap_err();
    assert_eq!((err.layer(), err.kind()), (2, QuantizeErrorKind::NonFiniteWeight));

    // An infinite bias.
    let mut inf_bias = good.clone();
    inf_bias.0.set_weights(&[[1.0, 0.5], [0.25, -1.0]], &[f32::INFINITY, 0.0]);
    let err = quantize(&inf_bias, &fine).unwrap_err();
    assert_eq!((err.layer(), err.kind()), (0, QuantizeErrorKind::NonFiniteBias));

    // A NaN input.
    let err = quantize(&good, &calibrate(&good, &[[f32::NAN, 0.0]])).unwrap_err();
    assert_eq!((err.layer(), err.kind()), (0, QuantizeErrorKind::NonFiniteRange));

    // A dead layer (every output 0) is fine: scale 1, and the model runs.
    let dead =
        (Dense::<2, 2>::from_weights([[0.0; 2]; 2], [0.0; 2]), Relu, Dense::<2, 1>::from_weights([[1.0, 1.0]], [0.5]));
    let q = quantize(&dead, &calibrate(&dead, &inputs)).unwrap();
    let [y] = q.output.dequantize_array(&q.model.forward(&q.input.quantize_array(&[0.5, -0.5])));
    assert!((y - 0.5).abs() < 0.01, "{y}");
}

/// ReLU after a dense layer is fused (the dense layer's output is the
/// ReLU's range, zero point −128); a ReLU first (no layer before it to
/// fuse into) is the exact int8 ReLU at its input's quantisation.
#[test]
fn relu_is_fused_after_dense_and_exact_elsewhere() {
    let net = (Relu, Dense::<2, 2>::from_weights([[1.0, -1.0], [0.5, 0.5]], [0.0, -0.25]), Relu);
    let inputs = [[1.0, -1.0], [-0.5, 0.5], [0.25, 0.75]];
    let q = quantize(&net, &calibrate(&net, &inputs)).unwrap();
    assert_eq!(q.model.0.zero_point(), q.input.zero_point());
    assert_eq!(q.model.1.output().zero_point(), -128);
    assert_eq!(q.model.2.zero_point(), -128);
    for x in &inputs {
        let y = net.forward(x);
        let y8 = q.output.dequantize_array(&q.model.forward(&q.input.quantize_array(x)));
        for (a, b) in y.iter().zip(&y8) {
            assert!((a - b).abs() < 0.02, "{y:?} against {y8:?}");
        }
    }
}
