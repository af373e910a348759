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
use support::cnn_digits::{self, BATCH, Cnn, EPOCHS};
use support::digits::{self, Event};
use support::plot::{Curves, training_curves};
use support::progress::{EpochStats, Progress};

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

    let batches = split.train.len().div_ceil(BATCH);
    let mut progress = Progress::new(EPOCHS, batches);
    let (mut train_loss, mut test_loss, mut train_acc, mut test_acc) = (vec![], vec![], vec![], vec![]);
    let mut running = (0.0, 0);
    let net = cnn_digits::train(&images, &data.labels, &split, SEED, |event| match event {
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
        confusion.add(data.labels[index], argmax(&net.forward(&images[index].0)))?;
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
