//! Keyword spotting on a raw waveform with a temporal convolutional network.
//!
//! 1,600 synthetic clips of 64 samples, generated from a seed by the
//! recipe (`support/keyword_spotting.rs`): background noise alone, a tone
//! in one of three bands, a chirp up or down, a noise burst or a click
//! train, each with a random amplitude, phase, frequency, onset, duration
//! and noise level, stored as 8-bit samples. Split 80/20 with a fixed seed.
//! The network reads a clip as 32 frames of 2 samples and is causal end to
//! end: a causal convolution to 8 channels, three residual TCN blocks
//! (`TcnBlock`, two causal dilated convolutions each, dilations 1, 2, 4: a
//! receptive field of 31 frames), the last frame's features (`LastFrame`),
//! dense to 8 logits; softmax cross-entropy, Adam 5e-3, batch 32, 15
//! epochs. Shows the progress display, prints the test accuracy, the
//! confusion matrix and the time, checks that streaming every test clip
//! one frame at a time (`Streaming::stream`, as firmware on a microphone
//! would) gives the whole pass's logits bit for bit, and writes a PNG of
//! the training curves, the trained model as Rust source that firmware can
//! `include!`, and the test split's 8-bit clips for the firmware's image.
//!
//! Run with `cargo run --release --example keyword_spotting [-- OUTPUT_DIR]`
//! (default output directory: `target/keyword_spotting`).

mod support;

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use constnet::prelude::*;
use support::digits::{self, BATCH};
use support::display::{TrainingDisplay, print_class_report};
use support::keyword_spotting::{self as kws, CLASSES, EPOCHS, KEYWORDS, Kws, NAME};

/// Seeds the split, the initialisation and the shuffling (the clips have
/// their own seed, `kws::DATA_SEED`).
const SEED: u64 = 0;

fn main() -> Result<(), Box<dyn Error>> {
    let out_dir = std::env::args().nth(1).map_or_else(|| PathBuf::from("target/keyword_spotting"), PathBuf::from);
    std::fs::create_dir_all(&out_dir)?;

    let data = kws::generate()?;
    let split = digits::split(data.samples.len(), SEED)?;
    println!(
        "keyword_spotting: {} clips of {} samples, {} train / {} test; model {NAME}, {} parameters ({} bytes)",
        data.samples.len(),
        kws::SAMPLES,
        split.train.len(),
        split.test.len(),
        <Kws as Model>::PARAMS,
        <Kws as Model>::BYTES,
    );
    let names: Vec<String> = KEYWORDS.iter().enumerate().map(|(class, name)| format!("{class} {name}")).collect();
    println!("keywords: {}", names.join(", "));

    let mut display = TrainingDisplay::new(EPOCHS, split.train.len().div_ceil(BATCH));
    let start = Instant::now();
    let net = kws::train(&data.samples, &data.labels, &split, SEED, |event| display.observe(event))?;
    let training = start.elapsed();

    let mut confusion = ConfusionMatrix::<CLASSES>::new();
    let mut streamed_equal = 0;
    for &index in &split.test {
        let whole = net.forward(&data.samples[index].0);
        confusion.add(data.labels[index], argmax(&whole))?;
        let streamed = kws::stream(&net, &data.samples[index].0);
        streamed_equal += usize::from(streamed.map(f32::to_bits) == whole.map(f32::to_bits));
    }
    print_class_report(&confusion, "keyword");
    println!(
        "time: {:.2} s for {EPOCHS} epochs ({:.0} ms per epoch, measuring both splits included)",
        training.as_secs_f64(),
        training.as_secs_f64() * 1e3 / EPOCHS as f64,
    );
    println!(
        "streamed one frame at a time: {streamed_equal} of {} test clips give the whole pass's logits bit for bit",
        split.test.len()
    );
    if streamed_equal != split.test.len() {
        return Err("streaming differs from the whole pass".into());
    }

    let plot = out_dir.join("curves.png");
    display.write_curves(&plot)?;
    let mut source = format!("// Trained by `cargo run --release --example keyword_spotting`:\n// {NAME}.\n");
    net.write_rust(&mut source)?;
    let model = out_dir.join("kws_model.rs");
    std::fs::write(&model, source + "\n")?;
    // The test split for the firmware image: the 8-bit samples (the device
    // maps them to (v − 128)/32 exactly as the host does) and the class.
    let mut test_set =
        format!("// The keyword_spotting example's test split (seed {SEED}): (8-bit samples, 128 = 0, keyword).\n[\n");
    for &index in &split.test {
        test_set += &format!("    ({:?}, {}),\n", data.raw[index], data.labels[index]);
    }
    let test_file = out_dir.join("kws_test_set.rs");
    std::fs::write(&test_file, test_set + "]\n")?;
    println!("wrote {} (training curves; the validation curve is the held-out test split)", plot.display());
    println!("wrote {} (for `static NET: Kws = include!(\"kws_model.rs\");`)", model.display());
    println!("wrote {} (the test split, for the firmware image)", test_file.display());
    Ok(())
}
