//! Handwritten digits read by a transformer encoder.
//!
//! The same 8×8 digits and seeded 80/20 split as the `digits` example, each
//! digit 8 tokens (its rows) of 8 pixels: a linear embedding of every token
//! to 32 (`PerStep<Dense<8, 32>>`), learned positions
//! (`LearnedPositions<8, 32>`), one post-norm encoder layer with 4 heads and
//! a ReLU feed-forward of 64 (`TransformerEncoderLayer<32, 4, 64>`), the
//! mean over the tokens (`MeanOverSteps`), dense to 10 logits; softmax
//! cross-entropy, Adam 2e-3, batch 32, 30 epochs (PyTorch's baseline
//! settings for this model). Shows the progress display, prints the test
//! accuracy, the confusion matrix and the time per epoch, and writes a PNG
//! of the training curves and the trained model as Rust source that
//! firmware can `include!`.
//!
//! Run with `cargo run --release --example transformer_digits [-- OUTPUT_DIR]`
//! (default output directory: `target/transformer_digits`).

mod support;

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use constnet::prelude::*;
use support::digits::{self, BATCH, measure_classifier};
use support::display::{TrainingDisplay, print_test_report};
use support::sequence_digits::sequences;
use support::transformer_digits::{self, EPOCHS, NAME, TransformerDigits};

/// The digits example's split seed; it also seeds the initialisation and
/// the shuffling, as there.
const SEED: u64 = 0;

fn main() -> Result<(), Box<dyn Error>> {
    let out_dir = std::env::args().nth(1).map_or_else(|| PathBuf::from("target/transformer_digits"), PathBuf::from);
    std::fs::create_dir_all(&out_dir)?;

    let data = digits::load()?;
    let samples = sequences(&data);
    let split = digits::split(data.samples.len(), SEED)?;
    println!(
        "transformer_digits: {} samples as 8 tokens of 8 pixels, {} train / {} test; model {NAME}, {} parameters ({} bytes)",
        samples.len(),
        split.train.len(),
        split.test.len(),
        <TransformerDigits as Model>::PARAMS,
        <TransformerDigits as Model>::BYTES,
    );

    let mut display = TrainingDisplay::new(EPOCHS, split.train.len().div_ceil(BATCH));
    let start = Instant::now();
    let net = transformer_digits::train(&samples, &data.labels, &split, SEED, |event| display.observe(event))?;
    let training = start.elapsed();

    // What each epoch spends measuring loss and accuracy on both splits
    // (inference only), to tell the training time apart.
    let start = Instant::now();
    measure_classifier(&net, &samples, &data.labels, &split.train);
    measure_classifier(&net, &samples, &data.labels, &split.test);
    let measuring = start.elapsed();

    let mut confusion = ConfusionMatrix::<10>::new();
    for &index in &split.test {
        confusion.add(data.labels[index], argmax(&net.forward(&samples[index].0)))?;
    }
    print_test_report(&confusion);
    let per_epoch = training.as_secs_f64() * 1e3 / EPOCHS as f64;
    println!(
        "time: {:.2} s for {EPOCHS} epochs, {per_epoch:.0} ms per epoch, of which {:.0} ms train ({} samples) \
         and {:.0} ms measure both splits",
        training.as_secs_f64(),
        per_epoch - measuring.as_secs_f64() * 1e3,
        split.train.len(),
        measuring.as_secs_f64() * 1e3,
    );

    let plot = out_dir.join("curves.png");
    display.write_curves(&plot)?;
    let mut source = format!("// Trained by `cargo run --release --example transformer_digits`:\n// {NAME}.\n");
    net.write_rust(&mut source)?;
    let model = out_dir.join("transformer_model.rs");
    std::fs::write(&model, source + "\n")?;
    println!("wrote {} (training curves; the validation curve is the held-out test split)", plot.display());
    println!("wrote {} (for `static NET: TransformerDigits = include!(\"transformer_model.rs\");`)", model.display());
    Ok(())
}
