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
use support::digits::{self, BATCH, Digits, EPOCHS, Event};
use support::plot::{Curves, training_curves};
use support::progress::{EpochStats, Progress};

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

    let batches = split.train.len().div_ceil(BATCH);
    let mut progress = Progress::new(EPOCHS, batches);
    let (mut train_loss, mut test_loss, mut train_acc, mut test_acc) = (vec![], vec![], vec![], vec![]);
    let mut running = (0.0, 0);
    let net = digits::train(&data, &split, SEED, |event| match event {
        Event::Batch { done, loss } => {
            running = if done == 1 { (loss, 1) } else { (running.0 + loss, running.1 + 1) };
            // Accuracy is measured once per epoch; show the last epoch's meanwhile.
            progress.batch(done, running.0 / running.1 as f32, train_acc.last().copied().unwrap_or(0.0));
        }
        Event::Epoch { epoch, result } => {
            train_loss.push(result.train.loss);
            test_loss.push(result.test.loss);
            train_acc.push(result.train.accuracy);
            test_acc.push(result.test.accuracy);
            let stats = EpochStats {
                loss: result.train.loss,
                acc: result.train.accuracy,
                val_loss: Some(result.test.loss),
                val_acc: Some(result.test.accuracy),
            };
            progress.epoch_end(epoch, &stats);
        }
    })?;

    let mut confusion = ConfusionMatrix::<10>::new();
    for &index in &split.test {
        confusion.add(data.labels[index], argmax(&net.forward(&data.samples[index].0)))?;
    }
    println!(
        "\ntest accuracy: {:.2}% ({} of {})",
        100.0 * confusion.accuracy(),
        confusion.correct(),
        confusion.total()
    );
    println!(
        "macro F1: {:.4}\n\nconfusion matrix (rows: true digit, columns: predicted):\n{confusion}\n",
        confusion.macro_f1()
    );

    let plot = out_dir.join("curves.png");
    training_curves(
        &plot,
        &Curves { train_loss: &train_loss, val_loss: &test_loss, train_acc: &train_acc, val_acc: &test_acc },
    )?;
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
