//! The `tiny_gpt` image: the character-level language model trained by
//! `examples/tiny_gpt.rs` — a decoder-only transformer over a window of 64
//! characters, two causal pre-norm blocks of width 32 — writes text on the
//! device: 200 characters after a fixed prompt, each drawn by a seeded
//! sampler at temperature 0.8 from the logits of a step through the
//! key/value cache (`constnet::sampling::generate`, the very function the
//! example calls on the host, so the bytes agree by construction). The
//! model is a `static` (flash, 118,400 bytes); the decoding with its caches
//! (32 KiB of keys and values) lives on the stack.
//!
//! The firmware and the host test `tests/firmware_outputs.rs` both compile
//! this file: the same model, prompt, seed and function.

use constnet::layers::{Causal, TransformerEncoderLayer};
use constnet::prelude::*;
use constnet::sampling::{Generated, generate};

/// The vocabulary: token `i` is the byte `CHARS[i]` (the characters of
/// `data/tiny_text.txt`, in byte order).
pub const CHARS: [u8; VOCAB] = *b"\n ',.?abcdefghijklmnopqrstuvwxyz";
/// Tokens in the vocabulary.
pub const VOCAB: usize = 32;
/// The context window, in characters.
pub const CONTEXT: usize = 64;

/// A causal pre-norm block: width 32, 4 heads, GELU feed-forward of 128.
pub type Block = TransformerEncoderLayer<32, 4, 128, f32, Gelu, PreNorm, Causal>;
/// Token embedding, learned positions, two blocks, a final layer norm,
/// dense to the 32 logits: 29,600 parameters, 118,400 bytes.
pub type TinyGpt = (
    Embedding<VOCAB, 32>,
    LearnedPositions<CONTEXT, 32>,
    Block,
    Block,
    PerStep<LayerNorm<32>>,
    PerStep<Dense<32, VOCAB>>,
);

/// The flash this image allows for the model's parameters, in bytes.
pub const BUDGET: usize = 120 * 1024;
const _: () = assert!(<TinyGpt as Model>::BYTES <= BUDGET, "the tiny GPT's parameters do not fit the image's budget");

/// The trained model, as exported by `cargo run --release --example tiny_gpt`.
pub static NET: TinyGpt = include!("models/tiny_gpt.rs");

/// The prompt, as text.
pub const PROMPT_TEXT: &[u8; 17] = b"the little robot ";
/// The prompt's tokens, encoded at compile time.
pub const PROMPT: [TokenId<VOCAB>; 17] = encode(PROMPT_TEXT);
/// Characters generated.
pub const COUNT: usize = 200;
/// The sampler's temperature and the seed of its `Xoshiro256PlusPlus`
/// (the example's samples use the same, so its final sample starts with
/// these 200 characters).
pub const TEMPERATURE: f32 = 0.8;
pub const SEED: u64 = 1;

/// The FNV-1a hash of the 200 bytes the host generates
/// (`tests/firmware_outputs.rs` checks it): the image exits with success
/// only if its own bytes hash to it.
pub const EXPECTED_HASH: u32 = 0x3973_c252;

/// The tokens of `text`; a byte outside the vocabulary fails the build.
const fn encode<const N: usize>(text: &[u8; N]) -> [TokenId<VOCAB>; N] {
    let mut tokens = [TokenId::constant::<0>(); N];
    let mut i = 0;
    while i < N {
        let mut id = 0;
        while id < VOCAB && CHARS[id] != text[i] {
            id += 1;
        }
        tokens[i] = match TokenId::new(id) {
            Some(token) => token,
            None => panic!("the prompt has a byte outside the vocabulary"),
        };
        i += 1;
    }
    tokens
}

/// The generation: [`COUNT`] bytes after [`PROMPT`], drawn at
/// [`TEMPERATURE`] from an RNG seeded with [`SEED`], through a
/// [`Decoding`] (the key/value cache) on this function's stack, with the
/// window rule of `sampling::generate` (a full window of 64 goes on from
/// its last 32 characters). Returns the bytes and what it cost in model
/// steps. Never panics (`check-no-panic.sh`).
#[inline(never)]
pub fn infer() -> ([u8; COUNT], Generated) {
    let mut text = [0_u8; COUNT];
    let mut decoding = Decoding::<TinyGpt, TokenId<VOCAB>, CONTEXT>::new(&NET);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(SEED);
    let mut k = 0;
    let done = generate(&mut decoding, &PROMPT, COUNT, TEMPERATURE, &mut rng, |token| {
        if let (Some(slot), Some(&byte)) = (text.get_mut(k), CHARS.get(token.get())) {
            *slot = byte;
        }
        k += 1;
    });
    // The prompt is not empty, so this is never the default.
    (text, done.unwrap_or_default())
}

/// The FNV-1a hash (32 bits) of `bytes`.
pub fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |hash, &byte| (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193))
}
