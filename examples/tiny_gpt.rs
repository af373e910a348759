//! A character-level language model: a tiny GPT that learns to write like
//! `data/tiny_text.txt`.
//!
//! A decoder-only transformer over a window of 64 characters: token
//! embedding (32 characters to width 32), learned positions, two causal
//! pre-norm blocks (4 heads, GELU feed-forward of 128), a final layer norm
//! and a dense head to the 32 characters' logits — 29,600 parameters. It
//! trains with Adam on random windows of the first 90% of the text
//! (softmax cross-entropy at every step, 16 windows a step, the gradient of
//! each batch on two threads with a fixed split and summation order, so the
//! run is reproducible from its seed), with the progress bar of the other
//! examples (an "epoch" there is 25 steps, about one pass over the training
//! text in characters predicted), samples from a fixed prompt during
//! training (through `constnet::sampling` and the key/value cache), the
//! validation loss on the held-out tail, and a PNG of the curves. Then it
//! measures generation with the cache against whole passes, and writes the
//! trained model as Rust source for the firmware's `tiny_gpt` image.
//!
//! Run with `cargo run --release --example tiny_gpt [-- OUTPUT_DIR]`
//! (default output directory: `target/tiny_gpt`).

mod support;

use std::error::Error;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use constnet::prelude::*;
use constnet::sampling::generate;
use support::plot::{Curves, training_curves};
use support::progress::{EpochStats, Progress};
use support::tiny_gpt::{
    self, CONTEXT, Event, NAME, PROMPT, RECIPE, SHARDS, TEMPERATURE, TinyGpt, Token, VOCAB, char_of, encode,
};

/// Seeds the samples printed during and after training: the firmware's
/// `tiny_gpt` image uses the same seed, prompt and temperature.
const SAMPLE_SEED: u64 = 1;
/// Print a sample after these epochs (and the first).
const SAMPLE_EVERY: usize = 10;

fn main() -> Result<(), Box<dyn Error>> {
    let out_dir = std::env::args().nth(1).map_or_else(|| PathBuf::from("target/tiny_gpt"), PathBuf::from);
    std::fs::create_dir_all(&out_dir)?;

    let corpus = tiny_gpt::load()?;
    let prompt = encode(PROMPT)?;
    let steps = RECIPE.epochs * RECIPE.steps_per_epoch;
    println!(
        "tiny_gpt: {} characters of data/tiny_text.txt ({VOCAB} distinct), {} train / {} validation (the tail)",
        corpus.train.len() + corpus.validation.len(),
        corpus.train.len(),
        corpus.validation.len(),
    );
    println!("model {NAME}: {} parameters ({} bytes)", <TinyGpt as Model>::PARAMS, <TinyGpt as Model>::BYTES);
    println!(
        "training: {steps} Adam steps of {} windows of {CONTEXT} characters ({} characters predicted), \
         learning rate {} (warm-up {} steps, linear decay to {}), {SHARDS} threads, seed {}",
        RECIPE.batch,
        steps * RECIPE.batch * CONTEXT,
        RECIPE.learning_rate,
        RECIPE.warmup,
        RECIPE.learning_rate * RECIPE.final_fraction,
        RECIPE.seed,
    );
    println!("uniform guess: loss ln {VOCAB} = {:.4}\n", (VOCAB as f32).ln());

    let mut progress = Progress::new(RECIPE.epochs, RECIPE.steps_per_epoch);
    let (mut train_loss, mut val_loss, mut train_acc, mut val_acc) = (vec![], vec![], vec![], vec![]);
    let mut sampling = Duration::ZERO;
    let start = Instant::now();
    let net: TinyGpt = tiny_gpt::train::<TinyGpt, CONTEXT>(&RECIPE, &corpus, |event| match event {
        Event::Batch { done, loss, accuracy } => progress.batch(done, loss, accuracy),
        Event::Epoch { epoch, train, validation, model } => {
            let stats = EpochStats {
                loss: train.loss,
                acc: train.accuracy,
                val_loss: Some(validation.loss),
                val_acc: Some(validation.accuracy),
            };
            progress.epoch_end(epoch, &stats);
            train_loss.push(train.loss);
            val_loss.push(validation.loss);
            train_acc.push(train.accuracy);
            val_acc.push(validation.accuracy);
            if epoch == 1 || epoch % SAMPLE_EVERY == 0 {
                let begin = Instant::now();
                let text = sample_text(model, &prompt, 120, SAMPLE_SEED);
                sampling += begin.elapsed();
                print_sample(&format!("sample after epoch {epoch}"), &text);
            }
        }
    })?;
    let training = start.elapsed() - sampling;
    println!(
        "\ntrained in {:.1} s ({:.0} characters predicted per second, {SHARDS} threads)",
        training.as_secs_f64(),
        (steps * RECIPE.batch * CONTEXT) as f64 / training.as_secs_f64(),
    );
    println!(
        "loss: train {:.4} → {:.4} (epoch means), validation {:.4} → {:.4}; next-character accuracy on validation {:.1}%",
        train_loss[0],
        train_loss[train_loss.len() - 1],
        val_loss[0],
        val_loss[val_loss.len() - 1],
        100.0 * val_acc[val_acc.len() - 1],
    );

    print_sample(
        &format!(
            "sample at temperature {TEMPERATURE}, seed {SAMPLE_SEED} (the firmware image tiny_gpt writes the first 200 \
             characters after the prompt)"
        ),
        &sample_text(&net, &prompt, 400, SAMPLE_SEED),
    );
    print_sample("greedy (temperature 0)", &sample_text_at(&net, &prompt, 200, 0.0, SAMPLE_SEED));

    measure_generation(&net, &prompt)?;

    let plot = out_dir.join("curves.png");
    training_curves(
        &plot,
        &Curves { train_loss: &train_loss, val_loss: &val_loss, train_acc: &train_acc, val_acc: &val_acc },
    )?;
    let mut source = format!(
        "// Trained by `cargo run --release --example tiny_gpt`:\n// {NAME}.\n// Validation loss {:.4} after {steps} steps.\n",
        val_loss[val_loss.len() - 1]
    );
    net.write_rust(&mut source)?;
    let model = out_dir.join("tiny_gpt_model.rs");
    std::fs::write(&model, source + "\n")?;
    println!("\nwrote {} (loss and next-character accuracy per epoch; validation = the text's tail)", plot.display());
    println!(
        "wrote {} (the trained model as Rust source: `static NET: TinyGpt = include!(\"tiny_gpt_model.rs\");`, \
         the firmware's firmware/src/models/tiny_gpt.rs)",
        model.display()
    );
    Ok(())
}

