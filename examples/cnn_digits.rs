//! Handwritten digits with a small convolutional network.
//!
//! The same 8×8 digits and the same seeded 80/20 split as the `digits`
//! example, each sample a 1×8×8 image: conv 3×3 to 16 channels (6×6), ReLU,
//! max-pool 2×2 (3×3), flatten (144), dense to 10 logits; softmax
//! cross-entropy, Adam 1e-2, batch 32, 40 epochs, the default (Xavier
//! uniform) initialisation. Shows the same progress display, prints the test
//! accuracy and the confusion matrix, and writes a PNG of the training
//! curves and the trained model as Rust source that firmware can
//! `include!`.
//!
//! Run with `cargo run --release --example cnn_digits [-- OUTPUT_DIR]`
//! (default output directory: `target/cnn_digits`).

mod support;

use std::error::Error;
use std::path::PathBuf;

use constnet::prelude::*;
use support::cnn_digits::{self, Cnn, EPOCHS};
use support::digits::{self, BATCH};
use support::display::{TrainingDisplay, print_test_report};

/// The digits example's split seed; it also seeds the initialisation and
/// the shuffling, as there.
const SEED: u64 = 0;

fn main() -> Result<(), Box<dyn Error>> {
    let out_dir = std::env::args().nth(1).map_or_else(|| PathBuf::from("target/cnn_digits"), PathBuf::from);
    std::fs::create_dir_all(&out_dir)?;

    let data = digits::load()?;
    let images = cnn_digits::images(&data);
    let split = digits::split(data.samples.len(), SEED)?;
    println!(
        "cnn_digits: {} samples, {} train / {} test; model {} parameters ({} bytes)",
        data.samples.len(),
        split.train.len(),
        split.test.len(),
        <Cnn as Model>::PARAMS,
        <Cnn as Model>::BYTES,
    );

    let mut display = TrainingDisplay::new(EPOCHS, split.train.len().div_ceil(BATCH));
    let net = cnn_digits::train(&images, &data.labels, &split, SEED, |event| display.observe(event))?;

    let mut confusion = ConfusionMatrix::<10>::new();
    for &index in &split.test {
        confusion.add(data.labels[index], argmax(&net.forward(&images[index].0)))?;
    }
    print_test_report(&confusion);

    let plot = out_dir.join("curves.png");
    display.write_curves(&plot)?;
    let mut source = String::from(
        "// Trained by `cargo run --release --example cnn_digits`:\n\
         // (Conv2d<1, 16, 3, 6, 6>, Relu, MaxPool2d<2, 3, 3>, Flatten<144>, Dense<144, 10>).\n",
    );
    net.write_rust(&mut source)?;
    let model = out_dir.join("cnn_model.rs");
    std::fs::write(&model, source + "\n")?;
    println!("wrote {} (training curves; the validation curve is the held-out test split)", plot.display());
    println!("wrote {} (for `static NET: Cnn = include!(\"cnn_model.rs\");`)", model.display());
    Ok(())
}
