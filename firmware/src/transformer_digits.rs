//! The `transformer_digits` image: the transformer encoder classifier
//! trained by `examples/transformer_digits.rs` — each 8×8 digit as 8
//! tokens (its rows) of 8 pixels, embedded to 32, learned positions added,
//! one post-norm encoder layer (4 heads, ReLU feed-forward of 64), the mean
//! over the tokens, dense to 10 logits — classifies the digits example's
//! 360 test digits on the device. Model and test set are `static`s
//! (flash); pixels are scaled by 1/16 on the device, exactly as on the
//! host.
//!
//! Both boards: inference peaks at about 12 KB of stack on the Cortex-M4F
//! and 15 KB on the Cortex-M0, inside its 16 KB of RAM.
//!
//! The firmware and the host test `tests/firmware_outputs.rs` both compile
//! this file: the same model, the same inputs, the same function.

use constnet::layers::TransformerEncoderLayer;
use constnet::prelude::*;

/// `PerStep<Dense<8, 32>>` → `LearnedPositions<8, 32>` →
/// `TransformerEncoderLayer<32, 4, 64>` → `MeanOverSteps` →
/// `Dense<32, 10>`: 9,418 parameters, 37,672 bytes.
pub type TransformerDigits =
    (PerStep<Dense<8, 32>>, LearnedPositions<8, 32>, TransformerEncoderLayer<32, 4, 64>, MeanOverSteps, Dense<32, 10>);

/// The flash this image allows for the model's parameters, in bytes.
pub const BUDGET: usize = 40 * 1024;
const _: () = assert!(
    <TransformerDigits as Model>::BYTES <= BUDGET,
    "the transformer's parameters do not fit the image's budget"
);

/// The trained model, as exported by `cargo run --release --example transformer_digits`.
pub static NET: TransformerDigits = include!("models/transformer_digits.rs");

/// The digits example's test split (seed 0): raw pixels and labels.
pub static TEST_SET: [([u8; 64], u8); 360] = include!("models/digits_test_set.rs");

/// The model's input for raw pixels: 8 tokens, the rows top row first, of
/// 8 pixels each divided by 16, exactly.
pub fn tokens(raw: &[u8; 64]) -> Sequence<[f32; 8], 8> {
    Sequence::new(core::array::from_fn(|r| core::array::from_fn(|c| f32::from(raw[8 * r + c]) / 16.0)))
}

/// One inference: the ten logits. Never panics (`check-no-panic.sh`).
#[inline(never)]
pub fn infer(tokens: &Sequence<[f32; 8], 8>) -> [f32; 10] {
    NET.forward(tokens)
}

/// The index of the largest logit (the first, on ties).
pub fn predicted(logits: &[f32; 10]) -> usize {
    argmax(logits)
}
