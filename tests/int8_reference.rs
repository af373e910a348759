//! The int8 layers against TensorFlow Lite 2.21's reference kernels, bit
//! for bit: the four models of `tests/data/int8/` (copied from the shared
//! reference set), every operator's output for every test input.
//!
//! Each model is loaded from its `.tflite` file by `constnet-tflite` into
//! its named type: weights, biases, zero points, multipliers, paddings,
//! strides and fused activations all come from the file; only the layer
//! *types* (the shapes, which are compile-time) are written here. Each
//! layer is run on the reference's own input tensor (from the JSON) and
//! must give the reference's output tensor exactly; then the whole stack
//! runs end to end against `q_outputs`.
//!
//! Which rounding TFLite 2.21's reference kernels use differs by operator,
//! whatever the files' `_conventions` say (single rounding everywhere):
//! FULLY_CONNECTED rounds once, but CONV_2D and DEPTHWISE_CONV_2D round
//! twice (gemmlowp's arithmetic) — single rounding misses a few hundred of
//! their values, each a product within ~10⁻⁵ of a tie that the first
//! rounding of the double scheme pushes onto the tie. The library's
//! defaults follow the reference per layer; these tests pin it, and check
//! that the other rounding differs somewhere by at most one unit.
//!
//! The JSON gives the same tensors by index as the `.tflite` file, and the
//! input's and output's quantisation, which the import must report.

use std::collections::HashMap;
use std::time::Instant;

use constnet::layers::Flatten;
use constnet::quant::{
    DoubleRounding, Multiplier, QAvgPool2d, QConv2d, QDense, QDepthwiseConv2d, QMaxPool2d, QParams, QSoftmax,
    QuantizedModel, SamePadding, SingleRounding, Valid,
};
use constnet::{Forward, Layer};
use serde::Deserialize;

#[derive(Deserialize)]
struct File {
    input: Io,
    output: Io,
    ops: Vec<Op>,
    tensors: Vec<Tensor>,
    q_inputs: Vec<Vec<i8>>,
    q_outputs: Vec<Vec<i8>>,
    intermediates: Vec<HashMap<String, Vec<i8>>>,
}

#[derive(Deserialize)]
struct Io {
    index: usize,
    scale: f32,
    zero_point: i8,
}

#[derive(Deserialize)]
struct Op {
    op: String,
    inputs: Vec<i64>,
    outputs: Vec<usize>,
}

#[derive(Deserialize)]
struct Tensor {
    name: String,
    scales: Vec<f64>,
}

/// One model's reference file, and what the checks counted.
struct Reference {
    name: &'static str,
    file: File,
    tensors_compared: usize,
    values_compared: usize,
}

/// Nested int8 arrays, converted from and to flat row-major vectors.
trait I8s: Sized {
    fn read(values: &mut dyn Iterator<Item = i8>) -> Self;
    fn write(&self, out: &mut Vec<i8>);
}

impl I8s for i8 {
    fn read(values: &mut dyn Iterator<Item = i8>) -> i8 {
        values.next().expect("too few values")
    }
    fn write(&self, out: &mut Vec<i8>) {
        out.push(*self);
    }
}

impl<T: I8s, const N: usize> I8s for [T; N] {
    fn read(values: &mut dyn Iterator<Item = i8>) -> Self {
        std::array::from_fn(|_| T::read(values))
    }
    fn write(&self, out: &mut Vec<i8>) {
        self.iter().for_each(|x| x.write(out));
    }
}

fn from_flat<T: I8s>(values: &[i8]) -> T {
    let mut it = values.iter().copied();
    let t = T::read(&mut it);
    assert!(it.next().is_none(), "too many values");
    t
}

fn flat<T: I8s>(t: &T) -> Vec<i8> {
    let mut out = Vec::new();
    t.write(&mut out);
    out
}

