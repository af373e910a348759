//! Handwritten digits read row by row by a recurrent network.
//!
//! The same 8×8 digits and seeded 80/20 split as the `digits` example, each
//! digit a sequence of its 8 rows of 8 pixels: an LSTM of 32 units reads
//! them top to bottom, its last hidden state goes to a dense layer of 10
//! logits; softmax cross-entropy, Adam 1e-2, batch 32, 30 epochs (PyTorch's
//! baseline settings). `--gru` trains the GRU variant. Shows the progress
//! display, prints the test accuracy and the confusion matrix, and writes a
//! PNG of the training curves and the trained model as Rust source that
//! firmware can `include!` (and run one row at a time with `Cell::step`).
//!
//! Run with `cargo run --release --example sequence_digits [-- [--gru] [OUTPUT_DIR]]`
//! (default output directory: `target/sequence_digits`).

mod support;

use std::error::Error;
use std::path::PathBuf;

use constnet::prelude::*;
use constnet::{Backprop, Layer};
use support::digits::{self, BATCH, Dataset, Split, train_classifier};
use support::display::{TrainingDisplay, print_test_report};
use support::sequence_digits::{self, EPOCHS, GruDigits, LstmDigits, Rows, Sample};

/// The digits example's split seed; it also seeds the initialisation and
/// the shuffling, as there.
const SEED: u64 = 0;

fn main() -> Result<(), Box<dyn Error>> {
    let mut gru = false;
    let mut out_dir = PathBuf::from("target/sequence_digits");
    for argument in std::env::args().skip(1) {
        match argument.as_str() {
            "--gru" => gru = true,
            other if other.starts_with("--") => {
                return Err(format!("unknown option {other:?}; usage: sequence_digits [--gru] [OUTPUT_DIR]").into());
            }
            path => out_dir = PathBuf::from(path),
        }
    }
    std::fs::create_dir_all(&out_dir)?;
    let data = digits::load()?;
    let samples = sequence_digits::sequences(&data);
    let split = digits::split(data.samples.len(), SEED)?;
    if gru {
        run::<GruDigits>("(Gru<8, 32>, LastStep, Dense<32, 10>)", "gru", &data, &samples, &split, &out_dir)
    } else {
        run::<LstmDigits>("(Lstm<8, 32>, LastStep, Dense<32, 10>)", "lstm", &data, &samples, &split, &out_dir)
    }
}

/// Trains the model `M`, reports on the test split and writes the curves
/// and the model.
fn run<M>(
    name: &str,
    file: &str,
    data: &Dataset,
    samples: &[Sample],
    split: &Split,
    out_dir: &std::path::Path,
) -> Result<(), Box<dyn Error>>
where
    M: Model + Backprop<Rows, Output = [f32; 10]> + Layer<Rows, Output = [f32; 10]>,
{
    println!(
        "sequence_digits: {} samples as 8 rows of 8 pixels, {} train / {} test; model {name}, {} parameters ({} bytes)",
        samples.len(),
        split.train.len(),
        split.test.len(),
        M::PARAMS,
        M::BYTES,
    );
    let mut display = TrainingDisplay::new(EPOCHS, split.train.len().div_ceil(BATCH));
    let net: M = train_classifier(samples, &data.labels, split, SEED, EPOCHS, |event| display.observe(event))?;

    let mut confusion = ConfusionMatrix::<10>::new();
    for &index in &split.test {
        confusion.add(data.labels[index], argmax(&net.forward(&samples[index].0)))?;
    }
    print_test_report(&confusion);

    let plot = out_dir.join(format!("{file}_curves.png"));
    display.write_curves(&plot)?;
    let mut source = format!("// Trained by `cargo run --release --example sequence_digits`: {name}.\n");
    net.write_rust(&mut source)?;
    let model = out_dir.join(format!("{file}_model.rs"));
    std::fs::write(&model, source + "\n")?;
    println!("wrote {} (training curves; the validation curve is the held-out test split)", plot.display());
    println!("wrote {} (for a firmware `static`)", model.display());
    Ok(())
}
