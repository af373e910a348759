//! The tiny_gpt example's code, fast: a short training run of its model and
//! recipe learns far more than a uniform guess (and more than character
//! frequencies alone), and generation with the key/value cache
//! (`constnet::sampling::generate`) gives exactly the tokens of whole passes
//! over the same contexts.

#[path = "../examples/support/mod.rs"]
mod support;

use constnet::prelude::*;
use constnet::sampling::generate;
use support::tiny_gpt::{
    self, CHARS, CONTEXT, Event, PROMPT, RECIPE, Recipe, TEXT, TinyGpt, Token, VOCAB, char_of, encode,
    generate_by_whole_passes,
};

/// The example's recipe, cut to 150 steps of 8 windows (76,800 characters
/// predicted, about three passes over the training text; 7 s here on a quiet
/// machine, 11 s with the other core busy).
const SHORT: Recipe = Recipe { epochs: 6, steps_per_epoch: 25, batch: 8, warmup: 20, ..RECIPE };

/// The validation loss the short run must reach. Measured: 2.134 (seed 0;
/// 2.371 after its first epoch).
/// A uniform guess scores ln 32 = 3.47; the characters' frequencies in the
/// training text alone (a unigram model) score 2.94 on the validation text,
/// and counting pairs of characters (a bigram model, add-0.1) 2.16.
const THRESHOLD: f32 = 2.3;

#[test]
fn a_short_run_learns_and_the_cache_generates_the_tokens_of_whole_passes() {
    let corpus = tiny_gpt::load().unwrap();
    let mut first = None;
    let net: TinyGpt = tiny_gpt::train::<TinyGpt, CONTEXT>(&SHORT, &corpus, |event| {
        if let Event::Epoch { validation, .. } = event {
            first.get_or_insert(validation.loss);
        }
    })
    .unwrap();
    let validation = tiny_gpt::measure::<TinyGpt, CONTEXT>(&net, &corpus.validation);
    let uniform = (VOCAB as f32).ln();
    println!("validation loss {:.4} after the first epoch, {:.4} at the end", first.unwrap(), validation.loss);
    assert!(
        validation.loss < THRESHOLD,
        "validation loss {} after {} steps: not below {THRESHOLD} (a uniform guess: {uniform})",
        validation.loss,
        SHORT.epochs * SHORT.steps_per_epoch,
    );
    assert!(validation.loss < first.unwrap(), "the loss did not fall");

    // 150 characters from the prompt: past the window of 64, so the
    // generation restarts twice from the last 32 characters.
    let prompt = encode(PROMPT).unwrap();
    for (temperature, seed) in [(tiny_gpt::TEMPERATURE, 1), (0.0, 2), (1.5, 3)] {
        let mut cached = Vec::new();
        let mut decoding = Decoding::<TinyGpt, Token, CONTEXT>::new(&net);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let done = generate(&mut decoding, &prompt, 150, temperature, &mut rng, |t| cached.push(t)).unwrap();
        assert_eq!((done.tokens, done.restarts), (150, 4));

        let mut whole = Vec::new();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        generate_by_whole_passes(&net, &prompt, 150, temperature, &mut rng, |t| whole.push(t)).unwrap();
        let text: String = cached.iter().map(|&t| char_of(t)).collect();
        assert_eq!(cached, whole, "temperature {temperature}: {PROMPT}{text}");
    }
}

#[test]
fn the_vocabulary_is_the_texts_characters() {
    let mut seen: Vec<u8> = TEXT.bytes().collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen, CHARS, "the text's distinct bytes, in order");
    let tokens = encode(TEXT).unwrap();
    assert_eq!(tokens.iter().map(|&t| char_of(t)).collect::<String>(), TEXT);
    assert!(encode("the robot!").unwrap_err().contains("0x21 at offset 9"));

    let corpus = tiny_gpt::load().unwrap();
    assert_eq!(corpus.train.len() + corpus.validation.len(), TEXT.len());
    assert_eq!(&tokens[..corpus.train.len()], &corpus.train[..]);
    // The validation text is the tail from a line start, about a tenth.
    assert_eq!(char_of(corpus.train[corpus.train.len() - 1]), '\n');
    assert!((2_800..3_000).contains(&corpus.validation.len()), "{}", corpus.validation.len());
}
