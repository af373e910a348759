//! Handwritten digits: the main demonstration.
//!
//! Loads the 8×8 digits (1797 samples, shipped in `data/digits.csv`), splits
//! them 80/20 with a fixed seed, trains a 64-32-10 network (tanh, softmax
//! cross-entropy, Adam) with a progress display, prints the test accuracy
//! and the confusion matrix, writes a PNG of the training curves, the
//! trained model as Rust source that firmware can `include!`, and the test
//! split as Rust source for the firmware's `digits` image.
//!
//! Run with `cargo run --release --example digits [-- OUTPUT_DIR]`
//! (default output directory: `target/digits`).

mod support;

use std::error::Error;
use std::path::PathBuf;

use constnet::prelude::*;
use support::digits::{self, BATCH, Digits, EPOCHS};
use support::display::{TrainingDisplay, print_test_report};

const SEED: u64 = 0;

fn main() -> Result<(), Box<dyn Error>> {
    let out_dir = std::env::args().nth(1).map_or_else(|| PathBuf::from("target/digits"), PathBuf::from);
    std::fs::create_dir_all(&out_dir)?;

    let data = digits::load()?;
    let split = digits::split(data.samples.len(), SEED)?;
    println!(
        "digits: {} samples, {} train / {} test; model {} parameters ({} bytes)",
        data.samples.len(),
        split.train.len(),
        split.test.len(),
        <Digits as Model>::PARAMS,
        <Digits as Model>::BYTES,
    );

    let mut display = TrainingDisplay::new(EPOCHS, split.train.len().div_ceil(BATCH));
    let net = digits::train(&data, &split, SEED, |event| display.observe(event))?;

    let mut confusion = ConfusionMatrix::<10>::new();
    for &index in &split.test {
        confusion.add(data.labels[index], argmax(&net.forward(&data.samples[index].0)))?;
    }
    print_test_report(&confusion);

    let plot = out_dir.join("curves.png");
    display.write_curves(&plot)?;
    let mut source =
        String::from("// Trained by `cargo run --release --example digits`: (Dense<64, 32>, Tanh, Dense<32, 10>).\n");
    net.write_rust(&mut source)?;
    let model = out_dir.join("digits_model.rs");
    std::fs::write(&model, source + "\n")?;
    // The test split for the firmware image: raw pixels 0–16 (the device
    // scales them by 1/16 exactly as the host does) and the label.
    let mut test_set = String::from("// The digits example's test split (seed 0): (pixels 0-16, label).\n[\n");
    for &index in &split.test {
        let pixels = data.samples[index].0.map(|p| (p * 16.0) as u8);
        test_set += &format!("    ({pixels:?}, {}),\n", data.labels[index]);
    }
    let test_file = out_dir.join("digits_test_set.rs");
    std::fs::write(&test_file, test_set + "]\n")?;
    println!("wrote {} (training curves; the validation curve is the held-out test split)", plot.display());
    println!("wrote {} (for `static NET: Digits = include!(\"digits_model.rs\");`)", model.display());
    println!("wrote {} (the test split, for the firmware image)", test_file.display());
    Ok(())
}