impl Reference {
    fn load(name: &'static str) -> Reference {
        let path = format!("{}/tests/data/int8/{name}.json", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap();
        let file: File = serde_json::from_str(&text).unwrap();
        Reference { name, file, tensors_compared: 0, values_compared: 0 }
    }

    /// The model `M` from the `.tflite` file beside the JSON; its input's
    /// and output's quantisation must be the JSON's.
    fn model<M: QuantizedModel>(&self) -> M {
        let path = format!("{}/tests/data/int8/{}.tflite", env!("CARGO_MANIFEST_DIR"), self.name);
        let imported = constnet_tflite::load_file::<M>(&path).unwrap_or_else(|e| panic!("{}: {e}", self.name));
        let (input, output) = (&self.file.input, &self.file.output);
        assert_eq!(imported.input, QParams::new(input.scale, input.zero_point).unwrap(), "{}", self.name);
        assert_eq!(imported.output, QParams::new(output.scale, output.zero_point).unwrap(), "{}", self.name);
        imported.model
    }

    /// Asserts that operator `index` is a `kind`, as the model type says.
    fn op(&self, index: usize, kind: &str) {
        assert_eq!(self.file.ops[index].op, kind, "{}: operator {index}", self.name);
    }

    fn tensor(&self, index: i64) -> &Tensor {
        &self.file.tensors[usize::try_from(index).unwrap()]
    }

    fn scale(&self, index: i64) -> f32 {
        let t = self.tensor(index);
        assert_eq!(t.scales.len(), 1, "{}: a per-tensor scale", t.name);
        t.scales[0] as f32 // the file's scales are f32 values, exactly
    }

    /// Tensor `index` for test input `n`.
    fn value(&self, n: usize, index: usize) -> &[i8] {
        if index == self.file.input.index {
            &self.file.q_inputs[n]
        } else if index == self.file.output.index {
            &self.file.q_outputs[n]
        } else {
            &self.file.intermediates[n][&index.to_string()]
        }
    }

    fn samples(&self) -> usize {
        self.file.q_inputs.len()
    }

    /// Runs `layer` on operator `index`'s reference input for every test
    /// input and asserts its output is the reference's, exactly.
    fn check<X: I8s, L: Layer<X>>(&mut self, index: usize, layer: &L)
    where
        L::Output: I8s,
    {
        let op = &self.file.ops[index];
        let (input, output) = (usize::try_from(op.inputs[0]).unwrap(), op.outputs[0]);
        let mut values = 0;
        for n in 0..self.samples() {
            let y = flat(&layer.eval(&from_flat::<X>(self.value(n, input))));
            assert_eq!(y, self.value(n, output), "{}: operator {index} ({}), input {n}", self.name, op.op);
            values += y.len();
        }
        self.tensors_compared += self.samples();
        self.values_compared += values;
    }

    /// How many of operator `index`'s outputs `layer` (another rounding)
    /// gets wrong, and by how much at most.
    fn differences<X: I8s, L: Layer<X>>(&self, index: usize, layer: &L) -> (usize, usize, i32)
    where
        L::Output: I8s,
    {
        let op = &self.file.ops[index];
        let (input, output) = (usize::try_from(op.inputs[0]).unwrap(), op.outputs[0]);
        let (mut differ, mut total, mut worst) = (0, 0, 0);
        for n in 0..self.samples() {
            let y = flat(&layer.eval(&from_flat::<X>(self.value(n, input))));
            for (&a, &b) in y.iter().zip(self.value(n, output)) {
                let d = (a as i32 - b as i32).abs();
                differ += usize::from(d != 0);
                worst = worst.max(d);
            }
            total += y.len();
        }
        (differ, total, worst)
    }

    /// Runs the whole stack end to end on every test input against
    /// `q_outputs`.
    fn check_end_to_end<X: I8s, L: Layer<X>>(&mut self, net: &L)
    where
        L::Output: I8s,
    {
        for n in 0..self.samples() {
            let y = flat(&net.eval(&from_flat::<X>(&self.file.q_inputs[n])));
            assert_eq!(y, self.file.q_outputs[n], "{}: end to end, input {n}", self.name);
        }
        self.tensors_compared += self.samples();
        self.values_compared += self.samples() * self.file.q_outputs[0].len();
    }

    /// Asserts every operator's output and the end-to-end output were
    /// compared for every test input, and prints the counts.
    fn report(&self, double: &[(usize, usize, i32)]) {
        assert_eq!(
            self.tensors_compared,
            (self.file.ops.len() + 1) * self.samples(),
            "{}: tensors compared",
            self.name
        );
        let per_sample: usize = self.file.ops.iter().map(|op| self.value(0, op.outputs[0]).len()).sum();
        let expected = self.samples() * (per_sample + self.file.q_outputs[0].len());
        assert_eq!(self.values_compared, expected, "{}: values compared", self.name);
        let (differ, total) = double.iter().fold((0, 0), |(d, t), &(a, b, _)| (d + a, t + b));
        println!(
            "{}: {} tensors, {} values bit-exact (reference roundings); the other rounding differs on {differ} of {total} \
             requantised values ({:.2}%)",
            self.name,
            self.tensors_compared,
            self.values_compared,
            100.0 * differ as f64 / total as f64,
        );
    }
}

/// The other rounding differs from the reference's somewhere, by at most
/// one unit per requantisation given the same input.
fn assert_double_plausible(name: &str, per_layer: &[(usize, usize, i32)]) {
    assert!(per_layer.iter().any(|&(differ, _, _)| differ > 0), "{name}: the other rounding never differs");
    for (k, &(_, _, worst)) in per_layer.iter().enumerate() {
        assert!(worst <= 1, "{name}: layer {k} differs by {worst} under the other rounding");
    }
}

type Sine<R> = (QDense<1, 16, R>, QDense<16, 16, R>, QDense<16, 1, R>);

#[test]
fn sine_is_bit_exact() {
    let start = Instant::now();
    let mut r = Reference::load("sine");
    let net: Sine<SingleRounding> = r.model();
    r.check::<[i8; 1], _>(0, &net.0);
    r.check::<[i8; 16], _>(1, &net.1);
    r.check::<[i8; 16], _>(2, &net.2);
    r.check_end_to_end::<[i8; 1], _>(&net);
    let double: Sine<DoubleRounding> = r.model();
    let diffs = [
        r.differences::<[i8; 1], _>(0, &double.0),
        r.differences::<[i8; 16], _>(1, &double.1),
        r.differences::<[i8; 16], _>(2, &double.2),
    ];
    assert_double_plausible(r.name, &diffs);
    r.report(&diffs);
    println!("sine: {:?}", start.elapsed());
}

type Mlp<R> = (QDense<64, 32, R>, QDense<32, 10, R>);

#[test]
fn digits_mlp_is_bit_exact() {
    let start = Instant::now();
    let mut r = Reference::load("digits_mlp");
    let net: Mlp<SingleRounding> = r.model();
    r.check::<[i8; 64], _>(0, &net.0);
    r.check::<[i8; 32], _>(1, &net.1);
    r.check_end_to_end::<[i8; 64], _>(&net);
    let double: Mlp<DoubleRounding> = r.model();
    let diffs = [r.differences::<[i8; 64], _>(0, &double.0), r.differences::<[i8; 32], _>(1, &double.1)];
    assert_double_plausible(r.name, &diffs);
    r.report(&diffs);
    println!("digits_mlp: {:?}", start.elapsed());
}

type Image<const H: usize, const W: usize, const C: usize> = [[[i8; C]; W]; H];

type Cnn<C, R> = (
    QConv2d<1, 16, 3, 3, 8, 8, 6, 6, 1, 1, Valid, C>,
    QMaxPool2d<16, 2, 2, 6, 6, 3, 3>,
    Flatten<144>,
    QDense<144, 10, R>,
);

#[test]
fn digits_cnn_is_bit_exact() {
    let start = Instant::now();
    let mut r = Reference::load("digits_cnn");
    let parsed = start.elapsed();
    let net: Cnn<DoubleRounding, SingleRounding> = r.model();
    let loaded = start.elapsed() - parsed;
    for (k, kind) in ["CONV_2D", "MAX_POOL_2D", "RESHAPE", "FULLY_CONNECTED"].into_iter().enumerate() {
        r.op(k, kind);
    }
    r.check::<Image<8, 8, 1>, _>(0, &net.0);
    r.check::<Image<6, 6, 16>, _>(1, &net.1);
    r.check::<Image<3, 3, 16>, _>(2, &net.2);
    r.check::<[i8; 144], _>(3, &net.3);
    r.check_end_to_end::<Image<8, 8, 1>, _>(&net);
    let double: Cnn<SingleRounding, DoubleRounding> = r.model();
    let diffs = [r.differences::<Image<8, 8, 1>, _>(0, &double.0), r.differences::<[i8; 144], _>(3, &double.3)];
    assert_double_plausible(r.name, &diffs);
    r.report(&diffs);
    println!("digits_cnn: {:?} ({parsed:?} parsing the JSON, {loaded:?} loading the .tflite)", start.elapsed());
}

type DwCnn<C, D, R, S> = (
    QConv2d<1, 8, 3, 3, 8, 8, 8, 8, 1, 1, SamePadding, C>,
    QDepthwiseConv2d<8, 8, 3, 3, 8, 8, 8, 8, 1, 1, SamePadding, D>,
    QConv2d<8, 16, 1, 1, 8, 8, 8, 8, 1, 1, Valid, C>,
    QAvgPool2d<16, 2, 2, 8, 8, 4, 4>,
    Flatten<256>,
    QDense<256, 10, R>,
    QSoftmax<10, S>,
);

#[test]
fn digits_dwcnn_is_bit_exact() {
    let start = Instant::now();
    let mut r = Reference::load("digits_dwcnn");
    let parsed = start.elapsed();
    let net: DwCnn<DoubleRounding, DoubleRounding, SingleRounding, SingleRounding> = r.model();
    let loaded = start.elapsed() - parsed;
    let kinds = ["CONV_2D", "DEPTHWISE_CONV_2D", "CONV_2D", "AVERAGE_POOL_2D", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX"];
    for (k, kind) in kinds.into_iter().enumerate() {
        r.op(k, kind);
    }
    r.check::<Image<8, 8, 1>, _>(0, &net.0);
    r.check::<Image<8, 8, 8>, _>(1, &net.1);
    r.check::<Image<8, 8, 8>, _>(2, &net.2);
    r.check::<Image<8, 8, 16>, _>(3, &net.3);
    r.check::<Image<4, 4, 16>, _>(4, &net.4);
    r.check::<[i8; 256], _>(5, &net.5);
    r.check::<[i8; 10], _>(6, &net.6);
    r.check_end_to_end::<Image<8, 8, 1>, _>(&net);
    let double: DwCnn<SingleRounding, SingleRounding, DoubleRounding, DoubleRounding> = r.model();
    let diffs = [
        r.differences::<Image<8, 8, 1>, _>(0, &double.0),
        r.differences::<Image<8, 8, 8>, _>(1, &double.1),
        r.differences::<Image<8, 8, 8>, _>(2, &double.2),
        r.differences::<[i8; 256], _>(5, &double.5),
    ];
    assert_double_plausible(r.name, &diffs);
    let softmax = r.differences::<[i8; 10], _>(6, &double.6);
    println!("digits_dwcnn: softmax under double rounding differs on {} of {} values", softmax.0, softmax.1);
    r.report(&diffs);
    // The other-rounding stack chains as its layers do, one after another.
    for n in 0..r.samples() {
        let x: Image<8, 8, 1> = from_flat(&r.file.q_inputs[n]);
        let step = double.6.forward(&double.5.forward(
            &double.4.forward(&double.3.forward(&double.2.forward(&double.1.forward(&double.0.forward(&x))))),
        ));
        assert_eq!(double.forward(&x), step);
    }
    println!("digits_dwcnn: {:?} ({parsed:?} parsing the JSON, {loaded:?} loading the .tflite)", start.elapsed());
}

/// The multipliers derived from the JSON's scales reproduce each real scale to within
/// half a unit of the Q0.31 multiplier (QuantizeMultiplier's rounding).
#[test]
fn multipliers_round_the_real_scales() {
    for name in ["sine", "digits_mlp", "digits_cnn", "digits_dwcnn"] {
        let r = Reference::load(name);
        for op in &r.file.ops {
            if !matches!(op.op.as_str(), "FULLY_CONNECTED" | "CONV_2D" | "DEPTHWISE_CONV_2D") {
                continue;
            }
            let (input, out) = (r.scale(op.inputs[0]), r.scale(op.outputs[0] as i64));
            for &w in &r.tensor(op.inputs[1]).scales {
                let real = input as f64 * (w as f32) as f64 / out as f64;
                let m = Multiplier::from_scales(input, w as f32, out).unwrap();
                let unit = 2f64.powi(m.shift() - 31);
                assert!((m.scale() - real).abs() <= unit / 2.0, "{name}: {real} → {m:?}");
                assert!(m.multiplier() >= 1 << 30, "{name}: a normalised multiplier");
            }
        }
    }
}