/// `count` characters after `prompt` at [`TEMPERATURE`].
fn sample_text(net: &TinyGpt, prompt: &[Token], count: usize, seed: u64) -> String {
    sample_text_at(net, prompt, count, TEMPERATURE, seed)
}

/// `count` characters after `prompt`, generated with the key/value cache.
fn sample_text_at(net: &TinyGpt, prompt: &[Token], count: usize, temperature: f32, seed: u64) -> String {
    let mut text: String = prompt.iter().map(|&t| char_of(t)).collect();
    let mut decoding = Decoding::<TinyGpt, Token, CONTEXT>::new(net);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    // The prompt is not empty (a constant).
    let _ = generate(&mut decoding, prompt, count, temperature, &mut rng, |t| text.push(char_of(t)));
    text
}

fn print_sample(title: &str, text: &str) {
    println!("  {title}:");
    for line in text.lines() {
        println!("    | {line}");
    }
}

/// Tokens per second of generation with the key/value cache
/// (`sampling::generate`) and with a whole pass over the whole context per
/// token (`generate_by_whole_passes`), the same tokens.
fn measure_generation(net: &TinyGpt, prompt: &[Token]) -> Result<(), Box<dyn Error>> {
    const COUNT: usize = 2_000;
    let mut cached = Vec::with_capacity(COUNT);
    let mut decoding = Decoding::<TinyGpt, Token, CONTEXT>::new(net);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(SAMPLE_SEED);
    let begin = Instant::now();
    let done = generate(&mut decoding, prompt, COUNT, TEMPERATURE, &mut rng, |t| cached.push(t))?;
    let with_cache = begin.elapsed();

    let mut whole = Vec::with_capacity(COUNT);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(SAMPLE_SEED);
    let begin = Instant::now();
    tiny_gpt::generate_by_whole_passes(net, prompt, COUNT, TEMPERATURE, &mut rng, |t| whole.push(t))?;
    let without = begin.elapsed();
    if cached != whole {
        return Err("generation with the cache and by whole passes differ".into());
    }
    let per_second = |d: Duration| COUNT as f64 / d.as_secs_f64();
    println!(
        "\ngeneration on the host, one thread, {COUNT} characters (the same with and without the cache):\n  \
         with the key/value cache: {:>9.0} characters/s ({} model steps, {} restarts of the full window, each \
         re-feeding its last {} characters)\n  \
         whole pass over the context per character: {:>9.0} characters/s (Layer::eval on exactly the context, \
         {} to {CONTEXT} characters)\n  \
         the cache is {:.1}× faster",
        per_second(with_cache),
        done.steps,
        done.restarts,
        CONTEXT / 2,
        per_second(without),
        CONTEXT / 2,
        without.as_secs_f64() / with_cache.as_secs_f64(),
    );
    Ok(())
}
