//! Post-training quantisation of the library's own models: trains the
//! digits MLP of `examples/digits.rs` (and the CNN of
//! `examples/cnn_digits.rs`) on the seed-0 split, calibrates each on its
//! training split, quantises it to int8 (`constnet::quant::quantize`:
//! per-channel symmetric weights, int32 biases, activation ranges as
//! TensorFlow Lite's converter computes them), prints float and int8 test
//! accuracy and the model sizes, and writes both int8 models as Rust
//! source for a firmware `static`.
//!
//! Run with `cargo run --release --example quantize_digits [-- OUTPUT_DIR]`
//! (default output directory: `target/quantize_digits`).

mod support;

use std::error::Error;
use std::path::PathBuf;

use constnet::prelude::*;
use constnet::quant::{QDense, QLookup, QParams, WriteRust, calibrate, quantize};
use support::cnn_digits::{self, Cnn};
use support::digits::{self, Digits};

const SEED: u64 = 0;

/// The share of the test samples whose int8 logits' argmax is the label.
fn int8_accuracy<const N: usize>(test: &[usize], labels: &[usize], mut logits: impl FnMut(usize) -> [i8; N]) -> f32 {
    let correct = test.iter().filter(|&&i| argmax(&logits(i).map(f32::from)) == labels[i]).count();
    correct as f32 / test.len() as f32
}

fn main() -> Result<(), Box<dyn Error>> {
    let out_dir = std::env::args().nth(1).map_or_else(|| PathBuf::from("target/quantize_digits"), PathBuf::from);
    std::fs::create_dir_all(&out_dir)?;

    let data = digits::load()?;
    let split = digits::split(data.samples.len(), SEED)?;
    println!("digits: {} train / {} test samples (seed {SEED})", split.train.len(), split.test.len());

    // The MLP: trained, calibrated on the training split, quantised.
    let mlp = digits::train(&data, &split, SEED, |_| {})?;
    let float = digits::measure(&mlp, &data, &split.test).accuracy;
    let seen = calibrate(&mlp, split.train.iter().map(|&i| &data.samples[i].0));
    let q = quantize(&mlp, &seen)?;
    let _: &(QDense<64, 32>, QLookup, QDense<32, 10>) = &q.model; // the int8 type, computed from `Digits`
    let int8 =
        int8_accuracy(&split.test, &data.labels, |i| q.model.forward(&q.input.quantize_array(&data.samples[i].0)));
    report("MLP (Dense<64, 32>, Tanh, Dense<32, 10>)", float, int8, <Digits as Model>::PARAMS, size_of_val(&q.model));
    println!(
        "  input: scale {:e}, zero point {}; output: scale {:e}, zero point {}",
        q.input.scale(),
        q.input.zero_point(),
        q.output.scale(),
        q.output.zero_point()
    );

    let model = out_dir.join("digits_int8_model.rs");
    let ty = "(QDense<64, 32>, QLookup, QDense<32, 10>)";
    write_source(&model, "the digits example's model", ty, q.input, q.output, &q.model)?;

    // The CNN, the same way; its input is the image, quantised to NHWC.
    let images = cnn_digits::images(&data);
    let cnn = cnn_digits::train(&images, &data.labels, &split, SEED, |_| {})?;
    let float = cnn_digits::measure(&cnn, &images, &data.labels, &split.test).accuracy;
    let seen = calibrate(&cnn, split.train.iter().map(|&i| &images[i].0));
    let q = quantize(&cnn, &seen)?;
    let int8 = int8_accuracy(&split.test, &data.labels, |i| q.model.forward(&q.input.quantize_image(&images[i].0)));
    report(
        "CNN (Conv2d<1, 16, 3, 6, 6>, Relu, MaxPool2d<2, 3, 3>, Flatten<144>, Dense<144, 10>)",
        float,
        int8,
        <Cnn as Model>::PARAMS,
        size_of_val(&q.model),
    );

    let cnn_model = out_dir.join("cnn_digits_int8_model.rs");
    let ty = "(QConv2d<1, 16, 3, 3, 8, 8, 6, 6>, QRelu, QMaxPool2d<16, 2, 2, 6, 6, 3, 3>, Flatten<144>, QDense<144, 10>) on NHWC images";
    write_source(&cnn_model, "the cnn_digits example's model", ty, q.input, q.output, &q.model)?;

    println!("wrote {} and {} (for `static NET: … = include!(…);`)", model.display(), cnn_model.display());
    Ok(())
}

/// Writes the int8 `model` (of type `ty`, quantised from `from`) to `path`
/// as Rust source, headed by how to quantise its input and read its output.
fn write_source(
    path: &std::path::Path,
    from: &str,
    ty: &str,
    input: QParams,
    output: QParams,
    model: &impl WriteRust,
) -> Result<(), Box<dyn Error>> {
    let mut source = format!(
        "// Quantised by `cargo run --release --example quantize_digits` from {from} (seed {SEED}).\n\
         // Type: {ty}\n\
         // Input: scale {:e}, zero point {} (q = clamp(round(x / scale) + zero point, -128, 127));\n\
         // output: scale {:e}, zero point {} (y = scale * (q - zero point)).\n",
        input.scale(),
        input.zero_point(),
        output.scale(),
        output.zero_point()
    );
    model.write_rust(&mut source)?;
    std::fs::write(path, source + "\n")?;
    Ok(())
}

/// One model's line: accuracies and sizes.
fn report(name: &str, float: f32, int8: f32, params: usize, int8_bytes: usize) {
    println!("{name}");
    println!(
        "  test accuracy: f32 {:.2}%, int8 {:.2}%; model: f32 {} bytes ({params} parameters × 4), int8 {int8_bytes} bytes",
        100.0 * float,
        100.0 * int8,
        params * 4,
    );
}
